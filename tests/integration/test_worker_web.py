"""The worker's HTTP endpoints, over real HTTP against a running worker."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import orjson
import pytest

from bench.deployment import Pipeline

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_metrics_health_and_ready(pipeline: Pipeline, sample_bytes: bytes):
    pipeline.start_worker()
    port = pipeline.web_ports[0]
    deadline = time.monotonic() + 60
    while (status := get(port, "/ready")[0]) != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert status == 200
    ready = orjson.loads(get(port, "/ready")[1])
    assert ready["ready"] and ready["assigned_partitions"] > 0 and ready["tables_recovered"]
    status, body = get(port, "/health")
    assert status == 200 and orjson.loads(body)["status"] == "ok"

    pipeline.send([(b"a", sample_bytes), (b"b", sample_bytes), (b"c", b'{"broken')])
    assert len(pipeline.read("enriched", 1)) == 1
    pipeline.read("duplicates", 1)
    pipeline.read("deadletter", 1)
    text = get(port, "/metrics")[1].decode()
    for line in (
        'news_ingest_stage_in_total{stage="clean"} 3.0',
        'news_ingest_stage_out_total{stage="clean"} 2.0',
        'news_ingest_dead_letters_total{reason="invalid_json",stage="clean"} 1.0',
        'news_ingest_duplicates_total{kind="exact"} 1.0',
        'news_ingest_stage_out_total{stage="entities"} 1.0',
        "news_ingest_end_to_end_seconds_count 1.0",
        "news_ingest_dedup_index_articles 2.0",
    ):
        assert line in text, line
