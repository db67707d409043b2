"""Prometheus metrics of the worker, served on its web port at ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

STAGE_IN = Counter("news_ingest_stage_in_total", "Messages a stage received.", ["stage"])
STAGE_OUT = Counter("news_ingest_stage_out_total", "Records a stage published downstream.", ["stage"])
DEAD_LETTERS = Counter("news_ingest_dead_letters_total", "Dead letters, by stage and reason.", ["stage", "reason"])
DUPLICATES = Counter("news_ingest_duplicates_total", "Duplicate verdicts, by kind.", ["kind"])
STAGE_SECONDS = Histogram(
    "news_ingest_stage_seconds",
    "Processing time per message (per article for batched NER).",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
END_TO_END_SECONDS = Histogram(
    "news_ingest_end_to_end_seconds",
    "From an article's arrival on the raw topic to its enriched record.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
DEDUP_INDEX_ARTICLES = Gauge("news_ingest_dedup_index_articles", "Articles in the dedup index's window.")
EVENT_LOOP_STALL = Gauge("news_ingest_event_loop_stall_seconds", "Longest event-loop stall in the last interval.")
PARTITION_ASSIGNMENTS = Counter(
    "news_ingest_partition_assignments_total",
    "Partition assignments this worker received: 1 after joining the group, one more per rebalance.",
)
PARTITION_REVOCATIONS = Counter(
    "news_ingest_partition_revocations_total", "Times a rebalance took this worker's partitions away."
)
ASSIGNED_PARTITIONS = Gauge("news_ingest_assigned_partitions", "Partitions assigned to this worker now.")
WATCHDOG_LAG = Gauge("news_ingest_watchdog_lag_messages", "Messages waiting on the worker's assigned input partitions.")
WATCHDOG_IDLE = Gauge(
    "news_ingest_watchdog_seconds_without_progress", "Time since the agents last made progress while lag remained."
)
WATCHDOG_STALLED = Gauge("news_ingest_watchdog_stalled", "1 while the watchdog fails /health, else 0.")
OFFSETS_READ_AGAIN = Counter(
    "news_ingest_offsets_read_again_total",
    "Times a partition was read again from a message that was fetched but never processed (see worker/consumer.py).",
)
OFFSETS_LEFT_UNCOMMITTED = Counter(
    "news_ingest_offsets_left_uncommitted_total",
    "Processed messages whose offsets were still uncommitted when this worker gave their partition up (a rebalance "
    "or shutdown): the partition's next reader processes them again.",
)
