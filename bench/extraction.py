"""Main-text extraction benchmark on the four public sets, every extractor measured in the same run.

Sets: ``article-extraction-benchmark`` (90 news pages, scored by its own ``evaluate.py``: 4-gram shingle
precision and recall averaged over pages), ``web-extraction-multilingual`` (487 pages, scored by the rule of its
``score.py``: must-have snippets found are true positives, must-not-have snippets found false positives) and
``wcxb`` (the 257 article pages of WCXB's held-out test split, scored by its own ``evaluate.py``: bag-of-words
precision, recall and F1 averaged over pages; unseen, read for three changes only) and ``wcxb-dev`` (the 710
article pages of WCXB's dev split, scored the same way; unseen, read for one change). Every page is decoded once,
by the stage's own decoder (``decode_raw``), and every extractor gets the same text.

Extractors: trafilatura's four modes (``fast=True``; default, with its fallbacks, the stage's base;
``favor_precision``; ``favor_recall``), readability-lxml, jusText, and our clean stage (``clean_article`` on the
page, the real path, as shipped and with ``html_vote``; a page it dead-letters counts as an empty body). Beside
each set's F1, P and R, the mean and spread of F1 over its five folds (``folds``; ``bench.folds`` tunes the
stage's settings on them). Usage: ``python -m bench.extraction [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import ModuleType

import justext
import orjson
import trafilatura
from lxml.html import fromstring
from readability import Document as ReadabilityDocument

from bench import DATA_DIR
from schemas import RawArticle
from worker.clean import clean_article, decode_raw
from worker.clean.html import block_text
from worker.errors import Rejected

AEB = DATA_DIR / "article-extraction-benchmark"
WEM = DATA_DIR / "web-extraction-multilingual"
WCXB = DATA_DIR / "wcxb"
Extractor = Callable[[str, str | None], str]
Counts = tuple[float, float, float]  # one page's figures under its set's rule, which totals() combines
FOLDS = 5


@dataclass(frozen=True)
class Page:
    id: str
    html: str
    url: str | None


def _load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _decode(raw: bytes) -> str:
    article = decode_raw(raw, max_bytes=len(raw) + 1)
    return article.html or article.text or ""


class EvalSet:
    """One public set: its pages and the per-page counts and totals of its own scoring rule."""

    name: str
    pages: list[Page]

    def counts(self, page_id: str, body: str) -> Counts:
        raise NotImplementedError

    def totals(self, counts: Sequence[Counts]) -> tuple[float, float, float]:
        """F1, precision, recall over the pages' counts."""
        raise NotImplementedError


class ArticleExtractionSet(EvalSet):
    name = "article-extraction"

    def __init__(self, folder: Path = AEB) -> None:
        self.evaluator = _load_module(folder / "evaluate.py", "article_extraction_evaluate")
        self.truth = orjson.loads((folder / "ground-truth.json").read_bytes())
        self.pages = [
            Page(
                page_id,
                _decode(gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())),
                item.get("url"),
            )
            for page_id, item in self.truth.items()
        ]

    def counts(self, page_id: str, body: str) -> Counts:
        return self.evaluator.string_shingle_matching(true=self.truth[page_id].get("articleBody", ""), pred=body)

    def totals(self, counts: Sequence[Counts]) -> tuple[float, float, float]:
        metrics = self.evaluator.metrics_from_tp_fp_fns(list(counts))
        return metrics["f1"], metrics["precision"], metrics["recall"]


class MultilingualSet(EvalSet):
    name = "multilingual"

    def __init__(self, folder: Path = WEM) -> None:
        self.norm = _load_module(folder / "score.py", "web_extraction_score").norm
        by_url = orjson.loads((folder / "evaldata.json").read_bytes())
        self.items = {item["file"]: item for item in by_url.values()}
        self.pages = [
            Page(item["file"], _decode(gzip.decompress((folder / "html" / f"{item['file']}.gz").read_bytes())), url)
            for url, item in by_url.items()
        ]

    def counts(self, page_id: str, body: str) -> Counts:
        item, text = self.items[page_id], self.norm(body)
        found = sum(1 for snippet in item["with"] if text and self.norm(snippet) in text)
        wrong = sum(1 for snippet in item["without"] if text and self.norm(snippet) in text)
        return found, wrong, len(item["with"]) - found

    def totals(self, counts: Sequence[Counts]) -> tuple[float, float, float]:
        tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
        return 2 * tp / (2 * tp + fp + fn), tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn)


class WcxbSet(EvalSet):
    """The article pages of WCXB's held-out test split."""

    name = "wcxb"
    split = "test"

    def __init__(self, folder: Path = WCXB) -> None:
        self.word_f1 = _load_module(folder / "evaluate.py", "wcxb_evaluate").word_f1
        self.truth: dict[str, str] = {}
        self.pages = []
        folder = folder / self.split
        for path in sorted((folder / "ground-truth").glob("*.json.gz")):
            item = orjson.loads(gzip.decompress(path.read_bytes()))
            page_id = item["file_id"]
            self.truth[page_id] = item["ground_truth"]["main_content"] or ""  # none on an error page: empty is right
            raw = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
            self.pages.append(Page(page_id, _decode(raw), item["url"] or None))

    def counts(self, page_id: str, body: str) -> Counts:
        """Precision, recall and F1 of the page's words (its ``evaluate.py``)."""
        return self.word_f1(body, self.truth[page_id])

    def totals(self, counts: Sequence[Counts]) -> tuple[float, float, float]:
        precision, recall, f1 = (statistics.fmean(c[i] for c in counts) for i in range(3))
        return f1, precision, recall


class WcxbDevSet(WcxbSet):
    """The article pages of WCXB's dev split: more pages no rule was read from."""

    name = "wcxb-dev"
    split = "dev"


SETS: tuple[type[EvalSet], ...] = (ArticleExtractionSet, MultilingualSet, WcxbSet, WcxbDevSet)


def load_sets() -> list[EvalSet]:
    return [eval_set() for eval_set in SETS]


def _trafilatura(**options: bool) -> Extractor:
    def extract(html: str, url: str | None) -> str:
        return trafilatura.extract(html, url=url, include_comments=False, include_tables=True, **options) or ""

    return extract


def readability(html: str, url: str | None) -> str:
    try:
        summary = ReadabilityDocument(html).summary(html_partial=True)
    except Exception:  # readability raises bare Exceptions on pages it cannot parse
        return ""
    return block_text(fromstring(summary)) if summary.strip() else ""


def justext_text(html: str, url: str | None) -> str:
    """jusText with the stop words of all its languages, as trafilatura's fallback calls it."""
    try:
        paragraphs = justext.justext(html, _all_stopwords())
    except Exception:  # jusText's parser fails on some malformed pages
        return ""
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


@cache
def _all_stopwords() -> frozenset[str]:
    return frozenset(word for language in justext.get_stoplists() for word in justext.get_stoplist(language))


def _ours(html_vote: bool) -> Extractor:
    def extract(html: str, url: str | None) -> str:
        try:
            return clean_article(RawArticle(html=html, url=url), datetime.now(UTC), html_vote=html_vote).body
        except Rejected:
            return ""

    return extract


EXTRACTORS: dict[str, Extractor] = {
    "trafilatura fast": _trafilatura(fast=True),
    "trafilatura default": _trafilatura(),
    "trafilatura precision": _trafilatura(favor_precision=True),
    "trafilatura recall": _trafilatura(favor_recall=True),
    "readability-lxml": readability,
    "jusText": justext_text,
    "ours: clean stage": _ours(html_vote=False),
    "ours: with html_vote": _ours(html_vote=True),
}


def folds(pages: Sequence[Page]) -> list[set[str]]:
    """The pages' ids dealt into ``FOLDS`` folds: sorted, round robin."""
    ids = sorted(page.id for page in pages)
    return [set(ids[i::FOLDS]) for i in range(FOLDS)]


def summary(name: str, by_fold: list[tuple[float, float, float]]) -> str:
    """Mean ± spread (population standard deviation) of F1, P and R over folds, and each fold's F1."""
    columns = []
    for label, values in zip(["F1", "P", "R"], zip(*by_fold, strict=True), strict=True):
        columns.append(f"{label} {statistics.mean(values):.4f} ± {statistics.pstdev(values):.4f}")
    return f"{name:<24}" + "   ".join(columns) + "   folds F1 " + " ".join(f"{s[0]:.3f}" for s in by_fold)


def run(names: Sequence[str], pages: Sequence[Page]) -> dict[str, tuple[dict[str, str], float]]:
    """Bodies by page id and pages per second of each extractor.

    Each extractor runs over all the pages in one go, as a worker would: its caches are warm from earlier pages,
    never from another extractor on the same page (taking turns page by page, the second turn ran 8-13 % faster).
    The goes run twice, in order and then reversed, so that a machine slowing down during the run slows all alike.
    """
    bodies: dict[str, dict[str, str]] = {}
    seconds = dict.fromkeys(names, 0.0)
    for order in (names, names[::-1]):
        for name in order:
            started = time.perf_counter()
            bodies[name] = {page.id: EXTRACTORS[name](page.html, page.url) for page in pages}
            seconds[name] += time.perf_counter() - started
    return {name: (bodies[name], 2 * len(pages) / seconds[name]) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(EXTRACTORS), help="these extractors only")
    args = parser.parse_args()
    names = args.only or list(EXTRACTORS)
    for eval_set in load_sets():
        for name in names:  # one untimed page each, so that imports and caches are warm for all
            EXTRACTORS[name](eval_set.pages[0].html, eval_set.pages[0].url)
        print(f"\n{eval_set.name}: {len(eval_set.pages)} pages")
        print(f"{'':<24}{'F1':>8}{'P':>8}{'R':>8}{'empty':>7}{'pages/s':>9}{'folds F1':>18}")
        for name, (bodies, speed) in run(names, eval_set.pages).items():
            f1, precision, recall = eval_set.totals([eval_set.counts(pid, body) for pid, body in bodies.items()])
            empty = sum(1 for body in bodies.values() if not body.strip())
            by_fold = [
                eval_set.totals([eval_set.counts(pid, body) for pid, body in bodies.items() if pid in fold])[0]
                for fold in folds(eval_set.pages)
            ]
            spread = f"{statistics.mean(by_fold):.4f} ± {statistics.pstdev(by_fold):.4f}"
            print(f"{name:<24}{f1:>8.4f}{precision:>8.4f}{recall:>8.4f}{empty:>7}{speed:>9.1f}{spread:>18}")


if __name__ == "__main__":
    main()
