"""A user's clone: the committed repository alone, in an empty directory with no shared folder beside it,
passes the unit suite and a Kafka end-to-end test. Only what is committed counts: run it after a commit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

END_TO_END = "tests/integration/test_end_to_end.py::test_sample_twice_html_and_every_bad_input"


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_a_clone_passes_the_unit_suite_and_an_end_to_end_test(kafka_broker: str, tmp_path: Path):
    checkout = tmp_path / "news-ingest"  # its parent holds nothing else: no shared/ beside it
    head = git("rev-parse", "HEAD")
    git("clone", "--quiet", "--no-checkout", str(ROOT), str(checkout), cwd=tmp_path)
    git("checkout", "--quiet", head, cwd=checkout)
    assert (checkout / "bench" / "data" / "README.md").is_file(), "the clone has no bench/data"

    # This interpreter and its packages, but the clone's code: PYTHONPATH comes before the editable install.
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env["NEWS_INGEST_TEST_KAFKA_PORT"] = kafka_broker.rsplit(":", 1)[1]  # the broker already up: not another one
    imported = subprocess.run(
        [sys.executable, "-c", "import bench, schemas, tests, worker; print(worker.__file__, bench.__file__)"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(path).is_relative_to(checkout) for path in imported), imported

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rA",
            "-m",
            "unit or kafka",
            "tests/unit",
            END_TO_END,
        ],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"PASSED {END_TO_END}" in result.stdout, "the end-to-end test did not run"
    assert re.search(r"\b[1-9]\d+ passed", result.stdout.splitlines()[-1]), "the unit suite did not run"
