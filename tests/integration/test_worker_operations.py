"""``news-ingest worker`` as an operator runs it: JSON log lines, and a broker that is not there."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from bench.deployment import CLI, ROOT, Pipeline
from schemas import DeadLetter

pytestmark = pytest.mark.kafka

UNREACHABLE = "kafka://127.0.0.1:1"


TITLE_ONLY = b'{"id": "title-only-1", "title": "A headline and nothing else"}'


def _dead_letters_of_a_run(pipeline: Pipeline, *worker_args: str) -> list[DeadLetter]:
    """A worker's whole life (start, two bad inputs, shutdown); its dead letters, ordered by reason."""
    pipeline.start_worker(args=("-l", "info", *worker_args))
    pipeline.send([(b"first", TITLE_ONLY), (None, b"{oops")])
    letters = [DeadLetter.model_validate_json(value) for value in pipeline.read("deadletter", 2)]
    pipeline.stop()  # the shutdown's lines are part of the log too
    return sorted(letters, key=lambda d: d.reason)


@pytest.mark.slow
def test_json_logs_are_one_object_per_line_and_each_dead_letter_is_logged_once(pipeline: Pipeline):
    letters = _dead_letters_of_a_run(pipeline, "--log-format", "json")

    lines = pipeline.log_text(0).splitlines()
    records = [json.loads(line) for line in lines]  # fails on the first line that is not JSON
    assert len(records) > 20 and all(isinstance(r, dict) for r in records)
    assert all({"ts", "level", "logger", "message"} <= record.keys() for record in records)
    assert any(r["logger"].startswith("faust") and "Ready" in r["message"] for r in records), "Faust's own lines"
    logged = sorted(
        (r["stage"], r["reason"], r["id"], r["topic"], r["partition"], r["offset"]) for r in records if "reason" in r
    )
    published = [(d.stage, d.reason, d.topic, d.partition, d.offset) for d in letters]
    assert [r[:2] for r in logged] == [("clean", "invalid_json"), ("clean", "missing_content")]
    assert [r[2] for r in logged] == [None, "title-only-1"]
    assert [(r[0], r[1], *r[3:]) for r in logged] == published


@pytest.mark.slow
def test_text_logs_show_each_dead_letter_once_with_its_id_and_position(pipeline: Pipeline):
    invalid, title_only = _dead_letters_of_a_run(pipeline)
    log = pipeline.log_text(0)
    for letter, article_id in [(invalid, "-"), (title_only, "title-only-1")]:
        line = f"dead letter {letter.reason} at clean: id={article_id} from {letter.topic}[{letter.partition}]@{letter.offset}: "
        assert log.count(line) == 1, log[-4000:]
    assert log.count("dead letter ") == 2


def _worker(broker: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "worker", "--broker", broker, "-l", "info"],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_worker_with_a_closed_broker_port_exits_1_with_one_line(tmp_path: Path):
    result = _worker(UNREACHABLE, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot reach Kafka at 127.0.0.1:1 ({UNREACHABLE}): ")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_worker_with_a_broker_that_never_answers_exits_1_with_one_line(tmp_path: Path):
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers a request
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        result = _worker(f"kafka://127.0.0.1:{silent.getsockname()[1]}", tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach Kafka at 127.0.0.1:") and "no answer within" in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_worker_without_its_ner_model_exits_1_before_joining_the_group(kafka_broker: str, tmp_path: Path):
    result = _worker(kafka_broker, tmp_path, NEWS_INGEST_NER_MODELS='{"en": "no_such_model_package"}')
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: the worker could not load NER model 'no_such_model_package' for language 'en'"
    ), result.stderr
    assert "ModuleNotFoundError" in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert "Ready" not in result.stdout
