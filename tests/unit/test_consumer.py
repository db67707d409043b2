"""The worker's consumer never commits past a message no agent processed (worker/consumer.py)."""

from __future__ import annotations

import asyncio

import pytest
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.transport.producer import ProducerBuffer
from faust.types import TP, Message

from worker.app import app, raw_topic

pytestmark = pytest.mark.unit
RAW = raw_topic.get_topic_name()


@pytest.fixture
def consumer():
    consumer = app.consumer  # created, never started: no broker is involved
    app.topics._acking_topics.add(RAW)  # what subscribing the agents does at start
    yield consumer
    for table in (consumer._acked, consumer._acked_index, consumer._committed_offset, consumer._gap):
        table.clear()
    consumer._unacked_messages.clear()
    consumer._unprocessed.clear()
    consumer._reading_again.clear()


def taken(offset: int, partition: int = 0) -> Message:
    message = Message(RAW, partition, offset, 0.0, 0, None, b"key", b"value", None)
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


def test_reading_again_delivers_only_what_was_not_processed(consumer, monkeypatch):
    delivered: list[int] = []

    async def deliver(message: Message) -> None:
        delivered.append(message.offset)

    monkeypatch.setattr(consumer, "_deliver", deliver)
    tp = TP(RAW, 0)
    consumer._committed_offset[tp] = 56
    for offset in (57, 58):
        consumer.ack(taken(offset))

    async def read_again() -> None:  # the partition, read again from 56
        for offset in (56, 57, 58, 59):
            await consumer._deliver_unless_processed(taken(offset))

    asyncio.run(read_again())
    assert delivered == [56, 59]


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
    and a seek moves the position (and drops what was fetched past it)."""

    def __init__(self, ends: dict[TP, int], positions: dict[TP, int], batch: int) -> None:
        self.ends, self.positions, self.batch = ends, positions, batch
        self.committed: dict[TP, int] = {}
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

    def highwater(self, tp: TP) -> int:
        return self.ends[tp]

    async def commit(self, offsets) -> bool:
        self.committed.update(offsets)
        return True


def test_a_message_read_again_after_a_commit_mid_batch_is_processed_and_never_committed_over(consumer, monkeypatch):
    """Faust commits between two messages of a batch; the seek back to the unprocessed message must outlast it.

    Partition 0's offset 44 was fetched before a rebalance and never reached an agent: reading resumes at 45,
    its committed offset is still 44. Partition 1 is read beside it, round-robin, as Faust does."""
    hole, other = TP(RAW, 0), TP(RAW, 1)
    log = PartitionLog(ends={hole: 60, other: 20}, positions={hole: 45, other: 0}, batch=6)
    consumer._committed_offset.update({hole: 44, other: 0})
    processed: list[tuple[int, int]] = []

    async def process(message: Message) -> None:  # the agents: each message taken and finished at once
        processed.append((message.partition, message.offset))
        message.tracked = True
        consumer.ack(message)

    async def no_flush() -> None:
        return None

    async def drain() -> None:
        fetcher = type("Fetcher", (), {"_stopped": log.drained})()
        await asyncio.wait_for(consumer._drain_messages(fetcher), timeout=30)
        await consumer.commit()

    monkeypatch.setattr(consumer, "_thread", log)
    monkeypatch.setattr(consumer, "_deliver", process)
    monkeypatch.setattr(consumer, "_to_message", lambda tp, offset: taken(offset, tp.partition))
    monkeypatch.setattr(consumer, "_commit_every", 4)  # Faust's own trigger, reached inside a batch
    monkeypatch.setattr(consumer, "_active_partitions", None)
    monkeypatch.setattr(app.producer, "flush", no_flush)
    consumer.loop.run_until_complete(drain())  # the loop its events belong to

    assert sorted(offset for partition, offset in processed if partition == 0) == list(range(44, 60))
    assert sorted(offset for partition, offset in processed if partition == 1) == list(range(20))
    assert len(processed) == len(set(processed))  # 45..59 were processed once, though read twice
    assert log.committed == {hole: 60, other: 20}
