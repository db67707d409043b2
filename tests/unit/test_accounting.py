from datetime import UTC, datetime

import pytest

from schemas import DeadLetter
from worker.accounting import account, dead_letter_identity, message_identity

pytestmark = pytest.mark.unit


def letter(original: bytes, topic: str = "news.raw", partition: int = 1, offset: int = 7) -> DeadLetter:
    return DeadLetter(
        stage="clean", reason="invalid_json", detail="", original=original, topic=topic,
        partition=partition, offset=offset, received_at=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def test_identities():
    assert message_identity(b'{"id": "a1", "text": "x"}', 0, 3) == "id:a1"
    assert message_identity(b"plain text", 2, 9) == "raw:2:9"
    assert message_identity(b'{"broken', 2, 9) == "raw:2:9"
    assert dead_letter_identity(letter(b'{"id": "a1"}'), "news.raw") == "id:a1"
    assert dead_letter_identity(letter(b"\xff"), "news.raw") == "raw:1:7"


def test_lost_doubled_and_unexpected():
    report = account(["id:a", "id:b", "raw:0:5", "id:c"], ["id:a", "id:a", "raw:0:5", "id:x"])
    assert report.lost == ["id:b", "id:c"]
    assert report.doubled == ["id:a"]
    assert report.unexpected == ["id:x"]
    assert "lost=2 doubled=1 (extra records 1) unexpected=1" in report.summary()


def test_a_resent_id_expects_one_outcome_per_message():
    report = account(["id:a", "id:a"], ["id:a", "id:a"])
    assert not report.lost and not report.doubled and not report.unexpected
