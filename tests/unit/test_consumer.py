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
