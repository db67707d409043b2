"""Read raw articles from JSONL files, directories of .html/.txt/.jsonl files, or stdin."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ARTICLE_SUFFIXES = (".html", ".htm", ".txt")


@dataclass(frozen=True)
class InputRecord:
    """One raw message: ``value`` as it would sit on ``news.raw``; ``origin``/``index`` say where it was read."""

    key: bytes | None
    value: bytes
    origin: str
    index: int


def read_inputs(paths: list[str]) -> Iterator[InputRecord]:
    """A JSONL file gives one record per non-empty line; an .html/.txt file one record keyed by its name."""
    for name in paths:
        if name == "-":
            yield from _jsonl(sys.stdin.buffer, "-")
            continue
        path = Path(name)
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {name}")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix.lower() == ".jsonl":
                with file.open("rb") as handle:
                    yield from _jsonl(handle, str(file))
            elif file.suffix.lower() in ARTICLE_SUFFIXES:
                yield InputRecord(_article_key(file, path), file.read_bytes(), str(file), 0)


def _article_key(file: Path, root: Path) -> bytes:
    return str(file.relative_to(root) if root.is_dir() else file.name).encode()


def _jsonl(handle, origin: str) -> Iterator[InputRecord]:
    for index, line in enumerate(handle):
        if line.strip():
            yield InputRecord(None, line.rstrip(b"\r\n"), origin, index)
