"""The offline commands, run as a user runs them."""

import subprocess
import sys

import orjson
import pytest

from schemas import PUBLISHED
from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.unit


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "worker", *args], input=stdin, capture_output=True, cwd=ROOT, timeout=120, check=True
    )


def read_jsonl(path):
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_process_a_directory_writes_the_three_outputs(tmp_path):
    result = run_cli("process", str(SAMPLES), "--out", str(tmp_path))
    assert b"3 enriched, 1 duplicates, 1 deadletter" in result.stderr
    enriched = read_jsonl(tmp_path / "enriched.jsonl")
    (duplicate,) = read_jsonl(tmp_path / "duplicates.jsonl")
    (dead,) = read_jsonl(tmp_path / "deadletter.jsonl")
    canada = next(r for r in enriched if r["title"].startswith("Canada and EU"))
    assert duplicate["duplicate_of"] == canada["id"]
    assert dead["reason"] == "invalid_json" and dead["topic"].endswith("feed.jsonl")


def test_process_reads_jsonl_from_stdin(tmp_path):
    lines = b'{"id": "a", "text": "First story. It has two sentences."}\n\n{"id": "b", "html": ""}\n'
    run_cli("process", "-", "--out", str(tmp_path), stdin=lines)
    assert [r["id"] for r in read_jsonl(tmp_path / "enriched.jsonl")] == ["a"]
    assert [(r["reason"], r["offset"]) for r in read_jsonl(tmp_path / "deadletter.jsonl")] == [("missing_content", 2)]


def test_schema_export_writes_every_published_schema(tmp_path):
    run_cli("schema", "export", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.schema.json" for n in PUBLISHED)
