"""Measures how long the event loop is kept from running: the cost CPU-bound work imposes on heartbeats,
commits and every other agent of the worker."""

from __future__ import annotations

import asyncio
import time


class LoopStallMonitor:
    """Sleeps ``interval`` seconds at a time and records by how much each wake-up came late."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.max_stall = 0.0
        self.last_stall = 0.0

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.record(time.perf_counter() - started - self.interval)

    def record(self, stall: float) -> None:
        self.last_stall = max(0.0, stall)
        self.max_stall = max(self.max_stall, self.last_stall)

    def take_max(self) -> float:
        """The longest stall since the previous call."""
        value, self.max_stall = self.max_stall, 0.0
        return value
