import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from worker.clean.normalize import content_hash
from worker.dedup import DedupParams, DuplicateIndex
from worker.dedup.signature import Signer, from_record, signer_for, to_record

pytestmark = pytest.mark.unit

STORY = [
    "The city council of Rotterdam approved a plan on Tuesday to build 4,200 homes on the former port site "
    "at Merwe-Vierhavens, ending a dispute that had delayed the project for three years.",
    "Alderman Chantal Zeegers said the first residents could move in by 2028, and that a third of the homes "
    "would be social housing rented below 880 euros a month.",
    "Opposition parties criticised the cost of cleaning polluted soil, which the council put at 96 million "
    "euros, and asked for an independent review before construction starts.",
    "Port companies that still use the quays will move to Maasvlakte under an agreement signed last year "
    "with the Port of Rotterdam Authority.",
    "The plan also includes two schools, a tram line along the river and a park of eleven hectares, which "
    "the council said would be the largest new green space in the city since the 1990s.",
]
T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def templated(city: str, homes: str, year: str, alderman: str, cost: str) -> str:
    return body(
        [
            f"The city council of {city} approved a plan on Tuesday to build {homes} homes on the former port "
            "site, ending a dispute that had delayed the project for three years.",
            f"Alderman {alderman} said the first residents could move in by {year}, and that a third of the "
            "homes would be social housing rented below 880 euros a month.",
            f"Opposition parties criticised the cost of cleaning polluted soil, which the council put at {cost} "
            "million euros, and asked for an independent review before construction starts.",
        ]
    )


@pytest.fixture
def index() -> DuplicateIndex:
    return DuplicateIndex({}, DedupParams())


def check(index: DuplicateIndex, article_id: str, text: str, at: datetime = T0):
    signature = signer_for(index.params.num_perm, index.params.shingle_words).sign(text)
    return index.check(article_id, signature, content_hash(text), at)


def test_first_seen_wins_for_exact_copies(index):
    assert check(index, "a", body(STORY)).duplicate_of is None
    decision = check(index, "b", body(STORY).upper())
    assert (decision.duplicate_of, decision.kind, decision.similarity) == ("a", "exact", 1.0)


def test_syndicated_copy_with_new_dateline_byline_and_dropped_paragraph_is_near(index):
    check(index, "original", body(STORY))
    copy = body(["ROTTERDAM (Wire) — " + STORY[0], *STORY[1:4], "Reporting by Jan Smit; editing by Ana Lee"])
    decision = check(index, "wire-copy", copy)
    assert (decision.duplicate_of, decision.kind) == ("original", "near")
    assert 0.8 <= decision.similarity <= 1.0


def test_truncated_copy_is_near_and_copy_of_a_copy_points_at_the_root(index):
    check(index, "original", body(STORY))
    assert check(index, "truncated", body(STORY[:4])).duplicate_of == "original"
    assert check(index, "truncated-again", body(STORY[:4]) + "\n\nRead the full story.").duplicate_of == "original"


def test_templated_stories_with_other_facts_stay_apart(index):
    first = templated("Utrecht", "1,300", "2027", "Eelco Eerenberg", "41")
    second = templated("Groningen", "2,750", "2029", "Roeland van der Schaaf", "63")
    assert check(index, "t1", first).duplicate_of is None
    assert check(index, "t2", second).duplicate_of is None


def test_unrelated_and_short_texts_are_not_merged(index):
    assert check(index, "a", body(STORY)).duplicate_of is None
    assert check(index, "b", "Markets closed higher on Friday.").duplicate_of is None
    assert check(index, "c", "Markets closed lower on Friday.").duplicate_of is None


def test_replayed_id_gets_its_earlier_decision_and_is_not_indexed_twice(index):
    check(index, "a", body(STORY))
    check(index, "b", body(STORY[:4]))
    size = len(index.store)
    assert check(index, "a", body(STORY)).duplicate_of is None
    assert check(index, "b", body(STORY[:4])).duplicate_of == "a"
    assert len(index.store) == size


def test_retention_window_expires_old_articles_from_every_key():
    index = DuplicateIndex({}, DedupParams(retention_seconds=3600))
    check(index, "old", body(STORY), T0)
    assert len(index) == 1
    # an unrelated article two hours later moves the event-time watermark past the window
    check(index, "later", templated("Delft", "300", "2026", "Martina Huijsmans", "12"), T0 + timedelta(hours=2))
    assert len(index) == 1
    leftovers = [
        k for k, v in index.store.items() if k.endswith(":old") or v == "old" or (isinstance(v, list) and "old" in v)
    ]
    assert not leftovers
    # a copy of the expired article is no longer matched: it starts a new cluster
    assert check(index, "copy", body(STORY), T0 + timedelta(hours=2)).duplicate_of is None


def test_arrival_order_decides_and_replays_agree():
    texts = [("x", body(STORY)), ("y", body(STORY[:4])), ("z", body(STORY[1:]))]
    runs = []
    for _ in range(2):
        index = DuplicateIndex({}, DedupParams())
        runs.append([check(index, i, t).duplicate_of for i, t in texts])
    assert runs[0] == runs[1] == [None, "x", "x"]


def test_signatures_are_identical_in_another_process():
    code = (
        "import sys; from worker.dedup.signature import Signer, from_record, signer_for, to_record; "
        "sys.stdout.buffer.write(Signer().sign(sys.stdin.read()).minhash.tobytes())"
    )
    other = subprocess.run([sys.executable, "-c", code], input=body(STORY).encode(), capture_output=True, check=True)
    assert np.array_equal(np.frombuffer(other.stdout, dtype=np.uint32), Signer().sign(body(STORY)).minhash)


def test_signature_record_round_trips():
    signature = Signer().sign(body(STORY))
    restored = from_record(to_record(signature))
    assert np.array_equal(restored.minhash, signature.minhash) and np.array_equal(restored.facts, signature.facts)
    assert restored.shingles == signature.shingles


def test_a_signature_of_another_size_is_refused(index):
    with pytest.raises(ValueError):
        index.check("a", Signer(num_perm=64).sign(body(STORY)), "h", T0)


def test_bands_times_rows_must_fit_the_permutations():
    with pytest.raises(ValueError):
        DuplicateIndex({}, DedupParams(num_perm=64, bands=32, rows=4))
