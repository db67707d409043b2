"""Near-duplicate detection through the broker: across partitions and workers, across restarts, bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from bench.dedup_live import collected, judge, live, offline, same_verdicts, stream
from bench.deployment import Pipeline, new_pipeline
from schemas import CleanedArticle, DuplicateVerdict, EnrichedArticle
from tests.integration.test_end_to_end import keys_on_different_partitions
from tests.unit.test_dedup import STORY, body, templated

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def raw(article_id: str, text: str, published: datetime | None = None) -> bytes:
    record = {"id": article_id, "text": text}
    if published:
        record["published_at"] = published.isoformat()
    return orjson.dumps(record)


def cleaned_order(pipeline: Pipeline, expected: int) -> list[str]:
    """Ids in the order the (single-partition) dedup log holds them: the order that decides first-seen."""
    return [CleanedArticle.model_validate_json(v).id for v in pipeline.read("cleaned", expected)]


def test_copies_on_different_partitions_meet_across_two_workers(pipeline: Pipeline):
    pipeline.start_worker()
    pipeline.start_worker()
    key_a, key_b = keys_on_different_partitions(4)
    wire = body(["ROTTERDAM (Wire) — " + STORY[0], *STORY[1:4], "Reporting by Jan Smit; editing by Ana Lee"])
    partitions = pipeline.send([(key_a, raw("local", body(STORY))), (key_b, raw("wire", wire))])
    assert partitions[0] != partitions[1]
    enriched = [EnrichedArticle.model_validate_json(v) for v in pipeline.read("enriched", 1)]
    verdicts = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", 1)]
    first, second = cleaned_order(pipeline, 2)
    # the race is decided by the order of the one dedup partition, whichever copy was cleaned first
    assert [e.id for e in enriched] == [first]
    assert [(v.id, v.duplicate_of, v.kind) for v in verdicts] == [(second, first, "near")]
    assert enriched[0].cluster_id == first


def test_index_survives_a_restart_through_its_changelog(pipeline: Pipeline):
    pipeline.start_worker()
    pipeline.send([(b"a", raw("original", body(STORY)))])
    assert len(pipeline.read("enriched", 1)) == 1
    pipeline.stop()
    # a new worker with an empty data directory must restore the index from the changelog topic
    pipeline.start_worker()
    pipeline.send([(b"b", raw("truncated", body(STORY[:4])))])
    verdicts = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", 1)]
    assert [(v.id, v.duplicate_of) for v in verdicts] == [("truncated", "original")]
    assert len(pipeline.read("enriched", 1)) == 1


def test_retention_window_forgets_old_stories_and_tombstones_their_state(kafka_broker, tmp_path):
    pipeline = new_pipeline(kafka_broker, tmp_path, {"NEWS_INGEST_DEDUP_RETENTION_DAYS": "1"})
    try:
        pipeline.start_worker()
        t0 = datetime(2025, 3, 4, 9, tzinfo=UTC)
        later = templated("Delft", "300", "2026", "Martina Huijsmans", "12")
        # One key, so one raw partition: on three, the old story could reach the index after its copy, and be the
        # copy's duplicate (the first seen wins).
        pipeline.send([(b"k", raw("old", body(STORY), t0))])
        pipeline.send([(b"k", raw("two-days-later", later, t0 + timedelta(days=2)))])
        pipeline.send([(b"k", raw("copy-after-window", body(STORY), t0 + timedelta(days=2)))])
        enriched = {EnrichedArticle.model_validate_json(v).id for v in pipeline.read("enriched", 3)}
        assert enriched == {"old", "two-days-later", "copy-after-window"}
        assert pipeline.read("duplicates", 0, timeout=5) == []
        changelog = pipeline.read_records(pipeline.changelog_topic("dedup-index"), 1)
        tombstoned = {json.loads(r.key) for r in changelog if r.value is None}
        # every durable key of the old story; its LSH buckets are local to the worker, never on the changelog
        assert {"s:old", "q:0"} <= tombstoned and any(k.startswith("h:") for k in tombstoned)
        assert not any(json.loads(r.key).startswith("b:") for r in changelog)
    finally:
        pipeline.stop()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_near_duplicate_stream_in_one_burst_over_four_partitions_gives_each_story_once(
    pipeline: Pipeline, workers: int, extractor
):
    """Each story once, and every verdict the one ``process`` gives on the order the dedup log holds."""
    messages, clusters = stream()
    outcome = live(pipeline, messages, workers, every=0)
    judged = judge(outcome, clusters)
    assert judged.ok, judged
    assert same_verdicts(outcome, offline(messages, extractor, outcome.order))


def test_at_a_steady_rate_the_worker_decides_as_process_on_the_file(pipeline: Pipeline, extractor):
    """One article every 0.5 s is cleaned before the next arrives, so the dedup log holds the file's order
    over all four partitions and the verdicts are those of ``process`` on the file."""
    messages, clusters = stream()
    outcome = live(pipeline, messages, 1, every=0.5)
    assert judge(outcome, clusters).ok
    assert same_verdicts(outcome, offline(messages, extractor, outcome.order))
    assert same_verdicts(outcome, offline(messages, extractor)), "the dedup log's order is not the file's"


def test_copies_are_caught_while_a_second_worker_joins_and_leaves(pipeline: Pipeline, extractor):
    """The dedup partition moves to the joining worker and back: its local buckets catch up from the table."""
    messages, clusters = stream()
    thirds = [messages[: len(messages) // 3], messages[len(messages) // 3 : 2 * len(messages) // 3]]
    thirds.append(messages[2 * len(messages) // 3 :])
    pipeline.start_worker()
    pipeline.send(thirds[0])
    pipeline.wait_until_settled(pipeline.raw_identities(len(thirds[0])), timeout=300, quiet=3)
    pipeline.start_worker()
    pipeline.send(thirds[1])
    pipeline.wait_until_settled(pipeline.raw_identities(len(thirds[0]) + len(thirds[1])), timeout=300, quiet=3)
    pipeline.terminate_worker(1)
    pipeline.send(thirds[2])
    outcome = collected(pipeline, messages)
    judged = judge(outcome, clusters)
    assert judged.published_once == judged.stories and judged.cross_story == 0, judged
    assert same_verdicts(outcome, offline(messages, extractor, outcome.order))
    assert outcome.lost == [], "a raw message has no outcome"
