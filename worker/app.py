"""The Faust app: topics and tables live here, and only here."""

from __future__ import annotations

import faust

from worker.consumer import CommitBeforeRevokeConsumer
from worker.logs import logging_config
from worker.replay import LEDGER_CONFIG, ledger_topic
from worker.security import faust_credentials
from worker.settings import get_settings

settings = get_settings()

# The broker must accept what the worker rejects as too large (so it can be dead-lettered), and a dead
# letter carries the original bytes in base64: 4/3 of a raw message plus its envelope.
RAW_SIZE_FACTOR = 2
DEADLETTER_SIZE_FACTOR = 3
DEDUP_PARTITIONS = 1

app = faust.App(
    settings.app_id,
    broker=settings.broker,
    broker_credentials=faust_credentials(settings),
    store=settings.store,
    datadir=str(settings.data_dir),
    web_port=settings.web_port,
    logging_config=logging_config(settings.log_format),
    processing_guarantee=settings.processing_guarantee,
    broker_session_timeout=settings.session_timeout_seconds,
    broker_heartbeat_interval=settings.heartbeat_interval_seconds,
    producer_linger=settings.producer_linger_ms / 1000,
    producer_compression_type=None if settings.producer_compression == "none" else settings.producer_compression,
    topic_partitions=settings.partitions,
    topic_replication_factor=settings.replication_factor,
    topic_disable_leader=True,
    key_serializer="raw",
    value_serializer="raw",
    producer_max_request_size=settings.max_payload_bytes * DEADLETTER_SIZE_FACTOR + 1_048_576,
    consumer_max_fetch_size=settings.max_payload_bytes * DEADLETTER_SIZE_FACTOR + 1_048_576,
)

app.transport.Consumer = CommitBeforeRevokeConsumer  # the transport exists already; its consumer does not


def _topic(name: str) -> faust.TopicT:
    return app.topic(name, key_type=bytes, value_type=bytes, partitions=settings.partitions)


raw_topic = _topic(settings.topic_raw)
# The duplicate index is one ordered log: every copy of a story meets every other, and "first seen" is the
# order of this partition, the same for every worker and every replay. Its measured capacity is far above
# the pipeline's (docs/scaling.md); cleaning and NER, the costly stages, scale with the other topics.
cleaned_topic = app.topic(settings.topic_cleaned, key_type=bytes, value_type=bytes, partitions=DEDUP_PARTITIONS)
unique_topic = _topic(settings.topic_unique)  # first-seen copies, keyed by article id
enriched_topic = _topic(settings.topic_enriched)
duplicates_topic = _topic(settings.topic_duplicates)
deadletter_topic = _topic(settings.topic_deadletter)

# The duplicate index (see worker/dedup/index.py), durable through its compacted changelog.
dedup_index = app.Table(
    "dedup-index",
    schema=faust.Schema(key_serializer="json", value_serializer="json"),
    partitions=DEDUP_PARTITIONS,
)


def topic_specs() -> list[tuple[str, int, dict[str, str]]]:
    """(name, partitions, config) of every topic a worker reads or writes, changelogs included."""
    limit = settings.max_payload_bytes
    sized = {"max.message.bytes": str(limit * RAW_SIZE_FACTOR + 1_048_576)}
    specs = [
        (topic.get_topic_name(), topic.partitions, sized)
        for topic in (raw_topic, cleaned_topic, unique_topic, enriched_topic, duplicates_topic)
    ]
    specs.append(
        (
            deadletter_topic.get_topic_name(),
            settings.partitions,
            {"max.message.bytes": str(limit * DEADLETTER_SIZE_FACTOR + 1_048_576)},
        )
    )
    specs.append((ledger_topic(deadletter_topic.get_topic_name()), 1, LEDGER_CONFIG))  # replay's ledger
    specs += [
        (table.changelog_topic.get_topic_name(), table.partitions, {"cleanup.policy": "compact"})
        for table in app.tables.values()
    ]
    return specs
