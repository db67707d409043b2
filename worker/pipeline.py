"""Stage functions shared by the Faust agents and the offline ``process`` command.

Each turns what a stage receives into the record it publishes; none touches Kafka or asyncio.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

import orjson
from pydantic import ValidationError

from schemas import (
    ArticleContent,
    CleanedArticle,
    DeadLetter,
    DuplicateVerdict,
    EnrichedArticle,
    Origin,
    PipelineInfo,
    Record,
    Stage,
)
from worker import __version__
from worker.clean import clean_article, decode_raw
from worker.dedup import Decision, DuplicateIndex
from worker.dedup.signature import from_record, signer_for, to_record
from worker.entities import Annotation, EntityExtractor
from worker.errors import Rejected
from worker.settings import Settings

Output = Literal["enriched", "duplicates", "deadletter"]


@dataclass(frozen=True)
class Message:
    """One input message and where it came from (a topic partition offset, or a file line)."""

    value: bytes | None
    key: bytes | None
    topic: str
    partition: int
    offset: int
    received_at: datetime

    @property
    def origin(self) -> Origin:
        return Origin(topic=self.topic, partition=self.partition, offset=self.offset, key=self.key)


def clean_message(message: Message, settings: Settings) -> CleanedArticle:
    """``news.raw`` message → cleaned article with its dedup signature; raises ``Rejected``.

    The signature is computed here, where the work spreads over every partition, so that the one ordered
    dedup partition only looks up and updates its index.
    """
    raw = decode_raw(message.value, settings.max_payload_bytes, settings.max_json_depth)
    article = clean_article(
        raw,
        message.received_at,
        key=key_text(message.key),
        max_html_elements=settings.max_html_elements,
        html_vote=settings.html_vote,
    )
    signer = signer_for(settings.dedup_num_perm, settings.dedup_shingle_words)
    signature = to_record(signer.sign(article.body))
    return article.model_copy(
        update={"signature": signature, "received_at": message.received_at, "origin": message.origin}
    )


def key_text(key: bytes | None) -> str | None:
    """The key as text, to derive an id from when nothing better is there; a key that is not UTF-8 is not
    used (a replacement character would make two different keys one id), but it stays in the origin."""
    try:
        return key.decode("utf-8").strip() or None if key else None
    except UnicodeDecodeError:
        return None


def dead_letter(
    stage: Stage, message: Message, reason: Rejected | Exception, origin: Origin | None = None
) -> DeadLetter:
    """``origin``: the raw message behind a later stage's input; the clean stage's input is that message."""
    rejected = reason if isinstance(reason, Rejected) else Rejected("internal_error", repr(reason)[:2000])
    return DeadLetter(
        stage=stage,
        reason=rejected.reason,
        detail=rejected.detail,
        original=message.value or b"",
        tombstone=message.value is None,
        key=message.key,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        received_at=message.received_at,
        origin=message.origin if stage == "clean" else origin or origin_in(message.value),
    )


def origin_in(value: bytes | None) -> Origin | None:
    """The origin a cleaned record names, read even when the rest of the record is not valid."""
    try:
        data = orjson.loads(value or b"")
        return Origin.model_validate(data["origin"]) if isinstance(data, dict) and data.get("origin") else None
    except (orjson.JSONDecodeError, ValidationError, TypeError):
        return None


def check_duplicate(
    index: DuplicateIndex, article: CleanedArticle, arrived_at: datetime
) -> CleanedArticle | DuplicateVerdict:
    """Ask the index: the article to publish (its cluster and version set; it is now indexed), or the verdict.

    Event time is the article's own time, but never later than its arrival, so a page dated in the future
    cannot push the retention window ahead.
    """
    if article.signature is None or article.origin is None:
        raise Rejected("invalid_schema", "cleaned article without a signature or an origin")
    event_time = min(article.seen_at, arrived_at)
    decision: Decision = index.check(
        article.id, from_record(article.signature), article.content_hash, event_time, article.origin.position
    )
    if decision.duplicate_of is None:
        return article.model_copy(
            update={
                "cluster_id": article.id,
                "version": decision.version,
                "previous_content_hash": decision.previous_hash,
            }
        )
    return DuplicateVerdict(
        id=article.id,
        duplicate_of=decision.duplicate_of,
        kind=decision.kind,
        similarity=decision.similarity,
        url=article.url,
        seen_at=article.seen_at,
        origin=article.origin,
    )


def enrich(article: CleanedArticle, annotation: Annotation) -> EnrichedArticle:
    fields = article.model_dump(include=set(ArticleContent.model_fields) - {"schema_version"})
    return EnrichedArticle(
        **fields,
        cluster_id=article.cluster_id or article.id,
        version=article.version,
        updated_at=article.received_at if article.version > 1 else None,
        previous_content_hash=article.previous_content_hash,
        entities=annotation.entities,
        entities_status=annotation.status,
        processed_at=datetime.now(UTC),
        pipeline=PipelineInfo(version=__version__, ner_model=annotation.model),
        origin=article.origin,
    )


# Two small articles, one page and one text, that take every branch of the cores the first real messages would.
WARM_UP_INPUTS = (
    b"<html><head><title>Harbor bridge reopens</title><meta name='description' content='Repairs end early.'>"
    b"<meta property='article:published_time' content='2025-03-04T09:30:00+01:00'></head><body><nav>Home</nav>"
    b"<article><h1>Harbor bridge reopens</h1><p>LISBON (Reuters) - The harbor bridge reopened on Tuesday after"
    b" repairs that the city council said cost 12 million euros.</p><p>Mayor Ana Costa thanked the engineers of"
    b" Portway Construction for finishing two weeks early.</p></article><footer>Subscribe</footer></body></html>",
    b"Wheat prices climb\nWheat prices climb\nTraders in Chicago bid futures up 3 percent.\n\nCHICAGO, March 4"
    b" (AP) - Wheat futures rose on Monday as dry weather in Kansas threatened the crop, analysts at Cargill said."
    b"\n\nShare this article",
)


def warm_up(settings: Settings, extractor: EntityExtractor) -> None:
    """Runs clean and NER once on ``WARM_UP_INPUTS``: the lazy imports and first-call set-up (language model,
    extractors, MinHash permutations, NER buffers) then happen before a worker takes its first message."""
    now = datetime.now(UTC)
    articles = [
        clean_message(Message(value, None, "warm-up", 0, n, now), settings) for n, value in enumerate(WARM_UP_INPUTS)
    ]
    extractor.extract(articles)


class OfflinePipeline:
    """The worker's stages in one process, in input order, first seen wins: ``news-ingest process``.

    ``cpu_seconds`` adds up the CPU time each stage has spent so far (building its records included).
    """

    def __init__(self, settings: Settings, extractor: EntityExtractor) -> None:
        self.settings = settings
        self.extractor = extractor
        self.index = DuplicateIndex({}, settings.dedup_params())
        self.cpu_seconds: dict[Stage, float] = dict.fromkeys(get_args(Stage), 0.0)

    def run(self, messages: Iterable[Message]) -> Iterator[tuple[Output, Record]]:
        pending: list[CleanedArticle] = []
        for message in messages:
            started = time.process_time()
            try:
                article = clean_message(message, self.settings)
            except Exception as exc:  # every failure is a dead letter, never a crash
                letter = dead_letter("clean", message, exc)
                self._spent("clean", started)
                yield "deadletter", letter
                continue
            cleaned = self._spent("clean", started)
            try:
                decided = check_duplicate(self.index, article, message.received_at)
            except Rejected as exc:
                self._spent("dedup", cleaned)
                yield "deadletter", dead_letter("dedup", message, exc, article.origin)
                continue
            self._spent("dedup", cleaned)
            if isinstance(decided, DuplicateVerdict):
                yield "duplicates", decided
                continue
            pending.append(decided)
            if len(pending) >= self.settings.ner_batch_size:
                yield from self._enrich(pending)
                pending = []
        yield from self._enrich(pending)

    def _enrich(self, articles: Sequence[CleanedArticle]) -> Iterator[tuple[Output, Record]]:
        if not articles:
            return
        started = time.process_time()
        found = self.extractor.extract(articles)
        records = [enrich(article, annotation) for article, annotation in zip(articles, found, strict=True)]
        self._spent("entities", started)
        for record in records:
            yield "enriched", record

    def _spent(self, stage: Stage, since: float) -> float:
        """Adds the CPU time since ``since`` to ``stage``; returns the clock, to start the next stage from."""
        now = time.process_time()
        self.cpu_seconds[stage] += now - since
        return now
