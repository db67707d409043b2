import pytest

from worker.entities.canonical import (
    Span,
    canonicalize,
    country_code,
    find_untagged_mentions,
    join_split_names,
    starts_sentence,
    trim,
    truecase_headline,
)

pytestmark = pytest.mark.unit


def spans(text: str, found: list[tuple[str, str]]) -> list[Span]:
    """Spans for each (surface, label), found left to right in ``text``."""
    result, cursor = [], 0
    for surface, label in found:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        result.append(Span("body", start, start + len(surface), surface, label, starts_sentence(text[:start])))
    return result


def by_text(entities):
    return {e.text: e for e in entities}


def test_country_aliases_merge_with_iso_code_name():
    text = "The US and the United States and America and U.S. troops."
    found = [("US", "GPE"), ("the United States", "GPE"), ("America", "GPE"), ("U.S.", "GPE")]
    (entity,) = canonicalize(spans(text, found))
    assert (entity.text, entity.canonical, entity.label, entity.count) == (
        "United States",
        "United States",
        "GPE",
        4,
    )
    assert [text[m.start : m.end] for m in entity.mentions] == ["US", "United States", "America", "U.S."]


def test_acronym_merges_with_its_expansion_in_the_document():
    text = "The European Union said. EU leaders met."
    entities = canonicalize(spans(text, [("The European Union", "ORG"), ("EU", "ORG")]))
    assert [(e.text, e.count) for e in entities] == [("European Union", 2)]


def test_a_capitalized_dateline_is_the_same_place():
    text = "CHICAGO, March 4 (AP) - Traders in Chicago bid futures up. The AP said so."
    entities = canonicalize(spans(text, [("CHICAGO", "GPE"), ("AP", "ORG"), ("Chicago", "GPE"), ("AP", "ORG")]))
    assert [(e.text, e.canonical, e.count) for e in entities] == [("Chicago", "Chicago", 2), ("AP", "AP", 2)]


def test_partial_person_names_resolve_to_the_full_name_and_titles_are_stripped():
    text = "Ursula von der Leyen spoke. President von der Leyen said. Ursula agreed."
    found = [("Ursula von der Leyen", "PERSON"), ("President von der Leyen", "PERSON"), ("Ursula", "PERSON")]
    (entity,) = canonicalize(spans(text, found))
    assert (entity.text, entity.count) == ("Ursula von der Leyen", 3)
    assert [text[m.start : m.end] for m in entity.mentions] == [
        "Ursula von der Leyen",
        "von der Leyen",
        "Ursula",
    ]


def test_paris_the_city_is_not_paris_hilton():
    text = "Paris Hilton visited Paris."
    entities = by_text(canonicalize(spans(text, [("Paris Hilton", "PERSON"), ("Paris", "GPE")])))
    assert set(entities) == {"Paris Hilton", "Paris"}


@pytest.mark.parametrize("text", ["A summit in The Hague.", "The Hague hosts it."])
def test_the_hague_keeps_its_article(text):
    assert [e.text for e in canonicalize(spans(text, [("The Hague", "GPE")]))] == ["The Hague"]


def test_possessive_and_numbers_dropped():
    text = "Canada's plan cost 5 billion."
    entities = canonicalize(spans(text, [("Canada's", "GPE"), ("5 billion", "MONEY")]))
    assert [(e.text, text[e.mentions[0].start : e.mentions[0].end]) for e in entities] == [("Canada", "Canada")]


def test_trim_keeps_offsets_exact():
    span = trim(Span("body", 10, 27, "the United States", "GPE"))
    assert (span.start, span.end, span.text) == (14, 27, "United States")


@pytest.mark.parametrize(
    ("text", "code"), [("U.S.", "US"), ("Britain", "GB"), ("Canada", "CA"), ("EU", None), ("me", None)]
)
def test_country_codes(text, code):
    assert country_code(text) == code


def test_a_name_cut_after_a_particle_takes_the_next_word():
    text = "Ursula von der Leyen spoke in Brussels."
    found = spans(text, [("Ursula von der", "PERSON"), ("Leyen", "GPE"), ("Brussels", "GPE")])
    joined = join_split_names(found, {"body": text})
    assert [(s.text, s.label) for s in joined] == [("Ursula von der Leyen", "PERSON"), ("Brussels", "GPE")]


def test_adjacent_person_spans_are_one_name_but_a_comma_separates_two():
    text = "Kojima Minoru met Smith, Jones."
    found = spans(text, [("Kojima", "PERSON"), ("Minoru", "PERSON"), ("Smith", "PERSON"), ("Jones", "PERSON")])
    assert [s.text for s in join_split_names(found, {"body": text})] == ["Kojima Minoru", "Smith", "Jones"]


def test_a_surname_the_model_tagged_org_joins_the_person():
    text = "Eduard Hitzig was a neurologist. Hitzig worked in Berlin."
    (person, _) = canonicalize(spans(text, [("Eduard Hitzig", "PERSON"), ("Hitzig", "ORG"), ("Berlin", "GPE")]))
    assert (person.text, person.label, person.count) == ("Eduard Hitzig", "PERSON", 2)


def test_a_place_is_never_taken_for_a_surname():
    text = "Jack Washington flew to Washington."
    entities = by_text(canonicalize(spans(text, [("Jack Washington", "PERSON"), ("Washington", "GPE")])))
    assert entities["Washington"].label == "GPE"


@pytest.mark.parametrize(
    ("surface", "kept"),
    [("Clay Tice Jr.", "Clay Tice Jr."), ("CBS, Inc.", "CBS, Inc."), ("U.S.", "U.S."), ("Canada.", "Canada")],
)
def test_a_final_period_is_kept_only_in_abbreviations(surface, kept):
    assert trim(Span("body", 0, len(surface), surface, "ORG")).text == kept


@pytest.mark.parametrize(
    ("surface", "kept"),
    [
        ("Yahoo!", "Yahoo!"),
        ("Федеральная антимонопольная служба (ФАС)", "Федеральная антимонопольная служба (ФАС)"),
        ("ОАО «Роснефть»", "ОАО «Роснефть»"),
        ('"Ритейл"', "Ритейл"),
        ("Роснефть)", "Роснефть"),
        ("Gazprom),", "Gazprom"),
    ],
)
def test_a_closing_bracket_or_quote_stays_only_when_the_name_opens_it(surface, kept):
    trimmed = trim(Span("body", 0, len(surface), surface, "ORG"), "ru")
    assert trimmed.text == kept and surface[trimmed.start : trimmed.end] == kept


def test_lower_case_spans_are_not_names():
    assert trim(Span("body", 0, 16, "the city council", "ORG")) is None


def test_salience_favours_the_title_and_frequent_early_mentions():
    texts = {"title": "Canada signs deal", "body": "Canada and Mexico met.\n\nLater, Canada spoke. Peru too."}
    found = [Span("title", 0, 6, "Canada", "GPE")]
    found += [
        Span("body", s, s + len(w), w, "GPE") for w, s in [("Canada", 0), ("Mexico", 11), ("Canada", 30), ("Peru", 44)]
    ]
    entities = canonicalize(found, texts)
    assert [e.text for e in entities] == ["Canada", "Mexico", "Peru"]
    assert entities[0].salience == pytest.approx(1.0)
    assert entities[1].salience > entities[2].salience
    assert [e.country_code for e in entities] == ["CA", "MX", "PE"]


def test_names_the_model_found_once_are_found_again():
    body = 'Elon Musk met "Google" staff on Monday. Later, Musk said that the World Health Organization and WHO agreed with the plan and praised Google Maps.'
    texts = {"title": "Musk Says SpaceX Will Launch From Texas", "body": body}
    found = spans(body, [("Elon Musk", "PERSON"), ("Google", "ORG"), ("World Health Organization", "ORG")])
    added = {(s.field, s.text, s.label) for s in find_untagged_mentions(found, texts)}
    # the ``Google`` of ``Google Maps`` is part of a longer name
    assert added == {("title", "Musk", "PERSON"), ("body", "Musk", "PERSON"), ("body", "WHO", "ORG")}


def test_a_surname_shared_by_two_people_is_not_propagated():
    texts = {"body": "John Smith and Mary Smith won. Smith thanked voters."}
    found = [Span("body", 0, 10, "John Smith", "PERSON"), Span("body", 15, 25, "Mary Smith", "PERSON")]
    assert find_untagged_mentions(found, texts) == []


def test_a_common_word_is_not_propagated_where_its_position_capitalizes_it():
    body = "Nous partons. Il dit : nous voilà. — Nous restons. Neil Young chante ; la foule young applaudit Young."
    found = spans(body, [("Nous", "PERSON"), ("Neil Young", "PERSON")])
    added = {(s.start, s.text) for s in find_untagged_mentions(found, {"body": body})}
    assert added == {(body.rindex("Young"), "Young")}  # mid-sentence, it is the name


def test_an_initial_is_not_propagated():
    body = "Jean M. parle. M. de Mauroy répond."
    assert find_untagged_mentions(spans(body, [("Jean M.", "PERSON")]), {"body": body}) == []


def test_an_acronym_may_leave_out_the_last_word():
    text = "The Centers for Disease Control and Prevention said. The CDC agreed."
    found = [("Centers for Disease Control and Prevention", "ORG"), ("CDC", "ORG")]
    assert [e.count for e in canonicalize(spans(text, found))] == [2]


def test_the_country_stays_apart_from_the_person_who_bears_its_name():
    text = "Michael Jordan visited Jordan. Jordan welcomed him."
    found = [("Michael Jordan", "PERSON"), ("Jordan", "GPE"), ("Jordan", "PERSON")]
    assert {e.canonical for e in canonicalize(spans(text, found))} == {"Michael Jordan", "Jordan"}


BRIDGE_BODY = (
    "Rotterdam's Willemsbrug reopened on Monday after eight months of repairs. Mayor Ahmed Aboutaleb said the"
    " bridge carries 30,000 cars a day across the Nieuwe Maas."
)


@pytest.mark.parametrize(
    ("headline", "read"),
    [
        # Words the story writes in lower case, or not at all, lose the capital only title case gave them.
        ("Harbor Bridge Reopens After Eight Months of Repairs", "Harbor bridge reopens after eight months of repairs"),
        # A word the story capitalizes mid-sentence is a name; an acronym and a clause's first word keep theirs.
        ("Aboutaleb Says Willemsbrug Is Safe: NATO Watches", "Aboutaleb says Willemsbrug is safe: NATO watches"),
        # The site's name after the headline is left as it is.
        ("Mayor Opens Rebuilt Bridge | The Rotterdam Herald", "Mayor opens rebuilt bridge | The Rotterdam Herald"),
        # A headline in sentence case is read as written.
        ("Harbor bridge reopens after Eight months", "Harbor bridge reopens after Eight months"),
    ],
)
def test_a_title_case_headline_keeps_only_the_capitals_of_names(headline, read):
    assert truecase_headline(headline, [BRIDGE_BODY]) == read
    assert len(truecase_headline(headline, [BRIDGE_BODY])) == len(headline)  # offsets hold
