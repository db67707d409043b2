"""Article extraction through Kafka: the four public sets' pages as raw HTML messages, through freshly started
workers on a real broker, scored on what the workers publish, beside the same messages through ``process`` (the
offline pipeline) and the clean stage as ``bench.extraction`` calls it, in one run.

Each page is one message, ``{"id", "url", "html"}`` keyed by its id, sent in one burst over the raw topic's
partitions as soon as the workers are ready. A page's published body is its enriched record's body; a page that
becomes a duplicate verdict or a dead letter publishes none and scores as an empty body. The workers' clean stage
is also scored on the ``cleaned`` topic, where every page that survived cleaning is, duplicates included.
A second run kills one of the workers (SIGKILL) once a third of the pages are cleaned, and starts it again.
Parity, in both runs: every page must have the same outcome (enriched, duplicate or dead letter with its reason)
and the same body through Kafka as through ``process`` (a replay must publish what the first pass did), and every
``cleaned`` body must be that of ``clean_article``.
Usage: ``python -m bench.extraction_live [--workers 2]`` (the local test broker on 127.0.0.1:19092, started if
none listens). Last line: ``extraction_parity=<ok|FAILED> …``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench.deployment import broker_session, new_pipeline
from bench.extraction import EXTRACTORS, EvalSet, Page, load_sets
from schemas import CleanedArticle, DeadLetter, DuplicateVerdict, EnrichedArticle
from worker.entities import EntityExtractor
from worker.pipeline import Message, OfflinePipeline
from worker.settings import Settings

OURS = "ours: clean stage"
# A page's outcome: "enriched", "duplicate of <id>" or "deadletter <reason>", and the body it publishes.
Outcome = tuple[str, str]


def message_id(eval_set: EvalSet, page_id: str) -> str:
    return f"{eval_set.name}/{page_id}"


def messages(pages: list[tuple[str, Page]]) -> list[tuple[bytes, bytes]]:
    """Each (id, page) as a (key, value) raw message."""
    return [(key.encode(), orjson.dumps({"id": key, "url": page.url, "html": page.html})) for key, page in pages]


def outcomes(records: list[tuple[str, object]]) -> dict[str, Outcome]:
    """Each page's outcome by its id, from the records of the three output topics."""
    found: dict[str, Outcome] = {}
    for kind, record in records:
        if isinstance(record, EnrichedArticle):
            key, outcome = record.id, ("enriched", record.body)
        elif isinstance(record, DuplicateVerdict):
            key, outcome = record.id, (f"duplicate of {record.duplicate_of}", "")
        elif isinstance(record, DeadLetter):
            key, outcome = (record.key or b"").decode(), (f"deadletter {record.reason}", "")
        else:
            raise TypeError(f"unexpected {kind} record {record!r}")
        if found.setdefault(key, outcome) != outcome:  # a replay must publish what the first pass did
            found[key] = (f"{found[key][0]} and {outcome[0]}", "")
    return found


def offline(pipeline: OfflinePipeline, sent: list[tuple[bytes, bytes]]) -> dict[str, Outcome]:
    """Each message's outcome through ``process``, in the order sent."""
    now = datetime.now(UTC)
    return outcomes(list(pipeline.run(Message(value, key, "file", 0, n, now) for n, (key, value) in enumerate(sent))))


def live(
    sent: list[tuple[bytes, bytes]], workers: int, kill_after: int | None = None
) -> tuple[dict[str, Outcome], list[tuple[str, str]], float]:
    """Each message's outcome through ``workers`` fresh workers, the ``cleaned`` topic's (id, body) pairs, and the
    seconds from the first message sent to the last outcome. With ``kill_after``, the first worker is killed
    (SIGKILL) once that many pages are cleaned, and started again."""
    with tempfile.TemporaryDirectory() as directory, contextmanager(broker_session)() as broker:
        pipeline = new_pipeline(broker, Path(directory))
        try:
            for _ in range(workers):
                pipeline.start_worker()
            started = time.monotonic()
            pipeline.send(sent)
            if kill_after is not None:
                pipeline.wait_for_count("cleaned", kill_after)
                pipeline.kill_worker(0)
                pipeline.start_worker(0)
            report = pipeline.wait_until_settled(pipeline.raw_identities(len(sent)), timeout=1800, quiet=10)
            seconds = time.monotonic() - started
            if report.lost:
                print(f"lost: {len(report.lost)} messages without an outcome")
            found = outcomes(
                [("enriched", EnrichedArticle.model_validate_json(v)) for v in pipeline.read("enriched", 0, settle=1)]
                + [("duplicates", DuplicateVerdict.model_validate_json(v)) for v in pipeline.read("duplicates", 0)]
                + [("deadletter", DeadLetter.model_validate_json(v)) for v in pipeline.read("deadletter", 0)]
            )
            cleaned = [
                (article.id, article.body)
                for article in map(CleanedArticle.model_validate_json, pipeline.read("cleaned", 0, settle=1))
            ]
        finally:
            pipeline.stop()
    return found, cleaned, seconds


def score(eval_set: EvalSet, bodies: dict[str, str]) -> str:
    f1, precision, recall = eval_set.totals(
        [eval_set.counts(page.id, bodies.get(message_id(eval_set, page.id), "")) for page in eval_set.pages]
    )
    return f"{f1:.4f}  {precision:.4f}  {recall:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="worker processes in the group")
    args = parser.parse_args()
    sets = load_sets()
    pages = [(message_id(s, page.id), page) for s in sets for page in s.pages]
    sent = messages(pages)
    started = time.perf_counter()
    for _, page in pages:
        EXTRACTORS["trafilatura default"](page.html, page.url)
    default_seconds = time.perf_counter() - started
    stage = {key: EXTRACTORS[OURS](page.html, page.url) for key, page in pages}
    stage_seconds = time.perf_counter() - started - default_seconds
    pipeline = OfflinePipeline(Settings(), EntityExtractor.from_settings(Settings()))
    started = time.perf_counter()
    through_process = offline(pipeline, sent)
    process_seconds = time.perf_counter() - started

    workers = f"{args.workers} worker{'s' * (args.workers > 1)}"
    runs = {
        workers: live(sent, args.workers),
        f"{workers}, one killed": live(sent, args.workers, kill_after=len(sent) // 3),
    }
    rows = {
        "clean stage (bench.extraction)": stage,
        "process: published bodies": {key: body for key, (_, body) in through_process.items()},
    }
    for name, (found, cleaned, _) in runs.items():
        rows[f"{name}: cleaned topic"] = dict(cleaned)
        rows[f"{name}: published bodies"] = {key: body for key, (_, body) in found.items()}
    for eval_set in sets:
        print(f"\n{eval_set.name}: {len(eval_set.pages)} pages")
        print(f"{'':<44}{'F1':>6}  {'P':>6}  {'R':>6}")
        for name, bodies in rows.items():
            print(f"{name:<44}{score(eval_set, bodies)}")

    per_page = {
        name: 1000 * seconds / len(pages)
        for name, seconds in [("process", process_seconds), ("stage", stage_seconds), ("default", default_seconds)]
    }
    print(
        f"\nms a page, in one process: process end to end {per_page['process']:.1f}, its clean stage alone"
        f" {per_page['stage']:.1f}, trafilatura default alone {per_page['default']:.1f}; the combination on top of"
        f" trafilatura default is {(per_page['stage'] - per_page['default']) / per_page['process']:.0%} of a page"
    )
    verdicts: dict[str, bool] = {}
    for name, (found, cleaned, seconds) in runs.items():
        kinds = Counter(kind for kind, _ in found.values())
        print(f"\n{name}: {len(sent)} messages, settled {seconds:.0f} s after the first was sent (the last 10 s quiet)")
        print("  outcomes: " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
        differ = sorted(key for key in through_process if found.get(key) != through_process[key])
        unclean = [key for key, body in cleaned if body != stage[key]]
        for key in (differ + unclean)[:10]:
            print(f"  differs: {key}: process {through_process[key][0]}, kafka {found.get(key, ('none',))[0]}")
        print(
            f"  {len(sent) - len(differ)}/{len(sent)} pages as through process,"
            f" {len(cleaned) - len(unclean)}/{len(cleaned)} cleaned records as the stage's"
        )
        verdicts[name] = not differ and not unclean
    ok = all(verdicts.values())
    print(
        f"extraction_parity={'ok' if ok else 'FAILED'} "
        + " ".join(
            f"{name.replace(' ', '_').replace(',', '')}={'ok' if v else 'FAILED'}" for name, v in verdicts.items()
        )
    )


if __name__ == "__main__":
    main()
