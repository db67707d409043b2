"""The Kafka commands of the CLI, run as a user runs them, against the real broker and a real worker."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from bench.deployment import CLI, ROOT, Pipeline, new_pipeline
from schemas import DeadLetter
from tests.conftest import SAMPLES

pytestmark = pytest.mark.kafka

MAX_PAYLOAD = 20_000
TOO_LARGE = b"y" * (MAX_PAYLOAD + 1)
UNREACHABLE = "kafka://127.0.0.1:1"
KAFKA_COMMANDS = [
    ["bench", "--articles", "1"],
    ["check"],
    ["send", str(SAMPLES)],
    ["tail", "news.enriched"],
    ["topics", "create"],
    ["topics", "describe"],
    ["replay"],
]


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The CLI as a subprocess, without failing on a non-zero exit code."""
    return subprocess.run(
        [*CLI, *args], env=env or dict(os.environ), cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def served(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """One worker that has processed the samples (3 enriched, 1 duplicate, 1 dead letter) and a too-large input."""
    deployment = new_pipeline(
        kafka_broker, tmp_path_factory.mktemp("served"), {"NEWS_INGEST_MAX_PAYLOAD_BYTES": str(MAX_PAYLOAD)}
    )
    try:
        deployment.start_worker()
        deployment.cli("send", str(SAMPLES))
        deployment.send([(b"huge", TOO_LARGE)])
        deployment.read("enriched", 3)
        deployment.read("deadletter", 2)
        yield deployment
    finally:
        deployment.stop()


def test_send_keys_from_id_at_a_rate_then_tail(pipeline: Pipeline, tmp_path: Path):
    lines = [orjson.dumps({"id": f"story-{i}", "text": f"Story number {i}. It has two sentences."}) for i in range(6)]
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(lines) + b"\n")

    result = pipeline.cli("send", str(feed), "--key-from", "id", "--rate", "10")
    assert f"sent 6 messages to {pipeline.topic('raw')}" in result.stderr and "/s)" in result.stderr

    records = pipeline.read_records(pipeline.topic("raw"), 6, settle=0)
    assert sorted((r.key, r.value) for r in records) == [(f"story-{i}".encode(), lines[i]) for i in range(6)]
    stamps = sorted(r.timestamp for r in records)  # ms; at 10/s, the 5 gaps between 6 messages are ~100 ms each
    assert stamps[-1] - stamps[0] >= 400

    tailed = pipeline.cli("tail", pipeline.topic("raw"), "--from-beginning", "-n", "4", "--json", "--timeout", "10")
    assert len(tailed.stdout.splitlines()) == 4
    assert all(line.encode() in lines for line in tailed.stdout.splitlines())


def test_topics_describe_shows_the_group_caught_up(served: Pipeline):
    raw = served.topic("raw")
    deadline = time.monotonic() + 60
    while True:
        topics = orjson.loads(served.cli("topics", "describe", "--json").stdout)
        partitions = topics[raw]
        if sum(p["lag"] for p in partitions) == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert len(partitions) == 4 and sum(p["end"] for p in partitions) >= 6
    assert all(p["lag"] == 0 and p["read_by"] == "clean" for p in partitions)
    assert all(p["committed"] == p["end"] for p in partitions if p["end"])
    assert all(p["lag"] is None for p in topics[served.topic("enriched")]), "output topics are not read by the group"

    table = served.cli("topics", "describe").stdout
    assert raw in table and served.env["NEWS_INGEST_APP_ID"] in table


def test_topics_describe_before_the_group_committed_anything(pipeline: Pipeline):
    pipeline.send([(b"k", b"not yet processed")])
    topics = orjson.loads(pipeline.cli("topics", "describe", "--json").stdout)
    raw = topics[pipeline.topic("raw")]
    assert all(p["committed"] is None for p in raw) and sum(p["lag"] for p in raw) == 1


def test_replay_sends_dead_letters_back_to_raw(served: Pipeline):
    letters = [DeadLetter.model_validate_json(v) for v in served.read("deadletter", 2, settle=0)]
    (invalid,) = [d for d in letters if d.reason == "invalid_json"]
    raw_before = served.read("raw", 6, settle=0)

    dry = served.cli("replay", "--dry-run", "--until-idle", "2")
    assert dry.stdout.count("would replay") == 1 and "invalid_json at clean" in dry.stdout
    assert "would replay 1 dead letters" in dry.stderr and "1 refused (too_large; use --force)" in dry.stderr
    assert served.read("raw", len(raw_before), settle=1) == raw_before, "a dry run sends nothing"

    real = served.cli("replay", "--reason", "invalid_json", "--until-idle", "2")
    assert "replayed 1 dead letters" in real.stderr
    raw_after = served.read("raw", len(raw_before) + 1, settle=1)
    assert len(raw_after) == len(raw_before) + 1
    assert raw_after.count(invalid.original) == raw_before.count(invalid.original) + 1


def test_example_consumer_validates_enriched_records(served: Pipeline):
    consumer = ROOT / "examples" / "consumer.py"
    broker = served.broker.removeprefix("kafka://")
    result = subprocess.run(
        [sys.executable, str(consumer), "--broker", broker, "--topic", served.topic("enriched"), "--max", "3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["ok"] * 3
    assert "3 records, 0 invalid" in result.stderr


@pytest.mark.parametrize("command", KAFKA_COMMANDS, ids=" ".join)
def test_unreachable_broker_is_one_line_and_exit_1(command: list[str]):
    result = run(*command, "--broker", UNREACHABLE, timeout=30)  # a hang fails the test with TimeoutExpired
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot reach Kafka at 127.0.0.1:1 ({UNREACHABLE}): ")
    assert len(result.stderr.splitlines()) == 1, result.stderr


@pytest.mark.parametrize("command", [["config"], ["topics", "describe"], ["send", str(SAMPLES)]], ids=" ".join)
def test_a_wrong_setting_fails_at_start_up_naming_the_variable(command: list[str]):
    result = run(*command, env={**os.environ, "NEWS_INGEST_PARTITIONS": "abc"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid setting NEWS_INGEST_PARTITIONS='abc': Input should be a valid")
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_a_broker_that_never_answers_times_out():
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers a request
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"kafka://127.0.0.1:{silent.getsockname()[1]}"
        result = run("topics", "describe", "--broker", address, timeout=30)
    assert result.returncode == 1
    assert result.stderr.endswith("no answer within 6s\n") and len(result.stderr.splitlines()) == 1


@pytest.mark.slow
def test_bench_runs_every_configuration_and_ends_with_the_ratios(kafka_broker: str):
    result = run("bench", "--articles", "40", "--open-loop-seconds", "5", "--broker", kafka_broker, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    for prefix in ("(a) in-process ceiling:", "(b) 1 worker:", "(c) 2 workers:", "(d) 1 worker open-loop at"):
        assert any(line.startswith(prefix) for line in lines), result.stdout
    assert "LOST" not in result.stdout
    assert re.fullmatch(r"ratio_e2e=\d+\.\d\d ratio_scale=\d+\.\d\d", lines[-1]), lines[-1]


def test_check_accounts_for_every_raw_message_then_finds_one_lost(pipeline: Pipeline, sample_bytes: bytes):
    """JSON with and without ids, plain text and HTML (the same page twice), a dead letter: all accounted."""
    story = "The council of Delft approved 300 new homes on Tuesday. Building starts in 2026, the mayor said."
    articles = [orjson.dumps({"id": f"story-{i}", "text": f"{story} Item {i} of the feed."}) for i in range(3)]
    page = (SAMPLES / "harbor-bridge.html").read_bytes()
    pipeline.start_worker()
    untagged = [(None, sample_bytes), (None, page), (None, page), (None, orjson.dumps({"text": story}))]
    pipeline.send([(None, a) for a in articles] + [(b"cut", b'{"id": "cut", "text": "no end')] + untagged)
    pipeline.wait_until_settled(pipeline.raw_identities(8), timeout=180)
    result = pipeline.cli("check", "--timeout", "3")
    assert result.stdout.startswith("raw=8 outcomes=8 lost=0 doubled=0"), result.stdout
    assert "unexpected=0" in result.stdout

    pipeline.stop()
    never = b"Plain text that no worker will process."
    [partition] = pipeline.send([(None, never)])
    [offset] = [r.offset for r in pipeline.read_records(pipeline.topic("raw"), 9) if r.value == never]
    result = run("check", "--timeout", "3", env=pipeline.env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "lost=1" in result.stdout and f"lost: raw:{partition}:{offset}" in result.stdout
