"""The Kafka consumer of the worker: Faust's, committing finished work before a rebalance takes it away,
never committing past a message no agent processed, nor before the table writes of what it commits are sent."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Set
from typing import Any

from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP, Message

from worker import metrics

log = logging.getLogger(__name__)


class ChangelogReadOffsets(defaultdict):
    """Faust's read positions, seen by its fetch loop for changelogs only.

    That loop drops a fetched message below the partition's read position and records a gap when the next
    message jumps past it; it sets the position after each delivery, which can land after a rebalance has
    sought the partition back, and then refetched messages are dropped and a false gap is committed over.
    For input topics the loop sees no position; ``_deliver_unless_processed`` keeps its own."""

    def __init__(self, is_input: Callable[[str], bool]) -> None:
        super().__init__(lambda: None)
        self._is_input = is_input

    def __getitem__(self, tp: TP) -> int | None:
        return None if self._is_input(tp.topic) else super().__getitem__(tp)


class CommitBeforeRevokeConsumer(Consumer):
    """faust-streaming 0.15.3 drops the acked offsets of revoked partitions first and only then waits for the
    streams and commits, so nothing of the work done since the last periodic commit is committed: the next
    owner of each partition does it again. Here the streams stop, in-flight events finish and their offsets
    are committed while the partitions are still assigned; Faust's own revocation follows. The other
    corrections of this class are told in docs/guarantees.md, "Rebalances and shutdown"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unprocessed: dict[TP, int] = {}  # partition -> offset to read again (see _new_offset)
        self._reading_again: dict[TP, int] = {}  # partition -> offset sought, on its way to the agents
        self._next_fetched: dict[TP, int] = {}  # partition -> offset its next fetched message should have
        self._seeks: dict[TP, int] = {}  # partition -> seeks so far
        self._seeks_at_fetch: dict[TP, int] = {}  # the same, when the batch being delivered was fetched
        self._seek_again: set[TP] = set()  # partitions whose messages were dropped as fetched before a seek
        self._handed: dict[TP, tuple[int, int]] = {}  # partition -> (generation, highest offset handed then)
        self._read_offset = ChangelogReadOffsets(lambda topic: self.app.topics.acks_enabled_for(topic))
        self._deliver = self.callback
        self.callback = self._deliver_unless_processed

    async def _deliver_unless_processed(self, message: Message) -> None:
        """Hand a fetched message of an input topic to the streams once, in offset order.

        Not when it was fetched before the partition's last seek: Faust seeks to the committed offsets in
        the middle of a batch (after a rebalance, its flow already resumed); the partition is read again from
        there before the next fetch. Not when it was handed already in this generation: it is on its way or
        done (when a partition is read again, from the committed offset or from a message never processed).
        Offsets a fetch skipped (compaction, retention, transaction markers) are a gap to commit over."""
        if not self.app.topics.acks_enabled_for(message.topic):
            await self._deliver(message)  # changelogs: Faust's read position applies
            return
        generation = self.app.consumer_generation_id
        if message.generation_id != generation:
            return  # fetched before a rebalance: its partition is read again from the committed offset
        tp, offset = message.tp, message.offset
        if self._seeks.get(tp, 0) != self._seeks_at_fetch.get(tp, 0):
            self._seek_again.add(tp)
            return
        expected = self._next_fetched.get(tp)
        if expected is not None and offset < expected:
            return
        self._next_fetched[tp] = offset + 1
        if expected is not None and offset > expected:
            await self._add_gap(tp, expected, offset - 1)
        committed = self._committed_offset.get(tp)
        if (committed is not None and offset < committed) or offset in self._acked_index.get(tp, ()):
            return
        handed_in, handed = self._handed.get(tp, (generation, -1))
        if handed_in != generation:
            handed = -1
        if offset <= handed and self._reading_again.get(tp) != offset:
            return
        self._handed[tp] = (generation, max(handed, offset))
        await self._deliver(message)

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        self._sought(partition, offset)

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        for tp, offset in committed.items():
            if offset:  # aiokafka seeks only to a committed offset above 0
                self._sought(TP(*tp), offset)
        return committed

    def _sought(self, tp: TP, offset: int) -> None:
        self._seeks[tp] = self._seeks.get(tp, 0) + 1
        self._next_fetched[tp] = offset

    async def on_partitions_revoked(self, revoked: Set[TP]) -> None:
        assigned = self.assignment()
        if assigned and not self.in_transaction and not self.app.should_stop:
            self.stop_flow()
            self.app.flow_control.suspend()
            self.pause_partitions(assigned)
            self.app.flow_control.clear()
            await self.wait_empty()
            await self.commit()  # wait_empty's own commit is skipped when a periodic one was under way
            self._warn_uncommitted("rebalance", revoked)
        await super().on_partitions_revoked(revoked)
        for tp in revoked:  # its next owner may commit past the hole; reading it again later would double
            for table in (self._unprocessed, self._reading_again, self._next_fetched, self._handed):
                table.pop(tp, None)
            self._seek_again.discard(tp)

    async def on_stop(self) -> None:
        await super().on_stop()  # waits for the streams and commits
        self._warn_uncommitted("shutdown", set(self._acked))  # every partition is given up

    def _warn_uncommitted(self, when: str, given_up: Set[TP]) -> None:
        """Log and count the processed messages of partitions this worker gives up whose offsets are not committed:
        the partition's next reader processes them again, and their records come out twice."""
        left = {tp: sorted(self._acked[tp]) for tp in given_up if self._acked.get(tp)}
        if not left:
            return
        count = sum(len(offsets) for offsets in left.values())
        metrics.OFFSETS_LEFT_UNCOMMITTED.inc(count)
        where = ", ".join(f"{tp.topic}[{tp.partition}]@{offsets[0]}-{offsets[-1]}" for tp, offsets in left.items())
        log.warning("%s: %d processed messages left uncommitted, to be processed again: %s", when, count, where)

    def ack(self, message: Message) -> bool:
        """While the flow is stopped (rebalance, shutdown) Faust's streams skip the messages still arriving
        and ack them, unprocessed: committed, they would be lost. A message an agent took is tracked; only
        those are acked here."""
        if not message.tracked:
            return False
        return super().ack(message)

    def _new_offset(self, tp: TP) -> int | None:
        """The offset to commit for ``tp``, never past its next unprocessed message.

        Faust commits the acked run that follows its committed offset ``c`` even when ``c`` itself was never
        acked, as long as the run starts at ``c + 1`` (its head-gap test is off by one since commits became
        "next offset to read"); committed over, a message that never reached an agent is lost. Delivery
        leaves no such hole (``_deliver_unless_processed``); should one appear all the same, that commit
        waits until ``c`` is acked and, unless ``c`` is still being processed, the partition is read again
        from ``c`` before the next fetch (see ``getmany``): only ``c`` is processed again."""
        committed, acked = self._committed_offset[tp], self._acked[tp]
        # A gap Faust recorded itself (records gone to retention or compaction, transaction markers) is its own.
        known_gap = self._gap[tp].overlaps(committed, committed + 2) if committed is not None else False
        if committed is not None and acked and min(acked) > committed and not known_gap:
            in_flight = self._reading_again.get(tp) == committed or any(
                m.tp == tp and m.offset == committed for m in self._unacked_messages
            )
            if not in_flight:
                self._unprocessed[tp] = committed
            return None
        return super()._new_offset(tp)

    async def _commit_offsets(self, offsets: Mapping[TP, int], start_new_transaction: bool = True) -> bool:
        """Commit only once every table write of the committed messages has reached the Kafka producer.

        Table writes (the dedup index's changelog) wait in Faust's producer buffer; before a commit Faust
        flushes it, but its flush gives up when one send takes longer than 0.1 s, which happens when an
        agent holds the event loop (a large page takes longer than that to clean). The offsets are then
        committed with changelog records still unsent, and a worker killed at that moment forgets those
        articles: their later copies pass as new. Here the buffer is drained to the end first."""
        buffer = self.app.producer.buffer
        while buffer.size:
            await buffer.flush()
        return await super()._commit_offsets(offsets, start_new_transaction)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """Faust's next batch, after the seeks that delivery and commits asked for.

        They wait for a batch boundary: Faust commits in the middle of a batch, and the rest of a batch
        fetched before a seek of its partition is dropped and fetched again."""
        for tp in self._seek_again & self.assignment():
            if (offset := self._next_fetched.get(tp)) is not None:
                await self.seek(tp, offset)
        self._seek_again.clear()
        await self._read_unprocessed_again()
        self._seeks_at_fetch = dict(self._seeks)
        async for tp_message in super().getmany(timeout):
            yield tp_message

    async def _read_unprocessed_again(self) -> None:
        unprocessed, self._unprocessed = self._unprocessed, {}
        assigned = self.assignment()
        for tp, offset in unprocessed.items():
            if tp not in assigned:
                continue  # its next owner starts from the committed offset anyway
            if self._committed_offset[tp] != offset or offset in self._acked_index[tp]:
                continue  # processed since the commit that found it missing
            log.warning(
                "%s[%d]: offset %d was never processed though %s was; reading the partition again from %d",
                tp.topic,
                tp.partition,
                offset,
                min(self._acked[tp], default=None),
                offset,
            )
            metrics.OFFSETS_READ_AGAIN.inc()
            await self.seek(tp, offset)
            self._reading_again[tp] = offset
