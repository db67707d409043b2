"""The one exception a stage raises for input it cannot turn into a record."""

from __future__ import annotations

from schemas import DeadLetterReason


class Rejected(Exception):
    """Input that becomes a dead letter with a stable ``reason`` code and a human ``detail``."""

    def __init__(self, reason: DeadLetterReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: DeadLetterReason = reason
        self.detail = detail
