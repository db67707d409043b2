"""Broker outage: the broker stops for 30 s in the middle of a run and comes back; the worker, never
restarted, recovers by itself and every article still gets its outcome."""

from __future__ import annotations

import time

import orjson
import pytest

from bench.deployment import LocalBroker, new_pipeline
from bench.workload import build
from tests.integration.test_worker_web import get

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
OUTAGE_BROKER_PORT = 19192  # its own broker (controller on 19193): the shared one is never stopped
ARTICLES = 400
OUTAGE_SECONDS = 30


@pytest.fixture
def own_broker(tmp_path):
    broker = LocalBroker(OUTAGE_BROKER_PORT, tmp_path / "kafka")
    assert not broker.listening(), f"port {OUTAGE_BROKER_PORT} is taken"
    broker.start()
    yield broker
    broker.stop()


def test_worker_recovers_from_a_30_s_broker_outage_by_itself(own_broker: LocalBroker, tmp_path):
    workload = build(ARTICLES, duplicates=0.2, bad=0.02, seed=31)
    pipeline = new_pipeline(own_broker.url, tmp_path / "run")
    try:
        worker = pipeline.start_worker()
        pipeline.send([(m.key, m.value) for m in workload])
        raw = pipeline.raw_identities(len(workload))
        pipeline.wait_for_count("enriched", ARTICLES // 5)
        own_broker.stop()
        time.sleep(OUTAGE_SECONDS)
        own_broker.start()
        report = pipeline.wait_until_settled(raw, timeout=600)
        alive = worker.poll() is None
        status, body = get(pipeline.web_ports[0], "/health") if alive else (None, b"{}")
    finally:
        pipeline.stop()
    print(f"broker outage of {OUTAGE_SECONDS} s, {len(workload)} articles: {report.summary()}; /health {status}")
    assert alive, pipeline.log_text(0)[-4000:]
    assert report.lost == [] and report.unexpected == [], f"{report.summary()}; lost: {pipeline.trace(report.lost)}"
    assert status == 200, orjson.loads(body)
