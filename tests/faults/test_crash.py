"""Crash safety: SIGKILL workers at random moments while thousands of articles flow; nothing may be lost."""

from __future__ import annotations

import os
import random
import time

import pytest

from bench.deployment import Pipeline, new_pipeline
from bench.workload import build
from schemas import DeadLetter, DuplicateVerdict, EnrichedArticle
from worker.accounting import Report, account, dead_letter_identity, message_identity

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
ARTICLES = int(os.environ.get("NEWS_INGEST_FAULT_ARTICLES", "5000"))
KILLS = 3


def outcomes(pipeline: Pipeline) -> list[str]:
    """The identity of every record on the three output topics."""
    read = lambda name: pipeline.read(name, 0, timeout=30, settle=1)  # noqa: E731
    identities = [f"id:{EnrichedArticle.model_validate_json(v).id}" for v in read("enriched")]
    identities += [f"id:{DuplicateVerdict.model_validate_json(v).id}" for v in read("duplicates")]
    raw_topic = pipeline.topic("raw")
    identities += [dead_letter_identity(DeadLetter.model_validate_json(v), raw_topic) for v in read("deadletter")]
    return identities


def wait_until_settled(pipeline: Pipeline, raw: list[str], timeout: float) -> Report:
    """Poll until every raw message has an outcome and nothing new arrived for 15 s (or time runs out)."""
    deadline, last, stable_since = time.monotonic() + timeout, -1, time.monotonic()
    while True:
        found = outcomes(pipeline)
        report = account(raw, found)
        if len(found) != last:
            last, stable_since = len(found), time.monotonic()
        elif not report.lost and time.monotonic() - stable_since > 15:
            return report
        if time.monotonic() > deadline:
            return report
        time.sleep(5)


def test_sigkill_three_times_loses_nothing(kafka_broker, tmp_path):
    rng = random.Random(2025)
    workload = build(ARTICLES, duplicates=0.2, bad=0.02, seed=11)
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_SESSION_TIMEOUT_SECONDS": "10"})
    try:
        pipeline.start_worker()
        pipeline.start_worker()
        partitions_offsets = pipeline.send([(m.key, m.value) for m in workload])
        raw_records = pipeline.read_records(pipeline.topic("raw"), len(workload), timeout=60, settle=1)
        assert len(raw_records) == len(workload) == len(partitions_offsets)
        for kill in range(KILLS):
            time.sleep(rng.uniform(5, 20))
            slot = kill % 2
            pipeline.kill_worker(slot)
            time.sleep(rng.uniform(0.5, 3))
            pipeline.start_worker(slot)
        raw = [message_identity(r.value, r.partition, r.offset) for r in raw_records]
        report = wait_until_settled(pipeline, raw, timeout=1200)
    finally:
        pipeline.stop()
    print(f"crash test, {len(workload)} articles, {KILLS} SIGKILLs: {report.summary()}")
    (tmp_path / "accounting.txt").write_text(report.summary())
    assert report.lost == [], report.summary()
    assert report.unexpected == [], report.summary()
