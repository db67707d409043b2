"""10,000 hostile messages through one real worker: each ends as a dead letter with its specific reason or as
a record, nothing is lost, the worker neither crashes nor stalls, and its memory stays bounded."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from bench.deployment import Pipeline, new_pipeline
from bench.poison import RECORD, stream
from schemas import DeadLetter
from tests.faults.observe import rss_bytes
from worker.accounting import Report, message_identity, origin_identity, outcome_identity
from worker.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
MESSAGES = 10_000
RSS_GROWTH_LIMIT = 300 * 1024 * 1024
MB = 1024 * 1024
WARM_UP = 500  # first allocations (the NER model's working memory, one of each large input) are not growth


def settled(pipeline: Pipeline, count: int) -> tuple[list, Report]:
    """The raw records once ``count`` are there, and the accounting once every one has its outcome."""
    raw_records = pipeline.read_records(pipeline.topic("raw"), count, timeout=120, settle=1)
    identities = [message_identity(r.partition, r.offset) for r in raw_records]
    return raw_records, pipeline.wait_until_settled(identities, timeout=600)


def test_ten_thousand_poison_messages(kafka_broker, tmp_path):
    limit = Settings().max_payload_bytes
    warm_up, poison = stream(WARM_UP, limit, large_every=100, seed=9), stream(MESSAGES, limit)
    expected_for = {p.value: p.expected for p in warm_up + poison}
    pipeline = new_pipeline(kafka_broker, tmp_path)
    try:
        worker = pipeline.start_worker()
        pipeline.wait_for_log(0, "NER model", 120)
        rss_ready = rss_bytes(worker.pid)
        pipeline.send([(None, p.value) for p in warm_up])
        settled(pipeline, len(warm_up))
        rss_before = rss_bytes(worker.pid)
        started, half = time.monotonic(), len(poison) // 2
        pipeline.send([(None, p.value) for p in poison[:half]])
        settled(pipeline, len(warm_up) + half)
        rss_half = rss_bytes(worker.pid)
        pipeline.send([(None, p.value) for p in poison[half:]])
        raw_records, report = settled(pipeline, len(warm_up + poison))
        seconds = time.monotonic() - started
        alive = worker.poll() is None
        rss_after = rss_bytes(worker.pid) if alive else 0
        letters = [DeadLetter.model_validate_json(v) for v in pipeline.read("deadletter", 0, timeout=30, settle=1)]
        records = [
            outcome_identity(v, False, pipeline.topic("raw"))
            for name in ("enriched", "duplicates")
            for v in pipeline.read(name, 0, settle=1)
        ]
        log = pipeline.log_text(0)
    finally:
        pipeline.stop()
    expected_by_identity = {message_identity(r.partition, r.offset): expected_for[r.value] for r in raw_records}
    wrong = [
        (letter.reason, expected_by_identity.get(origin_identity(letter.origin, pipeline.topic("raw"))), letter.detail)
        for letter in letters
        if letter.reason != expected_by_identity.get(origin_identity(letter.origin, pipeline.topic("raw")))
    ]
    unexpected_records = [identity for identity in records if expected_by_identity.get(identity) != RECORD]
    reasons = dict(Counter(letter.reason for letter in letters))
    print(
        f"{len(poison)} poison messages (after {WARM_UP} to warm up) through one worker in {seconds:.0f}s: {len(letters)} dead letters {reasons}, "
        f"{len(records)} records; RSS {rss_ready / MB:.0f} MB at start, {rss_before / MB:.0f} MB after "
        f"{WARM_UP} warm-up messages, {rss_half / MB:.0f} MB after {half}, {rss_after / MB:.0f} MB after the {len(poison)} "
        f"(+{(rss_after - rss_before) / MB:.0f} MB); {report.summary()}"
    )
    assert alive, log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    assert report.lost == [] and report.unexpected == [], report.summary()
    assert wrong == [], f"{len(wrong)} dead letters with another reason than expected, e.g. {wrong[:5]}"
    assert unexpected_records == []
    assert rss_after - rss_before < RSS_GROWTH_LIMIT
