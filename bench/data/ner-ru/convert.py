#!/usr/bin/env python3
"""Convert the factRuEval-2016 test set into factru/docs.jsonl (stdlib only; see README.md).

Usage: python bench/data/ner-ru/convert.py PATH/testset

Reads each document's .txt, .spans and .objects in PATH/testset (the 132 documents; list.txt is not one) and
writes factru/docs.jsonl beside this script: one {"id", "text", "entities": [{"start", "end", "label"}]} per
line, "id" being "factru-" + the file name (factru-book_3954), "text" the .txt file exactly, entities sorted by
start, character offsets into "text".

Names only, as natasha's authors convert the set (naeval's adapt_factru): a Person object gives one PER span
from the start of its first part to the end of its last (name, patronymic, surname, nickname); an Org object
gives an ORG span for each of its org_name spans; a Location or LocOrg object a LOC span for each loc_name
span. Descriptors (org_descr, loc_descr, job, geo_adj) and Project and Facility objects are dropped. Of
overlapping spans the outermost is kept: spans are taken by start, longest first, and one that starts before
the end of the last kept span is dropped ("МИД России" ORG keeps, "России" LOC goes). Where two objects give
the same offsets with different labels (an org named after a person or place: "Мормоттан" for the museum,
"Walt Disney" for the company, "Таганку" for the theatre) ORG is kept, then LOC, then PER.

Every annotated span is checked against the surface string the .spans file gives for it: text[start:end]
must equal it, or equal it once the spaces the file puts between tokens are removed ("Жан - Поль" for
"Жан-Поль"); anything else stops the conversion.
"""

import json
import sys
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent / "factru" / "docs.jsonl"
NAME_SPANS = {"Org": ("org_name", "ORG"), "Location": ("loc_name", "LOC"), "LocOrg": ("loc_name", "LOC")}
PRIORITY = {"ORG": 0, "LOC": 1, "PER": 2}  # for identical offsets

Span = tuple[int, int, str]  # start, end, type or label


def read_spans(path: Path, text: str, checks: Counter[str]) -> dict[str, Span]:
    """span id -> (start, end, span type); each line is 'id type start length token n_tokens # ids surface'."""
    spans = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields, _, comment = line.partition("#")
        if not fields.strip():
            continue
        span_id, kind, start, length, _token, n_tokens = fields.split()
        start, end = int(start), int(start) + int(length)
        surface = comment.split(maxsplit=int(n_tokens))[-1].strip()
        found = text[start:end]
        if found == surface:
            checks["exact"] += 1
        elif found.replace(" ", "") == surface.replace(" ", ""):
            checks["token spacing only"] += 1
        else:
            raise ValueError(f"{path.name} span {span_id}: text has {found!r}, annotation {surface!r}")
        spans[span_id] = (start, end, kind)
    return spans


def name_spans(objects_path: Path, spans: dict[str, Span]) -> list[Span]:
    """PER/ORG/LOC name spans of one document's objects, before overlaps are removed."""
    out = []
    for line in objects_path.read_text(encoding="utf-8").splitlines():
        fields = line.partition("#")[0].split()
        if not fields:
            continue
        kind, parts = fields[1], [spans[i] for i in fields[2:]]
        if kind == "Person":
            out.append((min(s for s, _, _ in parts), max(e for _, e, _ in parts), "PER"))
        elif kind in NAME_SPANS:
            name, label = NAME_SPANS[kind]
            out += [(s, e, label) for s, e, t in parts if t == name]
    return out


def outermost(found: list[Span], dropped: Counter[str]) -> list[Span]:
    """Keep the outermost of overlapping spans (the earlier one if two cross), ORG before LOC before PER."""
    kept: list[Span] = []
    for start, end, label in sorted(set(found), key=lambda s: (s[0], -s[1], PRIORITY[s[2]])):
        if kept and start < kept[-1][1]:
            same = (start, end) == kept[-1][:2]
            dropped["same offsets, other label" if same else "inside another"] += 1
        else:
            kept.append((start, end, label))
    return kept


def convert(testset: Path) -> list[dict]:
    docs, checks, dropped = [], Counter(), Counter()
    for objects_path in sorted(testset.glob("*.objects")):
        stem = objects_path.with_suffix("")
        with open(stem.with_suffix(".txt"), encoding="utf-8", newline="") as f:
            text = f.read()
        spans = read_spans(stem.with_suffix(".spans"), text, checks)
        entities = [
            {"start": s, "end": e, "label": label}
            for s, e, label in outermost(name_spans(objects_path, spans), dropped)
        ]
        docs.append({"id": f"factru-{stem.name}", "text": text, "entities": entities})
    print(f"annotated spans checked: {checks.total()} ({', '.join(f'{k} {v}' for k, v in checks.items())})")
    print(f"name spans dropped: {', '.join(f'{k} {v}' for k, v in dropped.items())}")
    return docs


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit(__doc__)
    docs = convert(Path(argv[1]))
    OUT.parent.mkdir(exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    labels = Counter(e["label"] for d in docs for e in d["entities"])
    print(
        f"wrote {len(docs)} documents, {sum(len(d['text']) for d in docs)} characters, {labels.total()} entities "
        f"({', '.join(f'{k} {v}' for k, v in sorted(labels.items()))}) -> {OUT}"
    )


if __name__ == "__main__":
    main(sys.argv)
