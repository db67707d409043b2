"""The worker's consumer never commits past a message no agent processed (worker/consumer.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.transport.producer import ProducerBuffer
from faust.types import TP, Message

from worker import metrics
from worker.app import app, raw_topic

pytestmark = pytest.mark.unit
RAW = raw_topic.get_topic_name()


@pytest.fixture
def consumer():
    consumer = app.consumer  # created, never started: no broker is involved
    app.topics._acking_topics.add(RAW)  # what subscribing the agents does at start
    yield consumer
    faust_state = (consumer._acked, consumer._acked_index, consumer._committed_offset, consumer._gap)
    ours = (consumer._unprocessed, consumer._reading_again, consumer._next_fetched, consumer._handed)
    ours += (consumer._seeks, consumer._seeks_at_fetch, consumer._seek_again)
    for table in (*faust_state, consumer._read_offset, consumer._unacked_messages, *ours):
        table.clear()


def taken(offset: int, partition: int = 0) -> Message:
    message = Message(RAW, partition, offset, 0.0, 0, None, b"key", b"value", None)
    message.generation_id = app.consumer_generation_id
    message.tracked = True
    return message


def test_a_processed_run_after_the_committed_offset_is_committed(consumer):
    tp = TP(RAW, 0)
    consumer._committed_offset[tp] = 56
    for offset in (56, 57, 58):
        assert consumer.ack(taken(offset))
    assert consumer._new_offset(tp) == 59
    assert consumer._unprocessed == {}


def test_a_never_processed_message_is_not_committed_over_and_is_read_again(consumer):
    tp = TP(RAW, 0)
    consumer._committed_offset[tp] = 56
    for offset in (57, 58):  # 56 was fetched before a rebalance and never reached an agent
        consumer.ack(taken(offset))
    assert consumer._new_offset(tp) is None  # Faust alone commits 59 here: 56 would be lost
    assert consumer._unprocessed == {tp: 56}


def test_a_message_still_in_processing_holds_the_commit_without_reading_again(consumer):
    tp = TP(RAW, 0)
    consumer._committed_offset[tp] = 56
    slow = taken(56)
    consumer._unacked_messages.add(slow)
    consumer.ack(taken(57))
    assert consumer._new_offset(tp) is None
    assert consumer._unprocessed == {}
    consumer.ack(slow)
    assert consumer._new_offset(tp) == 58


def test_a_gap_faust_recorded_itself_stays_faust_s_to_handle(consumer):
    tp = TP(RAW, 0)
    consumer._committed_offset[tp] = 56
    consumer._gap[tp].addi(57, 60)  # e.g. records removed by retention before they were read
    consumer.ack(taken(60))
    assert consumer._new_offset(tp) == 61
    assert consumer._unprocessed == {}


def test_processed_offsets_a_worker_gives_up_uncommitted_are_logged_and_counted(consumer, caplog):
    """A commit skipped (another was under way) leaves processed messages uncommitted; the partition's next reader
    processes them again, so giving the partition up says so."""
    done, skipped = TP(RAW, 0), TP(RAW, 1)
    consumer._committed_offset.update({done: 56, skipped: 40})
    for offset in (56, 57):
        consumer.ack(taken(offset))
    for offset in (40, 41, 42):
        consumer.ack(taken(offset, partition=1))
    assert consumer._new_offset(done) == 58  # committed; the commit for partition 1 never came
    before = metrics.OFFSETS_LEFT_UNCOMMITTED._value.get()
    with caplog.at_level(logging.WARNING, logger="worker.consumer"):
        consumer._warn_uncommitted("rebalance", {done, skipped})
    assert metrics.OFFSETS_LEFT_UNCOMMITTED._value.get() - before == 3
    assert [record.getMessage() for record in caplog.records] == [
        f"rebalance: 3 processed messages left uncommitted, to be processed again: {RAW}[1]@40-42"
    ]


@pytest.fixture
def delivered(consumer, monkeypatch) -> list[int]:
    """The offsets the consumer hands to the streams."""
    offsets: list[int] = []

    async def deliver(message: Message) -> None:
        offsets.append(message.offset)

    monkeypatch.setattr(consumer, "_deliver", deliver)
    return offsets


def test_offsets_a_fetch_skipped_are_committed_over(consumer, delivered):
    """Records gone to retention or compaction leave offsets no fetch returns: a gap, not a hole."""
    tp = TP(RAW, 0)
    consumer._committed_offset[tp] = consumer._next_fetched[tp] = 56
    asyncio.run(consumer._deliver_unless_processed(taken(60)))
    consumer.ack(taken(60))
    assert delivered == [60]
    assert consumer._new_offset(tp) == 61
    assert consumer._unprocessed == {}


def test_reading_again_delivers_only_what_was_not_processed(consumer, delivered):
    tp = TP(RAW, 0)
    consumer._committed_offset[tp] = 56
    for offset in (57, 58):
        consumer.ack(taken(offset))
    consumer._handed[tp] = (app.consumer_generation_id, 59)  # 59 waits in an agent's queue, not yet taken
    consumer._reading_again[tp] = consumer._next_fetched[tp] = 56

    async def read_again() -> None:  # the partition, read again from 56
        for offset in (56, 57, 58, 59, 60):
            await consumer._deliver_unless_processed(taken(offset))

    asyncio.run(read_again())
    assert delivered == [56, 60]


def test_a_commit_waits_for_every_table_write_even_a_slow_one(consumer, monkeypatch):
    """Faust's buffer flush gives up after 0.1 s without a send; the commit must not go ahead of the writes."""
    sent: list[str] = []
    unsent_at_commit: list[int] = []

    async def slow_send(write: str) -> None:
        await asyncio.sleep(0.25)  # the sends wait while an agent holds the event loop
        sent.append(write)

    async def faust_commit(self, offsets, start_new_transaction=True) -> bool:
        unsent_at_commit.append(app.producer.buffer.size)
        return True

    async def commit_with_writes_pending() -> None:
        buffer = ProducerBuffer()
        buffer.app = app
        monkeypatch.setattr(buffer, "_send_pending", slow_send)
        monkeypatch.setattr(app.producer, "buffer", buffer)
        monkeypatch.setattr(AIOKafkaConsumer, "_commit_offsets", faust_commit)
        await buffer.start()
        try:
            for write in ("a", "b", "c"):
                buffer.put(write)
            assert await consumer._commit_offsets({TP(RAW, 0): 57})
        finally:
            await buffer.stop()

    asyncio.run(commit_with_writes_pending())
    assert unsent_at_commit == [0]
    assert sent[:2] == ["a", "b"]  # and "c" taken off the buffer by the sender, on its way to the producer


class PartitionLog:
    """The consumer's fetch side, as aiokafka's: each partition is read from its position, a batch at a time,
    and a seek moves the position (and drops what was fetched past it). A commit past a message no agent has
    processed yet is recorded: a worker killed then would lose it."""

    def __init__(self, ends: dict[TP, int], positions: dict[TP, int], committed: dict[TP, int], batch: int) -> None:
        self.ends, self.positions, self.batch = ends, positions, batch
        self.committed = dict(committed)
        self.processed: list[tuple[int, int]] = []  # (partition, offset), in the order the agents took them
        self.committed_unprocessed: list[tuple[int, int]] = []
        self.drained = asyncio.Event()

    def assignment(self) -> set[TP]:
        return set(self.ends)

    async def getmany(self, active_partitions, timeout: float) -> dict[TP, list[int]]:
        records = {}
        for tp in sorted(active_partitions):
            start = self.positions[tp]
            records[tp] = list(range(start, min(start + self.batch, self.ends[tp])))
            self.positions[tp] += len(records[tp])
        if not any(records.values()):
            self.drained.set()
        return records

    def seek(self, tp: TP, offset: int) -> None:
        self.positions[tp] = offset

    async def seek_to_committed(self) -> dict[TP, int]:
        self.positions.update(self.committed)
        return dict(self.committed)

    def highwater(self, tp: TP) -> int:
        return self.ends[tp]

    async def commit(self, offsets) -> bool:
        done = set(self.processed)
        for tp, offset in offsets.items():
            since = range(self.committed.get(tp, 0), offset)
            self.committed_unprocessed += [(tp.partition, o) for o in since if (tp.partition, o) not in done]
        self.committed.update(offsets)
        return True

    def take(self, consumer, message: Message) -> None:
        """An agent takes the message and finishes it."""
        self.processed.append((message.partition, message.offset))
        message.tracked = True
        consumer.ack(message)

    def offsets_processed(self, partition: int) -> list[int]:
        return sorted(offset for p, offset in self.processed if p == partition)


def drain(consumer, log: PartitionLog, agent, monkeypatch, after=None, commit_every: int = 4) -> None:
    """Faust's own fetch loop over ``log`` until it is read to its end; ``agent`` gets each message handed to
    the streams; ``after`` runs once the loop is done (the agents finishing what they hold), then a commit."""

    async def no_flush() -> None:
        return None

    async def run() -> None:
        fetcher = type("Fetcher", (), {"_stopped": log.drained})()
        await asyncio.wait_for(consumer._drain_messages(fetcher), timeout=30)
        if after is not None:
            after()
        await consumer.commit()

    consumer._committed_offset.update(log.committed)
    monkeypatch.setattr(consumer, "_thread", log)
    monkeypatch.setattr(consumer, "_deliver", agent)
    monkeypatch.setattr(consumer, "_to_message", lambda tp, offset: taken(offset, tp.partition))
    monkeypatch.setattr(consumer, "_commit_every", commit_every)  # Faust's own trigger, reached inside a batch
    monkeypatch.setattr(consumer, "_active_partitions", None)
    monkeypatch.setattr(app.producer, "flush", no_flush)
    monkeypatch.setattr(app, "consumer_generation_id", app.consumer_generation_id)
    consumer.loop.run_until_complete(run())  # the loop its events belong to


class QueuedAgent:
    """An agent whose stream holds up to three handed messages before it takes the oldest, as a stream's
    buffer does; ``at`` maps an offset of partition 0 to what happens when it is handed over (once)."""

    def __init__(self, consumer, log: PartitionLog, at: dict) -> None:
        self.consumer, self.log, self.at = consumer, log, dict(at)
        self.queue: list[Message] = []

    async def __call__(self, message: Message) -> None:
        event = self.at.pop(message.offset, None) if message.partition == 0 else None
        if event is not None and await event(self):
            return  # the message was skipped: the stream does not take it
        self.queue.append(message)
        while len(self.queue) > 3:
            self.log.take(self.consumer, self.queue.pop(0))

    def finish(self) -> None:
        while self.queue:
            self.log.take(self.consumer, self.queue.pop(0))


def test_a_message_read_again_after_a_commit_mid_batch_is_processed_and_never_committed_over(consumer, monkeypatch):
    """Faust commits between two messages of a batch; the seek back to the unprocessed message must outlast it.

    Partition 0's offset 44 was fetched before a rebalance and never reached an agent: reading resumes at 45,
    its committed offset is still 44. Partition 1 is read beside it, round-robin, as Faust does."""
    hole, other = TP(RAW, 0), TP(RAW, 1)
    log = PartitionLog(ends={hole: 60, other: 20}, positions={hole: 45, other: 0}, committed={hole: 44}, batch=6)

    async def agent(message: Message) -> None:  # each message taken and finished at once
        log.take(consumer, message)

    drain(consumer, log, agent, monkeypatch)
    assert log.offsets_processed(0) == list(range(44, 60))
    assert log.offsets_processed(1) == list(range(20))
    assert len(log.processed) == len(set(log.processed))  # 45..59 were processed once, though read twice
    assert log.committed == {hole: 60, other: 20}
    assert log.committed_unprocessed == []


def test_a_rebalance_in_the_middle_of_a_batch_loses_and_doubles_nothing(consumer, monkeypatch):
    """A rebalance comes while the fetch loop hands a message over; the partition stays with this worker.

    At the rebalance the messages in the agent's queue are skipped unprocessed, the processed ones
    committed, and the partition sought back to its committed offset; only then does the fetch loop finish
    with the message it was handing over, fetched before the rebalance."""
    tp = TP(RAW, 0)
    log = PartitionLog(ends={tp: 40}, positions={tp: 0}, committed={tp: 0}, batch=8)

    async def rebalance(agent: QueuedAgent) -> bool:
        agent.queue.clear()  # skipped by the stream while the flow is stopped: never acked
        await consumer.commit()
        for table in (consumer._gap, consumer._acked, consumer._acked_index, consumer._committed_offset):
            table.pop(tp, None)  # what Faust's revocation drops
        app.consumer_generation_id += 1
        await consumer.perform_seek()
        return True

    agent = QueuedAgent(consumer, log, at={13: rebalance})
    drain(consumer, log, agent, monkeypatch, after=agent.finish)
    assert log.offsets_processed(0) == list(range(40))
    assert len(log.processed) == len(set(log.processed))
    assert log.committed == {tp: 40}
    assert log.committed_unprocessed == []
    assert consumer._reading_again == {}  # no message was left behind


def test_a_seek_to_the_committed_offsets_in_the_middle_of_a_batch_loses_and_doubles_nothing(consumer, monkeypatch):
    """Once a rebalance needs no table recovery, Faust resumes the flow first and seeks the partitions to their
    committed offsets after: the fetch loop is in the middle of a batch, some of it in the agent's queue."""
    tp = TP(RAW, 0)
    log = PartitionLog(ends={tp: 40}, positions={tp: 0}, committed={tp: 0}, batch=8)

    async def seek_to_committed(agent: QueuedAgent) -> bool:
        await consumer.perform_seek()
        return False

    agent = QueuedAgent(consumer, log, at={13: seek_to_committed})
    drain(consumer, log, agent, monkeypatch, after=agent.finish, commit_every=1)
    assert log.offsets_processed(0) == list(range(40))
    assert len(log.processed) == len(set(log.processed))
    assert log.committed == {tp: 40}
    assert log.committed_unprocessed == []
    assert consumer._reading_again == {}
