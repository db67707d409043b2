"""Main-text extraction benchmark on bench/data/article-extraction-benchmark.

Runs our whole clean stage (``clean_article``) over each HTML page and scores ``body`` with the benchmark's own
``evaluate.py`` (loaded from the eval folder at run time), next to trafilatura alone in its best configuration on
this set (``include_comments=False, favor_precision=True``) as the anchor. Pages that our stage dead-letters
count as empty bodies. Usage: ``python -m bench.extraction [--eval-dir DIR] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import orjson
import trafilatura

from bench import DATA_DIR
from schemas import RawArticle
from worker.clean import clean_article
from worker.errors import Rejected

DEFAULT_EVAL = DATA_DIR / "article-extraction-benchmark"
Extractor = Callable[[str, str | None], str]


def load_evaluator(eval_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("article_extraction_evaluate", eval_dir / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no evaluate.py in {eval_dir}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(eval_dir: Path) -> dict[str, tuple[str, str | None]]:
    """Page id → (html, url) for every page that has a ground-truth body."""
    truth = orjson.loads((eval_dir / "ground-truth.json").read_bytes())
    return {
        page_id: (
            gzip.decompress((eval_dir / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8"),
            item.get("url"),
        )
        for page_id, item in truth.items()
    }


def anchor(html: str, url: str | None) -> str:
    return trafilatura.extract(html, url=url, include_comments=False, favor_precision=True) or ""


def ours(html: str, url: str | None) -> str:
    try:
        return clean_article(RawArticle(html=html, url=url), datetime.now(UTC)).body
    except Rejected:
        return ""


def run(extract: Extractor, pages: dict[str, tuple[str, str | None]], repeat: int) -> tuple[dict[str, str], float]:
    """Bodies by page id, and pages per second (best of ``repeat`` passes)."""
    bodies: dict[str, str] = {}
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        bodies = {page_id: extract(html, url) for page_id, (html, url) in pages.items()}
        best = min(best, time.perf_counter() - started)
    return bodies, len(pages) / best


def score(evaluator: ModuleType, truth: dict[str, dict], bodies: dict[str, str]) -> dict[str, float]:
    prediction = {page_id: {"articleBody": body} for page_id, body in bodies.items()}
    metrics = evaluator.evaluate(truth, prediction, n_bootstrap=0)
    metrics["empty"] = sum(1 for body in bodies.values() if not body.strip())
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--repeat", type=int, default=2, help="timed passes per extractor; the best counts")
    args = parser.parse_args()
    evaluator = load_evaluator(args.eval_dir)
    truth = evaluator.load_json(args.eval_dir / "ground-truth.json")
    pages = load_pages(args.eval_dir)
    # one untimed pass each so that imports and caches are warm for both
    for extract in (anchor, ours):
        extract(*next(iter(pages.values())))
    results = {}
    for name, extract in (("anchor: trafilatura", anchor), ("ours: clean stage", ours)):
        bodies, speed = run(extract, pages, args.repeat)
        results[name] = (score(evaluator, truth, bodies), speed)
    print(f"{len(pages)} pages from {args.eval_dir}")
    print(f"{'':<22}{'F1':>8}{'P':>8}{'R':>8}{'empty':>7}{'pages/s':>9}")
    for name, (metrics, speed) in results.items():
        print(
            f"{name:<22}{metrics['f1']:>8.4f}{metrics['precision']:>8.4f}{metrics['recall']:>8.4f}"
            f"{metrics['empty']:>7}{speed:>9.1f}"
        )
    (base, base_speed), (mine, my_speed) = results.values()
    print(
        f"extraction f1={mine['f1']:.4f} p={mine['precision']:.4f} r={mine['recall']:.4f} empty={mine['empty']} "
        f"anchor_f1={base['f1']:.4f} delta_f1={mine['f1'] - base['f1']:+.4f} speed_ratio={my_speed / base_speed:.2f}"
    )


if __name__ == "__main__":
    main()
