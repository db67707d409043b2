"""Record shapes of every topic, as pydantic v2 models; the only place they are defined.

Every published record carries ``schema_version``. ``export_json_schemas`` writes the JSON Schema of each
published record next to this file so that consumers in any language can validate what they read.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_serializer

SCHEMA_VERSION = 3
SCHEMA_DIR = Path(__file__).parent

Field_ = Literal["title", "subtitle", "description", "body"]
DuplicateKind = Literal["exact", "near", "resubmitted"]
Stage = Literal["clean", "dedup", "entities"]
# What the entities stage did with an article: ran the model for its language, or had none to run.
EntitiesStatus = Literal["model", "no_model_for_language", "language_undetermined"]
DeadLetterReason = Literal[
    "invalid_json",
    "invalid_schema",
    "missing_content",
    "too_large",
    "not_utf8",
    "empty_after_cleaning",
    "not_an_article",
    "id_conflict",
    "internal_error",
]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump())


class RawArticle(BaseModel):
    """Input on ``news.raw``: JSON in this shape, or plain UTF-8 text (then treated as ``text``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    html: str | None = None
    text: str | None = None
    published_at: str | None = Field(None, description="Any common date format; parsed while cleaning.")
    fetched_at: str | None = None
    language: str | None = None
    authors: list[str] | None = None
    metadata: dict[str, Any] | None = Field(None, description="Passed through untouched.")


class Origin(Record):
    """The raw message an outcome came from: where it was on the raw topic, and its key."""

    model_config = ConfigDict(val_json_bytes="base64")

    topic: str
    partition: int
    offset: int
    key: bytes | None = Field(None, description="The message key as received, base64 in JSON.")

    @property
    def position(self) -> str:
        """``topic:partition:offset``: what tells one raw message from every other."""
        return f"{self.topic}:{self.partition}:{self.offset}"

    @field_serializer("key")
    def _key_b64(self, value: bytes | None) -> str | None:
        return _b64(value)


class ArticleContent(Record):
    """What cleaning knows about one article; shared by the cleaned and the enriched record."""

    schema_version: Literal[3] = SCHEMA_VERSION
    id: str = Field(description="Input id, else hash of the canonical URL, else of the normalized body.")
    url: str | None = None
    canonical_url: str | None = None
    source: str | None = Field(None, description="Publisher domain.")
    title: str | None = None
    subtitle: str | None = Field(None, description="The dek under the headline.")
    description: str | None = Field(None, description="Lede or summary line, when the page has one.")
    body: str = Field(description="Clean text; paragraphs separated by one blank line.")
    published_at: datetime | None = Field(None, description="ISO 8601 with offset.")
    language: str | None = None
    authors: list[str] = Field(default_factory=list)
    word_count: int = Field(description="Words of the body; each Han character or kana counts as one.")
    content_hash: str = Field(description="Hash of the normalized words of the body.")
    metadata: dict[str, Any] | None = None


class TextSignature(Record):
    """What near-duplicate detection compares, computed once where the article is cleaned."""

    minhash: str = Field(description="MinHash of the body's word shingles: little-endian uint32 values, base64.")
    shingles: int = Field(ge=0, description="Distinct shingles in the body.")
    facts: str = Field(description="Sorted hashes of the body's numbers and names: uint32 values, base64.")


class CleanedArticle(ArticleContent):
    """Internal record on ``news.cleaned`` and ``news.unique``."""

    seen_at: datetime = Field(description="Event time: published, else fetched, else received.")
    received_at: datetime | None = Field(None, description="When the raw message reached Kafka.")
    signature: TextSignature | None = Field(None, description="Set by the clean stage, read by dedup.")
    origin: Origin | None = Field(None, description="Set by the clean stage: the raw message.")
    cluster_id: str | None = Field(None, description="Set by dedup: id of the first-seen copy.")
    version: int = Field(1, ge=1, description="Set by dedup: which version of the story this content is.")
    previous_content_hash: str | None = Field(None, description="Set by dedup: the previous version's hash.")


class Mention(Record):
    field: Field_
    start: int = Field(ge=0, description="Character offset into the field's text.")
    end: int = Field(ge=0)


class Coordinates(Record):
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS 84 degrees.")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS 84 degrees.")


class Entity(Record):
    text: str = Field(description="Most complete surface form in the document.")
    label: str = Field(
        description="OntoNotes label: PERSON, ORG, GPE, LOC, NORP, FAC, EVENT, ...; MISC from the WikiNER-trained"
        " models (French)."
    )
    canonical: str = Field(description="Key that all aliases of this entity share.")
    country_code: str | None = Field(
        None, description="ISO 3166-1 alpha-2 code of the country, or of the country a linked city or region is in."
    )
    ids: dict[str, str | int] = Field(
        default_factory=dict,
        description='Ids of the thing in public registries: {"iso3166": "FR", "geonames": 3017382} for a country,'
        ' {"geonames": 2988507} for a city or US state (GeoNames, CC BY 4.0), {"iso3166_2": "DE-BY", "geonames":'
        " 2951839} for another first-level region (ISO 3166-2 code; GeoNames id where GeoNames has the region).",
    )
    coordinates: Coordinates | None = Field(
        None,
        description="Where a linked city is, from GeoNames; for another first-level region a point in it, from"
        " OpenStreetMap (ODbL); null for a country or US state.",
    )
    count: int = Field(ge=1)
    salience: float = Field(
        ge=0,
        le=1,
        description="0.4 × count / the document's highest count + 0.3 × in the title (1), dek or lede (0.5)"
        " + 0.3 × (1 − position of the first mention in reading order); entities are sorted by it.",
    )
    mentions: list[Mention]


class PipelineInfo(Record):
    version: str
    ner_model: str | None = Field(description="The model that annotated this article; None when none ran.")


class EnrichedArticle(ArticleContent):
    """Output on ``news.enriched``: one per story, keyed by ``id``."""

    cluster_id: str = Field(description="Id of the first-seen copy of the story (its own id here).")
    version: int = Field(
        ge=1, description="1 for the story's first content; each re-submission whose body changed adds one."
    )
    updated_at: datetime | None = Field(None, description="From version 2: when this version reached Kafka.")
    previous_content_hash: str | None = Field(None, description="From version 2: the content_hash it replaces.")
    entities: list[Entity]
    entities_status: EntitiesStatus = Field(
        description="model: the model for the article's language ran (pipeline.ner_model); no_model_for_language:"
        " none is configured for it, and entities holds only countries found by name; language_undetermined: no"
        " entities."
    )
    processed_at: datetime
    pipeline: PipelineInfo
    origin: Origin


class DuplicateVerdict(Record):
    """Output on ``news.duplicates``, keyed by ``id``: a later copy of a story already published (``exact``,
    ``near``), or the same id sent again with a body it already had (``resubmitted``)."""

    schema_version: Literal[3] = SCHEMA_VERSION
    id: str
    duplicate_of: str
    kind: DuplicateKind
    similarity: float = Field(ge=0, le=1)
    url: str | None = None
    seen_at: datetime
    origin: Origin


class DeadLetter(Record):
    """Output on ``news.deadletter``: input a stage could not turn into a record, with its exact bytes."""

    schema_version: Literal[3] = SCHEMA_VERSION
    stage: Stage
    reason: DeadLetterReason
    detail: str
    original: bytes = Field(description="The message value exactly as received, base64 in JSON.")
    tombstone: bool = Field(False, description="The value was NULL (a Kafka tombstone), not zero bytes.")
    topic: str
    partition: int
    offset: int
    key: bytes | None = Field(None, description="The message key as received, base64 in JSON.")
    received_at: datetime
    origin: Origin | None = Field(
        None, description="The raw message behind it: topic, partition and offset above at the clean stage."
    )

    model_config = ConfigDict(val_json_bytes="base64")

    @field_serializer("original")
    def _original_b64(self, value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")

    @field_serializer("key")
    def _key_b64(self, value: bytes | None) -> str | None:
        return _b64(value)


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


PUBLISHED: dict[str, type[Record]] = {
    "enriched_article": EnrichedArticle,
    "duplicate_verdict": DuplicateVerdict,
    "dead_letter": DeadLetter,
}


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def export_json_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write ``<name>.schema.json`` for every published record; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in PUBLISHED.items():
        path = directory / f"{name}.schema.json"
        path.write_bytes(orjson.dumps(json_schema(model), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        written.append(path)
    return written
