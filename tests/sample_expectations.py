"""What the bundled scraped sample must come out as: checked offline and through Kafka alike."""

from __future__ import annotations

from schemas import EnrichedArticle

TITLE = "Canada and EU Strengthen Defense Ties Amid US Withdrawal"
SUBTITLE = "Canada and the European Union formalize a military agreement as relations with the US deteriorate."
DESCRIPTION_START = "In a significant move aimed at enhancing defense collaboration"
PUBLISHED_AT = "2025-06-23T16:01:00-04:00"
PARAGRAPH_STARTS = (
    "On June 23, 2025, Canada and the European Union solidified",
    "President Trump has raised concerns about NATO members",
    "In response, Canada alongside other key European nations",
    "Ursula von der Leyen, the President of the European Commission",
    "As the landscape of international alliances shifts dramatically",
)
ENTITIES = {
    "Canada",
    "European Union",
    "United States",
    "Trump",
    "NATO",
    "Brussels",
    "The Hague",
    "Ursula von der Leyen",
    "European Commission",
    "North America",
    "Europe",
}


def assert_sample_record(record: EnrichedArticle) -> None:
    assert record.title == TITLE
    assert record.subtitle == SUBTITLE
    assert record.description and record.description.startswith(DESCRIPTION_START)
    assert record.published_at is not None and record.published_at.isoformat() == PUBLISHED_AT
    paragraphs = record.body.split("\n\n")
    assert len(paragraphs) == len(PARAGRAPH_STARTS)
    for paragraph, start in zip(paragraphs, PARAGRAPH_STARTS, strict=True):
        assert paragraph.startswith(start)
    assert record.cluster_id == record.id
    assert record.language == "en"
    by_text = {e.text: e for e in record.entities}
    assert set(by_text) >= ENTITIES, ENTITIES - set(by_text)
    assert _surfaces(record, by_text["United States"]) == {"US", "United States", "America", "U.S."}
    assert _surfaces(record, by_text["European Union"]) == {"EU", "European Union"}
    assert by_text["Trump"].label == "PERSON"
    for entity in record.entities:
        assert entity.count == len(entity.mentions)
        for mention in entity.mentions:
            surface = getattr(record, mention.field)[mention.start : mention.end]
            assert surface, (entity, mention)


def _surfaces(record: EnrichedArticle, entity) -> set[str]:
    return {getattr(record, m.field)[m.start : m.end] for m in entity.mentions}
