"""Near-duplicate detection through the broker: across partitions and workers, across restarts, bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from bench import DATA_DIR
from bench.deployment import Pipeline, new_pipeline
from schemas import CleanedArticle, DuplicateVerdict, EnrichedArticle
from tests.integration.test_end_to_end import keys_on_different_partitions
from tests.unit.test_dedup import STORY, body, templated
from worker.pipeline import Message, OfflinePipeline
from worker.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
NEARDUP = DATA_DIR / "neardup"


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
        pipeline.send([(b"1", raw("old", body(STORY), t0))])
        pipeline.send([(b"2", raw("two-days-later", later, t0 + timedelta(days=2)))])
        pipeline.send([(b"3", raw("copy-after-window", body(STORY), t0 + timedelta(days=2)))])
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


def neardup_stream() -> tuple[list[tuple[bytes, bytes]], dict[str, str]]:
    """The public near-duplicate stream as (key, value) messages keyed by id, and each id's story (cluster)."""
    lines = (NEARDUP / "articles.jsonl").read_bytes().splitlines()
    clusters = {label["id"]: label["cluster"] for label in map(json.loads, (NEARDUP / "labels.jsonl").open())}
    return [(json.loads(line)["id"].encode(), line) for line in lines], clusters


def assert_each_story_once(pipeline: Pipeline, clusters: dict[str, str]) -> None:
    """Every story published once, every other copy a verdict on it; templated stories are stories of their own."""
    enriched = [EnrichedArticle.model_validate_json(v) for v in pipeline.read("enriched", len(set(clusters.values())))]
    verdicts = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", 0, timeout=30, settle=5)]
    published = sorted(clusters[r.id] for r in enriched)
    assert published == sorted(set(clusters.values())), "a story published twice, or not at all"
    assert len(enriched) + len(verdicts) == len(clusters)
    assert all(clusters[v.id] == clusters[v.duplicate_of] for v in verdicts), "a copy joined another story"


@pytest.mark.parametrize("workers", [1, 2])
def test_the_near_duplicate_stream_in_one_burst_over_four_partitions_gives_each_story_once(
    pipeline: Pipeline, workers: int
):
    messages, clusters = neardup_stream()
    for _ in range(workers):
        pipeline.start_worker()
    partitions = pipeline.send(messages)
    assert len(set(partitions)) == 4
    assert_each_story_once(pipeline, clusters)


def test_worker_and_offline_process_give_the_same_verdicts_at_a_steady_rate(pipeline: Pipeline, extractor):
    """At a steady rate every article is cleaned before the next arrives, so the dedup log holds the stream's
    order over all four partitions, and the worker's verdicts are those of ``process`` on the file."""
    messages, clusters = neardup_stream()
    pipeline.start_worker()
    pipeline.start_worker()
    pipeline.send(messages, every=0.1)
    offline = OfflinePipeline(Settings(), extractor)
    now = datetime.now(UTC)
    expected = [
        (r.id, r.duplicate_of, r.kind)
        for kind, r in offline.run(Message(value, key, "file", 0, i, now) for i, (key, value) in enumerate(messages))
        if kind == "duplicates"
    ]
    verdicts = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", len(expected))]
    assert sorted((v.id, v.duplicate_of, v.kind) for v in verdicts) == sorted(expected)
    assert_each_story_once(pipeline, clusters)
