"""Dedup core: first seen wins, for exact and near-duplicate copies. No Kafka, no asyncio.

See ``index.py`` for the state layout and ``signature.py`` for MinHash and facts.
"""

from worker.dedup.index import Decision, DedupParams, DuplicateIndex

__all__ = ["Decision", "DedupParams", "DuplicateIndex"]
