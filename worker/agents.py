"""Thin Faust agents: each reads a topic, calls a pure core, and publishes the records it returns."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import NoReturn, TypeVar

from faust.types import EventT
from pydantic import ValidationError

from schemas import CleanedArticle, DeadLetter, DuplicateVerdict, Stage
from worker import metrics
from worker.accounting import json_id
from worker.app import (
    app,
    cleaned_topic,
    deadletter_topic,
    dedup_index,
    duplicates_topic,
    enriched_topic,
    raw_topic,
    settings,
    topic_specs,
    unique_topic,
)
from worker.dedup import DuplicateIndex
from worker.dedup.buckets import LocalBuckets
from worker.entities import Annotation, EntityExtractor
from worker.errors import Rejected
from worker.loop_monitor import LoopStallMonitor
from worker.pipeline import Message, check_duplicate, clean_message, dead_letter, enrich, warm_up
from worker.state import LocalState, StaleState, StateOwner
from worker.watchdog import PartitionOffsets, Watchdog, measure

log = logging.getLogger(__name__)
T = TypeVar("T")
EXIT_STALE_STATE = 3


BUCKETS_DIR = settings.data_dir / f"{settings.app_id}-dedup-buckets"
local_state = LocalState(settings.data_dir, settings.app_id, [Path(app.conf.appdir), BUCKETS_DIR])
# Set once the cluster behind the current assignment is known to be the one the local stores belong to.
cluster_verified = asyncio.Event()


@lru_cache(maxsize=1)
def duplicate_index() -> DuplicateIndex:
    """The table holds the durable state; the LSH buckets live beside it on local disk (worker/dedup/buckets.py),
    opened on first use, in the worker that owns the dedup partition."""
    durable = settings.store.startswith("rocksdb")
    return DuplicateIndex(dedup_index, settings.dedup_params(), LocalBuckets(BUCKETS_DIR) if durable else {})


def state_owner(cluster_id: str) -> StateOwner:
    return StateOwner(cluster_id, settings.app_id, tuple(sorted(name for name, _, _ in topic_specs())))


def stop_on_stale_state(exc: StaleState) -> NoReturn:
    """Stop at once, committing nothing more: what was decided from the stores so far stays as it is."""
    log.critical("stopping: the local state cannot be trusted: %s. Start the worker again to rebuild it.", exc)
    logging.shutdown()
    os._exit(EXIT_STALE_STATE)


loop_monitor = LoopStallMonitor()
watchdog = Watchdog(settings.watchdog_seconds)
WATCHDOG_INTERVAL = max(0.5, min(10.0, settings.watchdog_seconds / 4))
# NER holds the CPU for a whole batch; in this thread the event loop keeps serving heartbeats, commits and
# the other agents meanwhile (bench/loop_stall.py measures the longest stall both ways).
ner_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ner")


@lru_cache(maxsize=1)
def extractor() -> EntityExtractor:
    return EntityExtractor.from_settings(settings)


async def run_ner(articles: list[CleanedArticle]) -> list[Annotation]:
    if not settings.ner_in_thread:
        return extractor().extract(articles)
    return await asyncio.get_running_loop().run_in_executor(ner_thread, extractor().extract, articles)


def as_message(event: EventT) -> Message:
    msg = event.message
    received = datetime.fromtimestamp(msg.timestamp, UTC) if msg.timestamp else datetime.now(UTC)
    return Message(msg.value, msg.key, msg.topic, msg.partition, msg.offset, received)


async def send_dead_letter(stage: Stage, message: Message, error: Exception) -> None:
    letter: DeadLetter = dead_letter(stage, message, error)
    metrics.DEAD_LETTERS.labels(stage, letter.reason).inc()
    article_id = json_id(message.value)
    log.warning(
        "dead letter %s at %s: id=%s from %s[%d]@%d: %s",
        letter.reason,
        stage,
        article_id or "-",
        message.topic,
        message.partition,
        message.offset,
        letter.detail[:200],
        extra={
            "stage": stage,
            "reason": letter.reason,
            "id": article_id,
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
        },
    )
    await deadletter_topic.send(key=message.key, value=letter.to_json())


def cleaned_record(message: Message) -> tuple[bytes, bytes]:
    """Key and value of the cleaned record; serializing is part of the attempt, so its failure dead-letters too."""
    article = clean_message(message, settings)
    return article.id.encode(), article.to_json()


def parse_cleaned(message: Message) -> CleanedArticle:
    try:
        article = CleanedArticle.model_validate_json(message.value or b"")
    except ValidationError as exc:
        raise Rejected("invalid_schema", str(exc)[:2000]) from None
    if article.origin is None:
        raise Rejected("invalid_schema", "cleaned article without the origin of its raw message")
    return article


def decide(message: Message) -> CleanedArticle | DuplicateVerdict:
    return check_duplicate(duplicate_index(), parse_cleaned(message), message.received_at)


async def attempt(stage: Stage, message: Message, work: Callable[..., T], *args: object) -> T | None:
    """Run ``work(*args)`` for one message, timed; a failure of any kind becomes a dead letter and gives None."""
    metrics.STAGE_IN.labels(stage).inc()
    try:
        with metrics.STAGE_SECONDS.labels(stage).time():
            return work(*args)
    except Exception as exc:  # a bad input never stops the worker
        await send_dead_letter(stage, message, exc)
        return None


@app.agent(raw_topic)
async def clean(stream):
    async for event in stream.events():
        message = as_message(event)
        record = await attempt("clean", message, cleaned_record, message)
        if record is not None:
            key, value = record
            await cleaned_topic.send(key=key, value=value)
            metrics.STAGE_OUT.labels("clean").inc()


@app.agent(cleaned_topic)
async def dedup(stream):
    async for event in stream.events():
        message = as_message(event)
        await cluster_verified.wait()
        try:
            local_state.verify()
        except StaleState as exc:
            stop_on_stale_state(exc)
        decided = await attempt("dedup", message, decide, message)
        if isinstance(decided, DuplicateVerdict):
            await duplicates_topic.send(key=decided.id.encode(), value=decided.to_json())
            metrics.DUPLICATES.labels(decided.kind).inc()
        elif decided is not None:
            await unique_topic.send(key=decided.id.encode(), value=decided.to_json())
            metrics.STAGE_OUT.labels("dedup").inc()
        metrics.DEDUP_INDEX_ARTICLES.set(len(duplicate_index()))


async def ner_alone(message: Message, article: CleanedArticle) -> Annotation | None:
    """NER for one article; a failure is its dead letter and gives None."""
    try:
        [found] = await run_ner([article])
    except Exception as exc:
        await send_dead_letter("entities", message, exc)
        return None
    return found


@app.agent(unique_topic)
async def entities(stream):
    async for events in stream.take_events(settings.ner_batch_size, within=settings.ner_batch_seconds):
        batch: list[tuple[Message, CleanedArticle]] = []
        metrics.STAGE_IN.labels("entities").inc(len(events))
        for event in events:
            message = as_message(event)
            try:
                batch.append((message, parse_cleaned(message)))
            except Rejected as exc:
                await send_dead_letter("entities", message, exc)
        if not batch:
            continue
        started = time.perf_counter()
        try:
            found = await run_ner([article for _, article in batch])
        except Exception:  # one bad article must not sink its batch: find it, alone
            found = [await ner_alone(message, article) for message, article in batch]
        per_article = (time.perf_counter() - started) / len(batch)
        for (_, article), article_entities in zip(batch, found, strict=True):
            if article_entities is None:
                continue
            record = enrich(article, article_entities)
            await enriched_topic.send(key=article.id.encode(), value=record.to_json())
            metrics.STAGE_SECONDS.labels("entities").observe(per_article)
            metrics.STAGE_OUT.labels("entities").inc()
            if article.received_at:
                metrics.END_TO_END_SECONDS.observe((record.processed_at - article.received_at).total_seconds())


@lru_cache(maxsize=1)
def warmed_up() -> float:
    """Loads the NER model and runs the cores once (``warm_up``); the seconds it took.

    ``news-ingest worker`` calls it before the worker joins its group: a missing model then fails it at once,
    and its first messages do not wait behind the model load and the cores' first calls (about 1.5 s).
    """
    started = time.perf_counter()
    warm_up(settings, extractor())
    return time.perf_counter() - started


@app.task
async def report_warm_up() -> None:
    log.info("NER model %s loaded, cores warmed up in %.1f s", extractor().model_name, warmed_up())


@app.task
async def watch_event_loop() -> None:
    await loop_monitor.run()


@app.timer(interval=60.0)
async def report_event_loop_stalls() -> None:
    stall = loop_monitor.take_max()
    metrics.EVENT_LOOP_STALL.set(stall)
    level = logging.WARNING if stall > settings.loop_stall_warning_seconds else logging.INFO
    log.log(level, "longest event-loop stall in the last minute: %.3f s", stall)


@app.timer(interval=WATCHDOG_INTERVAL)
async def watch_progress() -> None:
    """Judge whether the agents still make progress on their input (see worker/watchdog.py)."""
    now = time.monotonic()
    was_stalled = watchdog.status.stalled
    if app.rebalancing or not app.tables.recovery.completed.is_set():
        status = watchdog.excuse(now)
    else:
        topics = [topic.get_topic_name() for topic in (raw_topic, cleaned_topic, unique_topic)]
        offsets: dict[str, PartitionOffsets] | None
        try:
            offsets = await measure(app, topics)
        except Exception as exc:  # the broker may be away: nothing new can be seen, so the clock runs on
            log.info("watchdog could not read offsets: %r", exc)
            offsets = None
        status = watchdog.observe(now, offsets if offsets is not None else watchdog.partitions)
    metrics.WATCHDOG_LAG.set(status.lag)
    metrics.WATCHDOG_IDLE.set(status.seconds_without_progress)
    metrics.WATCHDOG_STALLED.set(int(status.stalled))
    if status.stalled and not was_stalled:
        log.error("watchdog: the worker is stalled, /health fails: %s", status.reason)
    elif was_stalled and not status.stalled:
        log.warning("watchdog: progress again (lag %d), /health passes", status.lag)
