"""The operator helpers of the CLI: message keys, settings errors and secret masking."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from worker.cli import KeyFrom, mask_secrets, message_key, settings_error
from worker.inputs import InputRecord
from worker.settings import Settings

pytestmark = pytest.mark.unit

LINE = InputRecord(None, b'{"id": "a1", "url": "https://example.org/x", "text": "t"}', "feeds/feed.jsonl", 3)
PAGE = InputRecord(b"site/page.html", b"<html><p>text</p></html>", "samples/site/page.html", 0)


@pytest.mark.parametrize(
    ("record", "key_from", "key"),
    [
        (LINE, None, None),
        (PAGE, None, b"site/page.html"),
        (LINE, KeyFrom.filename, b"feed.jsonl"),
        (PAGE, KeyFrom.none, None),
        (LINE, KeyFrom.id, b"a1"),
        (LINE, KeyFrom.url, b"https://example.org/x"),
        (PAGE, KeyFrom.id, None),
        (InputRecord(None, b'{"text": "no id"}', "-", 0), KeyFrom.id, None),
        (InputRecord(None, b'{"text": "stdin"}', "-", 0), KeyFrom.filename, None),
    ],
)
def test_message_key(record: InputRecord, key_from: KeyFrom | None, key: bytes | None):
    assert message_key(record, key_from) == key


def test_settings_error_names_the_variable_and_what_is_expected():
    with pytest.raises(ValidationError) as caught:
        Settings(partitions="abc", web_port=0)
    message = settings_error(caught.value)
    assert "NEWS_INGEST_PARTITIONS='abc': Input should be a valid integer" in message
    assert "NEWS_INGEST_WEB_PORT=0: Input should be greater than or equal to 1" in message
    assert "\n" not in message


def test_mask_secrets_masks_secret_looking_names_only():
    settings = {
        "broker": "kafka://h:9092",
        "sasl_password": "hunter2",
        "api_token": "t0k",
        "ssl_key_file": "/etc/key.pem",
        "client_secret": "",
        "partitions": 4,
    }
    assert mask_secrets(settings) == {
        "broker": "kafka://h:9092",
        "sasl_password": "***",
        "api_token": "***",
        "ssl_key_file": "***",
        "client_secret": "",
        "partitions": 4,
    }
