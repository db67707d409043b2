from datetime import UTC, datetime

import orjson
import pytest

from schemas import PUBLISHED, SCHEMA_DIR, DeadLetter, json_schema

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_committed_json_schema_matches_the_model(name):
    committed = orjson.loads((SCHEMA_DIR / f"{name}.schema.json").read_bytes())
    assert committed == json_schema(PUBLISHED[name]), "run: news-ingest schema export schemas"


def test_dead_letter_round_trips_original_bytes_as_base64():
    letter = DeadLetter(
        stage="clean",
        reason="not_utf8",
        detail="x",
        original=b"\xff\x00",
        topic="news.raw",
        partition=3,
        offset=9,
        received_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    data = orjson.loads(letter.to_json())
    assert data["original"] == "/wA="
    assert DeadLetter.model_validate_json(letter.to_json()) == letter
