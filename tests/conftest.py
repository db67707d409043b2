"""Shared fixtures. Kafka fixtures live in tests/integration/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SAMPLE_TEXT = SAMPLES / "scraped-article-canada-eu.txt"


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    return SAMPLE_TEXT.read_bytes()


@pytest.fixture(scope="session")
def extractor():
    from worker.entities import EntityExtractor
    from worker.settings import Settings

    settings = Settings()
    return EntityExtractor(settings.ner_model, settings.ner_batch_size)
