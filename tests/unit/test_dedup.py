from datetime import UTC, datetime

import pytest

from schemas import CleanedArticle
from worker.clean.normalize import content_hash
from worker.dedup import ExactDeduplicator

pytestmark = pytest.mark.unit


def article(id_: str, body: str) -> CleanedArticle:
    return CleanedArticle(
        id=id_,
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(body),
        seen_at=datetime.now(UTC),
    )


def test_first_seen_wins_and_later_copies_point_at_it():
    dedup = ExactDeduplicator({})
    assert dedup.check(article("a", "Same words here.")) is None
    verdict = dedup.check(article("b", "same  WORDS here"))
    assert (verdict.id, verdict.duplicate_of, verdict.kind, verdict.similarity) == ("b", "a", "exact", 1.0)


def test_replay_of_the_first_copy_is_not_a_duplicate():
    dedup = ExactDeduplicator({})
    assert dedup.check(article("a", "Body one.")) is None
    assert dedup.check(article("a", "Body one.")) is None


def test_different_bodies_are_both_kept():
    dedup = ExactDeduplicator({})
    assert dedup.check(article("a", "Body one.")) is None
    assert dedup.check(article("b", "Body two.")) is None
