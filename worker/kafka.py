"""Small aiokafka helpers for the CLI and tests: bootstrap address, topic creation, produce, consume."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


def bootstrap_servers(broker: str) -> str:
    """``kafka://h1:9092;kafka://h2:9092`` (faust's form) → ``h1:9092,h2:9092``."""
    hosts = [part.split("://", 1)[-1].strip("/") for part in broker.replace(",", ";").split(";")]
    return ",".join(h for h in hosts if h)


async def create_topics(
    broker: str, topics: Iterable[tuple[str, int, dict[str, str]]], replication: int = 1
) -> list[str]:
    """Create (name, partitions, config) topics that do not exist yet; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(broker), request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, partitions, replication, topic_configs=config)
            for name, partitions, config in topics
            if name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()


def producer(broker: str, **options) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers(broker),
        max_request_size=options.pop("max_request_size", 16 * 1024 * 1024),
        linger_ms=options.pop("linger_ms", 5),
        **options,
    )


async def consume(
    broker: str, topic: str, from_beginning: bool, idle_timeout: float | None = None
) -> AsyncIterator[ConsumerRecord]:
    """Records of ``topic`` (no consumer group, nothing committed); stops after ``idle_timeout`` of silence."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers(broker),
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        group_id=None,
        isolation_level="read_committed",
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    try:
        while True:
            try:
                record = await asyncio.wait_for(consumer.getone(), timeout=idle_timeout)
            except TimeoutError:
                return
            yield record
    finally:
        await consumer.stop()
