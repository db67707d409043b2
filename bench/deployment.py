"""Real deployments on this machine, for tests and benchmarks: a local Kafka broker from dev/kafka.sh, and
worker processes on their own app id and topics."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from worker.accounting import Report, account, message_identity, outcome_identity
from worker.kafka import consumer as kafka_consumer
from worker.kafka import describe_topics, producer

ROOT = Path(__file__).resolve().parents[1]
BROKER_PORT = int(os.environ.get("NEWS_INGEST_TEST_KAFKA_PORT", "19092"))
KAFKA_SH = ROOT / "dev" / "kafka.sh"
CLI = [sys.executable, "-m", "worker"]
# What the workers log when they give partitions up or take them, or leave work to be done again.
HANDOVER_LOG_MARKS = ("Signal received", "rebalance", "partition assignment", "left uncommitted", "never processed")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalBroker:
    """A single-node broker run by dev/kafka.sh on ``port`` (controller on ``port + 1``)."""

    port: int = BROKER_PORT
    data_dir: Path | None = None  # dev/kafka.sh's default when None

    @property
    def url(self) -> str:
        return f"kafka://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "KAFKA_PORT": str(self.port), "KAFKA_CONTROLLER_PORT": str(self.port + 1)}
        if self.data_dir is not None:
            env["KAFKA_DATA"] = str(self.data_dir)
        return env

    def listening(self) -> bool:
        return _port_open(self.port)

    def start(self) -> None:
        subprocess.run(["bash", str(KAFKA_SH), "start"], env=self._env(), check=True)

    def stop(self) -> None:
        subprocess.run(["bash", str(KAFKA_SH), "stop"], env=self._env(), check=False)


def broker_session(port: int = BROKER_PORT, data_dir: Path | None = None) -> Iterator[str]:
    """``kafka://127.0.0.1:PORT``: a broker already listening there, else one started by dev/kafka.sh (and
    stopped afterwards)."""
    broker = LocalBroker(port, data_dir)
    started = not broker.listening()
    if started:
        broker.start()
    try:
        yield broker.url
    finally:
        if started:
            broker.stop()


@dataclass
class Pipeline:
    """One isolated deployment: its own app id, topic names, data dir and worker processes."""

    broker: str
    env: dict[str, str]
    workdir: Path
    workers: list[subprocess.Popen | None] = field(default_factory=list)
    web_ports: list[int] = field(default_factory=list)
    launches: list[int] = field(default_factory=list)

    def topic(self, name: str) -> str:
        return self.env[f"NEWS_INGEST_TOPIC_{name.upper()}"]

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*CLI, *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def start_worker(
        self,
        slot: int | None = None,
        ready_timeout: float | None = 90,
        args: tuple[str, ...] = ("-l", "info"),
    ) -> subprocess.Popen:
        """Start a worker in a new slot (its own data dir and web port), or again in an existing ``slot``;
        ``args`` follow ``news-ingest worker``. Waits for it to be ready unless ``ready_timeout`` is None."""
        if slot is None:
            slot = len(self.workers)
            self.workers.append(None)
            self.web_ports.append(_free_port())
            self.launches.append(0)
        self.launches[slot] += 1
        log = self._log_path(slot).open("wb")
        env = {**self.env, "NEWS_INGEST_WEB_PORT": str(self.web_ports[slot])}
        env["NEWS_INGEST_DATA_DIR"] = str(self.workdir / f"data-{slot}")
        proc = subprocess.Popen(
            [*CLI, "worker", *args], env=env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        self.workers[slot] = proc
        if ready_timeout is not None:
            self.wait_for_log(slot, "Ready", ready_timeout)
        return proc

    def kill_worker(self, slot: int) -> None:
        self.workers[slot].send_signal(signal.SIGKILL)
        self.workers[slot].wait()

    def terminate_worker(self, slot: int, timeout: float = 60) -> tuple[int | None, float]:
        """SIGTERM the slot's worker: (its exit code, or None if it had not exited after ``timeout``; seconds)."""
        started = time.monotonic()
        self.workers[slot].send_signal(signal.SIGTERM)
        try:
            code = self.workers[slot].wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, time.monotonic() - started

    def _log_path(self, slot: int, launch: int | None = None) -> Path:
        return self.workdir / f"worker-{slot}.{launch or self.launches[slot]}.log"

    def log_text(self, slot: int) -> str:
        """The log of the slot's current (latest) launch."""
        return self._log_path(slot).read_text(errors="replace")

    def handovers(self) -> str:
        """The lines of every launch's log about partitions changing hands, in time order (each line starts with
        its time): what a fault test shows when an article came out twice or not at all."""
        lines = []
        for slot, launches in enumerate(self.launches):
            for launch in range(1, launches + 1):
                text = self._log_path(slot, launch).read_text(errors="replace")
                found = [line for line in text.splitlines() if any(mark in line for mark in HANDOVER_LOG_MARKS)]
                lines += [f"{line[:25]} worker {slot}.{launch}{line[25:]}" for line in found]
        return "\n".join(sorted(lines))

    def wait_for_log(self, slot: int, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text(slot):
                return
            if self.workers[slot].poll() is not None:
                break
            time.sleep(0.3)
        raise AssertionError(f"worker {slot} did not log {text!r}:\n{self.log_text(slot)[-4000:]}")

    def send(self, messages: list[tuple[bytes | None, bytes]], every: float = 0) -> list[int]:
        """Send (key, value) pairs to the raw topic, one each ``every`` seconds (0: in one burst); returns the
        partition each landed on."""

        async def run() -> list[int]:
            kafka = producer(self.broker)
            await kafka.start()
            try:
                futures = []
                for key, value in messages:
                    futures.append(await kafka.send(self.topic("raw"), value, key=key))
                    if every:
                        await asyncio.sleep(every)
                return [(await f).partition for f in futures]
            finally:
                await kafka.stop()

        return asyncio.run(run())

    def changelog_topic(self, table: str) -> str:
        return f"{self.env['NEWS_INGEST_APP_ID']}-{table}-changelog"

    def read(self, name: str, expected: int, timeout: float = 120, settle: float = 3) -> list[bytes]:
        """Values of one of the pipeline's topics (see ``read_records``)."""
        return [r.value for r in self.read_records(self.topic(name), expected, timeout, settle)]

    def read_records(self, topic: str, expected: int, timeout: float = 120, settle: float = 3) -> list:
        """Records of ``topic`` from the start, once at least ``expected`` are there and everything up to the
        topic's end has been read; then ``settle`` seconds more, to catch records that should not be there."""

        async def run() -> list:
            consumer = kafka_consumer(self.broker, topic, from_beginning=True)
            await consumer.start()
            try:
                while not consumer.assignment():  # without a group, every partition is assigned once known
                    await asyncio.sleep(0.05)
                partitions = sorted(consumer.assignment())
                records: list = []
                deadline, settled_at = time.monotonic() + timeout, None
                while time.monotonic() < deadline:
                    for batch in (await consumer.getmany(timeout_ms=300)).values():
                        records.extend(batch)
                    if len(records) < expected:
                        continue
                    ends = await consumer.end_offsets(partitions)
                    if all([await consumer.position(tp) >= ends[tp] for tp in partitions]):
                        settled_at = settled_at or time.monotonic() + settle
                        if time.monotonic() >= settled_at:
                            break
                return sorted(records, key=lambda r: (r.partition, r.offset))
            finally:
                await consumer.stop()

        return asyncio.run(run())

    def metric(self, slot: int, sample: str) -> float:
        """The value of one sample (name with its labels, as printed) on the slot's ``/metrics``; 0 if absent."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_ports[slot]}/metrics", timeout=10) as response:
            for line in response.read().decode().splitlines():
                if line.startswith(sample + " "):
                    return float(line.rsplit(" ", 1)[1])
        return 0.0

    def wait_for_count(self, name: str, count: int, timeout: float = 300) -> None:
        """Wait until one of the pipeline's topics holds at least ``count`` records."""
        deadline = time.monotonic() + timeout
        while (found := len(self.read(name, 0, timeout=10, settle=0))) < count:
            assert time.monotonic() < deadline, f"{name} holds {found} records after {timeout} s, not {count}"
            time.sleep(1)

    def raw_identities(self, expected: int, timeout: float = 60) -> list[str]:
        """The accounting identity of every message on the raw topic, once ``expected`` are there."""
        records = self.read_records(self.topic("raw"), expected, timeout, settle=1)
        return [message_identity(r.partition, r.offset) for r in records]

    def outcomes(self) -> list[str]:
        """The accounting identity of every record on the three output topics."""
        raw_topic = self.topic("raw")
        return [
            outcome_identity(value, name == "deadletter", raw_topic)
            for name in ("enriched", "duplicates", "deadletter")
            for value in self.read(name, 0, timeout=30, settle=1)
        ]

    def trace(self, identities: list[str], limit: int = 5) -> str:
        """Where each of (the first ``limit``) ``identities`` is seen on the way: its raw, cleaned and unique
        records (partition@offset) against the group's committed offset there, so a loss shows the stage
        that dropped it and whether its offset was committed unprocessed."""
        stages = ("raw", "cleaned", "unique")
        topics = [self.topic(name) for name in stages]
        lags = asyncio.run(describe_topics(self.broker, self.env["NEWS_INGEST_APP_ID"], topics))
        committed = {(lag.topic, lag.partition): lag.committed for rows in lags.values() for lag in rows or []}
        seen: dict[str, list[str]] = {identity: [] for identity in identities[:limit]}
        for name, topic in zip(stages, topics, strict=True):
            for record in self.read_records(topic, 0, timeout=30, settle=0):
                identity = (
                    message_identity(record.partition, record.offset)
                    if name == "raw"
                    else outcome_identity(record.value, False, topics[0])
                )
                if identity in seen:
                    where = f"{name} {record.partition}@{record.offset}"
                    seen[identity].append(f"{where} (committed {committed.get((topic, record.partition))})")
        return "; ".join(f"{identity}: {', '.join(path) or 'nowhere'}" for identity, path in seen.items())

    def wait_until_settled(self, raw: list[str], timeout: float, quiet: float = 15) -> Report:
        """Poll until every raw message has an outcome and nothing new arrived for ``quiet`` seconds (or time
        runs out); the accounting report of that moment."""
        deadline, last, stable_since = time.monotonic() + timeout, -1, time.monotonic()
        while True:
            found = self.outcomes()
            report = account(raw, found)
            if len(found) != last:
                last, stable_since = len(found), time.monotonic()
            elif not report.lost and time.monotonic() - stable_since > quiet:
                return report
            if time.monotonic() > deadline:
                return report
            time.sleep(5)

    def stop(self) -> None:
        """SIGTERM every running worker and wait for it (SIGKILL after 30 s)."""
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def new_pipeline(broker: str, workdir: Path, overrides: dict[str, str] | None = None) -> Pipeline:
    """A deployment on fresh topics (unique app id and names), topics created before any worker starts."""
    run = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "NEWS_INGEST_BROKER": broker,
        "NEWS_INGEST_APP_ID": f"news-ingest-test-{run}",
        "NEWS_INGEST_STORE": "rocksdb://",
        "PYTHONPATH": str(ROOT),
        **(overrides or {}),
    }
    for name in ("raw", "cleaned", "unique", "enriched", "duplicates", "deadletter"):
        env[f"NEWS_INGEST_TOPIC_{name.upper()}"] = f"test-{run}.{name}"
    workdir.mkdir(parents=True, exist_ok=True)
    deployment = Pipeline(broker, env, workdir)
    deployment.cli("topics", "create")
    return deployment
