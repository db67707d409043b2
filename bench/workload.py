"""A realistic, reproducible stream of raw messages built from the public evaluation sets.

Unique stories are the 90 benchmark HTML pages and plain-text articles assembled from paragraphs of the
sets' article bodies. About ``duplicates`` of the stream are later copies of earlier stories (exact
re-sends and near copies with a wire dateline, an ad line and the last paragraph dropped), and about
``bad`` are inputs that must become dead letters. Every valid article carries an ``id``.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path

from bench import DATA_DIR

DEFAULT_EVAL = DATA_DIR
PAGE_SHARE = 0.08


@dataclass(frozen=True)
class RawMessage:
    key: bytes | None
    value: bytes
    kind: str  # "unique", "duplicate" or "bad"


def _bodies(eval_dir: Path) -> list[list[str]]:
    truth = json.loads((eval_dir / "article-extraction-benchmark" / "ground-truth.json").read_text())
    bodies = [page["articleBody"] for page in truth.values()]
    for line in (eval_dir / "neardup" / "articles.jsonl").read_text().splitlines():
        bodies.append(json.loads(line)["text"])
    paragraphs = [[p.strip() for p in body.split("\n") if len(p.split()) >= 8] for body in bodies]
    return [p for p in paragraphs if len(p) >= 3]


def _pages(eval_dir: Path) -> list[tuple[str, str]]:
    truth = json.loads((eval_dir / "article-extraction-benchmark" / "ground-truth.json").read_text())
    folder = eval_dir / "article-extraction-benchmark" / "html"
    return [
        (page["url"], gzip.decompress((folder / f"{key}.html.gz").read_bytes()).decode()) for key, page in truth.items()
    ]


def _bad(rng: random.Random, n: int) -> bytes:
    return rng.choice(
        [
            b'{"id": "cut-off", "text": "this line ends',
            b"\xff\xfe\x00\x81 not utf-8",
            json.dumps({"id": f"no-content-{n}", "title": "A title and nothing else"}).encode(),
            b"Advertisement\n\nShare this article\n\nSubscribe to our newsletter",
            json.dumps({"id": f"wrong-type-{n}", "text": ["not", "a", "string"]}).encode(),
        ]
    )


def build(
    count: int, duplicates: float = 0.2, bad: float = 0.02, seed: int = 7, eval_dir: Path = DEFAULT_EVAL
) -> list[RawMessage]:
    rng = random.Random(seed)
    bodies = _bodies(eval_dir)
    pages = _pages(eval_dir)
    stories: list[tuple[str, str]] = []  # (id, text) of unique plain-text stories, to copy later
    messages: list[RawMessage] = []
    # Up to one message in PAGE_SHARE is a page, spread over the whole stream: a page costs several times a
    # text to clean, and any stretch of the stream (the open-loop benchmark sends a prefix) has the same mix.
    page_slots = set(rng.sample(range(count), min(len(pages), round(count * PAGE_SHARE))))
    for n in range(count):
        roll = rng.random()
        if n in page_slots:
            url, html = pages.pop()
            record = {"id": f"page-{n}", "url": url, "html": html}
            messages.append(RawMessage(f"page-{n}".encode(), json.dumps(record).encode(), "unique"))
        elif roll < bad:
            messages.append(RawMessage(f"bad-{n}".encode(), _bad(rng, n), "bad"))
        elif roll < bad + duplicates and stories:
            original_id, text = rng.choice(stories)
            paragraphs = text.split("\n\n")
            if rng.random() < 0.5:
                copy = text
            else:
                copy = "\n\n".join(["LONDON (Wire) — " + paragraphs[0], *paragraphs[1:-1], "Advertisement"])
            record = {"id": f"{original_id}-copy-{n}", "text": copy}
            messages.append(RawMessage(f"copy-{n}".encode(), json.dumps(record).encode(), "duplicate"))
        else:
            sources = rng.sample(bodies, 3)
            paragraphs = [p for source in sources for p in rng.sample(source, min(len(source), 3))]
            rng.shuffle(paragraphs)
            headline = " ".join(paragraphs[0].split()[:8]).rstrip(".,;:")
            text = "\n\n".join([headline, *paragraphs[:7]])
            story_id = f"story-{seed}-{n}"
            stories.append((story_id, text))
            record = {"id": story_id, "text": text}
            messages.append(RawMessage(f"story-{n}".encode(), json.dumps(record).encode(), "unique"))
    return messages
