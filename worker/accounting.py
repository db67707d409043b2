"""The accounting invariant: every raw message has exactly one outcome (an enriched record, a duplicate
verdict or a dead letter). Given what went in and what came out, report what was lost, doubled or unexpected.

A raw message is known by its position (``raw:<partition>:<offset>``), and every outcome names the raw message
it came from in its ``origin``, so plain text, HTML and JSON without ids are accounted alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from schemas import DeadLetter, Origin


def message_identity(partition: int, offset: int) -> str:
    return f"raw:{partition}:{offset}"


def origin_identity(origin: Origin | None, raw_topic: str) -> str:
    if origin is None:
        return "unknown"
    if origin.topic != raw_topic:
        return f"unknown:{origin.position}"
    return message_identity(origin.partition, origin.offset)


def outcome_identity(value: bytes, is_dead_letter: bool, raw_topic: str) -> str:
    """The raw message a published outcome names (a dead letter with no origin: the message it holds)."""
    if is_dead_letter:
        letter = DeadLetter.model_validate_json(value)
        held = Origin(topic=letter.topic, partition=letter.partition, offset=letter.offset)
        return origin_identity(letter.origin or held, raw_topic)
    return origin_identity(Origin.model_validate(orjson.loads(value)["origin"]), raw_topic)


def json_id(value: bytes | None) -> str | None:
    """The ``id`` field of a JSON object message, if it has a non-blank one (for logs)."""
    if not value or not value.lstrip().startswith(b"{"):
        return None
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    identity = data.get("id") if isinstance(data, dict) else None
    return identity.strip() if isinstance(identity, str) and identity.strip() else None


@dataclass
class Report:
    expected: Counter = field(default_factory=Counter)
    produced: Counter = field(default_factory=Counter)

    @property
    def lost(self) -> list[str]:
        return sorted(k for k, n in self.expected.items() if self.produced[k] < n)

    @property
    def doubled(self) -> list[str]:
        return sorted(k for k, n in self.produced.items() if n > self.expected.get(k, 0) > 0)

    @property
    def unexpected(self) -> list[str]:
        return sorted(k for k in self.produced if k not in self.expected)

    def summary(self) -> str:
        extra = sum(self.produced[k] - self.expected[k] for k in self.doubled)
        return (
            f"raw={sum(self.expected.values())} outcomes={sum(self.produced.values())} lost={len(self.lost)} "
            f"doubled={len(self.doubled)} (extra records {extra}) unexpected={len(self.unexpected)}"
        )


def account(raw: Iterable[str], outcomes: Iterable[str]) -> Report:
    """``raw``: the identity of every raw message; ``outcomes``: the identity of every published outcome."""
    return Report(Counter(raw), Counter(outcomes))
