"""Size limits on the file and stdin inputs of ``send`` and ``process``: nothing over the payload limit is
read into memory, and each such input is reported where it was found."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import orjson
import pytest

from bench.poison import ARTICLE
from tests.conftest import ROOT
from worker.inputs import InputRecord, _jsonl, read_inputs

pytestmark = pytest.mark.unit
LIMIT = 1000


def test_jsonl_lines_over_the_limit_come_back_empty_with_their_size() -> None:
    at_limit = b"x" * (LIMIT - 1)
    feed = b"small\n" + b"y" * (5 * LIMIT) + b"\nafter\r\n" + at_limit + b"\r\n\n" + b"z" * (LIMIT + 1) + b"\nlast"
    records = list(_jsonl(io.BytesIO(feed), "feed.jsonl", LIMIT))
    assert records == [
        InputRecord(None, b"small", "feed.jsonl", 0),
        InputRecord(None, b"", "feed.jsonl", 1, oversize=5 * LIMIT),
        InputRecord(None, b"after", "feed.jsonl", 2),
        InputRecord(None, at_limit, "feed.jsonl", 3),
        InputRecord(None, b"", "feed.jsonl", 5, oversize=LIMIT + 1),
        InputRecord(None, b"last", "feed.jsonl", 6),
    ]
    assert records[1].where == "feed.jsonl line 2"


def test_an_article_file_over_the_limit_is_not_read(tmp_path) -> None:
    (tmp_path / "big.html").write_bytes(b"<p>" * LIMIT)
    (tmp_path / "small.txt").write_bytes(b"short")
    assert list(read_inputs([str(tmp_path)], LIMIT)) == [
        InputRecord(b"big.html", b"", str(tmp_path / "big.html"), 0, oversize=3 * LIMIT),
        InputRecord(b"small.txt", b"short", str(tmp_path / "small.txt"), 0),
    ]


def test_process_dead_letters_an_oversized_line_and_goes_on(tmp_path) -> None:
    feed = tmp_path / "feed.jsonl"
    story = orjson.dumps({"id": "fits", "text": ARTICLE[:900]})
    big = orjson.dumps({"id": "big", "text": "word " * 400})
    feed.write_bytes(big + b"\n" + story + b"\n")
    result = subprocess.run(
        [sys.executable, "-m", "worker", "process", str(feed), "--out", str(tmp_path / "out")],
        env={**os.environ, "NEWS_INGEST_MAX_PAYLOAD_BYTES": str(LIMIT), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert b"1 enriched, 0 duplicates, 1 deadletter" in result.stderr
    (letter,) = [orjson.loads(line) for line in (tmp_path / "out" / "deadletter.jsonl").read_bytes().splitlines()]
    assert (letter["reason"], letter["original"], letter["offset"]) == ("too_large", "", 0)
    assert (
        letter["detail"]
        == f"{feed} line 1: {len(big)} bytes > NEWS_INGEST_MAX_PAYLOAD_BYTES={LIMIT}; not read, so not kept"
    )
