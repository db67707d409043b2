"""The Kafka consumer of the worker: Faust's, committing finished work before a rebalance takes it away,
never committing past a message no agent processed, nor before the table writes of what it commits are sent."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Set
from typing import Any

from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP, Message

from worker import metrics

log = logging.getLogger(__name__)


class CommitBeforeRevokeConsumer(Consumer):
    """faust-streaming 0.15.3 drops the acked offsets of revoked partitions first and only then waits for the
    streams and commits, so nothing of the work done since the last periodic commit is committed: the next
    owner of each partition does it again. Here the streams stop, in-flight events finish and their offsets
    are committed while the partitions are still assigned; Faust's own revocation follows. The four
    corrections of this class are told in docs/guarantees.md, "Rebalances and shutdown"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unprocessed: dict[TP, int] = {}  # partition -> offset to read again (see _new_offset)
        self._reading_again: dict[TP, int] = {}  # partition -> offset sought, on its way to the agents
        self._deliver = self.callback
        self.callback = self._deliver_unless_processed

    async def _deliver_unless_processed(self, message: Message) -> None:
        """Hand a fetched message to the streams, unless it was processed already (acked, or committed since):
        when a partition is read again from a message that was never processed, the messages after it that
        were are not processed twice."""
        committed = self._committed_offset.get(message.tp)
        # Changelogs are never committed; table recovery reads them from their start, whatever the group holds.
        if committed is not None and message.offset < committed and self.app.topics.acks_enabled_for(message.topic):
            return
        done = self._acked_index.get(message.tp)
        if done is not None and message.offset in done:
            return
        await self._deliver(message)

    async def on_partitions_revoked(self, revoked: Set[TP]) -> None:
        assigned = self.assignment()
        if assigned and not self.in_transaction and not self.app.should_stop:
            self.stop_flow()
            self.app.flow_control.suspend()
            self.pause_partitions(assigned)
            self.app.flow_control.clear()
            await self.wait_empty()
            await self.commit()  # wait_empty's own commit is skipped when a periodic one was under way
        await super().on_partitions_revoked(revoked)
        for tp in revoked:  # its next owner may commit past the hole; reading it again later would double
            self._unprocessed.pop(tp, None)
            self._reading_again.pop(tp, None)

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
        "next offset to read"). A message that a rebalance left behind (fetched before it, read again after
        it, or dropped by Faust's stale read position) is exactly such a hole: committed over, it is lost.
        Here that commit waits until ``c`` is acked; unless ``c`` is still being processed, the partition is
        read again from ``c`` before the next fetch (see ``getmany``), and only ``c`` is processed again:
        the messages after it that were processed are acked and not delivered twice
        (``_deliver_unless_processed``)."""
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
        """Faust's next batch, after the seeks to unprocessed messages that commits asked for.

        The seek waits for a batch boundary: Faust commits in the middle of a batch, and a seek there moves
        the partition's read position back while the rest of the batch moves it forward again, so the message
        read again comes in below it and is dropped, and the offsets skipped meanwhile are recorded as a gap
        that the next commit passes over."""
        await self._read_unprocessed_again()
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
