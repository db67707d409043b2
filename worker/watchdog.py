"""The silent-stall watchdog: a worker whose agents make no progress while their input has lag is not
healthy, even though its event loop still answers. ``/health`` then fails so that a supervisor restarts it.

Progress is any change of the offsets the agents have read or committed on their assigned input partitions,
or a change of the assignment itself. Lag is the log end of each partition minus its committed offset (the
fetch position until this process has committed one). Rebalances and table recovery are not judged: the
clock restarts after them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from faust.types import TP, AppT

MEASURE_TIMEOUT_SECONDS = 10.0
TRANSACTION_MARKER = 1  # offset taken by a transaction's commit marker


@dataclass(frozen=True)
class PartitionOffsets:
    end: int | None  # offset the next record written to the partition will get
    read: int | None  # last offset an agent took from the partition
    committed: int | None  # offset the group resumes from (else the fetch position)

    @property
    def lag(self) -> int:
        """Offsets between the committed one and the end. A single one is not counted: it may be the marker
        that ends a transaction, and Faust commits the offset after the last record, never past the marker."""
        if self.end is None or self.committed is None:
            return 0
        behind = self.end - self.committed
        return behind if behind > TRANSACTION_MARKER else 0


@dataclass(frozen=True)
class WatchdogStatus:
    stalled: bool
    lag: int
    seconds_without_progress: float
    reason: str


class Watchdog:
    """Decides from successive observations whether the agents stopped making progress while lag remained."""

    def __init__(self, limit_seconds: float) -> None:
        self.limit_seconds = limit_seconds
        self.partitions: dict[str, PartitionOffsets] = {}
        self._previous: dict[str, tuple[int | None, int | None]] | None = None
        self._progress_at: float | None = None
        self.status = WatchdogStatus(False, 0, 0.0, "")

    def excuse(self, now: float) -> WatchdogStatus:
        """A moment when no progress is expected (rebalance, table recovery): the clock restarts."""
        self._progress_at = now
        self.status = WatchdogStatus(False, self.status.lag, 0.0, "")
        return self.status

    def observe(self, now: float, partitions: Mapping[str, PartitionOffsets]) -> WatchdogStatus:
        progress_marks = {name: (p.read, p.committed) for name, p in partitions.items()}
        lagging = {name: p.lag for name, p in partitions.items() if p.lag > 0}
        lag = sum(lagging.values())
        if self._progress_at is None or progress_marks != self._previous or lag == 0:
            self._progress_at = now
        self._previous, self.partitions = progress_marks, dict(partitions)
        waited = now - self._progress_at
        stalled = lag > 0 and waited >= self.limit_seconds
        reason = ""
        if stalled:
            where = ", ".join(f"{name} ({n})" for name, n in sorted(lagging.items()))
            reason = f"no progress for {waited:.0f} s while {lag} messages wait on {where}"
        self.status = WatchdogStatus(stalled, lag, waited, reason)
        return self.status


def partition_name(tp: TP) -> str:
    return f"{tp.topic}[{tp.partition}]"


async def measure(app: AppT, topics: Iterable[str]) -> dict[str, PartitionOffsets]:
    """Offsets of the app's assigned partitions of ``topics``, from its consumer and its monitor.

    Raises ``TimeoutError`` when the broker does not answer within ``MEASURE_TIMEOUT_SECONDS``.
    """
    wanted = set(topics)
    assigned = sorted(tp for tp in app.consumer.assignment() if tp.topic in wanted)
    if not assigned:
        return {}
    async with asyncio.timeout(MEASURE_TIMEOUT_SECONDS):
        ends = await app.consumer.highwaters(*assigned)
        offsets = {}
        for tp in assigned:
            committed = app.monitor.tp_committed_offsets.get(tp)
            if committed is None:
                committed = await app.consumer.position(tp)
            offsets[partition_name(tp)] = PartitionOffsets(ends.get(tp), app.monitor.tp_read_offsets.get(tp), committed)
    return offsets
