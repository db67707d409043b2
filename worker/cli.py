"""The ``news-ingest`` command line. ``worker`` hands over to Faust's own CLI; the rest are ours."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn

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


def _settings(broker: str | None = None):
    """Settings with an optional ``--broker`` override, applied before the app is imported."""
    from worker.settings import get_settings

    if broker:
        os.environ["NEWS_INGEST_BROKER"] = broker
        get_settings.cache_clear()
    return get_settings()


@cli.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def worker(ctx: typer.Context) -> None:
    """Start a worker: Faust's own ``worker`` command (try ``news-ingest worker --help``)."""
    from worker import agents, web  # noqa: F401  (registers the agents and the web pages)
    from worker.app import app

    sys.argv = [sys.argv[0], "worker", *ctx.args]
    app.main()


@topics_cli.command("create")
def topics_create(broker: BrokerOption = None) -> None:
    """Create every topic the worker reads or writes (run before the first worker starts)."""
    settings = _settings(broker)
    from worker.app import topic_specs
    from worker.kafka import create_topics

    specs = topic_specs()
    created = asyncio.run(create_topics(settings.broker, specs, settings.replication_factor))
    for name, partitions, config in specs:
        state = "created" if name in created else "exists"
        out.print(f"{name:40} partitions={partitions}  {state:8} {config}")


@cli.command()
def send(
    paths: Annotated[list[str], typer.Argument(help="JSONL files, directories of .html/.txt/.jsonl, or - for stdin.")],
    broker: BrokerOption = None,
    topic: Annotated[str | None, typer.Option(help="Target topic (default: the raw topic).")] = None,
) -> None:
    """Send raw articles to the raw topic."""
    settings = _settings(broker)
    from worker.inputs import read_inputs
    from worker.kafka import producer

    async def run() -> int:
        sent = 0
        kafka = producer(settings.broker)
        await kafka.start()
        try:
            with _progress() as progress:
                task = progress.add_task("sending", total=None)
                for record in read_inputs(paths):
                    await kafka.send(topic or settings.topic_raw, record.value, key=record.key)
                    sent += 1
                    progress.advance(task)
                await kafka.flush()
        finally:
            await kafka.stop()
        return sent

    started = time.perf_counter()
    sent = asyncio.run(run())
    err.print(f"sent {sent} messages to {topic or settings.topic_raw} in {time.perf_counter() - started:.1f}s")


@cli.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Topic to read, e.g. news.enriched.")],
    broker: BrokerOption = None,
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start at the oldest record.")] = False,
    count: Annotated[int | None, typer.Option("-n", help="Stop after this many records.")] = None,
    idle_timeout: Annotated[
        float | None, typer.Option("--timeout", help="Stop after this many seconds without a record.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Each record as one raw JSON line.")] = False,
    pretty: Annotated[bool, typer.Option("--pretty", help="Each record as indented, colored JSON.")] = False,
) -> None:
    """Print the records of a topic as they arrive: a summary line each, or the records themselves."""
    settings = _settings(broker)
    from worker.kafka import consume

    async def run() -> None:
        seen = 0
        async for record in consume(settings.broker, topic, from_beginning, idle_timeout):
            if as_json:
                sys.stdout.buffer.write(record.value + b"\n")
                sys.stdout.flush()
            elif pretty:
                out.print_json(record.value.decode("utf-8", "replace"))
            else:
                out.print(summarize(record.value), highlight=False)
            seen += 1
            if count is not None and seen >= count:
                return

    asyncio.run(run())


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
    from worker.inputs import read_inputs
    from worker.pipeline import Message, OfflinePipeline

    started = time.perf_counter()
    pipeline = OfflinePipeline(settings, EntityExtractor(settings.ner_model, settings.ner_batch_size))
    out_dir.mkdir(parents=True, exist_ok=True)
    names = ("enriched", "duplicates", "deadletter")
    files = {name: (out_dir / f"{name}.jsonl").open("wb") for name in names}
    counts = dict.fromkeys(names, 0)
    now = datetime.now(UTC)
    messages = (Message(r.value, r.key, r.origin, 0, r.index, now) for r in read_inputs(inputs))
    try:
        with _progress() as progress:
            task = progress.add_task("processing", total=None)
            for output, record in pipeline.run(messages):
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
    """Print the effective settings (from NEWS_INGEST_* variables and .env)."""
    settings = _settings()
    out.print_json(orjson.dumps(settings.model_dump(mode="json")).decode())


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
