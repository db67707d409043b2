"""Scraped plain-text cases in tests/fixtures/scraped/: each <name>.txt comes out as <name>.json says."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from schemas import RawArticle
from worker.clean import clean_article

pytestmark = pytest.mark.unit
CASES = Path(__file__).resolve().parents[1] / "fixtures" / "scraped"
OPTIONAL_FIELDS = ("subtitle", "description", "authors")


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.txt")))
def test_scraped_case(case: str) -> None:
    text = (CASES / f"{case}.txt").read_bytes().decode("utf-8")
    expected = orjson.loads((CASES / f"{case}.json").read_bytes())
    record = clean_article(RawArticle(text=text), datetime(2026, 1, 1, tzinfo=UTC))
    assert record.title == expected["title"]
    assert (record.published_at and record.published_at.isoformat()) == expected["published_at"]
    assert record.body.split("\n\n") == expected["paragraphs"]
    for name in OPTIONAL_FIELDS:
        if name in expected:
            assert getattr(record, name) == expected[name], name


def test_there_are_at_least_thirty_cases() -> None:
    assert len(list(CASES.glob("*.txt"))) >= 30
