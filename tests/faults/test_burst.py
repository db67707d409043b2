"""Overload: a burst of 20,000 messages at one worker must not cost it its place in the consumer group."""

from __future__ import annotations

import os
import random
import time

import pytest

from bench.deployment import new_pipeline
from bench.poison import RECORD, small
from bench.workload import build
from tests.faults.observe import group_members, metric
from worker.accounting import message_identity

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
BURST = int(os.environ.get("NEWS_INGEST_BURST_MESSAGES", "20000"))
# 20,000 full articles would keep one worker busy for many minutes, mostly NER. So one message in twenty is a
# full article from the workload (20% of them copies, 2% bad), and the rest are small hostile inputs that the
# clean stage parses, cleans and dead-letters: every message still goes through the worker's event loop.
ARTICLE_SHARE = 0.05


def test_a_burst_causes_no_rebalance_and_loses_nothing(kafka_broker, tmp_path):
    articles = build(int(BURST * ARTICLE_SHARE), duplicates=0.2, bad=0.02, seed=5)
    hostile = [p for p in small(2 * BURST) if p.expected != RECORD][: BURST - len(articles)]
    burst = [(m.key, m.value) for m in articles] + [(None, p.value) for p in hostile]
    random.Random(5).shuffle(burst)
    # A stricter session timeout than the default 30 s: a stalled event loop misses heartbeats sooner.
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_SESSION_TIMEOUT_SECONDS": "10"})
    try:
        worker = pipeline.start_worker()
        pipeline.wait_for_log(0, "partition assignment #1", 60)
        state, members = group_members(pipeline)
        assignments = metric(pipeline, 0, "news_ingest_partition_assignments_total")
        started = time.monotonic()
        pipeline.send(burst)
        raw_records = pipeline.read_records(pipeline.topic("raw"), len(burst), timeout=120, settle=1)
        raw = [message_identity(r.partition, r.offset) for r in raw_records]
        report = pipeline.wait_until_settled(raw, timeout=600)
        seconds = time.monotonic() - started
        after = group_members(pipeline)
        assignments_after = metric(pipeline, 0, "news_ingest_partition_assignments_total")
        revocations = metric(pipeline, 0, "news_ingest_partition_revocations_total")
        stall = metric(pipeline, 0, "news_ingest_event_loop_stall_seconds")
        alive = worker.poll() is None
        log = pipeline.log_text(0)
    finally:
        pipeline.stop()
    kinds = {kind: sum(m.kind == kind for m in articles) for kind in ("unique", "duplicate", "bad")}
    print(
        f"burst of {len(burst)} messages ({len(articles)} articles {kinds}, the rest hostile) to one worker: "
        f"settled in {seconds:.0f}s ({len(burst) / seconds:.0f} messages/s); assignments {assignments:.0f} -> {assignments_after:.0f}, "
        f"revocations {revocations:.0f}, group {state} {members} -> {after}, "
        f"last-minute event-loop stall {stall:.3f}s; {report.summary()}"
    )
    assert alive
    assert (state, assignments) == ("Stable", 1)
    assert after == (state, members), "the worker left or rejoined the group during the burst"
    assert (assignments_after, revocations) == (1, 0), "a rebalance happened during the burst"
    assert "partition assignment #2" not in log
    assert report.lost == [] and report.unexpected == [], f"{report.summary()}; lost: {pipeline.trace(report.lost)}"
    assert report.doubled == [], f"without a rebalance or a crash nothing is processed twice: {report.summary()}"
