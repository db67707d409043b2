"""The duplicate index: first seen wins, exact and near copies, bounded by an event-time retention window.

Durable state lives in any ``MutableMapping`` from str to JSON values: a dict offline, a Faust table
(RocksDB + changelog, JSON-serialized) in the worker. Keys:

- ``s:<id>``   the article's signature, cluster root, version, earlier content hashes, expiry, and the raw
               messages it was decided for (so a replay of one gets its earlier decision)
- ``h:<hash>`` content hash → id of the first article with that exact body
- ``q:<seq>``  arrival sequence → id, to expire articles in order
- ``meta``     next sequence number, oldest unexpired sequence, event-time watermark

The LSH buckets (``b:<band>:<bucket>`` → ids in arrival order, one per band and article) are derived from
that state and kept apart, in a local store that has no changelog: a dict, or a local RocksDB in the worker.
Their marker says which arrival sequences they reflect; whenever the durable state moved without them (a
restart, a rebalance, a crash between writes), they catch up from it or are rebuilt. So an indexed article
costs four changelog writes instead of one per band.

An id seen again is one of three things. The same raw message (its origin) processed again is a replay and
gets its earlier decision. A body the id already had is a re-submission: a ``resubmitted`` verdict. A new body
is a new version of the story, published under the same id, unless it shares almost nothing with the last
one: then it is another story reusing the id, rejected as ``id_conflict``.

Entries written before versions existed lack ``v``, ``hist`` and ``seen``: they read as version 1 with no
history.

Before an article is decided, every article whose retention ended by its event time is expired: a copy past
the window is new whether or not another article moved the window on first. All decisions are a function of
the arrival order alone, so replaying the same log gives the same verdicts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from schemas import TextSignature
from worker.dedup.signature import Signature, band_keys, containment, fact_containment, from_record, to_record
from worker.errors import Rejected


@dataclass(frozen=True)
class DedupParams:
    num_perm: int = 128
    shingle_words: int = 5
    bands: int = 42
    rows: int = 3
    min_containment: float = 0.8
    min_fact_containment: float = 0.7
    min_length_ratio: float = 0.5
    min_shingles: int = 10
    min_version_overlap: float = 0.2
    retention_seconds: float = 7 * 24 * 3600


@dataclass(frozen=True)
class Decision:
    """``duplicate_of`` None: publish the article as ``version`` of its story (``previous_hash``: the content
    hash of the version before). Otherwise a verdict: the root of its story's cluster, and how it matched."""

    duplicate_of: str | None
    kind: str | None = None
    similarity: float = 1.0
    version: int = 1
    previous_hash: str | None = None

    def to_record(self) -> list:
        return [self.duplicate_of, self.kind, self.similarity, self.version, self.previous_hash]


MARKER = "marker"
# Replays come from the messages after the last commit, so a few recent origins per id answer them; a
# re-submission keeps the hashes of the versions before it, so stale copies of older content are told apart.
KEPT_ORIGINS = 16
KEPT_HASHES = 16
log = logging.getLogger(__name__)


class DuplicateIndex:
    """``store``: the durable state (JSON values). ``buckets``: the derived LSH buckets (bytes values)."""

    def __init__(
        self, store: MutableMapping[str, Any], params: DedupParams, buckets: MutableMapping[str, bytes] | None = None
    ) -> None:
        if params.bands * params.rows > params.num_perm:
            raise ValueError("bands × rows must not exceed num_perm")
        self.store = store
        self.params = params
        self.buckets: MutableMapping[str, bytes] = {} if buckets is None else buckets

    def check(
        self, article_id: str, signature: Signature, content_hash: str, event_time: datetime, origin: str
    ) -> Decision:
        """Decide for one article (in arrival order) and index it; ``origin`` names the raw message it came from.

        Articles whose retention ended by this article's event time are expired first, so they never match it.
        Raises ``Rejected("id_conflict")`` for a body under a published id that shares almost nothing with that
        story: the article is not indexed, though its event time still moves the retention window on.
        """
        if len(signature.minhash) != self.params.num_perm:
            raise ValueError(f"signature has {len(signature.minhash)} permutations, the index {self.params.num_perm}")
        entry = self.store.get(f"s:{article_id}")
        for seen, decided in entry.get("seen", []) if entry is not None else []:
            if seen == origin:
                return Decision(*decided)
        before = self._meta()
        meta = dict(before)
        self._sync_buckets(meta)
        meta["wm"] = max(meta["wm"] or event_time.timestamp(), event_time.timestamp())
        try:
            self._expire(meta)
            return self._decide(article_id, signature, content_hash, origin, meta)
        finally:
            if meta != before:
                self.store["meta"] = meta
                self._set_marker(meta)

    def _decide(
        self, article_id: str, signature: Signature, content_hash: str, origin: str, meta: dict[str, Any]
    ) -> Decision:
        entry = self.store.get(f"s:{article_id}")  # None too when the story's retention just ended
        if entry is not None and (content_hash == entry["hash"] or content_hash in entry.get("hist", [])):
            return self._remember(article_id, entry, origin, Decision(entry["root"], "resubmitted"))
        if entry is not None and entry["root"] == article_id:
            self._check_same_story(article_id, entry, signature)
            decision = Decision(None, version=entry.get("v", 1) + 1, previous_hash=entry["hash"])
        else:
            root, kind, similarity = self._match(article_id, content_hash, signature)
            decision = Decision(None) if root == article_id else Decision(root, kind, similarity)
        self._add(article_id, content_hash, signature, decision, origin, entry, meta)
        return decision

    def sync_buckets(self) -> None:
        """Bring the local buckets up to the durable state now (``check`` does it anyway)."""
        self._sync_buckets(self._meta())

    def __len__(self) -> int:
        meta = self._meta()
        return meta["seq"] - meta["cursor"]

    def _meta(self) -> dict[str, Any]:
        return dict(self.store.get("meta") or {"seq": 0, "cursor": 0, "wm": None})

    def _remember(self, article_id: str, entry: dict[str, Any], origin: str, decision: Decision) -> Decision:
        self.store[f"s:{article_id}"] = {**entry, "seen": _seen(entry.get("seen", []), origin, decision)}
        return decision

    def _check_same_story(self, article_id: str, entry: dict[str, Any], signature: Signature) -> None:
        previous = from_record(TextSignature.model_validate(entry["sig"]))
        if min(signature.shingles, previous.shingles) < self.params.min_shingles:
            return  # too short to judge: taken as the story's new version
        overlap = containment(signature, previous)
        if overlap < self.params.min_version_overlap:
            raise Rejected(
                "id_conflict",
                f"id {article_id!r} is a published story (version {entry.get('v', 1)}, content {entry['hash']}) and this"
                f" body shares {overlap:.2f} of its words with it: another story reusing the id",
            )

    def _match(self, article_id: str, content_hash: str, signature: Signature) -> tuple[str, str | None, float]:
        """The root this article is a copy of, how and how closely; its own id when it is a copy of nothing."""
        exact = self.store.get(f"h:{content_hash}")
        if exact is not None and exact != article_id:
            return self._root(exact), "exact", 1.0
        if signature.shingles < self.params.min_shingles:
            return article_id, None, 1.0
        best: tuple[float, str] | None = None
        for candidate in self._candidates(signature):
            if candidate == article_id:
                continue
            other = self._signature(candidate)
            if other is None or not self._is_copy(signature, other):
                continue
            score = containment(signature, other)
            if best is None or score > best[0]:
                best = (score, candidate)
        if best is None:
            return article_id, None, 1.0
        return self._root(best[1]), "near", round(best[0], 4)

    def _is_copy(self, a: Signature, b: Signature) -> bool:
        p = self.params
        ratio = min(a.shingles, b.shingles) / max(a.shingles, b.shingles)
        return (
            ratio >= p.min_length_ratio
            and containment(a, b) >= p.min_containment
            and fact_containment(a, b) >= p.min_fact_containment
        )

    def _candidates(self, signature: Signature) -> list[str]:
        seen: dict[str, None] = {}
        for key in band_keys(signature, self.params.bands, self.params.rows):
            seen.update(dict.fromkeys(self._bucket(key)))
        return list(seen)

    def _bucket(self, key: str) -> list[str]:
        value = self.buckets.get(f"b:{key}")
        return orjson.loads(value) if value is not None else []

    def _bucket_signature(self, article_id: str, signature: Signature) -> None:
        if signature.shingles < self.params.min_shingles:
            return
        for key in band_keys(signature, self.params.bands, self.params.rows):
            ids = self._bucket(key)
            if article_id not in ids:  # idempotent: catching up may meet an article already bucketed
                self.buckets[f"b:{key}"] = orjson.dumps([*ids, article_id])

    def _unbucket_signature(self, article_id: str, signature: Signature) -> None:
        if signature.shingles < self.params.min_shingles:
            return
        for key in band_keys(signature, self.params.bands, self.params.rows):
            ids = [i for i in self._bucket(key) if i != article_id]
            if ids:
                self.buckets[f"b:{key}"] = orjson.dumps(ids)
            else:
                self.buckets.pop(f"b:{key}", None)

    def _set_marker(self, meta: dict[str, Any]) -> None:
        self.buckets[MARKER] = orjson.dumps([meta["cursor"], meta["seq"]])

    def _sync_buckets(self, meta: dict[str, Any]) -> None:
        """Make the buckets reflect the durable state.

        In sync when the marker holds the state's (cursor, seq). Articles added since are bucketed from their
        stored signatures. Rebuilt from scratch when that cannot be right: no marker, a marker ahead of the
        state (it lost writes), or articles bucketed here that expired elsewhere (their signatures are gone).
        """
        marker = self.buckets.get(MARKER)
        cursor, seq = orjson.loads(marker) if marker is not None else (None, None)
        if (cursor, seq) == (meta["cursor"], meta["seq"]):
            return
        started = time.perf_counter()
        rebuild = seq is None or seq > meta["seq"] or cursor > meta["seq"] or cursor < min(seq, meta["cursor"])
        if rebuild:
            self.buckets.clear()
        start = meta["cursor"] if rebuild else max(seq, meta["cursor"])
        for position in range(start, meta["seq"]):
            queued = self.store.get(f"q:{position}")
            signature = queued and self._signature(queued[0])
            if signature is not None:
                self._bucket_signature(queued[0], signature)
        self._set_marker(meta)
        log.info(
            "dedup buckets %s: %d articles in %.2f s",
            "rebuilt" if rebuild else "caught up",
            meta["seq"] - start,
            time.perf_counter() - started,
        )

    def _signature(self, article_id: str) -> Signature | None:
        entry = self.store.get(f"s:{article_id}")
        return None if entry is None else from_record(TextSignature.model_validate(entry["sig"]))

    def _root(self, article_id: str) -> str:
        entry = self.store.get(f"s:{article_id}")
        return entry["root"] if entry is not None else article_id

    def _add(
        self,
        article_id: str,
        content_hash: str,
        signature: Signature,
        decision: Decision,
        origin: str,
        previous: dict[str, Any] | None,
        meta: dict,
    ) -> None:
        """Index this content of ``article_id`` (a first sighting, or new content of an id seen before)."""
        expires = meta["wm"] + self.params.retention_seconds
        hashes: list[str] = []
        if previous is not None:
            old = self._signature(article_id)
            if old is not None:
                self._unbucket_signature(article_id, old)
            hashes = [*previous.get("hist", []), previous["hash"]][-KEPT_HASHES:]
        self.store[f"s:{article_id}"] = {
            "root": decision.duplicate_of or article_id,
            "hash": content_hash,
            "sig": to_record(signature).model_dump(),
            "exp": expires,
            "v": decision.version,
            "hist": hashes,
            "seen": _seen(previous.get("seen", []) if previous else [], origin, decision),
        }
        if self.store.get(f"h:{content_hash}") is None:
            self.store[f"h:{content_hash}"] = article_id
        self.store[f"q:{meta['seq']}"] = [article_id, expires]
        self._bucket_signature(article_id, signature)
        meta["seq"] += 1

    def _expire(self, meta: dict) -> None:
        """Drop every article whose retention ended, oldest first; deleting keys leaves tombstones."""
        while meta["cursor"] < meta["seq"]:
            queued = self.store.get(f"q:{meta['cursor']}")
            if queued is not None:
                article_id, expires = queued
                if expires > meta["wm"]:
                    return
                entry = self.store.get(f"s:{article_id}")
                if entry is not None and entry["exp"] <= meta["wm"]:  # not renewed by a later version
                    self._forget(article_id)
                del self.store[f"q:{meta['cursor']}"]
            meta["cursor"] += 1

    def _forget(self, article_id: str) -> None:
        entry = self.store[f"s:{article_id}"]
        signature = self._signature(article_id)
        if signature is not None:
            self._unbucket_signature(article_id, signature)
        for content_hash in [*entry.get("hist", []), entry["hash"]]:
            if self.store.get(f"h:{content_hash}") == article_id:
                del self.store[f"h:{content_hash}"]
        del self.store[f"s:{article_id}"]


def _seen(seen: list, origin: str, decision: Decision) -> list:
    return [*seen, [origin, decision.to_record()]][-KEPT_ORIGINS:]
