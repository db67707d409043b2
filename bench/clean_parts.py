"""Where the clean stage's time goes on HTML pages: milliseconds a page for each of its parts, beside
trafilatura default alone on the same pages, measured in one run.

Each part is a function of ``worker.clean`` timed wherever the stage calls it (a part's time includes the parts
it calls: ``extract_html`` holds trafilatura, parsing and metadata). After one untimed go of each over all of a
set's pages to warm imports and caches, the stage and trafilatura default go over them in the order stage,
trafilatura, trafilatura, stage, as ``bench.extraction`` runs them (in order, then reversed; the stage is
``clean_article`` on the page, a dead-lettered page an empty body); the figures are a go's average.
Usage: ``python -m bench.clean_parts [--set NAME]`` (a set of ``bench.extraction.SETS``).
"""

from __future__ import annotations

import argparse
import functools
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from types import ModuleType

import worker.clean.article as article_module
import worker.clean.html as html_module
from bench.extraction import EXTRACTORS, SETS, Page, load_sets

PARTS: dict[ModuleType, tuple[str, ...]] = {
    html_module: (
        "load_html",
        "examine_meta",
        "extract_meta_json",
        "_published_at",
        "_htmldate",
        "_trafilatura",
        "needs_recall",
        "_readability",
        "drop_teasers",
    ),
    article_module: ("extract_html", "repair_text", "clean_text", "decide", "content_hash"),
}


def _timed(call: Callable[..., object], name: str, seconds: dict[str, float]) -> Callable[..., object]:
    @functools.wraps(call)
    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - started

    return timed


def _go(extract: Callable[[str, str | None], str], pages: Sequence[Page]) -> float:
    """Seconds for ``extract`` over all the pages."""
    started = time.perf_counter()
    for page in pages:
        extract(page.html, page.url)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[eval_set.name for eval_set in SETS], help="one set only")
    args = parser.parse_args()
    seconds: dict[str, float] = defaultdict(float)
    for module, names in PARTS.items():
        for name in names:
            setattr(module, name, _timed(getattr(module, name), name, seconds))
    stage, alone = EXTRACTORS["ours: clean stage"], EXTRACTORS["trafilatura default"]
    for eval_set in load_sets():
        if args.set and eval_set.name != args.set:
            continue
        _go(stage, eval_set.pages)
        _go(alone, eval_set.pages)
        seconds.clear()
        stage_seconds = _go(stage, eval_set.pages)
        alone_seconds = _go(alone, eval_set.pages) + _go(alone, eval_set.pages)
        stage_seconds += _go(stage, eval_set.pages)
        per_page = 1000 / len(eval_set.pages) / 2
        print(f"\n{eval_set.name}: {len(eval_set.pages)} pages, ms a page")
        print(f"{'clean stage':<24}{stage_seconds * per_page:7.2f}")
        ratio = alone_seconds / stage_seconds
        print(f"{'trafilatura default':<24}{alone_seconds * per_page:7.2f}   ratio of pages/s {ratio:.3f}")
        for name, spent in sorted(seconds.items(), key=lambda item: -item[1]):
            print(f"  {name:<22}{spent * per_page:7.2f}")


if __name__ == "__main__":
    main()
