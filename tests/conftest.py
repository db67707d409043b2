"""Shared fixtures: the bundled samples, the NER model, and a real Kafka broker (see bench/deployment.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SAMPLE_TEXT = SAMPLES / "scraped-article-canada-eu.txt"


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    return SAMPLE_TEXT.read_bytes()


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[str]:
    """``kafka://127.0.0.1:PORT``: a broker already listening there, else one started by dev/kafka.sh."""
    from bench.deployment import broker_session

    yield from broker_session()


@pytest.fixture
def pipeline(kafka_broker: str, tmp_path: Path):
    """A deployment on fresh topics; its workers are stopped afterwards."""
    from bench.deployment import new_pipeline

    deployment = new_pipeline(kafka_broker, tmp_path)
    yield deployment
    deployment.stop()


@pytest.fixture(scope="session")
def extractor():
    from worker.entities import EntityExtractor
    from worker.settings import Settings

    settings = Settings()
    return EntityExtractor.from_settings(settings)
