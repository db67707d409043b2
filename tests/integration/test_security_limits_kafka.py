"""Security against the real broker: SASL credentials are used by the worker and the CLI (the test listener
has no SASL, so they fail with a clear error) and the password is printed nowhere, even at debug level; and
``send`` refuses inputs over the payload limit."""

from __future__ import annotations

import os
import subprocess

import pytest

from bench.deployment import CLI, ROOT, _free_port, new_pipeline

pytestmark = pytest.mark.kafka
PASSWORD = "pw-53b1-never-print-me"


@pytest.fixture
def sasl_env(kafka_broker: str, tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWS_INGEST_BROKER": kafka_broker,
        "NEWS_INGEST_APP_ID": f"news-ingest-sasl-{os.getpid()}",
        "NEWS_INGEST_DATA_DIR": str(tmp_path / "data"),
        "NEWS_INGEST_WEB_PORT": str(_free_port()),
        "NEWS_INGEST_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "NEWS_INGEST_KAFKA_SASL_USERNAME": "ingest",
        "NEWS_INGEST_KAFKA_SASL_PASSWORD": PASSWORD,
    }


def test_worker_uses_sasl_and_never_logs_the_password(sasl_env: dict[str, str], tmp_path) -> None:
    result = subprocess.run(
        [*CLI, "worker", "-l", "debug"], env=sasl_env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    # the worker's start-up broker check speaks SASL, fails, and stops the worker with one line
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach Kafka") and "IllegalSaslStateError" in output, output[-3000:]
    assert PASSWORD not in output


def test_cli_uses_sasl_and_never_prints_the_password(sasl_env: dict[str, str]) -> None:
    result = subprocess.run([*CLI, "topics", "describe"], env=sasl_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach Kafka") and "IllegalSaslStateError" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr


def test_send_skips_inputs_over_the_limit_names_them_and_exits_1(kafka_broker: str, tmp_path) -> None:
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_MAX_PAYLOAD_BYTES": "1000"})
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"id": "a", "text": "fits"}\n' + b"x" * 5000 + b'\n{"id": "b", "text": "fits too"}\n')
    result = subprocess.run(
        [*CLI, "send", str(feed)], env=pipeline.env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 1
    assert f"skipped {feed} line 2: 5000 bytes > NEWS_INGEST_MAX_PAYLOAD_BYTES=1000" in result.stderr
    assert "sent 2 messages" in result.stderr and "1 inputs over NEWS_INGEST_MAX_PAYLOAD_BYTES=1000" in result.stderr
    sent = pipeline.read("raw", 2, settle=1)
    assert sorted(sent) == [b'{"id": "a", "text": "fits"}', b'{"id": "b", "text": "fits too"}']
