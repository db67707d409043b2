"""What the overload and poison tests observe of a running worker: its memory, its metrics, its group."""

from __future__ import annotations

import asyncio
import re
import urllib.request
from pathlib import Path

from bench.deployment import Pipeline
from worker.kafka import admin, connected


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc/<pid>/status (VmRSS, in kB)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1)) * 1024


def metric(pipeline: Pipeline, slot: int, name: str) -> float:
    """The sum of every sample of ``name`` on the worker's /metrics page (0 when it has none yet)."""
    url = f"http://127.0.0.1:{pipeline.web_ports[slot]}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode()
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? (\S+)$", re.MULTILINE)
    return sum(float(value) for value in pattern.findall(page))


def group_members(pipeline: Pipeline) -> tuple[str, list[str]]:
    """State and member ids of the worker's consumer group, as the broker's coordinator sees them."""

    async def run() -> tuple[str, list[str]]:
        async with connected(admin(pipeline.broker), pipeline.broker) as client:
            (response,) = await client.describe_consumer_groups([pipeline.env["NEWS_INGEST_APP_ID"]])
        (group,) = response.to_object()["groups"]
        return group["state"], sorted(member["member_id"] for member in group["members"])

    return asyncio.run(run())
