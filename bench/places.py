"""Places benchmark: cities and US states linked to GeoNames, other first-level regions to ISO 3166-2, scored
against hand labels in bench/data/places/.

Two sets, each through the real clean stage and the entities stage with the configured models:
- ``multilingual``: the 487 pages of bench/data/web-extraction-multilingual (the articles of every language;
  only those with a model get cities);
- ``newswire``: the first 50 originals of bench/data/neardup/articles.jsonl (real English news articles);
- ``heldout``: the other originals there (40), labelled only once the rules were final;
- ``russian``: the 132 documents of bench/data/ner-ru (Russian news and analysis), through the entities stage
  (Russian's tagger and its dictionary forms), labelled once the rules were final.

A place is an entity with ``ids.geonames`` (a city or US state) or ``ids.iso3166_2`` (a region) that is not
a country; precision is given for all of them and for the regions apart. ``--draw`` writes a sample of the linked
places (up to 200 a set) and of the GPE/LOC entities left unlinked (up to 100) with an empty ``verdict``, drawn
with a fixed seed, for labelling by hand; without it, the current output is scored against the committed
labels: precision of the linked places (those not labelled are counted apart), and recall estimated from the
unlinked sample, for the rules as shipped and with a name of one large city linked without context. Also the gazetteer's build time and RSS, and the look-up time per entity.

Usage: ``python -m bench.places [--draw]``.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from bench import DATA_DIR
from bench.languages import DEFAULT_EVAL, load_pages
from schemas import ArticleContent, CleanedArticle, Entity
from worker.clean import clean_article, decode_raw
from worker.entities import EntityExtractor
from worker.entities.places import Place, gazetteer, link_places, resolve
from worker.errors import Rejected
from worker.settings import Settings

LABELS = DATA_DIR / "places"
NEARDUP = DATA_DIR / "neardup"
SEED = 16
LINKED_SAMPLE, UNLINKED_SAMPLE, NEWSWIRE_ARTICLES = 200, 100, 50
CONTEXT = 120
ALONE = 100_000  # the rule measured beside the shipped one (``resolve``'s ``alone``)
# Verdicts of an unlinked GPE/LOC entity: a place in the shipped data (so a missed link), else not.
MISSED = "in_data"
UNLINKED_VERDICTS = (MISSED, "not_in_data", "not_a_place")


@dataclass(frozen=True)
class Found:
    """One GPE/LOC entity of one article, linked or not."""

    article: str
    entity: Entity
    context: str

    @property
    def key(self) -> tuple[str, str]:
        return self.article, self.entity.canonical

    @property
    def link(self) -> str | int | None:
        """The region's ISO 3166-2 code, else the GeoNames id."""
        return link_of(self.entity)

    @property
    def linked(self) -> bool:
        return self.link is not None


def link_of(entity: Entity) -> str | int | None:
    return entity.ids.get("iso3166_2", entity.ids.get("geonames"))


def context(article: ArticleContent, entity: Entity) -> str:
    mention = entity.mentions[0]
    text = getattr(article, mention.field) or ""
    start, end = max(0, mention.start - CONTEXT), mention.end + CONTEXT
    return f"{text[start : mention.start]}[[{text[mention.start : mention.end]}]]{text[mention.end : end]}"


def multilingual() -> list[tuple[str, CleanedArticle]]:
    return [(p.file, p.article) for p in load_pages(DEFAULT_EVAL) if p.article is not None]


def newswire() -> list[tuple[str, CleanedArticle]]:
    """The originals of the near-duplicate stream (real news articles), in stream order."""
    kinds = {r["id"]: r["kind"] for r in map(orjson.loads, (NEARDUP / "labels.jsonl").read_bytes().splitlines()) if r}
    now, articles = datetime.now(UTC), []
    for line in (NEARDUP / "articles.jsonl").read_bytes().splitlines():
        raw = decode_raw(line, 50_000_000)
        if kinds.get(raw.id) == "original":
            try:
                articles.append((raw.id, clean_article(raw, now)))
            except Rejected:
                continue
    return articles


def russian() -> list[tuple[str, ArticleContent]]:
    """The Russian gold set's documents as articles (its gold spans are not used here)."""
    docs = map(orjson.loads, (DATA_DIR / "ner-ru" / "factru" / "docs.jsonl").read_bytes().splitlines())
    return [
        (d["id"], ArticleContent(id=d["id"], body=d["text"], language="ru", word_count=0, content_hash=""))
        for d in docs
    ]


def annotate(extractor: EntityExtractor, articles: list[tuple[str, ArticleContent]]) -> list[list[Entity]]:
    return [a.entities for a in extractor.extract([article for _, article in articles])]


def relinked(entities: list[Entity], language: str, alone: int | None) -> list[Entity]:
    """The article's entities linked again with ``resolve``'s ``alone`` rule."""
    bare = [
        e if "iso3166" in e.ids else e.model_copy(update={"ids": {}, "coordinates": None, "country_code": None})
        for e in entities
    ]
    return link_places(bare, language, alone)


def places_of(articles: list[tuple[str, ArticleContent]], annotated: list[list[Entity]]) -> list[Found]:
    """Every GPE/LOC entity that is not a country."""
    return [
        Found(name, entity, context(article, entity))
        for (name, article), entities in zip(articles, annotated, strict=True)
        for entity in entities
        if entity.label in ("GPE", "LOC") and "iso3166" not in entity.ids
    ]


def row(item: Found) -> dict:
    place = gazetteer().places.get(item.entity.ids.get("geonames"))  # type: ignore[arg-type]
    return {
        "article": item.article,
        "mention": item.entity.text,
        "canonical": item.entity.canonical,
        "label": item.entity.label,
        "context": item.context,
        "kind": _kind(item, place),
        "geonames": item.entity.ids.get("geonames"),
        "iso3166_2": item.entity.ids.get("iso3166_2"),
        "name": place.name if place else None,
        "country": item.entity.country_code,
        "verdict": None,
        "reason": "",
    }


def _kind(item: Found, place: Place | None) -> str | None:
    """``region`` (ISO 3166-2), ``state`` (a US state, GeoNames) or ``city``; None when unlinked."""
    if "iso3166_2" in item.entity.ids:
        return "region"
    return None if place is None else "state" if place.is_state else "city"


def draw(name: str, linked: list[Found], unlinked: list[Found]) -> None:
    """Write the samples to label; labels already given for the same (article, canonical) and link are kept."""
    LABELS.mkdir(exist_ok=True)
    for kind, items, size in (("sample", linked, LINKED_SAMPLE), ("unlinked", unlinked, UNLINKED_SAMPLE)):
        path = LABELS / f"{name}-{kind}.jsonl"
        old = {(r["article"], r["canonical"]): r for r in read(path)}
        # Rows still found keep their place and label; the sample is topped up from the rest with the seed.
        kept = [f for f in items if _kept(old.get(f.key), f)]
        rest = [f for f in items if not _kept(old.get(f.key), f)]
        sample = kept + random.Random(SEED).sample(rest, max(0, min(size - len(kept), len(rest))))
        rows = [_kept(old.get(f.key), f) or row(f) for f in sorted(sample, key=lambda f: f.key)]
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        print(f"{path.relative_to(DATA_DIR.parent.parent)}: {len(rows)} rows of {len(items)}")


def _kept(label: dict | None, item: Found) -> dict | None:
    """A given label, while it is about the same link; an unlinked entity's label (no ``kind``), while it is
    unlinked (its ``iso3166_2`` is the region meant, not a link)."""
    if label is None:
        return None
    return label if (_label_link(label) == item.link if label["kind"] else not item.linked) else None


def _label_link(label: dict) -> str | int | None:
    return label.get("iso3166_2") or label["geonames"]


def read(path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()] if path.exists() else []


def score(name: str, rule: str, found: list[Found]) -> None:
    linked = [f for f in found if f.linked]
    regions = [f for f in linked if "iso3166_2" in f.entity.ids]
    unlinked = [f for f in found if not f.linked]
    labels = {(r["article"], r["canonical"]): r for r in read(LABELS / f"{name}-sample.jsonl")}
    verdicts: Counter[str] = Counter()
    for item in linked:
        label = labels.get(item.key)
        if label is None or label["verdict"] is None:
            verdicts["unlabelled"] += 1
        elif _label_link(label) != item.link:
            verdicts["linked elsewhere than labelled"] += 1
        else:
            verdicts[label["verdict"]] += 1
    checked = verdicts["correct"] + verdicts["wrong"]
    precision = verdicts["correct"] / max(checked, 1)
    metonymy = sum(
        1
        for f in linked
        if (label := labels.get(f.key)) and label["verdict"] == "correct" and label["reason"].startswith("metonymy")
    )
    print(f"\n== {name}, {rule}: {len(found)} GPE/LOC entities (not countries), {len(linked)} linked")
    print(
        f"  linked, against the labels: {dict(verdicts)}; precision {precision:.3f} ({verdicts['correct']}/{checked})"
    )
    print(
        f"  of the correct, {metonymy} name a team, government or university by its place; counted wrong:"
        f" {(verdicts['correct'] - metonymy) / max(checked, 1):.3f}"
    )
    right = [f for f in regions if (label := labels.get(f.key)) and label["verdict"] and _label_link(label) == f.link]
    region_correct = sum(labels[f.key]["verdict"] == "correct" for f in right)
    print(
        f"  regions (ISO 3166-2): {len(regions)} linked, {len(right)} labelled;"
        f" precision {region_correct / max(len(right), 1):.3f} ({region_correct}/{len(right)}):"
        f" {sorted({f.entity.text + ' ' + str(f.link) for f in regions})}"
    )
    wrong = [f.entity.text for f in linked if (label := labels.get(f.key)) and label["verdict"] == "wrong"]
    print(f"  wrong: {wrong}")
    unlinked_labels = {(r["article"], r["canonical"]): r for r in read(LABELS / f"{name}-unlinked.jsonl")}
    sampled = [unlinked_labels[f.key] for f in unlinked if f.key in unlinked_labels]
    kinds = Counter(r["verdict"] for r in sampled)
    print(f"  unlinked: {len(unlinked)}; of them labelled: {len(sampled)}, {dict(kinds)}")
    if sampled:
        missed = kinds[MISSED] / len(sampled) * len(unlinked)  # unlinked places that are in the data, estimated
        correct = precision * len(linked)
        print(
            f"  recall of the places in the data: {correct / max(correct + missed, 1):.3f}"
            f" (~{correct:.0f} linked right, ~{missed:.0f} missed)"
        )
        # The labelled misses that are regions carry the code of the region meant.
        regions_missed = sum(bool(r.get("iso3166_2")) for r in sampled if r["verdict"] == MISSED)
        regions_missed *= len(unlinked) / len(sampled)
        print(
            f"  of which regions (ISO 3166-2): {region_correct / max(region_correct + regions_missed, 1):.3f}"
            f" (~{region_correct} linked right, ~{regions_missed:.0f} missed)"
        )


def speed(found: list[Found], articles: list[tuple[str, list[Entity]]]) -> None:
    """Look-up and resolution time per entity, the article's context fixed; linking time per article."""
    places, names = gazetteer(), [f.entity.text for f in found]
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for text in names:
            resolve(places.candidates(text), {"US", "FR"}, {"TX"})
    per = (time.perf_counter() - start) / (rounds * max(len(names), 1))
    print(f"\nlook-up and resolution: {per * 1e6:.2f} µs per entity ({len(names)} names × {rounds})")
    start = time.perf_counter()
    for _ in range(rounds):
        for language, entities in articles:
            link_places(entities, language)
    per = (time.perf_counter() - start) / (rounds * max(len(articles), 1))
    print(f"link_places: {per * 1e6:.0f} µs per article ({len(articles)} articles × {rounds})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draw", action="store_true", help="write the samples to label (keeps given labels)")
    args = parser.parse_args()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    places = gazetteer()
    built = time.perf_counter() - start
    added = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        f"gazetteer: {len(places.places)} places, {len(places.names)} names; built in {built:.1f} s,"
        f" peak RSS +{added:.0f} MB"
    )
    extractor = EntityExtractor.from_settings(Settings())
    everything, linked_articles = [], []
    originals = newswire()
    sets = (
        ("multilingual", multilingual()),
        ("newswire", originals[:NEWSWIRE_ARTICLES]),
        ("heldout", originals[NEWSWIRE_ARTICLES:]),  # labelled once the rules were final
        ("russian", russian()),  # labelled once the rules were final
    )
    for name, articles in sets:
        annotated = annotate(extractor, articles)
        found = places_of(articles, annotated)
        alone = [
            relinked(entities, article.language or "en", ALONE)
            for (_, article), entities in zip(articles, annotated, strict=True)
        ]
        found_alone = places_of(articles, alone)
        everything += found
        linked_articles += [(a.language or "en", e) for (_, a), e in zip(articles, annotated, strict=True) if e]
        covered = sum(bool(places.candidates(f.entity.canonical)) for f in found)
        print(f"\n{name}: {len(articles)} articles; GPE/LOC entities with a gazetteer name: {covered}/{len(found)}")
        if args.draw:  # the links of both rules (the shipped one's where they differ), the shipped one's unlinked
            linked = {f.key: f for f in found_alone if f.linked} | {f.key: f for f in found if f.linked}
            draw(name, list(linked.values()), [f for f in found if not f.linked])
        else:
            score(name, "as shipped", found)
            score(name, f"and a name of one city of {ALONE:,} people or more linked alone", found_alone)
    speed(everything, linked_articles)


if __name__ == "__main__":
    main()
