"""news-ingest: clean, deduplicate and entity-annotate raw news on Kafka."""

__version__ = "0.1.0"
