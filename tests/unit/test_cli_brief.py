"""``news-ingest tail --brief``: one plain line per outcome record, as the demo prints them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas import DeadLetter, DuplicateVerdict, EnrichedArticle, Entity, Mention, Origin, PipelineInfo
from worker.cli import Brief

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TOPICS = ["news.enriched", "news.duplicates", "news.deadletter"]
ORIGIN = Origin(topic="news.raw", partition=0, offset=0)


def entity(name: str, label: str = "GPE") -> Entity:
    return Entity(
        text=name, label=label, canonical=name, count=1, salience=0.5, mentions=[Mention(field="body", start=0, end=1)]
    )


def enriched(id_: str, title: str | None, names: list[str], version: int = 1) -> bytes:
    return EnrichedArticle(
        id=id_,
        title=title,
        body="Body.",
        language="en",
        word_count=1,
        content_hash="h",
        cluster_id=id_,
        version=version,
        entities_status="model",
        origin=ORIGIN,
        entities=[entity(n) for n in names],
        processed_at=NOW,
        pipeline=PipelineInfo(version="0", ner_model="m"),
    ).to_json()


def verdict(id_: str, of: str) -> bytes:
    return DuplicateVerdict(id=id_, duplicate_of=of, kind="exact", similarity=1.0, seen_at=NOW, origin=ORIGIN).to_json()


DEAD = DeadLetter(
    stage="clean",
    reason="invalid_json",
    detail="unexpected end of data",
    original=b"{",
    topic="news.raw",
    partition=2,
    offset=7,
    received_at=NOW,
).to_json()


def test_an_enriched_record_is_its_id_language_title_and_top_entities():
    (line,) = Brief(TOPICS).add(
        "news.enriched", enriched("a1", "Canada and EU", ["Canada", "EU", "US", "NATO", "Trump"])
    )
    assert line == 'enriched   a1 en "Canada and EU" 5 entities: Canada, EU, US, NATO, …'


def test_a_later_version_says_which():
    (line,) = Brief(TOPICS).add("news.enriched", enriched("a1", "Canada and EU", ["Canada"], version=3))
    assert line == 'enriched   a1 en "Canada and EU" version 3, 1 entities: Canada'


def test_a_long_title_is_cut_and_a_record_without_entities_says_so():
    (line,) = Brief(TOPICS).add("news.enriched", enriched("a1", "x" * 100, []))
    assert line == f'enriched   a1 en "{"x" * 69}…" 0 entities'


def test_a_verdict_after_its_story_names_the_story():
    brief = Brief(TOPICS)
    brief.add("news.enriched", enriched("a1", "Canada and EU", ["Canada"]))
    assert brief.add("news.duplicates", verdict("b2", "a1")) == [
        'duplicate  b2 exact copy of a1 "Canada and EU" similarity 1.00'
    ]


def test_a_verdict_before_its_story_waits_for_it():
    brief = Brief(TOPICS)
    assert brief.add("news.duplicates", verdict("b2", "a1")) == []
    lines = brief.add("news.enriched", enriched("a1", "Canada and EU", ["Canada"]))
    assert [line.split()[0] for line in lines] == ["enriched", "duplicate"]
    assert lines[1].endswith('copy of a1 "Canada and EU" similarity 1.00')
    assert brief.finish() == []


def test_a_verdict_whose_story_never_came_is_printed_at_the_end_without_a_title():
    brief = Brief(TOPICS)
    brief.add("news.duplicates", verdict("b2", "gone"))
    assert brief.finish() == ["duplicate  b2 exact copy of gone similarity 1.00"]


def test_a_dead_letter_is_its_reason_stage_origin_and_detail():
    assert Brief(TOPICS).add("news.deadletter", DEAD) == [
        "deadletter invalid_json at clean from news.raw[2]@7: unexpected end of data"
    ]


def test_a_value_that_is_not_an_outcome_is_still_one_line():
    assert Brief(["news.raw"]).add("news.raw", b"\xff not json") == ["other      10 bytes b'\\xff not json'"]


def test_the_summary_counts_records_per_topic_in_the_order_asked():
    brief = Brief(TOPICS)
    brief.add("news.deadletter", DEAD)
    brief.add("news.enriched", enriched("a1", "T", []))
    brief.add("news.enriched", enriched("a2", "U", []))
    assert brief.summary(2.345) == "read 3 records in 2.3s: news.enriched 2, news.duplicates 0, news.deadletter 1"
