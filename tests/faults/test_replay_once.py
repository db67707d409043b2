"""Dead letters fixed and replayed are processed exactly once, however often the replay command runs."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from bench.deployment import new_pipeline
from bench.poison import SENTENCE
from schemas import DeadLetter, DuplicateVerdict, EnrichedArticle
from worker.accounting import message_identity

pytestmark = [pytest.mark.kafka, pytest.mark.faults]
SMALL_LIMIT = 20_000
STORIES = 10


def story(n: int) -> bytes:
    """A valid article of about 30 kB: over the small payload limit, under the raised one."""
    paragraphs = [
        f"Story {n}, part {part}: the vote was {n * 100 + part} to {part}. {SENTENCE * 3}" for part in range(80)
    ]
    return orjson.dumps({"id": f"big-{n}", "title": f"Story number {n}", "text": "\n\n".join(paragraphs)})


def test_fixed_dead_letters_replayed_twice_are_processed_once(kafka_broker, tmp_path):
    big = [story(n) for n in range(STORIES)]
    broken = [b'{"id": "cut-%d", "text": "never closed' % n for n in range(3)]
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_MAX_PAYLOAD_BYTES": str(SMALL_LIMIT)})
    try:
        pipeline.start_worker()
        pipeline.send([(None, value) for value in big + broken])
        letters = [DeadLetter.model_validate_json(v) for v in pipeline.read("deadletter", STORIES + 3, settle=1)]
        assert Counter(letter.reason for letter in letters) == {"too_large": STORIES, "invalid_json": 3}

        pipeline.stop()  # the fix: a larger payload limit
        pipeline.env["NEWS_INGEST_MAX_PAYLOAD_BYTES"] = str(10 * SMALL_LIMIT)
        pipeline.start_worker(0)
        first = pipeline.cli("replay", "--reason", "too_large", "--force", "--until-idle", "2")
        second = pipeline.cli("replay", "--reason", "too_large", "--force", "--until-idle", "2")
        again = pipeline.cli("replay", "--reason", "too_large", "--force", "--again", "--dry-run", "--until-idle", "2")

        raw = pipeline.read_records(pipeline.topic("raw"), len(big + broken) + STORIES, settle=1)
        report = pipeline.wait_until_settled([message_identity(r.partition, r.offset) for r in raw], 300)
        enriched = [EnrichedArticle.model_validate_json(v).id for v in pipeline.read("enriched", 0, settle=1)]
        verdicts = [DuplicateVerdict.model_validate_json(v).id for v in pipeline.read("duplicates", 0, settle=1)]
    finally:
        pipeline.stop()
    print(f"replay: first run: {first.stderr.strip()}; second run: {second.stderr.strip()}; {report.summary()}")
    assert f"replayed {STORIES} dead letters" in first.stderr
    assert "replayed 0 dead letters" in second.stderr and f"{STORIES} replayed before" in second.stderr
    assert f"would replay {STORIES} dead letters" in again.stderr, "--again would send them once more"
    assert Counter(r.value for r in raw) == Counter(big * 2 + broken), "each fixed letter went back to raw once"
    assert Counter(enriched + verdicts) == Counter(f"big-{n}" for n in range(STORIES)), "one outcome per replayed id"
    assert report.lost == [] and report.doubled == [] and report.unexpected == [], report.summary()
