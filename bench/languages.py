"""Languages benchmark on bench/data/web-extraction-multilingual, through the real clean stage.

In two deterministic halves of the pages (by a hash of the file name; the second is held back while tuning):
- language detection: py3langid on the cleaned body, on the title alone and on the body's first 100–300
  characters, against the page's own ``<html lang>`` where it declares one; per confidence threshold, the share
  of guesses kept and their agreement, and what ``worker.clean.language.decide`` makes of the rest;
- wrong-language entities: entities produced by a model whose language differs from the article's (checked
  by hand where ``<html lang>`` is wrong, ``bench/data/languages/``; else its ``<html lang>``; else the language
  the clean stage decided), for the configured models (``NEWS_INGEST_NER_MODELS``) and, as "before", for the
  English model run on every article as it used to be (whole texts), and on every article with the paragraphs
  py3langid is sure are another language blanked (what that guard alone catches);
- entities status per article, and countries linked by name in articles no model reads.

Usage: ``python -m bench.languages [--eval-dir DIR]``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import resource
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

import orjson

from bench import DATA_DIR
from schemas import CleanedArticle
from worker.clean import clean_article, decode_raw
from worker.clean.html import extract_html
from worker.clean.language import MIN_CONFIDENCE, decide, detect, normalize_tag
from worker.entities import Annotation, EntityExtractor
from worker.errors import Rejected
from worker.settings import Settings

DEFAULT_EVAL = DATA_DIR / "web-extraction-multilingual"
CHECKED = DATA_DIR / "languages" / "checked-languages.json"
THRESHOLDS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
SHORT_MIN, SHORT_MAX = 100, 300


@dataclass(frozen=True)
class Page:
    file: str
    half: str  # "A" (tuning) or "B" (held back)
    declared: str | None  # the page's <html lang>, normalized
    checked: str | None  # the language of its text where <html lang> is wrong, checked by hand
    article: CleanedArticle | None  # None: the clean stage rejected the page

    @property
    def language(self) -> str | None:
        return self.checked or self.declared or (self.article and self.article.language)


def half_of(file: str) -> str:
    return "A" if hashlib.sha256(file.encode()).digest()[0] % 2 == 0 else "B"


def load_pages(eval_dir: Path) -> list[Page]:
    truth = orjson.loads((eval_dir / "evaldata.json").read_bytes())
    checked = orjson.loads(CHECKED.read_bytes())
    now = datetime.now(UTC)
    pages = []
    for url, entry in sorted(truth.items(), key=lambda item: item[1]["file"]):
        value = gzip.decompress((eval_dir / "html" / f"{entry['file']}.gz").read_bytes())
        raw = decode_raw(value, 50_000_000).model_copy(update={"url": url})
        declared = normalize_tag(extract_html(raw.html, url).language) if raw.html else None
        try:
            article = clean_article(raw, now)
        except Rejected:
            article = None
        pages.append(Page(entry["file"], half_of(entry["file"]), declared, checked.get(entry["file"]), article))
    return pages


def short_text(body: str) -> str | None:
    """The body's first ``SHORT_MAX`` characters, cut at a space; None below ``SHORT_MIN``."""
    text = body[:SHORT_MAX]
    if len(body) > SHORT_MAX and " " in text[SHORT_MIN:]:
        text = text[: text.rindex(" ")]
    return text if len(text) >= SHORT_MIN else None


def detection_report(name: str, samples: list[tuple[str, str]]) -> list[str]:
    """``samples``: (text, declared language). Agreement of py3langid with the declared language."""
    guesses = [(detect(text), declared) for text, declared in samples]
    lines = [f"  {name}: {len(samples)} texts with a declared language"]
    for threshold in THRESHOLDS:
        kept = [(lang, declared) for (lang, p), declared in guesses if p >= threshold]
        agree = sum(lang == declared for lang, declared in kept)
        lines.append(
            f"    p >= {threshold:4.2f}: kept {len(kept) / max(len(samples), 1):6.1%}, "
            f"agree with <html lang> {agree / max(len(kept), 1):6.1%}"
        )
    decided = [decide(text, declared) for text, declared in samples]
    undeclared = [decide(text) for text, _ in samples]
    agree = sum(d == declared for d, (_, declared) in zip(decided, samples, strict=True))
    lines.append(
        f"    decide (threshold {MIN_CONFIDENCE}, falling back to <html lang>): agree {agree / max(len(samples), 1):.1%};"
        f" without the declared language: und {undeclared.count('und') / max(len(samples), 1):.1%}, "
        f"agree {sum(d == s[1] for d, s in zip(undeclared, samples, strict=True)) / max(len(samples), 1):.1%}"
    )
    return lines


def wrong_language_entities(
    pages: list[Page], found: list[Annotation], models: dict[str, str], checked: bool = True
) -> tuple[int, int]:
    """(entities from a model of another language than the article's, all entities); ``checked=False`` takes
    the article's language from ``<html lang>`` alone where there is one."""
    language_of_model = {name: language for language, name in models.items()}
    wrong = total = 0
    for page, annotation in zip(pages, found, strict=True):
        reference = page.language if checked else page.declared or page.language
        total += len(annotation.entities)
        if annotation.model is not None and language_of_model[annotation.model] != reference:
            wrong += len(annotation.entities)
    return wrong, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    args = parser.parse_args()
    pages = load_pages(args.eval_dir)
    settings = Settings()
    routed = EntityExtractor.from_settings(settings)
    halves = {half: [p for p in pages if p.half == half and p.article is not None] for half in ("A", "B")}
    found = {half: routed.extract([p.article for p in cleaned]) for half, cleaned in halves.items()}
    # Peak so far, before the English-only pass below: every page cleaned and held, every configured model loaded
    # and run over both halves (a worker's own peak: `news-ingest process` under /usr/bin/time, docs/languages.md).
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    english = EntityExtractor({"en": settings.ner_models["en"]})
    for half, cleaned in halves.items():
        declared = [p for p in cleaned if p.declared]
        print(
            f"\n== half {half}: {sum(p.half == half for p in pages)} pages, {len(cleaned)} cleaned, "
            f"{len(declared)} with <html lang>"
        )
        print(f"  <html lang>: {dict(Counter(p.declared for p in declared).most_common(8))}")
        print(f"  decided language: {dict(Counter(p.article.language for p in cleaned).most_common(8))}")
        bodies = [(p.article.body, p.declared) for p in declared]
        titles = [(p.article.title, p.declared) for p in declared if p.article.title]
        shorts = [(t, p.declared) for p in declared if (t := short_text(p.article.body))]
        for name, samples in (("bodies", bodies), ("titles", titles), (f"{SHORT_MIN}-{SHORT_MAX} chars", shorts)):
            print("\n".join(detection_report(name, samples)))

        as_english = [p.article.model_copy(update={"language": "en"}) for p in cleaned]
        with patch("worker.entities.blank_foreign", lambda text, language: text):  # the stage as it used to be
            before = english.extract(as_english)
        blanked = english.extract(as_english)
        wrong, total = wrong_language_entities(cleaned, found[half], routed.model_names)
        wrong_before, total_before = wrong_language_entities(cleaned, before, english.model_names)
        wrong_blanked, total_blanked = wrong_language_entities(cleaned, blanked, english.model_names)
        unchecked, _ = wrong_language_entities(cleaned, found[half], routed.model_names, checked=False)
        print(f"  wrong-language entities: before (English model on all) {wrong_before} of {total_before}")
        print(f"  English model on all, foreign paragraphs blanked: {wrong_blanked} of {total_blanked}")
        print(f"  wrong-language entities: after (routed by language)   {wrong} of {total}")
        print(
            f"  after, against <html lang> alone (wrong on {sum(p.checked is not None for p in cleaned)} pages): {unchecked}"
        )
        status = Counter(a.status for a in found[half])
        print(f"  status: {dict(status)}; models: {dict(Counter(a.model for a in found[half]))}")
        gazetteer = [e for a in found[half] if a.status == "no_model_for_language" for e in a.entities]
        print(
            f"  countries by name without a model: {len(gazetteer)} in "
            f"{sum(1 for a in found[half] if a.status == 'no_model_for_language' and a.entities)} articles, "
            f"{dict(Counter(e.text for e in gazetteer).most_common(12))}"
        )
    print(f"\npeak RSS of this process, all pages held and {routed.model_name} run on them: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
