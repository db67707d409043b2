"""Replay dead letters: send the original bytes of chosen dead letters back to the topic they came from.

Each replayed letter is recorded, by its position on the dead-letter topic, in a compacted ledger topic
(``<dead-letter topic>.replayed``), and a later run skips recorded letters: replaying twice sends each letter
once. The ledger is written after the broker acknowledged the replayed messages, so a run that dies in
between sends those letters again next time (a double, never a loss).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from aiokafka import ConsumerRecord, TopicPartition
from pydantic import ValidationError

from schemas import DeadLetter
from worker.kafka import connected, consumer, create_topics, producer

# These would only be dead-lettered again: replaying them needs ``force``.
REFUSED_REASONS = frozenset({"too_large"})
LEDGER_CONFIG = {"cleanup.policy": "compact"}


def ledger_topic(deadletter_topic: str) -> str:
    return f"{deadletter_topic}.replayed"


def position(partition: int, offset: int) -> bytes:
    """A dead letter's ledger key: where it sits on the dead-letter topic."""
    return f"{partition}:{offset}".encode()


@dataclass(frozen=True)
class Selection:
    """Which dead letters to replay: any of ``reasons`` (all if empty), from ``stage`` (any if None); letters
    replayed before only with ``again``."""

    reasons: frozenset[str] = frozenset()
    stage: str | None = None
    limit: int | None = None
    force: bool = False
    again: bool = False

    def wants(self, letter: DeadLetter) -> bool:
        return (not self.reasons or letter.reason in self.reasons) and self.stage in (None, letter.stage)


@dataclass
class ReplayReport:
    read: int = 0
    chosen: list[DeadLetter] = field(default_factory=list)
    positions: list[bytes] = field(default_factory=list)
    refused: int = 0
    unreadable: int = 0
    replayed_before: int = 0
    seconds: float = 0.0


async def _read_to_end(broker: str, topic: str, idle_seconds: float) -> AsyncIterator[ConsumerRecord]:
    """Every record of ``topic`` up to its end when we start, or until ``idle_seconds`` pass without one."""
    async with connected(consumer(broker, topic, from_beginning=True), broker) as kafka:
        partitions = [TopicPartition(topic, p) for p in sorted(kafka.partitions_for_topic(topic) or ())]
        ends = await kafka.end_offsets(partitions) if partitions else {}
        pending = {tp for tp, end in ends.items() if end > 0}
        while pending:
            batches = await kafka.getmany(*pending, timeout_ms=int(idle_seconds * 1000))
            if not batches:
                return
            for tp, records in batches.items():
                for record in records:
                    if record.offset < ends[tp]:
                        yield record
            pending = {tp for tp in pending if await kafka.position(tp) < ends[tp]}


async def read_dead_letters(
    broker: str, topic: str, idle_seconds: float
) -> AsyncIterator[tuple[bytes, DeadLetter | None]]:
    """Every dead letter on ``topic`` up to its end when we start (so a letter that fails again after replay
    is not read again), with its position; None for an unreadable record."""
    async with contextlib.aclosing(_read_to_end(broker, topic, idle_seconds)) as records:
        async for record in records:
            at = position(record.partition, record.offset)
            try:
                yield at, DeadLetter.model_validate_json(record.value or b"")
            except ValidationError:
                yield at, None


async def replayed_positions(broker: str, deadletter_topic: str, idle_seconds: float) -> set[bytes]:
    """Positions of the dead letters earlier runs replayed (the ledger topic is created when missing)."""
    await create_topics(broker, [(ledger_topic(deadletter_topic), 1, LEDGER_CONFIG)])
    async with contextlib.aclosing(_read_to_end(broker, ledger_topic(deadletter_topic), idle_seconds)) as records:
        return {record.key async for record in records if record.key is not None}


async def replay(
    broker: str,
    deadletter_topic: str,
    selection: Selection,
    idle_seconds: float,
    dry_run: bool,
    on_letter: Callable[[DeadLetter], None] = lambda _: None,
) -> ReplayReport:
    """Send the original value and key of each chosen dead letter to its origin topic (unless ``dry_run``),
    then record it in the ledger."""
    started = time.perf_counter()
    report = ReplayReport()
    done = set() if selection.again else await replayed_positions(broker, deadletter_topic, idle_seconds)
    async with contextlib.aclosing(read_dead_letters(broker, deadletter_topic, idle_seconds)) as letters:
        async for at, letter in letters:
            report.read += 1
            if letter is None:
                report.unreadable += 1
            elif not selection.wants(letter):
                continue
            elif at in done:
                report.replayed_before += 1
            elif letter.reason in REFUSED_REASONS and not selection.force:
                report.refused += 1
            else:
                report.chosen.append(letter)
                report.positions.append(at)
                on_letter(letter)
                if selection.limit is not None and len(report.chosen) >= selection.limit:
                    break
    if report.chosen and not dry_run:
        async with connected(producer(broker, acks="all", enable_idempotence=True), broker) as kafka:
            sends = [await kafka.send(letter.topic, letter.original, key=letter.key) for letter in report.chosen]
            await asyncio.gather(*sends)
            entry = orjson.dumps({"replayed_at": datetime.now(UTC)})
            ledger = ledger_topic(deadletter_topic)
            await asyncio.gather(*[await kafka.send(ledger, entry, key=at) for at in report.positions])
    report.seconds = time.perf_counter() - started
    return report
