"""The accounting invariant: every raw message has exactly one outcome (an enriched record, a duplicate
verdict or a dead letter). Given what went in and what came out, report what was lost, doubled or unexpected.

A raw message is known by its article ``id`` when it carries one, else by its position on the raw topic.
Outcomes are matched the same way: records and verdicts by id, dead letters by the id inside their original
bytes when there is one, else by the raw position they came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from schemas import DeadLetter


def message_identity(value: bytes | None, partition: int, offset: int) -> str:
    """``id:<id>`` for a JSON article with an id, else ``raw:<partition>:<offset>``."""
    identity = json_id(value)
    return f"id:{identity}" if identity else f"raw:{partition}:{offset}"


def dead_letter_identity(letter: DeadLetter, raw_topic: str) -> str:
    identity = json_id(letter.original)
    if identity:
        return f"id:{identity}"
    if letter.topic == raw_topic:
        return f"raw:{letter.partition}:{letter.offset}"
    return f"unknown:{letter.topic}:{letter.partition}:{letter.offset}"


def outcome_identity(value: bytes, is_dead_letter: bool, raw_topic: str) -> str:
    """The identity of a published outcome: ``id:<id>`` of a record or verdict, or what a dead letter says."""
    if is_dead_letter:
        return dead_letter_identity(DeadLetter.model_validate_json(value), raw_topic)
    return f"id:{json_id(value)}"


def json_id(value: bytes | None) -> str | None:
    """The ``id`` field of a JSON object message, if it has a non-blank one."""
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
