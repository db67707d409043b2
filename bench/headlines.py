"""Headlines in title case: the entities the stage finds with and without ``truecase_headline``, against hand labels.

Articles with a title, through the real clean stage and the entities stage with the configured models, in two
groups: ``seen``, the 90 pages of the article-extraction benchmark, the originals of the near-duplicate stream
(real English news) and the multilingual pages of a language with a model, which the rule was written on; and
``held out``, the scraped-text fixtures of tests/fixtures/scraped, read only once the rule was final. Each
article is annotated twice, as shipped and with its
headline read as written; an entity (canonical name and label) that only one of the two finds is a change.
Every change is labelled by hand in bench/data/headlines/labels.jsonl (``right``: the span names something and
the label fits; else ``wrong``); the run prints the changes by verdict and lists any change not labelled.

Usage: ``python -m bench.headlines [--list]``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson

import worker.entities as entities_module
from bench import DATA_DIR
from bench.extraction import ArticleExtractionSet
from bench.places import multilingual, newswire
from schemas import CleanedArticle, RawArticle
from worker.clean import clean_article
from worker.entities import EntityExtractor
from worker.errors import Rejected
from worker.settings import Settings

LABELS = DATA_DIR / "headlines" / "labels.jsonl"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "scraped"
Key = tuple[str, str, str]  # article, canonical name, label


def articles(languages: set[str]) -> dict[str, list[tuple[str, CleanedArticle]]]:
    """The articles with a title of each group, by id (a page's, or a fixture's file name)."""
    now = datetime.now(UTC)
    raws = [(page.id, RawArticle(html=page.html, url=page.url)) for page in ArticleExtractionSet().pages]
    fixtures = [(path.name, RawArticle(text=path.read_text())) for path in sorted(FIXTURES.glob("*.txt"))]
    groups = {"seen": _cleaned(raws, now), "held out": _cleaned(fixtures, now)}
    groups["seen"] += newswire() + [(i, a) for i, a in multilingual() if a.language in languages]
    return {name: [(i, a) for i, a in found if a.title] for name, found in groups.items()}


def _cleaned(raws: list[tuple[str, RawArticle]], now: datetime) -> list[tuple[str, CleanedArticle]]:
    found = []
    for article_id, raw in raws:
        try:
            found.append((article_id, clean_article(raw, now)))
        except Rejected:
            continue
    return found


def annotate(extractor: EntityExtractor, found: list[tuple[str, CleanedArticle]]) -> dict[Key, list[str]]:
    """Each entity's fields, by article, canonical name and label."""
    annotations = extractor.extract([article for _, article in found])
    return {
        (article_id, entity.canonical, entity.label): sorted({m.field for m in entity.mentions})
        for (article_id, _), annotation in zip(found, annotations, strict=True)
        for entity in annotation.entities
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every change with its verdict")
    args = parser.parse_args()
    settings = Settings()
    extractor = EntityExtractor.from_settings(settings)
    labels = {
        (r["article"], r["canonical"], r["label"]): r for r in map(orjson.loads, LABELS.read_bytes().splitlines())
    }
    for group, found in articles(set(settings.ner_models)).items():
        shipped = annotate(extractor, found)
        truecase = entities_module.truecase_headline
        entities_module.truecase_headline = lambda headline, others: headline
        try:
            as_written = annotate(extractor, found)
        finally:
            entities_module.truecase_headline = truecase
        report(group, dict(found), shipped, as_written, labels, args.list)


def report(
    group: str,
    found: dict[str, CleanedArticle],
    shipped: dict[Key, list[str]],
    as_written: dict[Key, list[str]],
    labels: dict[Key, dict],
    listed: bool,
) -> None:
    print(f"\n{group}:")
    counts: Counter[tuple[str, str]] = Counter()
    for change, keys in (
        ("removed", as_written.keys() - shipped.keys()),
        ("added", shipped.keys() - as_written.keys()),
    ):
        for key in sorted(keys):
            verdict = labels.get(key, {}).get("verdict", "not labelled")
            counts[change, verdict] += 1
            if listed or verdict == "not labelled":
                print(f"{change:<8} {verdict:<12} {key[1]!r} {key[2]} in {key[0]}: {found[key[0]].title!r}")
    both = shipped.keys() & as_written.keys()
    gained = sum("title" in shipped[key] and "title" not in as_written[key] for key in both)
    lost = sum("title" not in shipped[key] and "title" in as_written[key] for key in both)
    changed = len({key[0] for key in shipped.keys() ^ as_written.keys()})
    print(f"{len(found)} articles with a title, {changed} with an entity found by only one reading")
    for change in ("removed", "added"):
        row = ", ".join(f"{counts[change, v]} {v}" for v in ("wrong", "right", "not labelled"))
        print(f"entities the truecased headline {change}: {row}")
    print(f"entities of both readings that gained a title mention: {gained}, that lost one: {lost}")


if __name__ == "__main__":
    main()
