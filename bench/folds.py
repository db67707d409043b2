"""5-fold check of the clean stage's settings on the four public sets, and across them.

Each set's pages are dealt into five folds (``bench.extraction.folds``). For each fold, the stage's three
settings (``html_vote``: a vote where trafilatura's modes disagree, not on link lists only;
``RECALL_BELOW_RUNNING_SHARE``, 0 meaning no recall path; ``TEASER_MIN_WORDS``, inf meaning no teaser dropped)
are chosen by F1 on the other four fifths and scored on the fifth (``MIN_VOTES`` is not tuned: two of three is
the majority); trafilatura's modes, which have nothing to tune, are scored on the same fifths. Printed: each
fold's choice, and the mean and spread (population standard deviation) of the held-out F1, P and R; every
setting on each whole set; then each set's best setting scored on the other sets. The extractors' outputs are
computed once per page and mode, so that every setting runs the real ``clean_article`` path cheaply.
Usage: ``python -m bench.folds``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import worker.clean.combine as combine_module
import worker.clean.html as html_module
from bench.extraction import EXTRACTORS, FOLDS, EvalSet, Page, folds, load_sets, summary
from schemas import RawArticle
from worker.clean import clean_article
from worker.errors import Rejected

# Lower-case names are clean_article's arguments, upper-case ones constants of worker.clean.html or
# worker.clean.combine (TEASER_MIN_WORDS inf: no line is a teaser's headline, none is dropped).
GRID = {"html_vote": (False, True), "RECALL_BELOW_RUNNING_SHARE": (0.0, 0.5), "TEASER_MIN_WORDS": (math.inf, 4)}
BASELINES = ("trafilatura fast", "trafilatura default", "trafilatura precision", "trafilatura recall")
Setting = tuple[tuple[str, float | bool], ...]


class _Memo:
    """The stage's extractor calls answered once per page: the settings change only how their outputs combine."""

    def __init__(self) -> None:
        self.page = ""
        self.store: dict[tuple[str, str], str] = {}
        self.trafilatura, self.readability = html_module._trafilatura, html_module._readability

    def wrap(self, name: str, call: Callable[..., str]) -> Callable[..., str]:
        def memoized(*args: object, **mode: bool) -> str:
            key = (self.page, f"{name} {sorted(mode.items())}")
            if key not in self.store:
                self.store[key] = call(*args, **mode)
            return self.store[key]

        return memoized

    def install(self) -> None:
        html_module._trafilatura = self.wrap("trafilatura", self.trafilatura)
        html_module._readability = self.wrap("readability", self.readability)


def stage_bodies(pages: Sequence[Page], setting: Setting, memo: _Memo) -> dict[str, str]:
    arguments = {name: value for name, value in setting if name.islower()}
    for name, value in setting:
        if name.isupper():
            setattr(html_module if hasattr(html_module, name) else combine_module, name, value)
    bodies = {}
    for page in pages:
        memo.page = page.id
        try:
            bodies[page.id] = clean_article(
                RawArticle(html=page.html, url=page.url), datetime.now(UTC), **arguments
            ).body
        except Rejected:
            bodies[page.id] = ""
    return bodies


def scores(eval_set: EvalSet, bodies: dict[str, str], ids: set[str]) -> tuple[float, float, float]:
    return eval_set.totals([eval_set.counts(page_id, body) for page_id, body in bodies.items() if page_id in ids])


def main() -> None:
    memo = _Memo()
    memo.install()
    settings: list[Setting] = [tuple(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]
    best_by_set: dict[str, Setting] = {}
    bodies_by_set: dict[str, dict[Setting, dict[str, str]]] = {}
    sets = load_sets()
    for eval_set in sets:
        every = {page.id for page in eval_set.pages}
        by_setting = {setting: stage_bodies(eval_set.pages, setting, memo) for setting in settings}
        bodies_by_set[eval_set.name] = by_setting
        best_by_set[eval_set.name] = max(settings, key=lambda s: scores(eval_set, by_setting[s], every)[0])
        print(f"\n{eval_set.name}: {len(eval_set.pages)} pages, {FOLDS} folds (held-out mean ± spread)")
        held_out, chosen = [], []
        for fold in folds(eval_set.pages):
            train = every - fold
            setting = max(settings, key=lambda s: scores(eval_set, by_setting[s], train)[0])
            chosen.append(setting)
            held_out.append(scores(eval_set, by_setting[setting], fold))
        print(summary("ours: clean stage", held_out))
        for name in BASELINES:
            bodies = {page.id: EXTRACTORS[name](page.html, page.url) for page in eval_set.pages}
            print(summary(name, [scores(eval_set, bodies, fold) for fold in folds(eval_set.pages)]))
        print("settings chosen per fold:", "; ".join(" ".join(f"{k}={v}" for k, v in s) for s in chosen))
        for setting in settings:
            f1, precision, recall = scores(eval_set, by_setting[setting], every)
            label = " ".join(f"{k}={v}" for k, v in setting)
            print(f"whole set, {label}: F1 {f1:.4f} P {precision:.4f} R {recall:.4f}")
    print("\nacross sets (setting best on one set, scored on each other set):")
    for tuned, scored in itertools.permutations(sets, 2):
        setting = best_by_set[tuned.name]
        f1, precision, recall = scores(scored, bodies_by_set[scored.name][setting], {page.id for page in scored.pages})
        label = " ".join(f"{k}={v}" for k, v in setting)
        print(f"tuned on {tuned.name}, scored on {scored.name}: {label}  F1 {f1:.4f} P {precision:.4f} R {recall:.4f}")


if __name__ == "__main__":
    main()
