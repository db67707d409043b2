"""Near-duplicate benchmark on the labelled stream in bench/data/neardup.

Runs our clean + dedup stages over the stream in arrival order (first seen wins), scores the verdicts with
the set's own ``score.py``, and in the same run does the same for plain datasketch ``MinHashLSH`` (same
5-word shingles, in-process) as the anchor. Then measures the dedup stage's throughput against the entities
stage on the same bodies. Usage: ``python -m bench.dedup [--eval-dir DIR] [--ner-docs N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import tempfile
import time
from collections.abc import Iterator, MutableMapping
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from datasketch import MinHash, MinHashLSH
from rocksdict import Options, Rdict

from bench import DATA_DIR
from schemas import CleanedArticle
from worker.clean import clean_article, decode_raw
from worker.clean.normalize import content_hash
from worker.dedup import DuplicateIndex
from worker.dedup.buckets import LocalBuckets
from worker.dedup.signature import Signer, signer_for
from worker.settings import Settings

DEFAULT_EVAL = DATA_DIR / "neardup"


def load_stream(eval_dir: Path) -> list[CleanedArticle]:
    now = datetime.now(UTC)
    articles = []
    for line in (eval_dir / "articles.jsonl").read_bytes().splitlines():
        articles.append(clean_article(decode_raw(line, 10_000_000), now))
    return articles


def score(eval_dir: Path, verdicts: list[tuple[str, str]]) -> tuple[str, dict[str, float]]:
    """Runs the set's own scorer; returns its report and the figures of its last line."""
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as handle:
        for article_id, duplicate_of in verdicts:
            handle.write(orjson.dumps({"id": article_id, "duplicate_of": duplicate_of}) + b"\n")
    spec = importlib.util.spec_from_file_location("neardup_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = io.StringIO()
    with redirect_stdout(report):
        module.main(str(eval_dir / "labels.jsonl"), handle.name)
    Path(handle.name).unlink()
    last = report.getvalue().strip().splitlines()[-1].split()
    return report.getvalue(), {last[i]: float(last[i + 1]) for i in range(0, len(last) - 1, 2)}


class RocksJsonStore(MutableMapping):
    """The worker's table layout without Kafka: JSON keys and values in RocksDB (what Faust's store does)."""

    def __init__(self, path: str) -> None:
        self.db = Rdict(path, options=Options(raw_mode=True))
        self.writes = 0

    def __getitem__(self, key: str) -> Any:
        value = self.db.get(orjson.dumps(key))
        if value is None:
            raise KeyError(key)
        return orjson.loads(value)

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes += 1
        self.db[orjson.dumps(key)] = orjson.dumps(value)

    def __delitem__(self, key: str) -> None:
        self.writes += 1
        del self.db[orjson.dumps(key)]

    def __iter__(self) -> Iterator[str]:
        return (orjson.loads(k) for k in self.db)

    def __len__(self) -> int:
        return sum(1 for _ in self.db)

    def state_bytes(self) -> int:
        return sum(len(k) + len(v) for k, v in self.db.items())


def ours(
    articles: list[CleanedArticle],
    settings: Settings,
    store: MutableMapping | None = None,
    buckets: MutableMapping[str, bytes] | None = None,
) -> tuple[list[tuple[str, str]], float]:
    """Our index over the stream; the rate counts index work only (signatures come with the cleaned article)."""
    index = DuplicateIndex({} if store is None else store, settings.dedup_params(), buckets)
    signer = signer_for(settings.dedup_num_perm, settings.dedup_shingle_words)
    signatures = [signer.sign(article.body) for article in articles]
    verdicts = []
    started = time.perf_counter()
    for n, (article, signature) in enumerate(zip(articles, signatures, strict=True)):
        decision = index.check(article.id, signature, article.content_hash, article.seen_at, f"stream:0:{n}")
        if decision.duplicate_of:
            verdicts.append((article.id, decision.duplicate_of))
    return verdicts, len(articles) / (time.perf_counter() - started)


def sent_again(articles: list[CleanedArticle], settings: Settings) -> tuple[float, float]:
    """Index rates (in memory) for the stream sent again under new messages: unchanged (every article a
    re-submission), then with a line added to each body (every published story a new version)."""
    index = DuplicateIndex({}, settings.dedup_params())
    signer = signer_for(settings.dedup_num_perm, settings.dedup_shingle_words)
    updated = [f"{a.body}\n\nUpdate: this story was updated with new information." for a in articles]
    passes = [
        [(a.id, signer.sign(a.body), a.content_hash, a.seen_at) for a in articles],
        [(a.id, signer.sign(a.body), a.content_hash, a.seen_at) for a in articles],
        [(a.id, signer.sign(body), content_hash(body), a.seen_at) for a, body in zip(articles, updated, strict=True)],
    ]
    rates = []
    for number, checks in enumerate(passes):
        started = time.perf_counter()
        for n, (article_id, signature, body_hash, seen_at) in enumerate(checks):
            index.check(article_id, signature, body_hash, seen_at, f"pass-{number}:0:{n}")
        rates.append(len(checks) / (time.perf_counter() - started))
    return rates[1], rates[2]


def anchor(articles: list[CleanedArticle], threshold: float, settings: Settings) -> list[tuple[str, str]]:
    """Plain datasketch: MinHashLSH at ``threshold``, first seen wins, verdict = the earliest candidate's root."""
    lsh = MinHashLSH(threshold=threshold, num_perm=settings.dedup_num_perm)
    signer = Signer(settings.dedup_num_perm, settings.dedup_shingle_words)
    arrival: dict[str, int] = {}
    root: dict[str, str] = {}
    verdicts = []
    for article in articles:
        minhash = MinHash(num_perm=settings.dedup_num_perm)
        minhash.update_batch([str(h).encode() for h in signer.shingle_hashes(article.body)])
        candidates = sorted(lsh.query(minhash), key=arrival.__getitem__)
        root[article.id] = root[candidates[0]] if candidates else article.id
        if candidates:
            verdicts.append((article.id, root[article.id]))
        lsh.insert(article.id, minhash)
        arrival[article.id] = len(arrival)
    return verdicts


def ner_rate(articles: list[CleanedArticle], settings: Settings, docs: int) -> float:
    from worker.entities import EntityExtractor

    extractor = EntityExtractor.from_settings(settings)
    sample = articles[:docs]
    extractor.extract(sample[:4])  # warm-up
    started = time.perf_counter()
    extractor.extract(sample)
    return len(sample) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--ner-docs", type=int, default=120, help="documents for the entities-stage rate")
    args = parser.parse_args()
    settings = Settings()
    articles = load_stream(args.eval_dir)
    print(f"stream: {len(articles)} articles from {args.eval_dir}")
    signer = signer_for(settings.dedup_num_perm, settings.dedup_shingle_words)
    started = time.perf_counter()
    for article in articles:
        signer.sign(article.body)
    sign_rate = len(articles) / (time.perf_counter() - started)
    verdicts, rate = ours(articles, settings)
    report, figures = score(args.eval_dir, verdicts)
    print("\n== ours:", settings.dedup_params())
    print(report)
    resubmitted_rate, version_rate = sent_again(articles, settings)
    print(
        f"index in memory: stream {rate:,.0f} articles/s; sent again unchanged (re-submissions) "
        f"{resubmitted_rate:,.0f}/s; sent again changed (new versions) {version_rate:,.0f}/s"
    )
    with tempfile.TemporaryDirectory() as directory:
        store = RocksJsonStore(f"{directory}/index")
        buckets = LocalBuckets(Path(directory) / "buckets")
        rocks_verdicts, rocks_rate = ours(articles, settings, store, buckets)
        assert rocks_verdicts == verdicts, "the RocksDB-backed index must decide exactly as the dict one"
        per_article = store.state_bytes() / len(articles)
        bucket_bytes = sum(len(k) + len(v) for k, v in buckets.db.items()) / len(articles)
        writes = store.writes / len(articles)
        started = time.perf_counter()
        buckets.clear()
        DuplicateIndex(store, settings.dedup_params(), buckets).sync_buckets()
        rebuild_rate = len(articles) / (time.perf_counter() - started)
        store.db.close()
        buckets.close()
    print(
        f"index on RocksDB (JSON table as in the worker, local buckets): {rocks_rate:,.0f} articles/s; per indexed "
        f"article {per_article:,.0f} bytes of table state, {writes:.1f} changelog writes, {bucket_bytes:,.0f} bytes "
        f"of local buckets; 1M articles ≈ {per_article * 1e6 / 2**30:.2f} GiB of table state; buckets rebuilt "
        f"from the table at {rebuild_rate:,.0f} articles/s"
    )
    for threshold in (0.8, 0.5):
        _, anchor_figures = score(args.eval_dir, anchor(articles, threshold, settings))
        print(f"== anchor datasketch MinHashLSH threshold={threshold}: {anchor_figures}")
    ner = ner_rate(articles, settings, args.ner_docs)
    print(
        f"\nsignatures (clean stage, every partition) {sign_rate:,.0f} articles/s; "
        f"index (the one dedup partition) {rate:,.0f} articles/s in memory, {rocks_rate:,.0f} on RocksDB; "
        f"entities stage {ner:,.1f} articles/s; index/entities {rocks_rate / ner:,.0f}x"
    )
    print(
        f"dedup f1={figures['F1']:.4f} p={figures['P']:.4f} r={figures['R']:.4f} "
        f"templated_false_merges={int(figures['templated_false_merges'])} "
        f"speed_ratio_vs_entities={rocks_rate / ner:.0f} state_bytes_per_article={per_article:.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())
