"""Durable state after a kill: the dedup index comes back (from local RocksDB plus the changelog's tail, or
from the changelog alone on an empty disk) and a copy sent afterwards of an article indexed before is still
caught. The time the index takes to recover, with N indexed articles, is measured and printed."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime

import orjson
import pytest

from bench.deployment import Pipeline, new_pipeline
from bench.workload import build
from schemas import CleanedArticle, DuplicateVerdict

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
ARTICLES = 1500
STAMP = r"^\[([\d\- :,]+)\] \[\d+\] \[INFO\] \[\^---Recovery\]: "
ASSIGNED = re.compile(
    STAMP + r"Highwater for active changelog partitions:\n(?:.*\n)*?\| \S+-changelog +\| 0 +\| (-?\d+)", re.M
)
READ_FROM = re.compile(
    STAMP + r"active offsets at start of reading:\n(?:.*\n)*?\| \S+-changelog +\| 0 +\| (-?\d+)", re.M
)
COMPLETE = re.compile(STAMP + r"Recovery complete", re.M)


@dataclass
class Recovery:
    ready_seconds: float  # from starting the process to the worker's "Ready"
    table_seconds: float  # from the partitions' assignment to "Recovery complete"
    replayed: int  # changelog records read back

    def __str__(self) -> str:
        return f"{self.replayed} changelog records in {self.table_seconds:.1f} s, Ready {self.ready_seconds:.1f} s"


def stamp(text: str) -> datetime:
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S,%f")


def restart(pipeline: Pipeline, slot: int | None) -> Recovery:
    """Start a worker (again in ``slot``, or in a new slot: an empty disk) and read its table recovery."""
    started = time.monotonic()
    pipeline.start_worker(slot, ready_timeout=600)
    ready = time.monotonic() - started
    log = pipeline.log_text(len(pipeline.workers) - 1 if slot is None else slot)
    (assigned_at, highwater), (_, read_from) = ASSIGNED.findall(log)[0], READ_FROM.findall(log)[0]
    complete_at = COMPLETE.findall(log)[0]
    replayed = int(highwater) - max(int(read_from), 0)
    return Recovery(ready, (stamp(complete_at) - stamp(assigned_at)).total_seconds(), replayed)


def test_index_recovers_after_a_kill_and_still_catches_copies(kafka_broker, tmp_path):
    workload = build(ARTICLES, duplicates=0.0, bad=0.0, seed=53)
    texts = {(record := orjson.loads(m.value))["id"]: record.get("text") for m in workload}
    # a killed member holds its partitions until its session times out: keep that wait short
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_SESSION_TIMEOUT_SECONDS": "10"})
    try:
        pipeline.start_worker()
        pipeline.send([(m.key, m.value) for m in workload])
        deadline = time.monotonic() + 600
        while not (
            pipeline.metric(0, 'news_ingest_stage_in_total{stage="clean"}') == ARTICLES
            and pipeline.metric(0, 'news_ingest_stage_in_total{stage="dedup"}')
            == pipeline.metric(0, 'news_ingest_stage_out_total{stage="clean"}')
        ):
            assert time.monotonic() < deadline, "the dedup stage did not see every article"
            time.sleep(1)
        indexed = int(pipeline.metric(0, "news_ingest_dedup_index_articles"))
        time.sleep(5)  # a few commit intervals: the kill then interrupts a worker at rest, NER aside
        pipeline.kill_worker(0)
        same_disk = restart(pipeline, 0)
        pipeline.kill_worker(0)
        empty_disk = restart(pipeline, None)
        original = next(
            a.id for v in pipeline.read("unique", 1) if texts.get((a := CleanedArticle.model_validate_json(v)).id)
        )
        verdicts_before = len(pipeline.read("duplicates", 0, timeout=10, settle=1))
        pipeline.send([(b"copy", orjson.dumps({"id": "copy-after-kill", "text": texts[original]}))])
        verdicts = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", verdicts_before + 1)]
    finally:
        pipeline.stop()
    print(f"dedup index of {indexed} articles, restart after a SIGKILL: same disk {same_disk}; empty disk {empty_disk}")
    assert indexed > ARTICLES * 0.9
    assert [v.duplicate_of for v in verdicts if v.id == "copy-after-kill"] == [original]
    assert empty_disk.replayed > indexed
