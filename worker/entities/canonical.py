"""Per-document canonicalization of NER mentions: one entity per real-world thing, every mention kept.

Pure functions over ``Span`` tuples, so the rules can be tested without a model.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import babel
import pycountry

from schemas import Entity, Field_, Mention

# Named-entity labels we publish; numbers, dates, money and quantities are dropped (docs/architecture.md). MISC comes
# from the WikiNER-trained models (French): see MODEL_LABELS in worker/entities/__init__.py.
KEPT_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "MISC"}
)
_PLACE_LABELS = frozenset({"GPE", "LOC", "NORP", "ORG"})
_PLACE_ONLY_LABELS = frozenset({"GPE", "LOC", "FAC"})  # never a person's surname: ``Paris`` is not ``Paris Hilton``
FIELD_ORDER: dict[str, int] = {"title": 0, "subtitle": 1, "description": 2, "body": 3}

COUNTRY_ALIASES: dict[str, str] = {
    **dict.fromkeys(["us", "u.s.", "u.s", "usa", "u.s.a.", "america", "united states of america", "the states"], "US"),
    **dict.fromkeys(["uk", "u.k.", "britain", "great britain"], "GB"),
    "turkey": "TR",
    "ivory coast": "CI",
    "holland": "NL",
    "the netherlands": "NL",
}
# Everyday names that neither ISO 3166's translated forms nor CLDR's give (``Großbritannien``: CLDR says
# ``Vereinigtes Königreich``).
LANGUAGE_ALIASES: dict[str, dict[str, str]] = {
    "de": {"Großbritannien": "GB", "USA": "US"},
    "fr": {"Grande-Bretagne": "GB", "Vietnam": "VN", "Etats-Unis": "US", "USA": "US"},
    "es": {"Gran Bretaña": "GB", "EE. UU.": "US", "EE.UU.": "US", "EEUU": "US", "USA": "US"},
    "ru": {"США": "US"},
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
# French titles before a name (``président Macron``, ``Mme Borne``), stripped like the English ones.
_TITLES_FR = re.compile(
    r"^(?:(?:l['’])?(?:ancien|ancienne|ex-|vice-)\s*)*"
    r"(?:président|présidente|premier ministre|première ministre|ministre|chancelier|chancelière|sénateur|"
    r"sénatrice|député|députée|maire|gouverneur|secrétaire|ambassadeur|ambassadrice|roi|reine|prince|princesse|"
    r"pape|général|juge|commissaire|M\.|MM\.|Mme|Mmes|Mlle|Dr|Pr)\s+",
    re.I,
)
# Lower-case leading articles: ``the United States``, ``la France``, ``l'Élysée`` (a capital one is part of
# the name, ``The Hague``, ``Le Monde``).
_LEADING_ARTICLES = {"en": re.compile(r"^the\s+"), "fr": re.compile(r"^(?:(?:le|la|les)\s+|l['’])")}
_PERSON_TITLES = {"en": _TITLES, "fr": _TITLES_FR}
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_PUNCT = " \t\n\"'“”‘’()[]{},.;:!?-–—"
_CLOSERS = {")": "(", "]": "[", "»": "«", "“": "„", '"': '"'}  # closing → opening bracket or quote
_CONNECTORS = frozenset({"of", "the", "and", "for", "&", "de", "du", "la", "des"})
# A final period that belongs to the name: an initial (``U.S.``, ``John F.``) or a usual abbreviation.
_ABBREVIATION_END = re.compile(r"(?:\b\w|\.\w|\b(?:Jr|Sr|Inc|Ltd|Co|Corp|Bros|Mt|St|Ft))\.$")
# Lower-case particles inside personal names: a PERSON span ending with one was cut short by the model.
_NAME_PARTICLES = frozenset(
    {"von", "van", "der", "den", "de", "da", "di", "del", "della", "du", "le", "la", "bin", "ibn", "al"}
)
_NEXT_NAME_WORD = re.compile(r" ([A-Z][\w'’-]*)")
_INITIAL = re.compile(r"\w\.")
_WORD = re.compile(r"\w+")
# Where a word is capitalized by its position: the text's start, or after . ! ? : ; a dash, a quote or a
# bracket, but not after an abbreviated title (``M. Bernard``, ``Dr. Young``).
_CLAUSE_START = re.compile(r"(?:^|(?<!\b[A-Z])(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z]{2})[.!?:;—–«\"“(])\W*$")


@dataclass(frozen=True)
class Span:
    field: Field_
    start: int
    end: int
    text: str
    label: str
    sentence_start: bool = False


# The site's name after a page's headline: ``… | The Beachbody Blog``, ``… - The Paradigm``.
_SITE_NAME = re.compile(r"\s+[|–—-]\s+[^\s|–—]+(?:\s+[^\s|–—]+){0,4}\s*$")
_SENTENCE_BOUNDARY = re.compile(r"(?:^|[.!?][\"'”’)]*)\s*$")


def starts_sentence(preceding: str) -> bool:
    """True when the text before a span ends a sentence (or is empty)."""
    return bool(_SENTENCE_BOUNDARY.search(preceding[-10:]))


def trim(span: Span, language: str = "en") -> Span | None:
    """Strip articles, titles, possessives and edge punctuation, keeping offsets exact; None if no name is left.

    Articles and titles are those of ``language`` (English and French; none for other languages), the
    possessive ``'s`` is English only.
    """
    text, start = span.text, span.start
    prefixes = [p for p in [_LEADING_ARTICLES.get(language)] if p]
    if span.label == "PERSON" and language in _PERSON_TITLES:
        prefixes.append(_PERSON_TITLES[language])
    for prefix in prefixes:
        if m := prefix.match(text):
            text, start = text[m.end() :], start + m.end()
    lead = len(text) - len(text.lstrip(_EDGE_PUNCT))
    text, start = text[lead:], start + lead
    if text and language == "en":
        text = _POSSESSIVE.sub("", text)
    # A final ``!`` is part of organizations' names (``Yahoo!``) and ends exclamations after others (``France!``);
    # a closing bracket or quote whose opening one is inside the name stays (``служба (ФАС)``).
    trailing = _EDGE_PUNCT.replace(".", "")
    if span.label == "ORG":
        trailing = trailing.replace("!", "")
    stripped = text.rstrip(trailing)
    while (rest := text[len(stripped) :]) and rest[0] in _CLOSERS and _opens(stripped, rest[0]):
        stripped += rest[0]
    text = stripped
    if text.endswith(".") and not _ABBREVIATION_END.search(text):
        text = text[:-1]
    if not any(c.isupper() for c in text):  # names are capitalized: ``the city council`` is not one
        return None
    return Span(span.field, start, start + len(text), text, span.label, span.sentence_start)


def _opens(text: str, closer: str) -> bool:
    """``text`` leaves a bracket or quote open that ``closer`` closes."""
    opener = _CLOSERS[closer]
    return text.count(opener) % 2 == 1 if opener == closer else text.count(opener) > text.count(closer)


@lru_cache(maxsize=4096)
def country_code(text: str, language: str = "en") -> str | None:
    """ISO 3166-1 alpha-2 code of a country name (in ``language``) or common English alias, else None.

    A name that is also a region of another country (``Georgia``, ``Luxembourg``, ``Niger``) is left unlinked.
    """
    key = name_key(text)
    if key in ambiguous_country_names(language):
        return None
    if language != "en":
        return country_names(language).get(key)
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    if code := country_names("en").get(key):
        return code
    if len(key) <= 3 and not text.isupper():
        return None
    try:
        country = pycountry.countries.lookup(key)
    except LookupError:
        return None
    return country.alpha_2


# A region that is an ISO 3166-1 country in its own right (Puerto Rico, Aruba, Mayotte) is the same place.
_TERRITORY_TYPES = ("Outlying area", "Country", "Special municipality", "Overseas")


def name_key(text: str) -> str:
    """A place name as looked up: casefolded, spacing collapsed."""
    return " ".join(text.casefold().split())


def name_forms(name: str) -> set[str]:
    """A pycountry name as written in text: itself and the short form of an inverted or qualified name
    (``Russie`` of ``Russie, Fédération de``, ``Bolivia`` of ``Bolivia (Plurinational State of)``)."""
    return {name, re.split(r", | \(", name)[0]}


def iso3166_catalog(domain: str, language: str) -> gettext.NullTranslations | None:
    """pycountry's translations of ``domain`` into ``language`` (English needs none), else None."""
    if language == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
    except FileNotFoundError:
        return None


@lru_cache(maxsize=64)
def cldr_country_names(language: str) -> dict[str, str]:
    """ISO 3166-1 alpha-2 → the country's everyday name in ``language`` from CLDR, as Babel ships it (``Russland``,
    ``Corée du Nord``, ``Беларусь``); empty for a language CLDR lacks."""
    try:
        territories = babel.Locale.parse(language).territories
    except (babel.UnknownLocaleError, ValueError):
        return {}
    return {code: name for code, name in territories.items() if pycountry.countries.get(alpha_2=code)}


def _written_country_names(language: str, attributes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name as written, alpha-2): pycountry's ``attributes`` translated into ``language``, then CLDR's name, each
    with the short form of an inverted or qualified name."""
    names = []
    if (catalog := iso3166_catalog("iso3166-1", language)) is not None:
        for country in pycountry.countries:
            for attribute in attributes:
                if english := getattr(country, attribute, None):
                    names += [(form, country.alpha_2) for form in name_forms(catalog.gettext(english))]
    for code, name in cldr_country_names(language).items():
        names += [(form, code) for form in name_forms(name)]
    return names


@lru_cache(maxsize=64)
def country_forms(language: str) -> dict[str, str]:
    """Country names as written in ``language`` → alpha-2, from pycountry's translations (ISO 3166-1) and CLDR.

    Name, official and common names, the short form of an inverted name (``Russie`` of ``Russie, Fédération
    de``), CLDR's name (``Corée du Nord``) and ``LANGUAGE_ALIASES``. A name shared by two countries (``Corée``)
    or also a region of another country is left out; empty for a language neither source has names in.
    """
    codes: dict[str, set[str]] = defaultdict(set)
    for form, code in _written_country_names(language, ("name", "official_name", "common_name")):
        codes[" ".join(form.split())].add(code)
    for alias, code in LANGUAGE_ALIASES.get(language, {}).items():
        codes[alias] = {code}
    by_key: dict[str, set[str]] = defaultdict(set)
    for form, form_codes in codes.items():
        by_key[form.casefold()] |= form_codes
    ambiguous = ambiguous_country_names(language)
    return {
        form: next(iter(c))
        for form, c in codes.items()
        if len(by_key[form.casefold()]) == 1 and form.casefold() not in ambiguous
    }


@lru_cache(maxsize=64)
def country_names(language: str) -> dict[str, str]:
    """``country_forms`` with casefolded names, for looking up a span's text."""
    return {form.casefold(): code for form, code in country_forms(language).items()}


@lru_cache(maxsize=64)
def ambiguous_country_names(language: str) -> dict[str, str]:
    """Country names (casefolded, in ``language``) that also name a region of another country → the country's
    alpha-2 code."""
    regions = iso3166_catalog("iso3166-2", language)
    if regions is None:
        return {}
    names = {form.casefold(): code for form, code in _written_country_names(language, ("name", "common_name"))}
    return {
        key: names[key]
        for region in pycountry.subdivisions
        if (key := regions.gettext(region.name).casefold()) in names
        and names[key] != region.country_code
        and not region.type.startswith(_TERRITORY_TYPES)
    }


def country_name(code: str) -> str:
    if code in COUNTRY_NAMES:
        return COUNTRY_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


def _initials(text: str) -> set[str]:
    """Acronyms a name can have: ``CDC`` or ``DOJ`` (with or without ``of``, ``and``…)."""
    words = re.findall(r"[\w&]+", text)
    if len(words) < 2:
        return set()
    content = "".join(w[0] for w in words if w.casefold() not in _CONNECTORS).upper()
    return {content, "".join(w[0] for w in words).upper()}


def _expands(acronym: str, name: str) -> bool:
    """``NATO`` of ``North Atlantic Treaty Organization``; ``CDC`` of ``Centers for Disease Control and Prevention``
    (an acronym of three letters or more may leave out the last word)."""
    forms = _initials(name)
    return acronym in forms or (len(acronym) >= 3 and any(f[:-1] == acronym for f in forms))


def _acronym(text: str) -> str | None:
    letters = text.replace(".", "")
    return letters if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper() else None


def join_split_names(spans: list[Span], texts: Mapping[str, str]) -> list[Span]:
    """Repair personal names the model cut in two, given spans in reading order and each field's text.

    A PERSON span ending with a lower-case particle (``Ursula von der``) takes the next capitalized word
    (``Leyen``, whatever the model made of it), and a PERSON span followed after one space by another PERSON
    span is one name.
    """
    joined: list[Span] = []
    for span in spans:
        text = texts[span.field]
        previous = joined[-1] if joined and joined[-1].field == span.field else None
        if previous and span.start < previous.end:
            continue  # already taken into the previous name
        if previous and previous.label == span.label == "PERSON" and text[previous.end : span.start] == " ":
            joined.pop()
            span = Span(
                span.field, previous.start, span.end, text[previous.start : span.end], "PERSON", previous.sentence_start
            )
        if (
            span.label == "PERSON"
            and span.text.split()[-1] in _NAME_PARTICLES
            and (word := _NEXT_NAME_WORD.match(text, span.end))
        ):
            span = Span(
                span.field, span.start, word.end(), text[span.start : word.end()], "PERSON", span.sentence_start
            )
        joined.append(span)
    return joined


def find_untagged_mentions(spans: list[Span], texts: Mapping[str, str]) -> list[Span]:
    """Other occurrences, which the model left untagged, of names it found in the document.

    One name keeps one sense in a document: ``Google`` tagged once is ``Google`` in quotes too, the surname of
    ``Emmanuel Macron`` is ``Macron`` elsewhere, and the acronym of ``World Health Organization`` is ``WHO``.
    A name found from two sources (``Smith`` of two Smiths) is ambiguous and left alone, and so is an initial
    (``M.``, ``F.``). An occurrence that touches another capitalized word is part of a longer name and skipped,
    except after a title (``President Trump``) or in a headline in title case; so is a one-word name the
    document also writes in lower case, where its position alone capitalizes it (``Nous``, ``Femme`` at the
    start of a sentence, after a dash or a colon).
    """
    labels: dict[str, set[str]] = defaultdict(set)  # candidate string → labels of the names it comes from
    owners: dict[str, set[str]] = defaultdict(set)  # surname or acronym → the longer names it comes from
    for span in spans:
        words = span.text.split()
        labels[span.text].add(span.label)
        if span.label == "PERSON" and len(words) > 1 and words[-1][0].isupper():
            labels[words[-1]].add("PERSON")
            owners[words[-1]].add(span.text)
        if span.label == "ORG":
            for acronym in _initials(span.text):
                labels[acronym].add("ORG")
                owners[acronym].add(span.text)
    candidates = {
        c: next(iter(ls))
        for c, ls in labels.items()
        if len(ls) == 1 and len(owners[c]) <= 1 and len(c) > 1 and not _INITIAL.fullmatch(c)
    }
    if not candidates:
        return []
    lower_words = {w for text in texts.values() for w in _WORD.findall(text) if w.islower()}
    pattern = re.compile(
        r"(?<![\w.-])(?:" + "|".join(map(re.escape, sorted(candidates, key=len, reverse=True))) + r")(?![\w-])"
    )
    taken = defaultdict(list)
    for span in spans:
        taken[span.field].append((span.start, span.end))
    found = []
    for field, text in texts.items():
        headline_case = _is_title_case(text)
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken[field]):
                continue
            if not headline_case and _touches_capitalized_word(text, start, end):
                continue
            if match.group().lower() in lower_words and _at_clause_start(text, start):
                continue
            found.append(
                Span(field, start, end, match.group(), candidates[match.group()], starts_sentence(text[:start]))
            )
    return found


def truecase_headline(headline: str, others: Sequence[str]) -> str:
    """A headline in title case as the model should read it, same length so that offsets hold.

    Title case capitalizes every word, so a capital there says nothing of a name, and the model reads
    ``Harbor Bridge Reopens`` as one. A capitalized word is lowered unless it starts a clause, the article's
    other text (``others``) capitalizes it away from a sentence's start, or it is in the site's name after the
    headline (``… | The Village Voice``).
    """
    if not _is_title_case(headline):
        return headline
    story = _SITE_NAME.sub("", headline)
    words = [m for m in _WORD.finditer(story) if _is_capitalized(m.group()) and not _at_clause_start(story, m.start())]
    if not words:
        return headline
    pattern = re.compile(r"\b(?:" + "|".join({re.escape(m.group()) for m in words}) + r")\b", re.I)
    named = {
        match.group().lower()
        for text in others
        for match in pattern.finditer(text)
        if match.group()[0].isupper() and not _at_clause_start(text, match.start())
    }
    chars = list(headline)
    for match in words:
        if match.group().lower() not in named:
            chars[match.start()] = chars[match.start()].lower()
    return "".join(chars)


def _at_clause_start(text: str, start: int) -> bool:
    """The word at ``start`` is capitalized by its place: the text's start, or after a sentence end, a colon, a
    dash, a quote or a bracket (``_CLAUSE_START``)."""
    return bool(_CLAUSE_START.search(text, max(0, start - 10), start))


def _is_capitalized(word: str) -> bool:
    """``Reopens``, not ``EU``, ``McCain`` or a letter that lowers to two (``İ``)."""
    return word[0].isupper() and word[1:].islower() and len(word[0].lower()) == 1


def _is_title_case(text: str) -> bool:
    words = [w for w in text.split() if len(w) > 3 and w[0].isalpha()]
    return len(text) < 200 and bool(words) and sum(w[0].isupper() for w in words) > 0.7 * len(words)


def _touches_capitalized_word(text: str, start: int, end: int) -> bool:
    """A capitalized word right after, or right before in the same sentence and not a title (``Mr.``)."""
    if re.match(r" +[A-Z]", text[end : end + 3]):
        return True
    before = re.search(r"(\S+) +$", text[max(0, start - 30) : start])
    if not before or not before.group(1)[0].isupper() or not before.group(1)[-1].isalnum():
        return False  # ``Later, Musk``: punctuation ends a name
    if _TITLES.fullmatch(before.group(1) + " "):
        return False
    return not starts_sentence(before.group(1))


def canonicalize(
    spans: list[Span],
    texts: Mapping[str, str] | None = None,
    language: str = "en",
    untagged: bool = True,
    normal_forms: Mapping[str, str] | None = None,
) -> list[Entity]:
    """Group mentions that denote the same thing; entities ordered by salience, then first mention.

    ``texts`` (each field's text) places mentions for salience and, with ``untagged``, is searched for the
    found names' other mentions (``find_untagged_mentions``: not needed when ``spans`` already are every
    occurrence); without it, fields end at their last mention. ``language`` picks the articles, titles and
    country names that ``trim`` and ``country_code`` know. ``normal_forms`` gives a mention's dictionary form
    where names inflect (Russian ``Москве`` → ``Москва``): mentions are grouped, and named, by it.
    """
    kept = [t for s in spans if s.label in KEPT_LABELS and (t := trim(s, language))]
    if language == "en":
        surfaces = {s.text for s in kept}
        kept = [_drop_capital_the(s, surfaces) for s in kept]
    if texts is not None and untagged:
        kept += find_untagged_mentions(kept, texts)
    surfaces = {s.text for s in kept}
    labels: dict[str, set[str]] = defaultdict(set)
    for span in kept:
        labels[span.text].add(span.label)

    form = {surface: (normal_forms or {}).get(surface, surface) for surface in surfaces}
    key_of: dict[str, str] = {}
    for surface in surfaces:
        code = country_code(form[surface], language)
        key_of[surface] = f"country:{code}" if code else form[surface]
    written_normally = {s.casefold(): s for s in sorted(surfaces, reverse=True) if not s.isupper()}
    for surface in surfaces:  # ``CHICAGO`` in a dateline or a shouted headline is ``Chicago``
        if surface.isupper() and (twin := written_normally.get(surface.casefold())):
            key_of[surface] = key_of[twin]
    persons = sorted((s for s in surfaces if "PERSON" in labels[s]), key=len, reverse=True)
    full_names = [p for p in persons if " " in p]
    person_keys: set[str] = set()
    for short in persons:
        if key_of[short].startswith("country:") and labels[short] & _PLACE_ONLY_LABELS:
            continue  # ``Jordan`` the country, also when ``Michael Jordan`` is in the story
        longer = [p for p in persons if len(p) > len(short) and _is_name_part(form[short], form[p])]
        if len({key_of[p] for p in longer}) == 1:
            key_of[short] = key_of[longer[0]]
            person_keys.add(key_of[short])
    non_persons = sorted(surfaces - set(persons), key=len, reverse=True)
    for surface in non_persons:
        if key_of[surface].startswith("country:") or labels[surface] & _PLACE_ONLY_LABELS:
            continue
        owners = {key_of[p] for p in full_names if _is_surname(form[surface], form[p])}
        if len(owners) == 1:  # ``Hitzig`` tagged ORG after ``Eduard Hitzig``: the person's surname
            key_of[surface] = owners.pop()
            person_keys.add(key_of[surface])
    for surface in non_persons:
        acronym = _acronym(surface)
        if not acronym or key_of[surface] != surface:
            continue
        expansions = [o for o in non_persons if len(o) > len(surface) and _expands(acronym, o)]
        if len({key_of[o] for o in expansions}) == 1:
            key_of[surface] = key_of[expansions[0]]

    groups: dict[str, list[Span]] = defaultdict(list)
    for span in kept:
        groups[key_of[span.text]].append(span)
    places = _ReadingOrder(texts, kept)
    top_count = max((len(m) for m in groups.values()), default=1)
    entities = [
        _entity(key, members, key in person_keys, places.salience(members, top_count))
        for key, members in groups.items()
    ]
    return sorted(entities, key=lambda e: (-e.salience, places.offset(e.mentions[0].field, e.mentions[0].start)))


class _ReadingOrder:
    """Where mentions fall when title, dek, lede and body are read in that order."""

    def __init__(self, texts: Mapping[str, str] | None, spans: list[Span]) -> None:
        if texts is None:
            lengths = {f: max((s.end for s in spans if s.field == f), default=0) for f in FIELD_ORDER}
            body_lede_end = 0
        else:
            lengths = {f: len(texts.get(f) or "") for f in FIELD_ORDER}
            body = texts.get("body") or ""
            body_lede_end = body.find("\n\n") if "\n\n" in body else len(body)
        self.field_start, total = {}, 0
        for field in FIELD_ORDER:
            self.field_start[field] = total
            total += lengths[field]
        self.total = max(total, 1)
        self.body_lede_end = body_lede_end

    def offset(self, field: str, start: int) -> int:
        return self.field_start[field] + start

    def salience(self, members: list[Span], top_count: int) -> float:
        """0.4 × relative count + 0.3 × prominence (title 1; dek, lede or first paragraph 0.5) + 0.3 × earliness."""
        first = min(self.offset(m.field, m.start) for m in members)
        if any(m.field == "title" for m in members):
            prominence = 1.0
        elif any(m.field != "body" or m.start < self.body_lede_end for m in members):
            prominence = 0.5
        else:
            prominence = 0.0
        score = 0.4 * len(members) / top_count + 0.3 * prominence + 0.3 * (1 - first / self.total)
        return round(min(max(score, 0.0), 1.0), 4)


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


def _is_surname(short: str, full: str) -> bool:
    s, f = short.split(), full.split()
    return len(s) < len(f) and f[-len(s) :] == s


def _entity(key: str, members: list[Span], is_person: bool, salience: float) -> Entity:
    label = "PERSON" if is_person else Counter(m.label for m in members).most_common(1)[0][0]
    code = key.removeprefix("country:") if key.startswith("country:") else None
    if code:
        label = "GPE" if label in _PLACE_LABELS else label
        canonical = country_name(code)
    else:
        canonical = key
    text = max((m.text for m in members), key=lambda t: (len(t), t))
    mentions = sorted(
        (Mention(field=m.field, start=m.start, end=m.end) for m in members),
        key=lambda m: (FIELD_ORDER[m.field], m.start),
    )
    return Entity(
        text=text,
        label=label,
        canonical=canonical,
        country_code=code if label == "GPE" else None,
        ids={"iso3166": code} if label == "GPE" and code else {},
        count=len(mentions),
        salience=salience,
        mentions=mentions,
    )
