"""Hostile input through the clean stage's entry point: every input is a valid cleaned article or a dead
letter with a specific reason, never a crash (bench/poison.py has the corpus)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import get_args

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.poison import ARTICLE, RECORD, corpus, small
from schemas import CleanedArticle, DeadLetter, DeadLetterReason
from worker.clean.decode import json_depth
from worker.errors import Rejected
from worker.pipeline import Message, clean_message, dead_letter
from worker.settings import Settings

pytestmark = pytest.mark.unit

SETTINGS = Settings()
SPECIFIC_REASONS = set(get_args(DeadLetterReason)) - {"internal_error"}
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SMALL_REASONS = {"not_utf8", "invalid_json", "too_large", "invalid_schema", "missing_content", "empty_after_cleaning"}


def outcome(value: bytes, key: bytes | None = None, config: Settings = SETTINGS) -> str:
    """RECORD for a cleaned article that survives publishing, else the dead letter's reason; any other
    exception fails the test."""
    message = Message(value, key, "news.raw", 0, 0, NOW)
    try:
        article = clean_message(message, config)
    except Rejected as rejected:
        letter = dead_letter("clean", message, rejected)
        assert DeadLetter.model_validate_json(letter.to_json()).original == value
        return rejected.reason
    assert CleanedArticle.model_validate_json(article.to_json()) == article
    return RECORD


@pytest.mark.parametrize("poison", corpus(SETTINGS.max_payload_bytes), ids=lambda p: p.kind)
def test_each_hostile_input_has_its_specific_outcome(poison) -> None:
    assert outcome(poison.value) == poison.expected


def test_the_small_mixed_stream_has_every_outcome() -> None:
    assert {p.expected for p in small(500)} == {RECORD, *SMALL_REASONS}


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)
FIELDS = st.sampled_from(["id", "url", "title", "html", "text", "published_at", "fetched_at", "authors", "metadata"])
HTML_PIECES = st.sampled_from(
    ["<p>", "</p>", "<script>", "</script>", "<style>", "<div>", "&amp;", "&#0;", "&#xD800;", "<!--", "\u200b",
     "\x00", "<html>", "<body>", "<a href='x'>", "<meta charset='klingon'>", ARTICLE[:200], " ", "\n"]
)  # fmt: skip
# stdlib json writes integers beyond 64 bits, which orjson would refuse to write
JSON_ARTICLES = st.dictionaries(FIELDS, JSON_VALUES | st.text() | st.just(ARTICLE), max_size=6).map(
    lambda data: json.dumps(data).encode()
)
HTML_PAGES = st.lists(HTML_PIECES, max_size=60).map(lambda parts: "".join(parts).encode())
INPUTS = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(str.encode),
    JSON_ARTICLES,
    JSON_ARTICLES.flatmap(lambda data: st.integers(0, len(data)).map(lambda cut: data[:cut])),
    HTML_PAGES,
    JSON_VALUES.map(lambda data: json.dumps(data, ensure_ascii=False).encode()),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(INPUTS, st.none() | st.binary(max_size=40))
@example(b"<body><style>html", None)  # htmldate's clean-up once raised on a parentless <style>
def test_any_input_is_a_record_or_a_specific_dead_letter(value: bytes, key: bytes | None) -> None:
    assert outcome(value, key) in {RECORD, *SPECIFIC_REASONS}


def test_nesting_limit_counts_levels_and_is_a_setting() -> None:
    assert [json_depth(v, 10) for v in (1, [], {"a": [1, {"b": 2}]})] == [0, 1, 3]
    article = orjson.dumps({"id": "n", "text": ARTICLE, "metadata": {"a": {"b": {"c": 1}}}})
    assert outcome(article) == RECORD
    assert outcome(article, config=Settings(max_json_depth=3)) == "too_large"


def test_html_element_limit_is_a_setting() -> None:
    page = f"<html><body>{'<span>x</span>' * 50}<p>{ARTICLE}</p></body></html>".encode()
    assert outcome(page) == RECORD
    assert outcome(page, config=Settings(max_html_elements=50)) == "too_large"
