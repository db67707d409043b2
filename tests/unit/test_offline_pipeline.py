from datetime import UTC, datetime

import orjson
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


def outcomes(extractor, messages: list[Message]) -> list[tuple[str, object]]:
    return list(OfflinePipeline(Settings(), extractor).run(messages))


def test_the_same_url_fetched_again_is_a_resubmission_and_a_changed_page_a_new_version(extractor):
    page = orjson.dumps({"url": "https://example.org/bridge?utm_source=feed", "html": HTML.decode()})
    changed = HTML.replace(
        b"</article>", b"<p>Update: the city council said on Friday that tolls will stay off.</p></article>"
    )
    updated = orjson.dumps({"url": "https://example.org/bridge", "html": changed.decode()})
    results = outcomes(extractor, [message(page, None, 0), message(page, None, 1), message(updated, None, 2)])
    assert [kind for kind, _ in results] == ["duplicates", "enriched", "enriched"]  # verdicts are not batched
    verdict, first, second = (record for _, record in results)
    assert isinstance(first, EnrichedArticle) and isinstance(second, EnrichedArticle)
    assert isinstance(verdict, DuplicateVerdict)
    assert (verdict.id, verdict.duplicate_of, verdict.kind, verdict.origin.offset) == (
        first.id,
        first.id,
        "resubmitted",
        1,
    )
    assert second.id == first.id and (first.version, second.version) == (1, 2)
    assert first.updated_at is None and first.previous_content_hash is None
    assert second.previous_content_hash == first.content_hash != second.content_hash
    assert second.updated_at is not None and "tolls will stay off" in second.body
    assert (first.origin.offset, second.origin.offset) == (0, 2)


def test_another_story_under_a_published_id_is_dead_lettered_as_an_id_conflict(sample_bytes, extractor):
    story = orjson.dumps({"id": "story-1", "text": sample_bytes.decode()})
    other = orjson.dumps({"id": "story-1", "html": HTML.decode()})
    results = outcomes(extractor, [message(story, None, 0), message(other, None, 1)])
    letters = [r for kind, r in results if kind == "deadletter"]
    assert [kind for kind, _ in results].count("enriched") == 1
    assert [(d.stage, d.reason, d.original, d.origin.offset) for d in letters] == [("dedup", "id_conflict", other, 1)]


def test_a_tombstone_and_an_empty_value_are_told_apart(extractor):
    results = outcomes(extractor, [message(None, b"k", 0), message(b"", b"k", 1)])
    letters = [r for _, r in results]
    assert [(d.reason, d.original, d.tombstone) for d in letters] == [
        ("missing_content", b"", True),
        ("missing_content", b"", False),
    ]
    assert DeadLetter.model_validate_json(letters[0].to_json()).tombstone


def test_a_key_that_is_not_utf8_is_kept_in_the_origin_but_gives_no_id(sample_bytes, extractor):
    results = outcomes(extractor, [message(sample_bytes, b"\xff\xfe", 0), message(sample_bytes, b"\xff\xfd", 1)])
    record, verdict = (r for _, r in sorted(results, key=lambda r: r[0] == "duplicates"))
    assert isinstance(record, EnrichedArticle) and isinstance(verdict, DuplicateVerdict)
    assert record.origin.key == b"\xff\xfe" and verdict.origin.key == b"\xff\xfd"
    assert verdict.kind == "resubmitted"  # both ids come from the body, not from the replacement character
    assert EnrichedArticle.model_validate_json(record.to_json()).origin.key == b"\xff\xfe"
