"""The stall watchdog on a real worker: it sees the lag of a backlog and keeps /health at 200 while the
agents work the backlog off, even with a short limit."""

from __future__ import annotations

import threading
import time

import orjson
import pytest

from bench.deployment import new_pipeline
from bench.workload import build
from tests.integration.test_worker_web import get

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]


def test_health_stays_ok_while_a_backlog_is_worked_off(kafka_broker, tmp_path):
    workload = build(300, duplicates=0.2, bad=0.02, seed=5)
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_WATCHDOG_SECONDS": "20"})
    answers: list[tuple[int, dict]] = []
    unanswered = 0  # requests that timed out on this loaded machine: no verdict either way
    done = threading.Event()

    def poll_health() -> None:
        nonlocal unanswered
        while not done.wait(0.5):
            try:
                status, body = get(pipeline.web_ports[0], "/health")
            except OSError:
                unanswered += 1
                continue
            answers.append((status, orjson.loads(body)))

    try:
        pipeline.start_worker()
        poller = threading.Thread(target=poll_health)
        poller.start()
        pipeline.send([(m.key, m.value) for m in workload])
        report = pipeline.wait_until_settled(pipeline.raw_identities(len(workload)), timeout=600)
        # the last offsets are committed a little after the last outcome is out
        deadline = time.monotonic() + 120
        while (not answers or answers[-1][1]["lag"] > 0) and time.monotonic() < deadline:
            time.sleep(1)
        done.set()
        poller.join()
    finally:
        done.set()
        pipeline.stop()
    assert report.lost == [], f"{report.summary()}; lost: {pipeline.trace(report.lost)}"
    assert answers, f"/health never answered ({unanswered} requests timed out)"
    lags = [body["lag"] for _, body in answers]
    print(
        f"watchdog: {len(answers)} /health answers ({unanswered} timed out), largest lag seen {max(lags)}, "
        f"last {lags[-1]}"
    )
    assert {status for status, _ in answers} == {200}, [a for a in answers if a[0] != 200][:3]
    assert max(lags) > 0, "the watchdog never saw the backlog"
    assert lags[-1] == 0
