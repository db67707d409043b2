"""The Faust app: topics and tables live here, and only here."""

from __future__ import annotations

import faust

from worker.settings import get_settings

settings = get_settings()

app = faust.App(
    settings.app_id,
    broker=settings.broker,
    store=settings.store,
    datadir=str(settings.data_dir),
    web_port=settings.web_port,
    processing_guarantee=settings.processing_guarantee,
    topic_partitions=settings.partitions,
    topic_replication_factor=settings.replication_factor,
    topic_disable_leader=True,
    key_serializer="raw",
    value_serializer="raw",
    producer_max_request_size=max(1_048_576, settings.max_payload_bytes * 2),
    consumer_max_fetch_size=max(4_194_304, settings.max_payload_bytes * 2),
)


def _topic(name: str) -> faust.TopicT:
    return app.topic(name, key_type=bytes, value_type=bytes, partitions=settings.partitions)


raw_topic = _topic(settings.topic_raw)
cleaned_topic = _topic(settings.topic_cleaned)  # keyed by content hash: copies meet in one partition
unique_topic = _topic(settings.topic_unique)  # first-seen copies, keyed by article id
enriched_topic = _topic(settings.topic_enriched)
duplicates_topic = _topic(settings.topic_duplicates)
deadletter_topic = _topic(settings.topic_deadletter)

# content hash → id of the first copy; co-partitioned with cleaned_topic, durable through its changelog.
exact_index = app.Table(
    "exact-index",
    key_type=str,
    value_type=str,
    key_serializer="json",
    value_serializer="json",
    partitions=settings.partitions,
)

SOURCE_TOPICS = (raw_topic, cleaned_topic, unique_topic)
OUTPUT_TOPICS = (enriched_topic, duplicates_topic, deadletter_topic)
