"""Dedup core: first seen wins. No Kafka, no asyncio.

The index is any ``MutableMapping`` from content hash to the first copy's id: a dict offline, a Faust
table (RocksDB + changelog topic) in the worker. In the worker, copies with the same content hash meet
in the same partition because ``news.cleaned`` is keyed by that hash.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from schemas import CleanedArticle, DuplicateVerdict


class ExactDeduplicator:
    """Exact duplicates by the hash of the body's normalized words."""

    def __init__(self, index: MutableMapping[str, str]) -> None:
        self.index = index

    def check(self, article: CleanedArticle) -> DuplicateVerdict | None:
        """None for the first copy (and for a replay of it); a verdict for any later copy."""
        first_id = self.index.get(article.content_hash)
        if first_id is None:
            self.index[article.content_hash] = article.id
            return None
        if first_id == article.id:
            return None
        return DuplicateVerdict(
            id=article.id,
            duplicate_of=first_id,
            kind="exact",
            similarity=1.0,
            url=article.url,
            seen_at=article.seen_at,
        )
