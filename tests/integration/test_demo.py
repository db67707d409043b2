"""``make demo`` as a user runs it: one screen, one line per outcome, a summary, the full records in a file."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import orjson
import pytest

from schemas import DeadLetter, DuplicateVerdict, EnrichedArticle
from tests.conftest import ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

DEMO = ROOT / ".cache" / "demo"
SCREEN_LINES = 40


def free_port_pair() -> int:
    """A free port whose next port is free too (the broker and its controller)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port + 1)) != 0:
                return port
    raise RuntimeError("no two free ports in a row")


def demo_broker_running() -> bool:
    pid_file = DEMO / "kafka" / "broker.pid"
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def assert_one_screen_per_outcome(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) <= SCREEN_LINES, result.stdout

    kinds = [line.split()[0] for line in lines if line.split()[:1] in (["enriched"], ["duplicate"], ["deadletter"])]
    assert sorted(kinds) == ["deadletter", "duplicate", "enriched", "enriched", "enriched"], result.stdout
    (verdict,) = [line for line in lines if line.startswith("duplicate ")]
    assert "exact copy of" in verdict and '"Canada and EU Strengthen Defense Ties Amid US Withdrawal"' in verdict
    (dead,) = [line for line in lines if line.startswith("deadletter ")]
    assert dead.startswith("deadletter invalid_json at clean from news.raw[")
    assert (
        "demo: 5 messages in (news.raw), 5 records out (news.enriched 3, news.duplicates 1, news.deadletter 1), "
        in result.stdout
    )

    full = [orjson.loads(line) for line in (DEMO / "outcomes.jsonl").read_bytes().splitlines()]
    records = [
        (
            EnrichedArticle if "entities" in r else DuplicateVerdict if "duplicate_of" in r else DeadLetter
        ).model_validate(r)
        for r in full
    ]
    assert sorted(type(r).__name__ for r in records) == ["DeadLetter", "DuplicateVerdict", *["EnrichedArticle"] * 3]
    assert f"the full JSON records are in {Path('.cache/demo/outcomes.jsonl')}" in result.stdout


@pytest.mark.skipif(demo_broker_running(), reason="a demo left running (KEEP_RUNNING=1) would be stopped")
def test_make_demo_twice_after_keep_running_prints_the_same_outcomes():
    """The second demo stops the broker and worker the first left running before it deletes their state."""
    port = free_port_pair()
    env = {
        **os.environ,
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(port + 1),
        "NEWS_INGEST_WEB_PORT": str(free_port_pair()),
    }
    demo = ["make", "demo"]
    first = subprocess.run(
        demo, cwd=ROOT, env={**env, "KEEP_RUNNING": "1"}, capture_output=True, text=True, timeout=600
    )
    assert_one_screen_per_outcome(first)
    env.pop("KEEP_RUNNING", None)
    second = subprocess.run(demo, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert "demo: stopping the worker an earlier demo left running" in second.stdout, second.stdout
    assert_one_screen_per_outcome(second)
    assert not demo_broker_running()
