"""Scale out and in while articles flow: a second worker joins mid-run and later leaves with SIGTERM. The
rebalances must lose nothing (an agent that stops consuming after a rebalance, or skipped offsets, leave
articles without outcome by the deadline) and, the leave being graceful, double nothing."""

from __future__ import annotations

import pytest

from bench.deployment import new_pipeline
from bench.workload import build

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
PER_PHASE = 200


def test_second_worker_joins_and_leaves_mid_run(kafka_broker, tmp_path):
    workload = build(3 * PER_PHASE, duplicates=0.2, bad=0.02, seed=41)
    phases = [[(m.key, m.value) for m in workload[i * PER_PHASE : (i + 1) * PER_PHASE]] for i in range(3)]
    pipeline = new_pipeline(kafka_broker, tmp_path)
    try:
        pipeline.start_worker()
        pipeline.send(phases[0])
        pipeline.wait_for_count("enriched", PER_PHASE // 4)
        pipeline.start_worker()  # joins: the partitions are shared out again
        pipeline.send(phases[1])
        pipeline.wait_for_count("enriched", PER_PHASE)
        cleaned_by_second = pipeline.metric(1, 'news_ingest_stage_in_total{stage="clean"}')
        code, seconds = pipeline.terminate_worker(1)  # leaves: its partitions go back to the first
        pipeline.send(phases[2])
        raw = pipeline.raw_identities(len(workload))
        report = pipeline.wait_until_settled(raw, timeout=600)
        first_alive = pipeline.workers[0].poll() is None
    finally:
        pipeline.stop()
    print(
        f"scale out and in, {len(workload)} articles, second worker cleaned {cleaned_by_second:.0f} and left "
        f"with exit code {code} after {seconds:.1f} s: {report.summary()}"
    )
    assert cleaned_by_second > 0, "the second worker never got work: no rebalance was tested"
    assert code == 0 and first_alive
    assert report.lost == [] and report.unexpected == [], (
        f"{report.summary()}; lost: {pipeline.trace(report.lost)}\n{pipeline.handovers()}"
    )
    assert report.doubled == [], (
        f"{report.summary()}; doubled: {pipeline.trace(report.doubled)}\n{pipeline.handovers()}"
    )
