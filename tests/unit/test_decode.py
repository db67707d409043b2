import orjson
import pytest

from worker.clean import decode_raw
from worker.errors import Rejected

pytestmark = pytest.mark.unit
LIMIT = 1000


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"", "missing_content"),
        (None, "missing_content"),
        (b"   \n", "missing_content"),
        (b'{"title": "x"', "invalid_json"),
        (b'{"title": "only a title"}', "missing_content"),
        (b'{"html": "  ", "text": ""}', "missing_content"),
        (b'{"text": 42}', "invalid_schema"),
        (b"[1, 2]", "invalid_schema"),
        (b"\xff\xfeplain", "not_utf8"),
        (b"x" * (LIMIT + 1), "too_large"),
    ],
)
def test_bad_inputs_are_rejected_with_their_reason(value, reason):
    with pytest.raises(Rejected) as caught:
        decode_raw(value, LIMIT)
    assert caught.value.reason == reason
    assert caught.value.detail


def test_plain_text_becomes_text():
    assert decode_raw("Héllo world".encode(), LIMIT).text == "Héllo world"


def test_html_page_becomes_html():
    page = b"<!DOCTYPE html>\n<html><body><p>Hi</p></body></html>"
    article = decode_raw(page, LIMIT)
    assert (article.html, article.text) == (page.decode(), None)


def test_json_article_keeps_metadata_and_ignores_unknown_fields():
    value = orjson.dumps({"id": "a1", "text": "Body.", "metadata": {"feed": 7}, "extra": True})
    article = decode_raw(value, LIMIT)
    assert (article.id, article.text, article.metadata) == ("a1", "Body.", {"feed": 7})


@pytest.mark.parametrize(
    "page",
    [
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">\n<html><p>Hi</p></html>',
        b"<script>var a = 1;</script>\n<html><body><p>Hi</p></body></html>",
        b"<br />\n<b>Deprecated</b>: a server warning\n<html><body><p>Hi</p></body></html>",
    ],
)
def test_page_with_a_prologue_before_html_becomes_html(page):
    assert decode_raw(page, LIMIT).html == page.decode()


def test_text_that_mentions_a_tag_stays_text():
    text = b"Readers asked why the <body> of the page was blank."
    assert decode_raw(text, LIMIT).text == text.decode()
