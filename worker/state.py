"""Whose state a worker's local stores hold: which Kafka cluster, app and topics they were filled from.

A worker claims its data directory at start-up. Stores left by another cluster (a broker reset), another app
or other topics are discarded there, so Faust restores them from the changelog. While it runs, a data
directory removed or claimed by someone else, or a broker that turns out to be another cluster after a
rebalance, means the stores no longer describe the cluster the worker decides for: it stops with one line
rather than decide from them. ``news-ingest worker`` started again then claims the directory afresh.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson


class StaleState(Exception):
    """The local stores do not belong to the cluster and topics this worker now serves."""


@dataclass(frozen=True)
class StateOwner:
    cluster_id: str
    app_id: str
    topics: tuple[str, ...]


class LocalState:
    """The owner record (``<data_dir>/<app_id>-state-owner.json``) beside the local stores it vouches for."""

    def __init__(self, data_dir: Path, app_id: str, stores: list[Path]) -> None:
        self.record = data_dir / f"{app_id}-state-owner.json"
        self.stores = stores
        self.owner: StateOwner | None = None
        self._claimed: tuple[int, int] | None = None

    def claim(self, owner: StateOwner) -> StateOwner | None:
        """Make the stores ``owner``'s: discard them unless the record says they are; returns the owner they were
        discarded from (None when they were kept, or there were none)."""
        recorded = self._recorded()
        previous = None
        if recorded != owner and any(store.exists() for store in self.stores):
            previous = recorded or StateOwner("unknown", "unknown", ())
            for store in self.stores:
                shutil.rmtree(store, ignore_errors=True)
        self.record.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.record.with_suffix(".tmp")
        temporary.write_bytes(orjson.dumps(asdict(owner)))
        os.replace(temporary, self.record)  # a new inode: a worker that claimed the old one sees the change
        stat = self.record.stat()
        self.owner, self._claimed = owner, (stat.st_dev, stat.st_ino)
        return previous

    def verify(self) -> None:
        """Raises ``StaleState`` if the data directory went away or another worker claimed it since ``claim``."""
        try:
            stat = self.record.stat()
        except FileNotFoundError:
            raise StaleState(f"the data directory's owner record {self.record} is gone") from None
        if (stat.st_dev, stat.st_ino) != self._claimed:
            raise StaleState(f"the data directory was claimed again since this worker started ({self.record})")

    def verify_cluster(self, cluster_id: str) -> None:
        if self.owner is not None and cluster_id != self.owner.cluster_id:
            raise StaleState(
                f"the broker is now Kafka cluster {cluster_id}, the local stores belong to {self.owner.cluster_id}"
            )

    def _recorded(self) -> StateOwner | None:
        try:
            data = orjson.loads(self.record.read_bytes())
            return StateOwner(data["cluster_id"], data["app_id"], tuple(data["topics"]))
        except (FileNotFoundError, orjson.JSONDecodeError, KeyError, TypeError):
            return None
