"""Live dedup parity: the labelled near-duplicate stream through a real broker and freshly started workers.

Runs, side by side in one run: ``process`` (the offline pipeline on the file), then through Kafka one worker
and two workers with the stream sent in one burst over the raw topic's partitions, and two workers with it
sent at a steady rate. In a burst the dedup log's order is not the file's, so which copy of a story comes
first may change, but each story must still be published exactly once and no copy may join another story.
Every run's verdicts must be those of ``process`` on the messages in the order the dedup log holds them; at a
steady rate that order is the file's (unless two articles are cleaned at once on two workers). Usage: ``python -m bench.dedup_live`` (the local
test broker on 127.0.0.1:19092, started if none listens). Last line: ``live_parity=<ok|FAILED> …``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import DATA_DIR
from bench.dedup import score
from bench.deployment import Pipeline, broker_session, new_pipeline
from schemas import CleanedArticle, DuplicateVerdict, EnrichedArticle
from worker.entities import EntityExtractor
from worker.pipeline import Message, OfflinePipeline
from worker.settings import Settings

NEARDUP = DATA_DIR / "neardup"
Verdict = tuple[str, str, str]  # id, duplicate_of, kind


@dataclass(frozen=True)
class Outcome:
    published: list[str]
    verdicts: list[Verdict]
    order: list[int]  # the messages' indices in the order dedup decided them
    lost: list[str] = field(default_factory=list)  # raw messages with no outcome (accounting's identities)


@dataclass(frozen=True)
class Judgement:
    stories: int
    published_once: int
    published_twice: int
    missing: int
    cross_story: int  # verdicts that join a copy to another story
    f1: float
    lost: int  # raw messages with no outcome: a copy's verdict can hide its lost original from the counts above

    @property
    def ok(self) -> bool:
        return self.published_once == self.stories and self.cross_story == 0 and self.lost == 0


def stream(eval_dir: Path = NEARDUP) -> tuple[list[tuple[bytes, bytes]], dict[str, str]]:
    """The stream as (key, value) messages keyed by id, and each id's story (cluster)."""
    lines = (eval_dir / "articles.jsonl").read_bytes().splitlines()
    clusters = {label["id"]: label["cluster"] for label in map(json.loads, (eval_dir / "labels.jsonl").open())}
    return [(json.loads(line)["id"].encode(), line) for line in lines], clusters


def judge(outcome: Outcome, clusters: dict[str, str], eval_dir: Path = NEARDUP) -> Judgement:
    times = {story: 0 for story in set(clusters.values())}
    for article_id in set(outcome.published):  # a replay publishes the same record again: one story still
        times[clusters[article_id]] += 1
    _, figures = score(eval_dir, [(article_id, root) for article_id, root, _ in outcome.verdicts])
    return Judgement(
        stories=len(times),
        published_once=sum(1 for n in times.values() if n == 1),
        published_twice=sum(1 for n in times.values() if n > 1),
        missing=sum(1 for n in times.values() if n == 0),
        cross_story=sum(1 for article_id, root, _ in outcome.verdicts if clusters[article_id] != clusters[root]),
        f1=figures["F1"],
        lost=len(outcome.lost),
    )


def offline(messages: list[tuple[bytes, bytes]], extractor: EntityExtractor, order: list[int] | None = None) -> Outcome:
    """``process`` on the messages, in ``order`` (default: as given)."""
    order = list(range(len(messages))) if order is None else order
    pipeline = OfflinePipeline(Settings(), extractor)
    now = datetime.now(UTC)
    results = list(pipeline.run(Message(messages[n][1], messages[n][0], "file", 0, n, now) for n in order))
    return Outcome(
        [r.id for kind, r in results if kind == "enriched"],
        [(r.id, r.duplicate_of, r.kind) for kind, r in results if isinstance(r, DuplicateVerdict)],
        order,
    )


def live(pipeline: Pipeline, messages: list[tuple[bytes, bytes]], workers: int, every: float) -> Outcome:
    """Workers started on the deployment's fresh topics; the stream sent (in one burst when ``every`` is 0) once
    every worker is Ready; what came out, and the order of the dedup log (the one ``cleaned`` partition)."""
    for _ in range(workers):
        pipeline.start_worker()
    pipeline.send(messages, every=every)
    return collected(pipeline, messages)


def collected(pipeline: Pipeline, messages: list[tuple[bytes, bytes]]) -> Outcome:
    """Once every message has its outcome: what came out, and the order of the dedup log."""
    report = pipeline.wait_until_settled(pipeline.raw_identities(len(messages)), timeout=900, quiet=5)
    published = [EnrichedArticle.model_validate_json(v).id for v in pipeline.read("enriched", 0, settle=1)]
    verdicts = [DuplicateVerdict.model_validate_json(v) for v in pipeline.read("duplicates", 0, settle=1)]
    index = {value: n for n, (_, value) in enumerate(messages)}
    position = {(r.partition, r.offset): index[r.value] for r in pipeline.read_records(pipeline.topic("raw"), 0)}
    order: dict[int, None] = {}  # a message cleaned twice (a replay) is decided again as it was the first time
    for value in pipeline.read("cleaned", 0, settle=1):
        origin = CleanedArticle.model_validate_json(value).origin
        order.setdefault(position[(origin.partition, origin.offset)])
    return Outcome(published, [(v.id, v.duplicate_of, v.kind) for v in verdicts], list(order), report.lost)


def same_verdicts(a: Outcome, b: Outcome) -> bool:
    return sorted(set(a.verdicts)) == sorted(set(b.verdicts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between messages at a steady rate")
    args = parser.parse_args()
    messages, clusters = stream()
    extractor = EntityExtractor.from_settings(Settings())
    in_file_order = offline(messages, extractor)
    runs = {"process (offline, file order)": (in_file_order, True)}
    steady = f"2 workers, one message per {args.every:g} s"
    with tempfile.TemporaryDirectory() as directory, contextmanager(broker_session)() as broker:
        for name, workers, every in (
            ("1 worker, one burst", 1, 0),
            ("2 workers, one burst", 2, 0),
            (steady, 2, args.every),
        ):
            pipeline = new_pipeline(broker, Path(directory) / name.replace(" ", "-"))
            try:
                outcome = live(pipeline, messages, workers, every)
            finally:
                pipeline.stop()
            runs[name] = (outcome, same_verdicts(outcome, offline(messages, extractor, outcome.order)))
    print(f"stream: {len(messages)} articles, {len(set(clusters.values()))} stories")
    header = f"{'once':>5} {'twice':>5} {'missing':>7} {'cross':>5} {'lost':>4} {'F1':>7}"
    print(f"{'run':<36} {header}  as process in its order")
    for name, (outcome, parity) in runs.items():
        j = judge(outcome, clusters)
        row = f"{j.published_once:>5} {j.published_twice:>5} {j.missing:>7} {j.cross_story:>5} {j.lost:>4} {j.f1:>7.4f}"
        print(f"{name:<36} {row}  {parity}")
    file_order = same_verdicts(runs[steady][0], in_file_order)
    ok = all(judge(o, clusters).ok and parity for o, parity in runs.values())
    print(f"live_parity={'ok' if ok else 'FAILED'} steady_verdicts_as_process_in_file_order={file_order}")


if __name__ == "__main__":
    main()
