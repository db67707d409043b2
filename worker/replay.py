"""Replay dead letters: send the original bytes of chosen dead letters back to the topic they came from."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiokafka import TopicPartition
from pydantic import ValidationError

from schemas import DeadLetter
from worker.kafka import connected, consumer, producer

# These would only be dead-lettered again: replaying them needs ``force``.
REFUSED_REASONS = frozenset({"too_large"})


@dataclass(frozen=True)
class Selection:
    """Which dead letters to replay: any of ``reasons`` (all if empty), from ``stage`` (any if None)."""

    reasons: frozenset[str] = frozenset()
    stage: str | None = None
    limit: int | None = None
    force: bool = False

    def wants(self, letter: DeadLetter) -> bool:
        return (not self.reasons or letter.reason in self.reasons) and self.stage in (None, letter.stage)


@dataclass
class ReplayReport:
    read: int = 0
    chosen: list[DeadLetter] = field(default_factory=list)
    refused: int = 0
    unreadable: int = 0
    seconds: float = 0.0


async def read_dead_letters(broker: str, topic: str, idle_seconds: float) -> AsyncIterator[DeadLetter | None]:
    """Every dead letter on ``topic`` up to its end when we start (so a letter that fails again after
    replay is not read again), or until ``idle_seconds`` pass without one; None for an unreadable record."""
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
                        try:
                            yield DeadLetter.model_validate_json(record.value)
                        except ValidationError:
                            yield None
            pending = {tp for tp in pending if await kafka.position(tp) < ends[tp]}


async def replay(
    broker: str,
    deadletter_topic: str,
    selection: Selection,
    idle_seconds: float,
    dry_run: bool,
    on_letter: Callable[[DeadLetter], None] = lambda _: None,
) -> ReplayReport:
    """Send the original value and key of each chosen dead letter to its origin topic (unless ``dry_run``)."""
    started = time.perf_counter()
    report = ReplayReport()
    async with contextlib.aclosing(read_dead_letters(broker, deadletter_topic, idle_seconds)) as letters:
        async for letter in letters:
            report.read += 1
            if letter is None:
                report.unreadable += 1
            elif not selection.wants(letter):
                continue
            elif letter.reason in REFUSED_REASONS and not selection.force:
                report.refused += 1
            else:
                report.chosen.append(letter)
                on_letter(letter)
                if selection.limit is not None and len(report.chosen) >= selection.limit:
                    break
    if report.chosen and not dry_run:
        async with connected(producer(broker), broker) as kafka:
            sends = [await kafka.send(letter.topic, letter.original, key=letter.key) for letter in report.chosen]
            await asyncio.gather(*sends)
    report.seconds = time.perf_counter() - started
    return report
