import copy
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import orjson
import pytest

from worker.clean.normalize import content_hash
from worker.dedup import DedupParams, DuplicateIndex
from worker.dedup.buckets import LocalBuckets
from worker.dedup.index import MARKER
from worker.dedup.signature import Signer, from_record, signer_for, to_record
from worker.errors import Rejected

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
OTHER_STORY = "\n\n".join(
    [
        "Heavy snow closed the main road over the Brenner Pass on Sunday, and hundreds of lorries waited for "
        "hours on both sides of the border while ploughs cleared the lanes.",
        "Austrian police said the road would reopen on Monday morning if the weather allowed, and asked "
        "drivers heading south to take the train or wait in Innsbruck overnight.",
    ]
)


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


def check(index: DuplicateIndex, article_id: str, text: str, at: datetime = T0, origin: str | None = None):
    """``origin`` defaults to one per id and text: checking them again is a replay of the same raw message."""
    signature = signer_for(index.params.num_perm, index.params.shingle_words).sign(text)
    return index.check(article_id, signature, content_hash(text), at, origin or f"raw:{article_id}:{hash(text)}")


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


def test_the_same_content_sent_again_is_a_resubmission_not_a_new_record(index):
    check(index, "a", body(STORY), origin="raw:0:1")
    check(index, "b", body(STORY[:4]), origin="raw:0:2")
    size = len(index.store)
    again = check(index, "a", body(STORY), origin="raw:0:3")
    assert (again.duplicate_of, again.kind) == ("a", "resubmitted")
    copy_again = check(index, "b", body(STORY[:4]), origin="raw:0:4")
    assert (copy_again.duplicate_of, copy_again.kind) == ("a", "resubmitted")
    assert check(index, "a", body(STORY), origin="raw:0:3") == again  # and its replay agrees
    assert len(index.store) == size


def test_changed_content_under_a_published_id_is_its_next_version(index):
    first = check(index, "a", body(STORY), origin="raw:0:1")
    update = body([*STORY, "Update: the council approved the plan on Thursday by seven votes to two."])
    second = check(index, "a", update, origin="raw:0:2")
    assert (second.duplicate_of, second.version, second.previous_hash) == (None, 2, content_hash(body(STORY)))
    assert first.version == 1 and first.previous_hash is None
    # a replay of either message gets its own decision; a stale re-fetch of version 1 is a resubmission
    assert check(index, "a", body(STORY), origin="raw:0:1") == first
    assert check(index, "a", update, origin="raw:0:2") == second
    assert check(index, "a", body(STORY), origin="raw:0:3").kind == "resubmitted"
    # copies of either version, under other ids, are copies of the story
    assert check(index, "wire", "PARIS (Wire) — " + update).duplicate_of == "a"
    assert check(index, "old-copy", body(STORY)).kind == "exact"


def test_another_story_under_a_published_id_is_an_id_conflict_and_changes_nothing(index):
    check(index, "a", body(STORY), origin="raw:0:1")
    before = copy.deepcopy(index.store)
    with pytest.raises(Rejected) as conflict:
        check(index, "a", OTHER_STORY, origin="raw:0:2")
    assert conflict.value.reason == "id_conflict"
    assert index.store == before


def test_versions_renew_the_retention_window():
    index = DuplicateIndex({}, DedupParams(retention_seconds=3600))
    check(index, "a", body(STORY), T0)
    update = body([*STORY, "Update: the council approved the plan on Thursday by seven votes to two."])
    assert check(index, "a", update, T0 + timedelta(minutes=50)).version == 2
    later = templated("Delft", "300", "2026", "Martina Huijsmans", "12")
    check(index, "later", later, T0 + timedelta(minutes=70))  # past version 1's window, within version 2's
    assert check(index, "copy", "PARIS (Wire) — " + update, T0 + timedelta(minutes=80)).duplicate_of == "a"


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
    assert not [k for k, v in index.buckets.items() if b'"old"' in v]
    # a copy of the expired article is no longer matched: it starts a new cluster
    assert check(index, "copy", body(STORY), T0 + timedelta(hours=2)).duplicate_of is None


def test_a_copy_past_the_window_is_new_even_when_it_is_the_first_to_pass_it():
    """Expiry runs at the incoming article's own event time, so whether another article moved the window on
    before it does not change its verdict (across raw partitions, that order is a race)."""
    params = DedupParams(retention_seconds=3600)
    later = templated("Delft", "300", "2026", "Martina Huijsmans", "12")
    for items in (
        [
            ("old", body(STORY), T0),
            ("later", later, T0 + timedelta(hours=2)),
            ("copy", body(STORY), T0 + timedelta(hours=2)),
        ],
        [
            ("old", body(STORY), T0),
            ("copy", body(STORY), T0 + timedelta(hours=2)),
            ("later", later, T0 + timedelta(hours=2)),
        ],
    ):
        index = DuplicateIndex({}, params)
        assert verdicts(index, items) == [(None, None)] * 3
        assert indexed_ids(index) == {"later", "copy"}


def test_a_story_past_its_window_is_published_again_as_a_first_sighting():
    index = DuplicateIndex({}, DedupParams(retention_seconds=3600))
    check(index, "a", body(STORY), T0, origin="raw:0:1")
    assert check(index, "a", body(STORY), T0 + timedelta(minutes=30), origin="raw:0:2").kind == "resubmitted"
    again = check(index, "a", body(STORY), T0 + timedelta(hours=2), origin="raw:0:3")
    assert (again.duplicate_of, again.version, again.previous_hash) == (None, 1, None)
    assert len(index) == 1


def test_a_rejected_article_moves_the_window_on(index):
    check(index, "a", body(STORY), T0, origin="raw:0:1")
    week = timedelta(seconds=DedupParams().retention_seconds)
    check(index, "b", templated("Delft", "300", "2026", "Martina Huijsmans", "12"), T0 + week / 2, origin="raw:0:2")
    with pytest.raises(Rejected):
        check(index, "b", OTHER_STORY, T0 + week * 1.1, origin="raw:0:3")
    assert indexed_ids(index) == {"b"}


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
        index.check("a", Signer(num_perm=64).sign(body(STORY)), "h", T0, "raw:0:0")


def test_bands_times_rows_must_fit_the_permutations():
    with pytest.raises(ValueError):
        DuplicateIndex({}, DedupParams(num_perm=64, bands=32, rows=4))


def stream_with_copies() -> list[tuple[str, str, datetime]]:
    """Eight distinct stories 20 minutes apart, each followed by a wire copy, and at the end a copy of the
    first story (expired under a one-hour window)."""
    cities = ["Delft", "Leiden", "Breda", "Zwolle", "Arnhem", "Almere", "Venlo", "Emmen"]
    items = []
    for n, city in enumerate(cities):
        text = templated(city, f"{300 + 45 * n}", f"{2026 + n}", f"Alderman {city}sen", f"{11 + 7 * n}")
        at = T0 + timedelta(minutes=20 * n)
        items += [(f"story-{n}", text, at), (f"copy-{n}", f"LONDON (Wire) — {text}\n\nAdvertisement", at)]
    return [*items, ("late-copy-0", items[1][1], T0 + timedelta(minutes=20 * len(cities)))]


def verdicts(index: DuplicateIndex, items: list[tuple[str, str, datetime]]) -> list[tuple[str | None, str | None]]:
    return [(d.duplicate_of, d.kind) for d in (check(index, i, text, at) for i, text, at in items)]


def test_local_buckets_follow_the_durable_state_across_owners():
    """Two owners of one durable state, each with its own local buckets, taking turns (a rebalance back and
    forth, expiry moving on while one is away) decide exactly as one index does."""
    params = DedupParams(retention_seconds=3600)
    items = stream_with_copies()
    expected = verdicts(DuplicateIndex({}, params), items)
    assert expected.count(("story-3", "near")) == 1 and expected[-1] == (None, None)

    store: dict = {}
    owners = [DuplicateIndex(store, params, {}), DuplicateIndex(store, params, {})]
    taken = [verdicts(owners[(n // 3) % 2], items[n : n + 3]) for n in range(0, len(items), 3)]
    assert [v for turn in taken for v in turn] == expected
    for owner in owners:
        owner.sync_buckets()
        assert bucketed_ids(owner) == indexed_ids(owner)


def test_local_buckets_ahead_of_the_durable_state_are_rebuilt():
    """The durable state lost its last writes (restored from an older changelog) but the buckets kept them."""
    params = DedupParams()
    items = stream_with_copies()
    index = DuplicateIndex({}, params)
    verdicts(index, items[:6])
    older_state = copy.deepcopy(index.store)
    verdicts(index, items[6:10])
    restored = DuplicateIndex(older_state, params, index.buckets)
    fresh = DuplicateIndex(copy.deepcopy(older_state), params)
    assert verdicts(restored, items[6:]) == verdicts(fresh, items[6:])
    assert bucketed_ids(restored) == bucketed_ids(fresh) == indexed_ids(restored)


def bucketed_ids(index: DuplicateIndex) -> set[str]:
    return {i for key, ids in index.buckets.items() if key.startswith("b:") for i in orjson.loads(ids)}


def indexed_ids(index: DuplicateIndex) -> set[str]:
    return {key[2:] for key in index.store if key.startswith("s:")}


def test_buckets_on_local_rocksdb_survive_a_restart(tmp_path):
    params = DedupParams(retention_seconds=3600)
    items = stream_with_copies()
    expected = verdicts(DuplicateIndex({}, params), items)
    store: dict = {}
    first = DuplicateIndex(store, params, LocalBuckets(tmp_path / "buckets"))
    decided = verdicts(first, items[:9])
    first.buckets.close()
    reopened = LocalBuckets(tmp_path / "buckets")
    assert orjson.loads(reopened[MARKER]) == [store["meta"]["cursor"], store["meta"]["seq"]]  # nothing to rebuild
    assert decided + verdicts(DuplicateIndex(store, params, reopened), items[9:]) == expected
