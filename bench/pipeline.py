"""End-to-end performance: the same workload (a) in one process without Kafka, (b) through the real broker
with one worker process, (c) with two worker processes in one group, and for latency (d) one worker fed
open-loop at half of (b)'s rate and (e) two workers at half of (c)'s. Prints articles/s, latency
percentiles, peak RSS per worker, CPU per article per stage, and last the line
``ratio_e2e=<b/a> ratio_scale=<c/b>``.

Usage: ``python -m bench.pipeline [--articles 5000] [--open-loop-seconds 60]`` (the broker on 127.0.0.1:19092
is started by dev/kafka.sh unless one listens there already).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

from bench.deployment import BROKER_PORT, ROOT, Pipeline, broker_session, new_pipeline
from bench.workload import RawMessage, build
from schemas import Stage
from worker.accounting import message_identity, outcome_identity
from worker.entities import EntityExtractor
from worker.kafka import consumer, producer
from worker.pipeline import Message, OfflinePipeline
from worker.settings import Settings

OUTPUTS = ("enriched", "duplicates", "deadletter")
STAGES: tuple[Stage, ...] = get_args(Stage)


def in_process(workload: list[RawMessage], settings: Settings) -> tuple[float, dict[str, float]]:
    """(a) the ceiling: the worker's cores in one process; returns articles/s and CPU ms per article per stage."""
    pipeline = OfflinePipeline(settings, EntityExtractor.from_settings(settings))
    now = datetime.now(UTC)
    messages = (Message(raw.value, raw.key, "raw", 0, n, now) for n, raw in enumerate(workload))
    started = time.perf_counter()
    for _ in pipeline.run(messages):
        pass
    rate = len(workload) / (time.perf_counter() - started)
    return rate, {stage: 1000 * seconds / len(workload) for stage, seconds in pipeline.cpu_seconds.items()}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pid() -> int | None:
    """The local test broker's pid, from dev/kafka.sh's pid file (None for a broker started elsewhere)."""
    pid_file = ROOT / ".cache" / f"kafka-data-{BROKER_PORT}" / "broker.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def through_kafka(
    broker: str,
    workload: list[RawMessage],
    workers: int,
    workdir: Path,
    rate: float | None = None,
    overrides: dict[str, str] | None = None,
) -> dict[str, float]:
    """Run the workload through ``workers`` worker processes started together.

    Without ``rate`` (throughput): the whole workload is on the raw topic before the workers start, and the
    rate counts the outcomes published from the moment the last worker is Ready (every worker in the group,
    with its partitions) to the last outcome. The broker's intake of the input is then not counted against
    the workers: on a 2-core machine it competes with two workers for the cores, while one worker leaves it
    a core of its own. With ``rate`` (messages/s, latency): the workers are ready first, and the producer
    sends open-loop; the clock runs from the first send.

    CPU per article is counted to the last outcome: for each worker from the moment it is seen Ready (model
    loaded, partitions assigned), for the broker and for this process (producer and reader) from the
    workers' launch. The workers' time per stage is their ``news_ingest_stage_seconds`` sums: wall time, in
    which a stage also waits while the other thread holds the GIL.
    """
    workdir.mkdir(parents=True)
    deployment = new_pipeline(broker, workdir, overrides)
    try:
        preloaded = asyncio.run(_produce(deployment, workload, None)) if rate is None else None
        kafka_pid = broker_pid()
        broker_before, bench_before = cpu_seconds(kafka_pid) if kafka_pid else 0.0, time.process_time()
        for _ in range(workers):
            deployment.start_worker(ready_timeout=None)
        ready, before = wait_until_ready(deployment)
        results = asyncio.run(_run(deployment, workload, rate, preloaded, ready))
        pids = [w.pid for w in deployment.workers]
        after = [cpu_seconds(pid) for pid in pids], cpu_seconds(kafka_pid) if kafka_pid else 0.0, time.process_time()
        results["peak_rss_mb"] = max(peak_rss_mb(pid) for pid in pids)
        for stage in STAGES:
            sample = f'news_ingest_stage_seconds_sum{{stage="{stage}"}}'
            spent = sum(deployment.metric(slot, sample) for slot in range(workers))
            results[f"{stage}_ms"] = 1000 * spent / len(workload)
    finally:
        deployment.stop()
    n = len(workload)
    each = [1000 * (end - start) / n for start, end in zip(before, after[0], strict=True)]
    results["worker_cpu_ms"] = sum(each)
    results["busiest_worker_share"] = max(each) / sum(each)
    results["broker_cpu_ms"] = 1000 * (after[1] - broker_before) / n if kafka_pid else float("nan")
    results["bench_cpu_ms"] = 1000 * (after[2] - bench_before) / n
    return results


READY_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\] \[\d+\] \[INFO\] \[\^Worker\]: Ready", re.M)


def wait_until_ready(deployment: Pipeline, timeout: float = 120) -> tuple[tuple[float, float], list[float]]:
    """Wait for every worker's Ready; returns when the first and the last one were Ready (epoch seconds, from
    their log lines) and each worker's CPU seconds at the moment its Ready was seen (within 0.2 s)."""
    slots = range(len(deployment.workers))
    ready_at: dict[int, float] = {}
    cpu_at: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while len(ready_at) < len(slots):
        assert time.monotonic() < deadline, f"workers {sorted(set(slots) - set(ready_at))} not ready in {timeout} s"
        for slot in slots:
            if slot not in ready_at and (line := READY_LINE.search(deployment.log_text(slot))):
                cpu_at[slot] = cpu_seconds(deployment.workers[slot].pid)
                ready_at[slot] = datetime.strptime(line.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            assert deployment.workers[slot].poll() is None, (
                f"worker {slot} exited:\n{deployment.log_text(slot)[-4000:]}"
            )
        time.sleep(0.2)
    return (min(ready_at.values()), max(ready_at.values())), [cpu_at[slot] for slot in slots]


async def _run(
    deployment: Pipeline,
    workload: list[RawMessage],
    rate: float | None,
    preloaded: dict[str, float] | None,
    ready: tuple[float, float],
) -> dict[str, float]:
    """Follow the three output topics with one reader until every message has its outcome (an hour at most),
    producing the workload first unless it was ``preloaded``. Throughput runs from the first send to the last
    outcome; for a preloaded workload it counts the outcomes published once the last worker was Ready (all of
    them from the first worker's Ready, for a workload so small that it was done before). Latency (open loop
    only) is each enriched record's broker timestamp minus its raw message's."""
    reader = consumer(deployment.broker, *(deployment.topic(name) for name in OUTPUTS), from_beginning=True)
    await reader.start()
    try:
        sent_at = preloaded if preloaded is not None else await _produce(deployment, workload, rate)
        enriched_topic, raw_topic, dead_topic = (deployment.topic(n) for n in ("enriched", "raw", "deadletter"))
        pending, latencies, last = set(sent_at), [], 0.0
        done_at: dict[str, float] = {}  # identity -> broker time of its first outcome
        deadline = time.monotonic() + 3600
        while pending and time.monotonic() < deadline:
            for batch in (await reader.getmany(timeout_ms=500)).values():
                for record in batch:
                    identity = outcome_identity(record.value, record.topic == dead_topic, raw_topic)
                    pending.discard(identity)
                    done_at.setdefault(identity, record.timestamp / 1000)
                    last = max(last, record.timestamp / 1000)
                    if rate and record.topic == enriched_topic and identity in sent_at:
                        latencies.append(record.timestamp / 1000 - sent_at[identity])
    finally:
        await reader.stop()
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    if preloaded is not None:
        first_ready, all_ready = ready
        counted = sum(1 for at in done_at.values() if at > all_ready)
        throughput = counted / (last - all_ready) if counted else len(done_at) / (last - first_ready)
    else:
        throughput = len(sent_at) / (last - min(sent_at.values()))
    return {
        "rate": throughput,
        "lost": len(pending),
        "p50": pct(0.5),
        "p95": pct(0.95),
        "p99": pct(0.99),
    }


async def _produce(deployment: Pipeline, workload: list[RawMessage], rate: float | None) -> dict[str, float]:
    """Sends the workload (paced at ``rate`` if given); returns each message's identity → its broker timestamp."""
    kafka = producer(deployment.broker)
    await kafka.start()
    started = time.monotonic()
    try:
        deliveries = []
        for n, message in enumerate(workload):
            if rate:
                await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            deliveries.append((message, await kafka.send(deployment.topic("raw"), message.value, key=message.key)))
        sent = [(message, await delivery) for message, delivery in deliveries]
    finally:
        await kafka.stop()
    return {message_identity(meta.partition, meta.offset): meta.timestamp / 1000 for _, meta in sent}


def describe(label: str, result: dict[str, float]) -> str:
    return (
        f"{label}: {result['rate']:.1f} articles/s; "
        + (
            f"latency p50 {result['p50']:.2f}s p95 {result['p95']:.2f}s p99 {result['p99']:.2f}s; "
            if not math.isnan(result["p50"])
            else ""
        )
        + f"peak RSS per worker {result['peak_rss_mb']:.0f} MB; CPU ms/article: "
        f"workers {result['worker_cpu_ms']:.1f} (busiest {result['busiest_worker_share']:.0%}), "
        f"broker {result['broker_cpu_ms']:.1f}, "
        f"producer+reader {result['bench_cpu_ms']:.1f}; stage time ms/article (from /metrics): "
        + ", ".join(f"{stage} {result[f'{stage}_ms']:.1f}" for stage in STAGES)
        + (f"; LOST {result['lost']:.0f}" if result["lost"] else "")
    )


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``name:VAR=value,VAR=value`` → (name, environment overrides for the workers)."""
    name, _, assignments = text.partition(":")
    return name, dict(a.split("=", 1) for a in assignments.split(",") if a)


def run(
    articles: int, open_loop_seconds: float, variants: list[tuple[str, dict[str, str]]], broker: str | None = None
) -> None:
    """The whole benchmark: (a) once, then (b) to (e) for the workers' default settings, or once per
    variant (a tuning comparison, each block ending with its own ratio line).

    ``broker``: a running broker to use, else the local test broker (started by dev/kafka.sh if needed).
    """
    settings = Settings()
    workload = build(articles)
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    print(f"machine: {os.cpu_count()} cores, {memory:.0f} GiB")
    size = sum(len(m.value) for m in workload) / 2**20
    print(f"workload: {len(workload)} messages (~20% copies, ~2% bad), {size:.0f} MiB")
    ceiling, cpu = in_process(workload, settings)
    stages = ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
    print(f"(a) in-process ceiling: {ceiling:.1f} articles/s; CPU ms/article {sum(cpu.values()):.1f} ({stages})")
    session = broker_session() if broker is None else iter([broker])
    address = next(session)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for name, overrides in variants or [("", {})]:
                label = f" [{name}]" if name else ""
                base = Path(workdir) / (name or "default")
                one = through_kafka(address, workload, 1, base / "one", overrides=overrides)
                print(describe(f"(b) 1 worker{label}", one))
                two = through_kafka(address, workload, 2, base / "two", overrides=overrides)
                print(describe(f"(c) 2 workers{label}", two))
                for workers, full, step, of in ((1, one, "(d) 1 worker", "b"), (2, two, "(e) 2 workers", "c")):
                    rate = full["rate"] / 2
                    steady = workload[: max(50, int(rate * open_loop_seconds))]
                    half = through_kafka(address, steady, workers, base / f"half-{workers}", rate, overrides)
                    print(describe(f"{step} open-loop at {rate:.1f}/s (half of {of}){label}", half))
                overhead = one["worker_cpu_ms"] / sum(cpu.values())
                print(f"worker CPU per article ÷ in-process CPU per article{label}: {overhead:.2f}")
                print(f"ratio_e2e={one['rate'] / ceiling:.2f} ratio_scale={two['rate'] / one['rate']:.2f}")
    finally:
        next(session, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--open-loop-seconds", type=float, default=60)
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="name:NEWS_INGEST_X=v,... — run (b) to (e) with these worker settings instead (repeatable)",
    )
    args = parser.parse_args()
    run(args.articles, args.open_loop_seconds, [parse_variant(v) for v in args.variant])


if __name__ == "__main__":
    main()
