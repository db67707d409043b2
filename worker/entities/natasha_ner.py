"""Russian NER with natasha: slovnet's news tagger over navec embeddings (MIT, both shipped inside the natasha
wheel, trained on Russian news). It is not a spaCy pipeline, so ``NatashaTagger`` offers the two things the
entities stage and its benchmark use of one: ``meta`` and ``pipe``, whose documents have ``ents`` with
``start_char``, ``end_char``, ``label_`` (PER, LOC, ORG) and ``text``. Russian names inflect (``Москве``,
``Шольцем``), so each span also carries its dictionary form (``normal``: ``Москва``), from natasha's
morphology tagger and pymorphy2's dictionary, by which the stage groups and names mentions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import version

NAME = "natasha"  # the value of NEWS_INGEST_NER_MODELS that selects this tagger


@dataclass(frozen=True)
class TaggedSpan:
    start_char: int
    end_char: int
    label_: str
    text: str
    normal: str


@dataclass(frozen=True)
class TaggedDoc:
    ents: tuple[TaggedSpan, ...]


class NatashaTagger:
    def __init__(self) -> None:
        # Imported here: only a worker configured for Russian pays for it.
        from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

        embedding = NewsEmbedding()
        self._segmenter, self._vocabulary = Segmenter(), MorphVocab()
        self._morphology, self._ner = NewsMorphTagger(embedding), NewsNERTagger(embedding)
        self.meta = {"lang": "ru", "name": "natasha_news_ner", "version": version("natasha")}

    def pipe(self, texts: Iterable[str], batch_size: int = 8) -> Iterator[TaggedDoc]:
        """One document per text, in order (``batch_size`` is spaCy's argument; natasha reads one text at a time)."""
        from natasha import Doc

        for text in texts:
            doc = Doc(text)
            doc.segment(self._segmenter)
            doc.tag_morph(self._morphology)
            doc.tag_ner(self._ner)
            spans = []
            for span in doc.spans:
                span.normalize(self._vocabulary)
                spans.append(TaggedSpan(span.start, span.stop, span.type, text[span.start : span.stop], span.normal))
            yield TaggedDoc(tuple(spans))
