from datetime import UTC, datetime

import pytest

from schemas import DeadLetter, DuplicateVerdict, EnrichedArticle
from tests.conftest import SAMPLES
from tests.sample_expectations import assert_sample_record
from worker.pipeline import WARM_UP_INPUTS, Message, OfflinePipeline, warm_up
from worker.settings import Settings

pytestmark = pytest.mark.unit

HTML = (SAMPLES / "harbor-bridge.html").read_bytes()


def assert_harbor_page(page: EnrichedArticle) -> None:
    assert page.title == "Harbor Bridge Reopens After Eight Months of Repairs"
    assert page.canonical_url == "https://news.example.org/rotterdam/harbor-bridge-reopens"
    assert page.source == "news.example.org"
    assert page.published_at.isoformat() == "2024-05-02T09:30:00+02:00"
    assert page.authors == ["Sanne de Vries"]
    paragraphs = page.body.split("\n\n")
    assert paragraphs[0].startswith("The Willemsbrug in Rotterdam reopened")
    assert paragraphs[-1].startswith("The Port of Rotterdam Authority said")
    for boilerplate in ("Subscribe", "Most read", "Log in", "rights reserved", "By Sanne"):
        assert boilerplate not in page.body
    assert {"Rotterdam", "Ahmed Aboutaleb"} <= {e.text for e in page.entities}


def message(value: bytes, key: bytes | None = None, offset: int = 0) -> Message:
    return Message(value, key, "input", 0, offset, datetime(2025, 1, 1, tzinfo=UTC))


def test_sample_twice_html_and_bad_inputs(sample_bytes, extractor):
    messages = [
        message(sample_bytes, b"copy-1", 0),
        message((SAMPLES / "scraped-article-canada-eu-rescrape.txt").read_bytes(), b"copy-2", 1),
        message(HTML, b"harbor-bridge.html", 2),
        message(b'{"text": ', None, 3),
        message(b"\xff\xfe", None, 4),
    ]
    pipeline = OfflinePipeline(Settings(), extractor)
    results = list(pipeline.run(messages))
    enriched = [r for kind, r in results if kind == "enriched"]
    duplicates = [r for kind, r in results if kind == "duplicates"]
    dead = [r for kind, r in results if kind == "deadletter"]
    sample, page = enriched
    assert_sample_record(sample)
    assert_harbor_page(page)
    assert [(d.id != sample.id, d.duplicate_of) for d in duplicates if isinstance(d, DuplicateVerdict)] == [
        (True, sample.id)
    ]
    assert [(d.reason, d.original, d.offset) for d in dead if isinstance(d, DeadLetter)] == [
        ("invalid_json", b'{"text": ', 3),
        ("not_utf8", b"\xff\xfe", 4),
    ]
    assert all(cpu > 0 for cpu in pipeline.cpu_seconds.values()), pipeline.cpu_seconds


def test_warm_up_inputs_are_clean_articles_with_entities(extractor):
    """The warm-up must take the paths real messages take: a page and a text, each cleaned and with entities."""
    warm_up(Settings(), extractor)  # raises if an input were rejected
    results = list(
        OfflinePipeline(Settings(), extractor).run(message(value, None, n) for n, value in enumerate(WARM_UP_INPUTS))
    )
    assert [kind for kind, _ in results] == ["enriched", "enriched"]
    page, text = (record for _, record in results)
    assert isinstance(page, EnrichedArticle) and isinstance(text, EnrichedArticle)
    assert page.title == "Harbor bridge reopens" and page.published_at is not None
    assert text.title == "Wheat prices climb" and "Share this article" not in text.body
    assert {"Ana Costa", "Portway Construction"} <= {e.text for e in page.entities}
    assert {"Kansas", "Cargill"} <= {e.text for e in text.entities}
