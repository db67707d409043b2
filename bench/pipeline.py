"""End-to-end performance: the same workload (a) in one process without Kafka, (b) through the real broker
with one worker process, (c) with two worker processes in one group, and (d) one worker fed open-loop at
half of (b)'s rate for latency. Prints articles/s, latency percentiles, peak RSS per worker, CPU per article
per stage, and last the line ``ratio_e2e=<b/a> ratio_scale=<c/b>``.

Usage: ``python -m bench.pipeline [--articles 5000] [--open-loop-seconds 60]`` (the broker on 127.0.0.1:19092
is started by dev/kafka.sh unless one listens there already).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench.deployment import Pipeline, broker_session, new_pipeline
from bench.workload import RawMessage, build
from schemas import DeadLetter
from worker.accounting import account, dead_letter_identity, message_identity
from worker.dedup import DuplicateIndex
from worker.dedup.signature import from_record
from worker.entities import EntityExtractor
from worker.kafka import producer
from worker.pipeline import Message, clean_message
from worker.settings import Settings

OUTPUTS = ("enriched", "duplicates", "deadletter")


def in_process(workload: list[RawMessage], settings: Settings) -> tuple[float, dict[str, float]]:
    """(a) the ceiling: the worker's cores in one process; returns articles/s and CPU ms per article per stage."""
    extractor = EntityExtractor(settings.ner_model, settings.ner_batch_size)
    index = DuplicateIndex({}, settings.dedup_params())
    spent = dict.fromkeys(("clean", "dedup", "entities"), 0.0)
    pending = []
    now = datetime.now(UTC)
    started = time.perf_counter()
    for n, raw in enumerate(workload):
        t0 = time.process_time()
        try:
            article = clean_message(Message(raw.value, raw.key, "raw", 0, n, now), settings)
        except Exception:
            spent["clean"] += time.process_time() - t0
            continue
        t1 = time.process_time()
        decision = index.check(article.id, from_record(article.signature), article.content_hash, article.seen_at)
        t2 = time.process_time()
        spent["clean"] += t1 - t0
        spent["dedup"] += t2 - t1
        if decision.duplicate_of is None:
            pending.append(article)
        if len(pending) >= settings.ner_batch_size or (n == len(workload) - 1 and pending):
            t3 = time.process_time()
            extractor.extract(pending)
            spent["entities"] += time.process_time() - t3
            pending = []
    rate = len(workload) / (time.perf_counter() - started)
    return rate, {stage: 1000 * seconds / len(workload) for stage, seconds in spent.items()}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def through_kafka(
    broker: str, workload: list[RawMessage], workers: int, workdir: Path, rate: float | None = None
) -> dict[str, float]:
    """Run the workload through ``workers`` worker processes; ``rate`` (messages/s) makes the producer open-loop."""
    workdir.mkdir(parents=True)
    deployment = new_pipeline(broker, workdir)
    try:
        for _ in range(workers):
            deployment.start_worker()
        sent_at = asyncio.run(_produce(deployment, workload, rate))
        results = _collect(deployment, sent_at)
        results["peak_rss_mb"] = max(peak_rss_mb(w.pid) for w in deployment.workers)
    finally:
        deployment.stop()
    return results


async def _produce(deployment: Pipeline, workload: list[RawMessage], rate: float | None) -> dict[str, float]:
    """Sends the workload; returns each message's identity → send time (epoch seconds)."""
    kafka = producer(deployment.broker)
    await kafka.start()
    sent_at: dict[str, float] = {}
    started = time.monotonic()
    try:
        for n, message in enumerate(workload):
            if rate:
                await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            metadata = await (await kafka.send(deployment.topic("raw"), message.value, key=message.key))
            sent_at[message_identity(message.value, metadata.partition, metadata.offset)] = metadata.timestamp / 1000
    finally:
        await kafka.stop()
    return sent_at


def _collect(deployment: Pipeline, sent_at: dict[str, float]) -> dict[str, float]:
    """Waits for an outcome per message; throughput from first send to last outcome, latency per enriched."""
    deadline = time.monotonic() + 3600
    while True:
        outputs = {name: deployment.read_records(deployment.topic(name), 0, 20, 1) for name in OUTPUTS}
        identities = [
            identity for name, records in outputs.items() for identity in _identities(deployment, name, records)
        ]
        if not account(list(sent_at), identities).lost or time.monotonic() > deadline:
            break
        time.sleep(3)
    first = min(sent_at.values())
    last = max(r.timestamp for records in outputs.values() for r in records) / 1000
    latencies = sorted(
        r.timestamp / 1000 - sent_at[identity]
        for r, identity in zip(
            outputs["enriched"], _identities(deployment, "enriched", outputs["enriched"]), strict=True
        )
        if identity in sent_at
    )

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return {"rate": len(sent_at) / (last - first), "p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99)}


def _identities(deployment: Pipeline, name: str, records: list) -> list[str]:
    if name == "deadletter":
        raw_topic = deployment.topic("raw")
        return [dead_letter_identity(DeadLetter.model_validate_json(r.value), raw_topic) for r in records]
    return [f"id:{orjson.loads(r.value)['id']}" for r in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--open-loop-seconds", type=float, default=60)
    args = parser.parse_args()
    settings = Settings()
    workload = build(args.articles)
    print(
        f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB"
    )
    print(
        f"workload: {len(workload)} messages (~20% copies, ~2% bad), {sum(len(m.value) for m in workload) / 2**20:.0f} MiB"
    )
    ceiling, cpu = in_process(workload, settings)
    print(
        f"(a) in-process ceiling: {ceiling:.1f} articles/s; CPU ms/article: "
        + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
    )
    broker = broker_session()
    address = next(broker)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            one = through_kafka(address, workload, 1, Path(workdir) / "one")
            print(
                f"(b) 1 worker: {one['rate']:.1f} articles/s, burst latency p50 {one['p50']:.1f}s p99 {one['p99']:.1f}s, peak RSS {one['peak_rss_mb']:.0f} MB"
            )
            two = through_kafka(address, workload, 2, Path(workdir) / "two")
            print(f"(c) 2 workers: {two['rate']:.1f} articles/s, peak RSS per worker {two['peak_rss_mb']:.0f} MB")
            rate = one["rate"] / 2
            steady = workload[: max(50, int(rate * args.open_loop_seconds))]
            half = through_kafka(address, steady, 1, Path(workdir) / "half", rate=rate)
            print(
                f"(d) 1 worker open-loop at {rate:.1f}/s (half of b): latency p50 {half['p50']:.2f}s "
                f"p95 {half['p95']:.2f}s p99 {half['p99']:.2f}s"
            )
    finally:
        next(broker, None)
    print(f"ratio_e2e={one['rate'] / ceiling:.2f} ratio_scale={two['rate'] / one['rate']:.2f}")


if __name__ == "__main__":
    main()
