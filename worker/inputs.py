"""Read raw articles from JSONL files, directories of .html/.txt/.jsonl files, or stdin.

Nothing larger than the payload limit is read into memory: an input over it comes back empty, with its
``oversize`` set, for the caller to report (the worker would only dead-letter it as ``too_large``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ARTICLE_SUFFIXES = (".html", ".htm", ".txt")
SKIP_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class InputRecord:
    """One raw message: ``value`` as it would sit on ``news.raw``; ``origin``/``index`` say where it was read.

    ``oversize`` is the size of an input over the limit, which was not read (``value`` is then empty).
    """

    key: bytes | None
    value: bytes
    origin: str
    index: int
    oversize: int | None = None

    @property
    def where(self) -> str:
        """``page.html``, or ``feed.jsonl line 3`` for a JSONL line (``-`` is stdin)."""
        return self.origin if self.key is not None else f"{self.origin} line {self.index + 1}"


def read_inputs(paths: list[str], max_bytes: int) -> Iterator[InputRecord]:
    """A JSONL file gives one record per non-empty line; an .html/.txt file one record keyed by its name."""
    for name in paths:
        if name == "-":
            yield from _jsonl(sys.stdin.buffer, "-", max_bytes)
            continue
        path = Path(name)
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {name}")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix.lower() == ".jsonl":
                with file.open("rb") as handle:
                    yield from _jsonl(handle, str(file), max_bytes)
            elif file.suffix.lower() in ARTICLE_SUFFIXES:
                key, size = _article_key(file, path), file.stat().st_size
                if size > max_bytes:
                    yield InputRecord(key, b"", str(file), 0, oversize=size)
                else:
                    yield InputRecord(key, file.read_bytes(), str(file), 0)


def _article_key(file: Path, root: Path) -> bytes:
    return str(file.relative_to(root) if root.is_dir() else file.name).encode()


def _jsonl(handle: BinaryIO, origin: str, max_bytes: int) -> Iterator[InputRecord]:
    index = 0
    while line := handle.readline(max_bytes + 2):  # room for the limit and a CRLF
        complete = line.endswith(b"\n")
        value = line.rstrip(b"\r\n")
        if len(value) > max_bytes:
            size = len(value) if complete else len(line) + _skip_rest_of_line(handle)
            yield InputRecord(None, b"", origin, index, oversize=size)
        elif value.strip():
            yield InputRecord(None, value, origin, index)
        index += 1


def _skip_rest_of_line(handle: BinaryIO) -> int:
    """Read past the end of the current line in bounded chunks; the bytes skipped (newline excluded)."""
    skipped = 0
    while chunk := handle.readline(SKIP_CHUNK_BYTES):
        if chunk.endswith(b"\n"):
            return skipped + len(chunk.rstrip(b"\r\n"))
        skipped += len(chunk)
    return skipped
