"""A worker never decides duplicates from local stores that no longer belong to its cluster: left running
across a broker reset, or with its data directory removed under it, it stops with one line; started again, it
claims the directory afresh (restoring from the changelog) and decides right."""

from __future__ import annotations

import shutil

import pytest

from bench.deployment import LocalBroker, Pipeline, new_pipeline
from schemas import DuplicateVerdict, EnrichedArticle
from tests.integration.test_dedup_kafka import raw
from tests.unit.test_dedup import STORY, body
from worker.agents import EXIT_STALE_STATE

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
RESET_BROKER_PORT = 19196  # its own broker (controller on 19197), reset during the test
STOPPED = "the local state cannot be trusted"
WIRE_COPY = body(["ROTTERDAM (Wire) — " + STORY[0], *STORY[1:], "Reporting by Jan Smit; editing by Ana Lee"])


def exit_code(pipeline: Pipeline, slot: int, timeout: float = 180) -> int:
    return pipeline.workers[slot].wait(timeout=timeout)


def test_a_worker_left_running_across_a_broker_reset_stops_then_starts_clean(tmp_path):
    broker = LocalBroker(RESET_BROKER_PORT, tmp_path / "kafka")
    assert not broker.listening(), f"port {RESET_BROKER_PORT} is taken"
    broker.start()
    pipeline = new_pipeline(broker.url, tmp_path / "run")
    try:
        pipeline.start_worker()
        pipeline.send([(b"story", raw("story", body(STORY)))])
        pipeline.wait_for_count("enriched", 1)
        broker.stop()
        shutil.rmtree(tmp_path / "kafka")  # a new cluster on the same port, with the same topic names
        broker.start()
        pipeline.cli("topics", "create")
        code = exit_code(pipeline, 0)
        log = pipeline.log_text(0)
        pipeline.start_worker(slot=0)
        # On this cluster no story was published: the wire copy is a story of its own, not a verdict.
        pipeline.send([(b"wire", raw("wire", WIRE_COPY))])
        enriched = [EnrichedArticle.model_validate_json(v) for v in pipeline.read("enriched", 1)]
        duplicates = pipeline.read("duplicates", 0, timeout=10, settle=5)
        restarted = pipeline.log_text(0)
    finally:
        pipeline.stop()
        broker.stop()
    assert code == EXIT_STALE_STATE and STOPPED in log and "cluster" in log, log[-3000:]
    assert "discarded, restored from the changelog" in restarted, restarted[-3000:]
    assert [r.id for r in enriched] == ["wire"] and duplicates == []


def test_a_worker_whose_data_directory_is_removed_stops_then_restores_from_the_changelog(pipeline: Pipeline):
    pipeline.start_worker()
    pipeline.send([(b"story", raw("story", body(STORY)))])
    pipeline.wait_for_count("enriched", 1)
    shutil.rmtree(pipeline.workdir / "data-0")
    pipeline.send([(b"wire", raw("wire", WIRE_COPY))])
    code = exit_code(pipeline, 0)
    log = pipeline.log_text(0)
    pipeline.start_worker(slot=0)
    verdicts = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", 1)]
    enriched = {EnrichedArticle.model_validate_json(v).id for v in pipeline.read("enriched", 1, timeout=10, settle=5)}
    assert code == EXIT_STALE_STATE and STOPPED in log and "is gone" in log, log[-3000:]
    # the stop commits nothing more, so the copy may be cleaned twice: a replay, with the same verdict
    assert {(v.id, v.duplicate_of, v.kind) for v in verdicts} == {("wire", "story", "near")}
    assert enriched == {"story"}
