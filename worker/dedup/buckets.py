"""The local store of the duplicate index's LSH buckets: RocksDB on the worker's disk, no changelog.

The buckets are derived state (see ``DuplicateIndex``), so they need durability only as a cache: losing them
costs a rebuild from the table, never a wrong decision.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path

from rocksdict import Options, Rdict


class LocalBuckets(MutableMapping[str, bytes]):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = Rdict(str(path), options=Options(raw_mode=True))

    def __getitem__(self, key: str) -> bytes:
        value = self.db.get(key.encode())
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: bytes) -> None:
        self.db[key.encode()] = value

    def __delitem__(self, key: str) -> None:
        if self.db.get(key.encode()) is None:
            raise KeyError(key)
        del self.db[key.encode()]

    def __iter__(self) -> Iterator[str]:
        return (key.decode() for key in self.db.keys())  # noqa: SIM118 (a raw-mode Rdict cannot be iterated)

    def __len__(self) -> int:
        return sum(1 for _ in self.db.keys())  # noqa: SIM118

    def clear(self) -> None:
        self.db.delete_range(b"", b"\xff" * 64)

    def close(self) -> None:
        self.db.close()
