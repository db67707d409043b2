"""Small aiokafka helpers for the CLI and tests: bootstrap address, connecting with a deadline, topic
creation and description, produce, consume."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from worker.security import aiokafka_options
from worker.settings import get_settings

CONNECT_TIMEOUT_SECONDS = 6.0
REQUEST_TIMEOUT_MS = 10_000


class BrokerUnavailable(Exception):
    """The broker could not be reached (or did not answer) within ``CONNECT_TIMEOUT_SECONDS``."""

    def __init__(self, broker: str, detail: str) -> None:
        super().__init__(f"cannot reach Kafka at {bootstrap_servers(broker)} ({broker}): {detail}")


C = TypeVar("C", AIOKafkaAdminClient, AIOKafkaProducer, AIOKafkaConsumer)


def security_options() -> dict[str, Any]:
    """TLS and SASL options of every client here, from the ``NEWS_INGEST_KAFKA_*`` settings."""
    return aiokafka_options(get_settings())


def bootstrap_servers(broker: str) -> str:
    """``kafka://h1:9092;kafka://h2:9092`` (faust's form) → ``h1:9092,h2:9092``."""
    hosts = [part.split("://", 1)[-1].strip("/") for part in broker.replace(",", ";").split(";")]
    return ",".join(h for h in hosts if h)


class _LastMessage(logging.Handler):
    """Keeps aiokafka's last warning or error, e.g. why a connection failed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.message: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.message = record.getMessage()


@contextlib.contextmanager
def _aiokafka_logs_captured() -> Iterator[_LastMessage]:
    """aiokafka's log lines go into the handler instead of onto stderr (only while connecting)."""
    log = logging.getLogger("aiokafka")
    handler, propagate = _LastMessage(), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield handler
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


async def _stop(client: AIOKafkaAdminClient | AIOKafkaProducer | AIOKafkaConsumer) -> None:
    await (client.close() if isinstance(client, AIOKafkaAdminClient) else client.stop())


@contextlib.asynccontextmanager
async def connected(client: C, broker: str) -> AsyncIterator[C]:
    """Start ``client`` within ``CONNECT_TIMEOUT_SECONDS`` (``BrokerUnavailable`` otherwise); always stop it."""
    with _aiokafka_logs_captured() as logs:
        try:
            await asyncio.wait_for(client.start(), CONNECT_TIMEOUT_SECONDS)
        except (KafkaError, OSError, TimeoutError) as exc:
            await _stop(client)
            detail = logs.message or str(exc) or f"no answer within {CONNECT_TIMEOUT_SECONDS:.0f}s"
            raise BrokerUnavailable(broker, detail) from exc
    try:
        yield client
    finally:
        await _stop(client)


async def check_reachable(broker: str) -> None:
    """Raises ``BrokerUnavailable`` unless the broker answers within ``CONNECT_TIMEOUT_SECONDS``."""
    async with connected(admin(broker), broker):
        pass


async def cluster_id(broker: str) -> str:
    """The broker's Kafka cluster id; raises ``BrokerUnavailable`` like ``check_reachable``."""
    async with connected(admin(broker), broker) as client:
        return (await client.describe_cluster())["cluster_id"]


def admin(broker: str) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers(broker), request_timeout_ms=REQUEST_TIMEOUT_MS, **security_options()
    )


async def create_topics(
    broker: str, topics: Iterable[tuple[str, int, dict[str, str]]], replication: int = 1
) -> list[str]:
    """Create (name, partitions, config) topics that do not exist yet; returns the names created."""
    async with connected(admin(broker), broker) as client:
        existing = set(await client.list_topics())
        wanted = [
            NewTopic(name, partitions, replication, topic_configs=config)
            for name, partitions, config in topics
            if name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await client.create_topics(wanted)
        return [t.name for t in wanted]


@dataclass(frozen=True)
class PartitionLag:
    """One partition of a topic as a consumer group sees it; ``committed`` is None if the group has none."""

    topic: str
    partition: int
    start: int
    end: int
    committed: int | None

    @property
    def lag(self) -> int:
        """Records the group has yet to process (from the log start when it has committed nothing)."""
        return self.end - (self.start if self.committed is None else max(self.committed, self.start))


async def describe_topics(broker: str, group: str, topics: list[str]) -> dict[str, list[PartitionLag] | None]:
    """Per topic (None if it does not exist), its partitions with log start, end and ``group``'s offsets."""
    async with connected(admin(broker), broker) as client:
        existing = set(await client.list_topics())  # describing a missing topic could auto-create it
        present = [t for t in topics if t in existing]
        described = await client.describe_topics(present) if present else []
        committed = await client.list_consumer_group_offsets(group)
    partitions = {
        t["topic"]: sorted(p["partition"] for p in t["partitions"]) for t in described if t["error_code"] == 0
    }
    tps = [TopicPartition(topic, p) for topic, ps in partitions.items() for p in ps]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(broker), request_timeout_ms=REQUEST_TIMEOUT_MS, **security_options()
    )
    async with connected(consumer, broker):
        starts = await consumer.beginning_offsets(tps) if tps else {}
        ends = await consumer.end_offsets(tps) if tps else {}

    def row(tp: TopicPartition) -> PartitionLag:
        offset = committed.get(tp)
        mine = offset.offset if offset is not None and offset.offset >= 0 else None
        return PartitionLag(tp.topic, tp.partition, starts[tp], ends[tp], mine)

    return {
        topic: [row(TopicPartition(topic, p)) for p in partitions[topic]] if topic in partitions else None
        for topic in topics
    }


def producer(broker: str, **options) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers(broker),
        max_request_size=options.pop("max_request_size", 16 * 1024 * 1024),
        linger_ms=options.pop("linger_ms", 5),
        request_timeout_ms=options.pop("request_timeout_ms", REQUEST_TIMEOUT_MS),
        **security_options(),
        **options,
    )


def consumer(broker: str, *topics: str, from_beginning: bool) -> AIOKafkaConsumer:
    """A consumer of every partition of ``topics``: no group, nothing committed, committed records only."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers(broker),
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        group_id=None,
        isolation_level="read_committed",
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        **security_options(),
    )


async def consume(
    broker: str, topics: str | Sequence[str], from_beginning: bool, idle_timeout: float | None = None
) -> AsyncIterator[ConsumerRecord]:
    """Records of ``topics``, one name or several (see ``consumer``); stops after ``idle_timeout`` of silence."""
    names = [topics] if isinstance(topics, str) else list(topics)
    async with connected(consumer(broker, *names, from_beginning=from_beginning), broker) as kafka:
        while True:
            try:
                record = await asyncio.wait_for(kafka.getone(), timeout=idle_timeout)
            except TimeoutError:
                return
            yield record
