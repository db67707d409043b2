"""Graceful shutdown: SIGTERM in the middle of a run finishes in-flight work and commits, so a restarted
worker reprocesses nothing: every article ends with exactly one outcome."""

from __future__ import annotations

import pytest

from bench.deployment import new_pipeline
from bench.workload import build

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
ARTICLES = 400
AFTER_RESTART = 20
EXIT_TIMEOUT = 60


def test_sigterm_mid_run_then_restart_doubles_nothing(kafka_broker, tmp_path):
    workload = build(ARTICLES + AFTER_RESTART, duplicates=0.2, bad=0.02, seed=23)
    before, after = workload[:ARTICLES], workload[ARTICLES:]
    pipeline = new_pipeline(kafka_broker, tmp_path)
    try:
        pipeline.start_worker()
        pipeline.send([(m.key, m.value) for m in before])
        pipeline.wait_for_count("enriched", ARTICLES // 4)
        code, seconds = pipeline.terminate_worker(0, timeout=EXIT_TIMEOUT)
        in_flight = len(pipeline.outcomes())
        print(f"SIGTERM with {in_flight} of {ARTICLES} outcomes out: exit code {code} after {seconds:.1f} s")
        assert code == 0, pipeline.log_text(0)[-4000:]
        pipeline.start_worker(0)
        pipeline.send([(m.key, m.value) for m in after])
        raw = pipeline.raw_identities(len(workload))
        report = pipeline.wait_until_settled(raw, timeout=600)
    finally:
        pipeline.stop()
    print(f"graceful shutdown, {len(workload)} articles: {report.summary()}")
    assert report.lost == [] and report.unexpected == [], (
        f"{report.summary()}; lost: {pipeline.trace(report.lost)}\n{pipeline.handovers()}"
    )
    assert report.doubled == [], (
        f"{report.summary()}; doubled: {pipeline.trace(report.doubled)}\n{pipeline.handovers()}"
    )
