"""How the entities stage cuts batches and long articles (the model's memory grows with the text it holds)."""

import pytest

from schemas import ArticleContent

pytestmark = pytest.mark.unit


def article(n: int, body: str) -> ArticleContent:
    return ArticleContent(id=str(n), body=body, language="en", word_count=0, content_hash="")


def test_batches_end_at_a_count_or_a_character_budget(extractor):
    limits = (extractor.batch_size, extractor.batch_chars)
    try:
        extractor.batch_size, extractor.batch_chars = 3, 100
        texts = ["a" * 40, "b" * 40, "c" * 40, "d" * 10, "e" * 10, "f" * 10, "g" * 10, "h" * 500, "i"]
        assert [len(b) for b in extractor._batches(texts)] == [2, 3, 2, 1, 1]
        assert [t for b in extractor._batches(texts) for t in b] == texts
    finally:
        extractor.batch_size, extractor.batch_chars = limits


def test_only_the_first_max_chars_are_annotated_and_offsets_stay_in_the_body(extractor):
    sentence = "Angela Merkel met Emmanuel Macron in Paris. "
    body = sentence * 40 + "Later, Justin Trudeau spoke in Ottawa."
    limit = extractor.max_chars
    try:
        extractor.max_chars = len(sentence) * 40
        [found] = extractor.extract([article(1, body)])
    finally:
        extractor.max_chars = limit
    names = {e.canonical for e in found.entities}
    assert {"Angela Merkel", "Emmanuel Macron", "Paris"} <= names and "Justin Trudeau" not in names
    assert all(m.end <= len(sentence) * 40 for e in found.entities for m in e.mentions)
    [full] = extractor.extract([article(1, body)])
    assert "Justin Trudeau" in {e.canonical for e in full.entities}
