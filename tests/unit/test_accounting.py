from datetime import UTC, datetime

import orjson
import pytest

from schemas import DeadLetter, Origin
from worker.accounting import account, message_identity, outcome_identity

pytestmark = pytest.mark.unit


def letter(topic: str = "news.raw", origin: Origin | None = None) -> bytes:
    return DeadLetter(
        stage="clean", reason="invalid_json", detail="", original=b"{", topic=topic,
        partition=1, offset=7, received_at=datetime(2025, 1, 1, tzinfo=UTC), origin=origin,
    ).to_json()  # fmt: skip


def test_outcomes_are_known_by_the_raw_message_they_name():
    assert message_identity(2, 9) == "raw:2:9"
    assert outcome_identity(letter(), True, "news.raw") == "raw:1:7"
    behind = Origin(topic="news.raw", partition=3, offset=11, key=b"\xff")
    assert outcome_identity(letter("news.cleaned", behind), True, "news.raw") == "raw:3:11"
    assert outcome_identity(letter("news.cleaned"), True, "news.raw") == "unknown:news.cleaned:1:7"
    verdict = {"id": "b", "origin": orjson.loads(behind.to_json())}
    assert outcome_identity(orjson.dumps(verdict), False, "news.raw") == "raw:3:11"
    assert outcome_identity(orjson.dumps(verdict), False, "other.raw").startswith("unknown:")


def test_lost_doubled_and_unexpected():
    report = account(["id:a", "id:b", "raw:0:5", "id:c"], ["id:a", "id:a", "raw:0:5", "id:x"])
    assert report.lost == ["id:b", "id:c"]
    assert report.doubled == ["id:a"]
    assert report.unexpected == ["id:x"]
    assert "lost=2 doubled=1 (extra records 1) unexpected=1" in report.summary()


def test_a_resent_id_expects_one_outcome_per_message():
    report = account(["id:a", "id:a"], ["id:a", "id:a"])
    assert not report.lost and not report.doubled and not report.unexpected
