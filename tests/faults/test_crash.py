"""Crash safety: SIGKILL workers at random moments while thousands of articles flow; nothing may be lost."""

from __future__ import annotations

import os
import random
import time

import pytest

from bench.deployment import new_pipeline
from bench.workload import build

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
ARTICLES = int(os.environ.get("NEWS_INGEST_FAULT_ARTICLES", "5000"))
KILLS = 3


def test_sigkill_three_times_loses_nothing(kafka_broker, tmp_path):
    rng = random.Random(2025)
    workload = build(ARTICLES, duplicates=0.2, bad=0.02, seed=11)
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_SESSION_TIMEOUT_SECONDS": "10"})
    try:
        pipeline.start_worker()
        pipeline.start_worker()
        pipeline.send([(m.key, m.value) for m in workload])
        raw = pipeline.raw_identities(len(workload))
        assert len(raw) == len(workload)
        for kill in range(KILLS):
            time.sleep(rng.uniform(5, 20))
            slot = kill % 2
            pipeline.kill_worker(slot)
            time.sleep(rng.uniform(0.5, 3))
            pipeline.start_worker(slot)
        report = pipeline.wait_until_settled(raw, timeout=1200)
    finally:
        pipeline.stop()
    print(f"crash test, {len(workload)} articles, {KILLS} SIGKILLs: {report.summary()}")
    (tmp_path / "accounting.txt").write_text(report.summary())
    assert report.lost == [], f"{report.summary()}; lost: {pipeline.trace(report.lost)}"
    assert report.unexpected == [], report.summary()
