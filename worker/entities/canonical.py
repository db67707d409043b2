"""Per-document canonicalization of NER mentions: one entity per real-world thing, every mention kept.

Pure functions over ``Span`` tuples, so the rules can be tested without a model.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from schemas import Entity, Field_, Mention

# Named-entity labels we publish; numbers, dates, money and quantities are dropped (see README).
KEPT_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
_PLACE_LABELS = frozenset({"GPE", "LOC", "NORP", "ORG"})
FIELD_ORDER: dict[str, int] = {"title": 0, "subtitle": 1, "description": 2, "body": 3}

COUNTRY_ALIASES: dict[str, str] = {
    **dict.fromkeys(["us", "u.s.", "u.s", "usa", "u.s.a.", "america", "united states of america", "the states"], "US"),
    **dict.fromkeys(["uk", "u.k.", "britain", "great britain"], "GB"),
    "russia": "RU",
    "turkey": "TR",
    "ivory coast": "CI",
    "holland": "NL",
    "the netherlands": "NL",
}
COUNTRY_NAMES: dict[str, str] = {
    "US": "United States",
    "GB": "United Kingdom",
    "RU": "Russia",
    "TR": "Turkey",
}

_TITLES = re.compile(
    r"^(?:(?:former|acting|then|late|vice|deputy|prime|chief|first|us|u\.s\.)\s+)*"
    r"(?:president|minister|chancellor|premier|senator|sen\.|representative|rep\.|governor|gov\.|mayor|"
    r"secretary|ambassador|king|queen|prince|princess|pope|general|gen\.|judge|justice|commissioner|"
    r"mr\.?|mrs\.?|ms\.?|dr\.?|prof\.?|sir|dame|lord|lady|ceo|chairman|chairwoman|chair|coach)\s+",
    re.I,
)
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_PUNCT = " \t\n\"'“”‘’()[]{},.;:!?-–—"
_CONNECTORS = frozenset({"of", "the", "and", "for", "&", "de", "du", "la", "des"})


@dataclass(frozen=True)
class Span:
    field: Field_
    start: int
    end: int
    text: str
    label: str
    sentence_start: bool = False


_SENTENCE_BOUNDARY = re.compile(r"(?:^|[.!?][\"'”’)]*)\s*$")


def starts_sentence(preceding: str) -> bool:
    """True when the text before a span ends a sentence (or is empty)."""
    return bool(_SENTENCE_BOUNDARY.search(preceding[-10:]))


def trim(span: Span) -> Span | None:
    """Strip articles, titles, possessives and edge punctuation, keeping offsets exact; None if empty."""
    text, start = span.text, span.start
    prefixes = [re.compile(r"^the\s+")]
    if span.label == "PERSON":
        prefixes.append(_TITLES)
    for prefix in prefixes:
        if m := prefix.match(text):
            text, start = text[m.end() :], start + m.end()
    lead = len(text) - len(text.lstrip(_EDGE_PUNCT))
    text, start = text[lead:], start + lead
    text = _POSSESSIVE.sub("", text).rstrip(_EDGE_PUNCT.replace(".", "")) if text else text
    if text.endswith(".") and not re.search(r"\b\w\.$|\.\w\.$", text):
        text = text[:-1]
    if not text.strip():
        return None
    return Span(span.field, start, start + len(text), text, span.label, span.sentence_start)


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name or common alias, else None."""
    key = " ".join(text.casefold().split())
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    if len(key) <= 3 and not text.isupper():
        return None
    try:
        country = pycountry.countries.lookup(key)
    except LookupError:
        return None
    return country.alpha_2


def country_name(code: str) -> str:
    if code in COUNTRY_NAMES:
        return COUNTRY_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


def _initials(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[\w&]+", text) if w.casefold() not in _CONNECTORS).upper()


def _acronym(text: str) -> str | None:
    letters = text.replace(".", "")
    return letters if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper() else None


def canonicalize(spans: list[Span]) -> list[Entity]:
    """Group mentions that denote the same thing; entities ordered by count, then first mention."""
    kept = [t for s in spans if s.label in KEPT_LABELS and (t := trim(s))]
    surfaces = {s.text for s in kept}
    kept = [_drop_capital_the(s, surfaces) for s in kept]
    surfaces = {s.text for s in kept}

    key_of: dict[str, str] = {}
    persons = sorted({s.text for s in kept if s.label == "PERSON"}, key=len, reverse=True)
    for surface in surfaces:
        code = country_code(surface)
        key_of[surface] = f"country:{code}" if code else surface
    for short in persons:
        longer = [p for p in persons if len(p) > len(short) and _is_name_part(short, p)]
        if len({key_of[p] for p in longer}) == 1:
            key_of[short] = key_of[longer[0]]
    non_persons = sorted(surfaces - set(persons), key=len, reverse=True)
    for surface in non_persons:
        acronym = _acronym(surface)
        if not acronym or key_of[surface].startswith("country:"):
            continue
        expansions = [o for o in non_persons if len(o) > len(surface) and _initials(o) == acronym]
        if len({key_of[o] for o in expansions}) == 1:
            key_of[surface] = key_of[expansions[0]]

    groups: dict[str, list[Span]] = defaultdict(list)
    for span in kept:
        groups[key_of[span.text]].append(span)
    entities = [_entity(key, members) for key, members in groups.items()]
    first = {e.canonical: min((FIELD_ORDER[m.field], m.start) for m in e.mentions) for e in entities}
    return sorted(entities, key=lambda e: (-e.count, first[e.canonical]))


def _drop_capital_the(span: Span, surfaces: set[str]) -> Span:
    """``The`` is part of a name mid-sentence (``in The Hague``); at a sentence start it is dropped from
    names of several words (``The European Union said``), or where the document also says the name without it.
    """
    if not span.text.startswith("The "):
        return span
    rest = span.text[4:]
    if rest in surfaces or (span.sentence_start and " " in rest):
        return Span(span.field, span.start + 4, span.end, rest, span.label, span.sentence_start)
    return span


def _is_name_part(short: str, full: str) -> bool:
    """``Trump`` of ``Donald Trump``, ``von der Leyen`` of ``Ursula von der Leyen``: whole leading/trailing words."""
    s, f = short.split(), full.split()
    return len(s) < len(f) and (f[-len(s) :] == s or f[: len(s)] == s)


def _entity(key: str, members: list[Span]) -> Entity:
    label = Counter(m.label for m in members).most_common(1)[0][0]
    if key.startswith("country:"):
        label = "GPE" if label in _PLACE_LABELS else label
        canonical = country_name(key.removeprefix("country:"))
    else:
        canonical = key
    text = max((m.text for m in members), key=lambda t: (len(t), t))
    mentions = sorted(
        (Mention(field=m.field, start=m.start, end=m.end) for m in members),
        key=lambda m: (FIELD_ORDER[m.field], m.start),
    )
    return Entity(text=text, label=label, canonical=canonical, count=len(mentions), mentions=mentions)
