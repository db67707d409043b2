"""The ``news-ingest`` command line. ``worker`` hands over to Faust's own CLI; the rest are ours."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from worker.logs import LogFormat

if TYPE_CHECKING:
    from pydantic import ValidationError

    from worker.inputs import InputRecord
    from worker.settings import Settings

T = TypeVar("T")

cli = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
topics_cli = typer.Typer(help="Kafka topics of the pipeline.", no_args_is_help=True)
schema_cli = typer.Typer(help="JSON Schema of the published records.", no_args_is_help=True)
cli.add_typer(topics_cli, name="topics")
cli.add_typer(schema_cli, name="schema")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

BrokerOption = Annotated[
    str | None,
    typer.Option("--broker", "-b", help="Kafka bootstrap, e.g. kafka://localhost:9092 (default: settings)."),
]


def _settings(broker: str | None = None, **overrides: str | None) -> Settings:
    """Settings with command-line overrides (``broker``, or any setting by name), applied before the app is
    imported. A wrong value is one line on stderr naming the variable, and exit code 2."""
    from pydantic import ValidationError

    from worker.settings import get_settings

    for name, value in {"broker": broker, **overrides}.items():
        if value:
            os.environ[f"NEWS_INGEST_{name.upper()}"] = value
            get_settings.cache_clear()
    try:
        return get_settings()
    except ValidationError as exc:
        _fail(settings_error(exc), code=2)


def settings_error(exc: ValidationError) -> str:
    """``NEWS_INGEST_PARTITIONS='abc': Input should be a valid integer…`` for each wrong setting."""
    from worker.settings import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    problems = []
    for error in exc.errors():
        if not error["loc"]:  # a rule across settings: its message names them, and the input holds them all
            problems.append(error["msg"].removeprefix("Value error, "))
            continue
        name = f"{prefix}{'_'.join(str(part) for part in error['loc']).upper()}"
        value = "***" if SECRET_NAME.search(name) else repr(error["input"])
        problems.append(f"{name}={value}: {error['msg']}")
    return "invalid setting " + "; ".join(problems)


SECRET_NAME = re.compile(r"password|secret|token|key", re.IGNORECASE)


def mask_secrets(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with the value of every secret-looking name (password, secret, token, key) masked."""
    return {
        name: "***" if SECRET_NAME.search(name) and value not in (None, "") else value
        for name, value in settings.items()
    }


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


def _run(broker: str, work: Coroutine[Any, Any, T]) -> T:
    """Run a command's Kafka work. An unreachable broker or a Kafka error ends it with one line on stderr
    and exit code 1; connecting is bounded by ``worker.kafka.CONNECT_TIMEOUT_SECONDS``."""
    from aiokafka.errors import KafkaError

    from worker.kafka import BrokerUnavailable, bootstrap_servers

    try:
        return asyncio.run(work)
    except BrokerUnavailable as exc:
        _fail(str(exc))
    except (KafkaError, TimeoutError) as exc:
        _fail(f"Kafka at {bootstrap_servers(broker)}: {type(exc).__name__}: {exc}")


@cli.callback()
def _startup() -> None:
    # Every command validates the settings first, so a wrong value fails before any work starts.
    _settings()


@cli.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def worker(
    ctx: typer.Context,
    broker: Annotated[
        str | None, typer.Option("--broker", help="Kafka bootstrap, e.g. kafka://localhost:9092 (default: settings).")
    ] = None,
    log_format: Annotated[
        LogFormat | None,
        typer.Option("--log-format", help="text (human-readable) or json (one object per line); default: settings."),
    ] = None,
) -> None:
    """Start a worker: Faust's own worker command and its options (-l/--loglevel, -f/--logfile, -p/--web-port…).

    The broker is checked first: if it does not answer within seconds, the worker does not start. Local stores
    that belong to another Kafka cluster, app or topics are discarded (and restored from the changelog). Then
    the NER model is loaded and the cores warmed up, before the worker joins its group.
    """
    help_only = "--help" in ctx.args
    if help_only:
        out.print(ctx.get_help(), highlight=False, markup=False)
        out.print("\nFaust's worker options:")
    else:
        settings = _settings(broker, log_format=log_format and log_format.value)
        from worker.kafka import cluster_id

        cluster = _run(settings.broker, cluster_id(settings.broker))
    from worker import agents, rebalances, web  # noqa: F401  (registers agents, rebalance hooks, web pages)
    from worker.app import app

    if not help_only:
        if discarded := agents.local_state.claim(agents.state_owner(cluster)):
            err.print(
                f"worker: the local stores in {settings.data_dir} belonged to cluster {discarded.cluster_id} (app"
                f" {discarded.app_id}); the broker is cluster {cluster}: discarded, restored from the changelog",
                highlight=False,
            )
        from worker.entities import ModelLoadError

        try:
            agents.warmed_up()
        except ModelLoadError as exc:  # a missing or broken model: said plainly, before the worker joins its group
            _fail(f"the worker could not load {exc}")
        except Exception as exc:
            _fail(f"the worker could not warm up: {exc!r}")

    # Faust's banner is not a log line: in JSON it would break the one-object-per-line output.
    quiet = ["--quiet"] if app.conf.logging_config else []
    sys.argv = [sys.argv[0], *quiet, "worker", *ctx.args]
    app.main()


@topics_cli.command("create")
def topics_create(broker: BrokerOption = None) -> None:
    """Create every topic the worker reads or writes (run before the first worker starts)."""
    settings = _settings(broker)
    from worker.app import topic_specs
    from worker.kafka import create_topics

    specs = topic_specs()
    created = _run(settings.broker, create_topics(settings.broker, specs, settings.replication_factor))
    for name, partitions, config in specs:
        state = "created" if name in created else "exists"
        out.print(f"{name:40} partitions={partitions}  {state:8} {config}")


@topics_cli.command("describe")
def topics_describe(
    broker: BrokerOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object: topic → partitions (null: missing).")
    ] = False,
) -> None:
    """Partitions of every topic, with end offset, the worker group's committed offset and its lag.

    Lag is shown for the topics the worker's agents read; with nothing committed yet, it counts from the
    start of the log. Output and changelog topics are not read through the group: their lag is '-'.
    """
    settings = _settings(broker)
    from worker import agents  # noqa: F401  (registers the agents: which topics the group reads)
    from worker.app import app, topic_specs
    from worker.kafka import describe_topics

    readers = {agent.channel.get_topic_name(): agent.name.rsplit(".", 1)[-1] for agent in app.agents.values()}
    names = [name for name, _, _ in topic_specs()]
    described = _run(settings.broker, describe_topics(settings.broker, settings.app_id, names))
    if as_json:
        data = {
            topic: None
            if rows is None
            else [
                {
                    "partition": row.partition,
                    "start": row.start,
                    "end": row.end,
                    "committed": row.committed,
                    "lag": row.lag if topic in readers else None,
                    "read_by": readers.get(topic),
                }
                for row in rows
            ]
            for topic, rows in described.items()
        }
        sys.stdout.buffer.write(orjson.dumps(data) + b"\n")
        return
    table = Table(title=f"consumer group {settings.app_id} at {settings.broker}")
    table.add_column("topic", overflow="fold")
    table.add_column("read by")
    for column in ("partition", "end offset", "committed", "lag"):
        table.add_column(column, justify="right")
    for topic, rows in described.items():
        if rows is None:
            table.add_row(topic, "", "-", "[red]missing[/]", "", "")
            table.caption = "missing topics: run `news-ingest topics create`"
            continue
        for row in rows:
            lag = str(row.lag) if topic in readers else "-"
            committed = "-" if row.committed is None else str(row.committed)
            table.add_row(topic, readers.get(topic, ""), str(row.partition), str(row.end), committed, lag)
    out.print(table)


class KeyFrom(StrEnum):
    none = "none"
    filename = "filename"
    id = "id"
    url = "url"


def message_key(record: InputRecord, key_from: KeyFrom | None) -> bytes | None:
    """The Kafka key of an input: by default the file name for .html/.txt files and none for JSONL lines;
    ``filename`` keys JSONL lines by their file's name, ``id``/``url`` by that field of the JSON value."""
    if key_from is None:
        return record.key
    if key_from is KeyFrom.filename:
        return record.key or (None if record.origin == "-" else Path(record.origin).name.encode())
    if key_from is KeyFrom.none:
        return None
    try:
        data = orjson.loads(record.value)
    except orjson.JSONDecodeError:
        return None
    field = data.get(key_from.value) if isinstance(data, dict) else None
    return str(field).encode() if field not in (None, "") else None


@cli.command()
def send(
    paths: Annotated[list[str], typer.Argument(help="JSONL files, directories of .html/.txt/.jsonl, or - for stdin.")],
    broker: BrokerOption = None,
    topic: Annotated[str | None, typer.Option(help="Target topic (default: the raw topic).")] = None,
    key_from: Annotated[
        KeyFrom | None,
        typer.Option(
            "--key-from",
            help="Message key: none, filename, or the JSON value's id or url field "
            "(default: the file name for .html/.txt files, none for JSONL lines).",
        ),
    ] = None,
    rate: Annotated[float | None, typer.Option("--rate", min=0.001, help="Send at most N messages per second.")] = None,
) -> None:
    """Send raw articles to the raw topic."""
    settings = _settings(broker)
    from worker.inputs import read_inputs
    from worker.kafka import connected, producer

    target = topic or settings.topic_raw
    unkeyed = oversized = 0

    async def run() -> int:
        nonlocal unkeyed, oversized
        sent = 0
        loop = asyncio.get_running_loop()
        async with connected(producer(settings.broker), settings.broker) as kafka:
            started = loop.time()
            pending = []
            with _progress() as progress:
                task = progress.add_task("sending", total=None)
                for record in read_inputs(paths, settings.max_payload_bytes):
                    if record.oversize is not None:
                        oversized += 1
                        err.print(f"skipped {_too_large(record, settings)}", highlight=False, markup=False)
                        continue
                    if rate and (wait := started + sent / rate - loop.time()) > 0:
                        await asyncio.sleep(wait)
                    key = message_key(record, key_from)
                    unkeyed += key is None
                    pending.append(await kafka.send(target, record.value, key=key))
                    sent += 1
                    progress.advance(task)
                    if len(pending) >= 1000:
                        await asyncio.gather(*pending)  # surfaces a failed send as a KafkaError
                        pending.clear()
                await asyncio.gather(*pending)
        return sent

    started = time.perf_counter()
    try:
        sent = _run(settings.broker, run())
    except FileNotFoundError as exc:
        _fail(str(exc))
    seconds = time.perf_counter() - started
    keys = f", {unkeyed} without a key" if key_from in (KeyFrom.id, KeyFrom.url) and unkeyed else ""
    err.print(f"sent {sent} messages to {target} in {seconds:.1f}s ({sent / seconds:.1f}/s){keys}", highlight=False)
    if oversized:
        _fail(f"{oversized} inputs over NEWS_INGEST_MAX_PAYLOAD_BYTES={settings.max_payload_bytes} were not sent")


def _too_large(record: InputRecord, settings: Settings) -> str:
    return f"{record.where}: {record.oversize} bytes > NEWS_INGEST_MAX_PAYLOAD_BYTES={settings.max_payload_bytes}"


@cli.command()
def tail(
    topics: Annotated[list[str], typer.Argument(help="Topics to read, e.g. news.enriched news.duplicates.")],
    broker: BrokerOption = None,
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start at the oldest record.")] = False,
    count: Annotated[int | None, typer.Option("-n", help="Stop after this many records.")] = None,
    idle_timeout: Annotated[
        float | None, typer.Option("--timeout", help="Stop after this many seconds without a record.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Each record as one raw JSON line.")] = False,
    pretty: Annotated[bool, typer.Option("--pretty", help="Each record as indented, colored JSON.")] = False,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief", help="One plain line per outcome (a verdict names the story it copies); a summary on stderr."
        ),
    ] = False,
    save: Annotated[
        Path | None, typer.Option("--save", help="Also write each record, as one JSON line, to this file.")
    ] = None,
) -> None:
    """Print the records of one or more topics as they arrive: a summary line each, or the records themselves."""
    settings = _settings(broker)
    from worker.kafka import consume

    lines = Brief(topics)
    started = time.perf_counter()

    def show(text: str) -> None:
        out.print(text, highlight=False, markup=False)

    async def run() -> None:
        seen = 0
        async for record in consume(settings.broker, topics, from_beginning, idle_timeout):
            if saved is not None:
                saved.write(record.value + b"\n")
            if as_json:
                sys.stdout.buffer.write(record.value + b"\n")
                sys.stdout.flush()
            elif pretty:
                out.print_json(record.value.decode("utf-8", "replace"))
            elif brief:
                for line in lines.add(record.topic, record.value):
                    show(line)
            else:
                out.print(summarize(record.value), highlight=False)
            seen += 1
            if count is not None and seen >= count:
                return

    saved = save.open("wb") if save is not None else None
    try:
        _run(settings.broker, run())
    finally:
        if saved is not None:
            saved.close()
    if brief:
        for line in lines.finish():
            show(line)
        err.print(lines.summary(time.perf_counter() - started), highlight=False, markup=False)


class Brief:
    """``tail --brief``: one plain line per outcome record, whatever its topic.

    A duplicate verdict names the title of the story it copies once that story's enriched record has been
    read; verdicts that arrive first are held back until then, or until ``finish``.
    """

    TOP_ENTITIES = 4
    TITLE_CHARS = 70

    def __init__(self, topics: list[str]) -> None:
        self.titles: dict[str, str] = {}
        self.held: list[dict[str, Any]] = []
        self.counts = dict.fromkeys(topics, 0)

    def add(self, topic: str, value: bytes) -> list[str]:
        """The lines to print now for this record of ``topic``."""
        self.counts[topic] = self.counts.get(topic, 0) + 1
        try:
            data = orjson.loads(value)
        except orjson.JSONDecodeError:
            return [f"{'other':10} {len(value)} bytes {value[:80]!r}"]
        if not isinstance(data, dict):
            return [f"{'other':10} {str(data)[:120]}"]
        if "entities" in data:
            self.titles[data["id"]] = self.title(data)
            released = [v for v in self.held if v["duplicate_of"] == data["id"]]
            self.held = [v for v in self.held if v["duplicate_of"] != data["id"]]
            return [self.enriched(data), *map(self.verdict, released)]
        if "duplicate_of" in data:
            if data["duplicate_of"] in self.titles:
                return [self.verdict(data)]
            self.held.append(data)
            return []
        if "reason" in data and "stage" in data:
            return [self.dead_letter(data)]
        return [f"{'other':10} {orjson.dumps(data)[:120].decode('utf-8', 'replace')}"]

    def finish(self) -> list[str]:
        """The verdicts still held back: their story was not read."""
        held, self.held = self.held, []
        return [self.verdict(v) for v in held]

    def summary(self, seconds: float) -> str:
        """``read 5 records in 9.1s: news.enriched 3, news.duplicates 1, news.deadletter 1``."""
        total = sum(self.counts.values())
        per_topic = ", ".join(f"{topic} {n}" for topic, n in self.counts.items())
        return f"read {total} records in {seconds:.1f}s: {per_topic}"

    @classmethod
    def title(cls, data: dict[str, Any]) -> str:
        """The headline in quotes, cut to ``TITLE_CHARS``."""
        title = data.get("title") or "(no title)"
        return f'"{title if len(title) <= cls.TITLE_CHARS else title[: cls.TITLE_CHARS - 1] + "…"}"'

    @classmethod
    def enriched(cls, data: dict[str, Any]) -> str:
        entities = data["entities"]
        top = ", ".join(e.get("canonical") or e["text"] for e in entities[: cls.TOP_ENTITIES])
        more = f": {top}{', …' if len(entities) > cls.TOP_ENTITIES else ''}" if entities else ""
        version = f"version {data['version']}, " if data.get("version", 1) > 1 else ""
        return (
            f"{'enriched':10} {data['id']} {data.get('language') or '-'} {cls.title(data)} "
            f"{version}{len(entities)} entities{more}"
        )

    def verdict(self, data: dict[str, Any]) -> str:
        title = self.titles.get(data["duplicate_of"])
        original = f"{data['duplicate_of']} {title}" if title else data["duplicate_of"]
        return (
            f"{'duplicate':10} {data['id']} {data.get('kind', '?')} copy of {original} "
            f"similarity {data.get('similarity', 0):.2f}"
        )

    @staticmethod
    def dead_letter(data: dict[str, Any]) -> str:
        return (
            f"{'deadletter':10} {data['reason']} at {data['stage']} from {data.get('topic')}[{data.get('partition')}]"
            f"@{data.get('offset')}: {data.get('detail', '')[:120]}"
        )


@cli.command()
def replay(
    broker: BrokerOption = None,
    reasons: Annotated[
        list[str] | None, typer.Option("--reason", help="Only dead letters with this reason code (repeatable).")
    ] = None,
    stage: Annotated[
        str | None, typer.Option(help="Only dead letters from this stage: clean, dedup, entities.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Replay at most N dead letters.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be replayed; send nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Also replay too_large dead letters.")] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Also replay dead letters that an earlier run replayed.")
    ] = False,
    until_idle: Annotated[
        float, typer.Option("--until-idle", min=0.1, help="Stop reading after this many seconds without a record.")
    ] = 5.0,
) -> None:
    """Send chosen dead letters' original bytes and key back to the topic they came from.

    That is the raw topic for the clean stage. The dead-letter topic is read from the beginning up to its end
    when the command starts, so letters that fail again are not replayed twice in one run. Replayed letters
    are recorded in the ledger topic ``<dead-letter topic>.replayed``, and later runs skip them.
    """
    settings = _settings(broker)
    from typing import get_args

    from schemas import DeadLetterReason, Stage
    from worker.replay import REFUSED_REASONS, Selection, replay

    for value, allowed in [*((r, get_args(DeadLetterReason)) for r in reasons or ()), (stage, get_args(Stage))]:
        if value is not None and value not in allowed:
            _fail(f"unknown reason or stage {value!r}; expected one of: {', '.join(allowed)}", code=2)
    selection = Selection(frozenset(reasons or ()), stage, limit, force, again)

    def show(letter) -> None:
        key = "-" if letter.key is None else letter.key.decode("utf-8", "replace")
        out.print(
            f"{'would replay' if dry_run else 'replay'} {letter.reason} at {letter.stage} "
            f"{letter.topic}[{letter.partition}]@{letter.offset} key={key} {len(letter.original)} bytes",
            highlight=False,
            markup=False,
        )

    report = _run(
        settings.broker, replay(settings.broker, settings.topic_deadletter, selection, until_idle, dry_run, show)
    )
    verb = "would replay" if dry_run else "replayed"
    notes = [f"{report.read} read"]
    if report.refused:
        notes.append(f"{report.refused} refused ({', '.join(sorted(REFUSED_REASONS))}; use --force)")
    if report.replayed_before:
        notes.append(f"{report.replayed_before} replayed before (use --again)")
    if report.unreadable:
        notes.append(f"{report.unreadable} unreadable")
    err.print(
        f"{verb} {len(report.chosen)} dead letters from {settings.topic_deadletter} in {report.seconds:.1f}s "
        f"({', '.join(notes)})",
        highlight=False,
    )


def summarize(value: bytes) -> str:
    """One line for a record of any of the pipeline's topics (rich markup)."""
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError:
        return f"[dim]{len(value)} bytes[/] {value[:100]!r}"
    if not isinstance(data, dict):
        return str(data)[:200]
    if "entities" in data:
        names = ", ".join(e["text"] for e in data["entities"][:6])
        return (
            f"[bold green]{data['id']}[/] {data.get('published_at') or '-'} "
            f"[bold]{data.get('title') or '(no title)'}[/] [dim]{data['word_count']} words[/] [cyan]{names}[/]"
        )
    if "duplicate_of" in data:
        return (
            f"[bold yellow]{data['id']}[/] {data['kind']} duplicate of [bold]{data['duplicate_of']}[/] "
            f"similarity={data['similarity']:.2f}"
        )
    if "reason" in data and "stage" in data:
        return (
            f"[bold red]{data['reason']}[/] at {data['stage']} from {data['topic']}[{data['partition']}]"
            f"@{data['offset']}: {data['detail'][:120]}"
        )
    return orjson.dumps(data)[:200].decode("utf-8", "replace")


@cli.command()
def process(
    inputs: Annotated[list[str], typer.Argument(help="JSONL files, directories of .html/.txt, or - for stdin.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for enriched/duplicates/deadletter.jsonl.")],
) -> None:
    """Run the pipeline offline, file to file, with the worker's cores and dedup semantics."""
    settings = _settings()
    from datetime import UTC, datetime

    from worker.entities import EntityExtractor
    from worker.errors import Rejected
    from worker.inputs import read_inputs
    from worker.pipeline import Message, OfflinePipeline, dead_letter

    started = time.perf_counter()
    pipeline = OfflinePipeline(settings, EntityExtractor.from_settings(settings))
    out_dir.mkdir(parents=True, exist_ok=True)
    names = ("enriched", "duplicates", "deadletter")
    files = {name: (out_dir / f"{name}.jsonl").open("wb") for name in names}
    counts = dict.fromkeys(names, 0)
    now = datetime.now(UTC)

    def messages() -> Iterator[Message]:
        """The inputs as messages; one over the size limit is dead-lettered here, without its bytes."""
        for record in read_inputs(inputs, settings.max_payload_bytes):
            message = Message(record.value, record.key, record.origin, 0, record.index, now)
            if record.oversize is None:
                yield message
                continue
            rejected = Rejected("too_large", f"{_too_large(record, settings)}; not read, so not kept")
            files["deadletter"].write(dead_letter("clean", message, rejected).to_json() + b"\n")
            counts["deadletter"] += 1

    try:
        with _progress() as progress:
            task = progress.add_task("processing", total=None)
            for output, record in pipeline.run(messages()):
                files[output].write(record.to_json() + b"\n")
                counts[output] += 1
                progress.advance(task)
    finally:
        for handle in files.values():
            handle.close()
    seconds = time.perf_counter() - started
    total = sum(counts.values())
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    err.print(f"{total} articles in {seconds:.1f}s ({total / seconds:.1f}/s): {summary} → {out_dir}")
    if total:
        stages = ", ".join(f"{stage} {1000 * cpu / total:.1f}" for stage, cpu in pipeline.cpu_seconds.items())
        err.print(f"CPU ms per article: {stages}")


@cli.command()
def check(
    broker: BrokerOption = None,
    idle_timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds without a record that end the read of a topic.")
    ] = 5,
    show: Annotated[int, typer.Option("--show", help="How many raw messages to list of each kind.")] = 10,
) -> None:
    """Check the accounting invariant: every message on the raw topic has exactly one outcome (an enriched record, a duplicate verdict or a dead letter).

    Every outcome names the raw message it came from (its origin: partition and offset), so plain text, HTML and JSON with or without ids are all matched. Run it once the workers have caught up (news-ingest topics describe shows lag 0). Exit code 1 when a message has no outcome (lost) or an outcome has no message (unexpected); doubles, which at-least-once replays may add, are counted and listed.
    """
    settings = _settings(broker)
    from worker.accounting import Report, account, message_identity, outcome_identity
    from worker.kafka import consume

    async def identities(topic: str, identify: Callable[[Any], str]) -> list[str]:
        return [identify(r) async for r in consume(settings.broker, topic, True, idle_timeout)]

    async def run() -> Report:
        raw = await identities(settings.topic_raw, lambda r: message_identity(r.partition, r.offset))
        outcomes = []
        for topic in (settings.topic_enriched, settings.topic_duplicates, settings.topic_deadletter):
            dead = topic == settings.topic_deadletter
            outcomes += await identities(
                topic, lambda r, dead=dead: outcome_identity(r.value, dead, settings.topic_raw)
            )
        return account(raw, outcomes)

    report = _run(settings.broker, run())
    out.print(report.summary(), highlight=False)
    for kind in ("lost", "doubled", "unexpected"):
        if ids := getattr(report, kind):
            out.print(f"{kind}: {', '.join(ids[:show])}{' …' if len(ids) > show else ''}", highlight=False)
    if report.lost or report.unexpected:
        raise typer.Exit(1)


@cli.command()
def bench(
    articles: Annotated[int, typer.Option(help="Messages in the workload (~20% copies, ~2% bad inputs).")] = 5000,
    open_loop_seconds: Annotated[float, typer.Option(help="Length of the open-loop latency runs (d) and (e).")] = 60,
    variant: Annotated[
        list[str] | None,
        typer.Option(help="name:NEWS_INGEST_X=v,… — run (b) to (e) with these worker settings instead (repeatable)."),
    ] = None,
    broker: Annotated[
        str | None, typer.Option("--broker", "-b", help="A running broker (default: the local test broker).")
    ] = None,
) -> None:
    """End-to-end benchmark: (a) in process, (b) 1 worker, (c) 2 workers through Kafka, (d, e) latency at half rate.

    The workload comes from the evaluation sets bundled in bench/data (in a checkout and in the installed package). Without --broker it uses the local test broker (dev/kafka.sh, port 19092) and starts one if none listens. The last line is ratio_e2e=<b/a> ratio_scale=<c/b>.
    """
    from bench.pipeline import parse_variant, run
    from bench.workload import DEFAULT_EVAL

    if not DEFAULT_EVAL.is_dir():
        _fail(f"the benchmark needs the evaluation sets in {DEFAULT_EVAL}")
    if broker:
        from worker.kafka import check_reachable

        _run(broker, check_reachable(broker))
    run(articles, open_loop_seconds, [parse_variant(v) for v in variant or []], broker)


@schema_cli.command("export")
def schema_export(
    directory: Annotated[Path, typer.Argument(help="Where to write *.schema.json.")] = Path("schemas"),
) -> None:
    """Write the JSON Schema of every published record."""
    from schemas import export_json_schemas

    for path in export_json_schemas(directory):
        out.print(str(path))


@cli.command()
def config() -> None:
    """Print the effective settings (from NEWS_INGEST_* variables and .env) as JSON, secrets masked."""
    settings = _settings()
    out.print_json(orjson.dumps(mask_secrets(settings.model_dump(mode="json"))).decode())


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} messages"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def main() -> None:
    cli()
