"""raw → clean → dedup → entities → enriched through a real broker and a real worker process."""

from __future__ import annotations

import orjson
import pytest
from aiokafka.partitioner import DefaultPartitioner

from bench.deployment import Pipeline
from schemas import DeadLetter, DuplicateVerdict, EnrichedArticle
from tests.sample_expectations import TITLE, assert_sample_record
from tests.unit.test_offline_pipeline import HTML, assert_harbor_page

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

BAD_INPUTS = {
    "invalid_json": b'{"title": "broken',
    "missing_content": b'{"title": "no body", "url": "https://example.org/x"}',
    "not_utf8": b"\xff\xfe\x00 not text",
    "too_large": b"x" * 6_000_000,
    "empty_after_cleaning": b"Advertisement\n\nShare this article\n",
}


def keys_on_different_partitions(partitions: int) -> tuple[bytes, bytes]:
    partitioner = DefaultPartitioner()
    all_partitions = list(range(partitions))
    first = b"sample-copy-0"
    home = partitioner(first, all_partitions, all_partitions)
    second = next(
        key
        for i in range(1, 100)
        if partitioner(key := f"sample-copy-{i}".encode(), all_partitions, all_partitions) != home
    )
    return first, second


def test_sample_twice_html_and_every_bad_input(pipeline: Pipeline, sample_bytes: bytes):
    worker = pipeline.start_worker()
    key_a, key_b = keys_on_different_partitions(4)
    html = orjson.dumps({"url": "https://example.org/x?utm_source=feed", "html": HTML.decode()})
    messages = [(key_a, sample_bytes), (b"page-1", html)]
    messages += [(reason.encode(), value) for reason, value in BAD_INPUTS.items()]
    messages.append((key_b, sample_bytes))
    partitions = pipeline.send(messages)
    assert partitions[0] != partitions[-1], "the two copies must land on different partitions"

    enriched = [EnrichedArticle.model_validate_json(v) for v in pipeline.read("enriched", 2)]
    duplicates = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", 1)]
    dead = [DeadLetter.model_validate_json(v) for v in pipeline.read("deadletter", len(BAD_INPUTS))]

    samples = [r for r in enriched if r.title == TITLE]
    assert len(samples) == 1 and len(enriched) == 2
    sample = samples[0]
    assert_sample_record(sample)
    page = next(r for r in enriched if r is not sample)
    assert_harbor_page(page)

    assert len(duplicates) == 1
    assert (duplicates[0].duplicate_of, duplicates[0].kind) == (sample.id, "exact")
    assert duplicates[0].id != sample.id

    by_reason = {d.reason: d for d in dead}
    assert set(by_reason) == set(BAD_INPUTS) and len(dead) == len(BAD_INPUTS)
    for reason, value in BAD_INPUTS.items():
        letter = by_reason[reason]
        assert (letter.stage, letter.original, letter.key) == ("clean", value, reason.encode())
        assert letter.topic == pipeline.topic("raw") and letter.offset >= 0

    assert worker.poll() is None, "the worker must survive bad input"
