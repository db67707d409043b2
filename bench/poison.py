"""Hostile inputs for the clean stage, generated in code (nothing large is committed).

``corpus()`` is one of each kind, at full size (50 MB payloads, 100,000-level nesting, million-character
lines); ``stream()`` is a reproducible mix of small and large ones for a worker. Each input states the outcome
it must have: a dead-letter reason code, or ``RECORD`` for a valid cleaned article. Inputs that may become a
record carry a JSON ``id``, so the accounting checker can match their outcome.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import orjson

RECORD = "record"
SENTENCE = "The city council said on Monday that it would vote on the harbour plan after a long debate. "
ARTICLE = "\n\n".join(
    [
        "Council to vote on harbour plan",
        SENTENCE * 3,
        "Residents packed the hall for four hours, and most of them spoke against the new cranes. " * 2,
        "The mayor said the port would bring 2,000 jobs to the city by 2030, a figure the opposition disputes. " * 2,
    ]
)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\n\t\r") + "\x7f\u0085\u202e\u2066"


@dataclass(frozen=True)
class Poison:
    kind: str
    value: bytes
    expected: str  # a DeadLetterReason, or RECORD


def _article(identity: str, **fields: object) -> bytes:
    return orjson.dumps({"id": identity, **fields})


def _nested(depth: int, opener: bytes = b"[", closer: bytes = b"]", inner: bytes = b"") -> bytes:
    return opener * depth + inner + closer * depth


def _with_metadata(article: bytes, depth: int) -> bytes:
    """``article`` with a ``metadata`` object nested ``depth`` levels (orjson reads 1024 levels, writes 255)."""
    return article[:-1] + b',"metadata":' + _nested(depth, b'{"m":', b"}", b"1") + b"}"


def _script_flood(tags: int) -> str:
    noise = "<script>var a = '</p>';</script><style>p { color: red }</style>&amp;&lt;&#x27;&nbsp;&#0;&#xD800;"
    return f"<html><body>{noise * tags}<p>{SENTENCE}</p></body></html>"


def _sprinkled(text: str, chars: str, rng: random.Random) -> str:
    return "".join(c + rng.choice(chars) if c == " " else c for c in text)


def corpus(payload_limit: int = 5_000_000) -> list[Poison]:
    """One of each hostile kind, full size; ``payload_limit`` is the worker's ``max_payload_bytes``."""
    rng = random.Random(1)
    return [
        Poison("random bytes", bytes([0xFF]) + rng.randbytes(100_000), "not_utf8"),
        Poison("invalid utf-8 in text", b"The council said \xc3\x28 on Monday " * 50, "not_utf8"),
        Poison("lone surrogate escape", b'{"id": "s", "text": "\\ud800 and the rest"}', "invalid_json"),
        Poison("truncated json", _article("t", text=ARTICLE)[:200], "invalid_json"),
        Poison("json array", b"[" + _article("a", text=ARTICLE) + b"]", "invalid_schema"),
        Poison("json number", b"[1e400]", "invalid_json"),
        Poison("100k nested arrays", _nested(100_000), "too_large"),
        Poison("100k nested objects", _nested(100_000, b'{"a":', b"}", b"1"), "too_large"),
        Poison("300-level metadata", _with_metadata(_article("d", text=ARTICLE), 300), "too_large"),
        Poison(
            "wrong field types",
            orjson.dumps({"id": 7, "text": ["a"], "authors": "x", "metadata": [1]}),
            "invalid_schema",
        ),
        Poison("html as an object", orjson.dumps({"id": "h", "html": {"body": SENTENCE}}), "invalid_schema"),
        Poison("neither html nor text", _article("n", title="A title and nothing else"), "missing_content"),
        Poison("empty message", b"", "missing_content"),
        Poison("whitespace only", b" \n\t " * 1000, "missing_content"),
        Poison("nul bytes", b"\x00" * 100_000, "empty_after_cleaning"),
        Poison("50 MB payload", b"A" * 50_000_000, "too_large"),
        Poison("just over the limit", b"word " * (payload_limit // 5 + 1), "too_large"),
        Poison(
            "huge json just under the limit", _article("j", text="word " * (payload_limit // 5 - 20)), "not_an_article"
        ),
        Poison("script and style flood", _script_flood(20_000).encode(), "too_large"),
        Poison(
            "scripts, styles and entities",
            _article("scripts", html=_script_flood(1_000).replace("<p>", f"<p>{ARTICLE}")),
            RECORD,
        ),
        Poison(
            "entities only",
            ("<html><body><p>" + "&amp;&#128512;&#0;&#99999999;" * 10_000 + "</p></body></html>").encode(),
            "empty_after_cleaning",
        ),
        Poison(
            "100k nested divs",
            ("<html><body>" + "<div>" * 100_000 + SENTENCE + "</div>" * 100_000).encode(),
            "empty_after_cleaning",
        ),
        Poison("zero-width characters", _article("z", text=_sprinkled(ARTICLE, ZERO_WIDTH, rng)), RECORD),
        Poison("control characters", _article("c", text=_sprinkled(ARTICLE, CONTROL, rng)), RECORD),
        Poison("only control characters", CONTROL.encode() * 1000, "empty_after_cleaning"),
        Poison("1M-character line of words", ("word " * 200_000).encode(), "not_an_article"),
        Poison("1M-character line of one letter", b"a" * 1_000_000, "empty_after_cleaning"),
        Poison("1M-character line of sentences", _article("l", text=SENTENCE * 11_000), RECORD),
    ]


def _small(rng: random.Random, name: str) -> Poison:
    """One small hostile input, chosen and shaped by ``rng``; articles get the id ``poison-<name>``."""
    identity = f"poison-{name}"
    article = _article(identity, text=ARTICLE)
    makers: list[Callable[[], Poison]] = [
        lambda: Poison("random bytes", b"\xff" + rng.randbytes(rng.randrange(1, 4000)), "not_utf8"),
        lambda: Poison("truncated json", article[: rng.randrange(1, len(article) - 1)], "invalid_json"),
        lambda: Poison("nested", _nested(rng.randrange(1_025, 20_000)), "too_large"),
        lambda: Poison("deep metadata", _with_metadata(article, rng.randrange(40, 1_000)), "too_large"),
        lambda: Poison(
            "wrong types",
            orjson.dumps({"id": [identity], "text": rng.choice([1, 2.5, True, [], {}])}),
            "invalid_schema",
        ),
        lambda: Poison(
            "no content", _article(identity, title="Only a title", url="https://x.test/a"), "missing_content"
        ),
        lambda: Poison("control characters", CONTROL.encode() * rng.randrange(1, 200), "empty_after_cleaning"),
        lambda: Poison("one long word", b"x" * rng.randrange(1_000, 50_000), "empty_after_cleaning"),
        lambda: Poison(
            "entities",
            b"<html><body><p>" + b"&#0;&amp;" * rng.randrange(1, 3000) + b"</p></body></html>",
            "empty_after_cleaning",
        ),
        lambda: Poison("zero-width", _article(identity, text=_sprinkled(ARTICLE, ZERO_WIDTH, rng)), RECORD),
    ]
    return rng.choice(makers)()


def small(count: int, seed: int = 3) -> list[Poison]:
    """``count`` small hostile inputs of every kind (about one in ten is a valid article)."""
    rng = random.Random(seed)
    return [_small(rng, f"{seed}-{n}") for n in range(count)]


def stream(count: int, payload_limit: int, large_every: int = 500, seed: int = 3) -> list[Poison]:
    """``count`` hostile inputs: small ones of every kind, and every ``large_every``-th one from the full
    corpus (without the payloads a broker would refuse: over twice ``payload_limit``)."""
    rng = random.Random(seed)
    large = [p for p in corpus(payload_limit) if len(p.value) <= 2 * payload_limit]
    return [
        large[(n // large_every) % len(large)] if n % large_every == 0 else _small(rng, f"{seed}-{n}")
        for n in range(count)
    ]
