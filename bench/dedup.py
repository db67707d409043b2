"""Near-duplicate benchmark on the labelled stream in ../shared/eval/neardup.

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
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import orjson
from datasketch import MinHash, MinHashLSH

from schemas import CleanedArticle
from worker.clean import clean_article, decode_raw
from worker.dedup import DuplicateIndex
from worker.dedup.signature import Signer
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "neardup"


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


def ours(articles: list[CleanedArticle], settings: Settings) -> tuple[list[tuple[str, str]], float]:
    index = DuplicateIndex({}, settings.dedup_params())
    verdicts = []
    started = time.perf_counter()
    for article in articles:
        decision = index.check(article.id, article.body, article.content_hash, article.seen_at)
        if decision.duplicate_of:
            verdicts.append((article.id, decision.duplicate_of))
    return verdicts, len(articles) / (time.perf_counter() - started)


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

    extractor = EntityExtractor(settings.ner_model, settings.ner_batch_size)
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
    verdicts, rate = ours(articles, settings)
    report, figures = score(args.eval_dir, verdicts)
    print("\n== ours:", settings.dedup_params())
    print(report)
    for threshold in (0.8, 0.5):
        _, anchor_figures = score(args.eval_dir, anchor(articles, threshold, settings))
        print(f"== anchor datasketch MinHashLSH threshold={threshold}: {anchor_figures}")
    ner = ner_rate(articles, settings, args.ner_docs)
    print(f"\ndedup stage {rate:,.0f} articles/s   entities stage {ner:,.1f} articles/s   ratio {rate / ner:,.0f}x")
    print(
        f"dedup f1={figures['F1']:.4f} p={figures['P']:.4f} r={figures['R']:.4f} "
        f"templated_false_merges={int(figures['templated_false_merges'])} speed_ratio_vs_entities={rate / ner:.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())
