#!/usr/bin/env python3
"""Convert the two French NER sources into docs.jsonl (stdlib only; see README.md).

Usage:
  convert.py europeana enp_FR.tsv europeana/docs.jsonl   # Europeana Newspapers, branch 0.2 (GermEval-style TSV)
  convert.py newseye HIPE-2022-v2.1-newseye-test-fr.tsv newseye/docs.jsonl   # NewsEye, HIPE-2022 TSV

Output: one JSON object per document, {"id", "text", "entities": [{"start", "end", "label"}]}, character
offsets into "text"; labels PER, LOC, ORG.

europeana: the file has no sentence or article boundaries, so the token stream is cut into pseudo-sentences
after ".", "!" or "?" outside an entity, and consecutive pseudo-sentences are grouped into chunks of at least
CHUNK_TOKENS tokens; SAMPLE chunks are drawn with random.Random(SEED) and written in file order. Tokens are
joined by one space, except none before , . ) ] and none after ( [ or an elided word (l', d', qu', ...).

newseye: one document per hipe2022:document_id; tokens are joined as the file says (a space unless the MISC
column has NoSpaceAfter), except that a line end (EndOfLine) is a space unless the word is hyphenated across it
(ends with "¬", kept as printed), and a word is never glued to a word, nor a letter to . ! ? ; : before it: the file
marks NoSpaceAfter on many line-final words ("suspect" + "comme", "blanc." + "Et"); NE-COARSE-LIT is the label; HumanProd (titles of newspapers and works, 33 in the test
split) is dropped, as neither model has that type.

Every entity's text is checked to be its tokens as joined.
"""
import json
import random
import sys

CHUNK_TOKENS = 200
SAMPLE = 250
SEED = 16
LABELS = {"PER", "LOC", "ORG"}
NO_SPACE_BEFORE = {",", ".", ")", "]"}
NO_SPACE_AFTER = {"(", "["}


def spans(tags):
    """BIO tags -> [(first, last, label)], inclusive token indices; an I- after O or another type opens one."""
    out, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        kind, _, lab = tag.partition("-")
        if start is not None and (kind != "I" or lab != label):
            out.append((start, i - 1, label))
            start = None
        if kind in ("B", "I") and start is None:
            start, label = i, lab
    return out


def document(doc_id, tokens, tags, glue):
    """glue[i]: no space between token i and token i + 1."""
    text, offsets = "", []
    for i, token in enumerate(tokens):
        if i and not glue[i - 1]:
            text += " "
        offsets.append((len(text), len(text) + len(token)))
        text += token
    entities = []
    for first, last, label in spans(tags):
        if label not in LABELS:
            continue
        start, end = offsets[first][0], offsets[last][1]
        joined = "".join(tokens[first:last + 1])
        assert text[start:end].replace(" ", "") == joined.replace(" ", ""), (doc_id, text[start:end])
        entities.append({"start": start, "end": end, "label": label})
    return {"id": doc_id, "text": text, "entities": entities}


def europeana(path):
    rows = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(fields) != 4:
                continue
            rows.append((fields[1], fields[2]))
    chunks, current = [], []
    for i, (token, tag) in enumerate(rows):
        current.append((token, tag))
        next_tag = rows[i + 1][1] if i + 1 < len(rows) else "O"
        if token in {".", "!", "?"} and tag == "O" and not next_tag.startswith("I-") and len(current) >= CHUNK_TOKENS:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    picked = sorted(random.Random(SEED).sample(range(len(chunks)), SAMPLE))
    docs = []
    for n in picked:
        tokens = [t for t, _ in chunks[n]]
        glue = [
            a in NO_SPACE_AFTER or a[-1:] in ("'", "’") and len(a) > 1 or b in NO_SPACE_BEFORE
            for a, b in zip(tokens, tokens[1:] + [""])
        ]
        docs.append(document(f"europeana-fr-{n:04d}", tokens, [g for _, g in chunks[n]], glue))
    return docs, len(chunks), len(rows)


def newseye(path):
    docs, doc_id, tokens, tags, glue = [], None, [], [], []
    n_tokens = 0

    def flush():
        if tokens:
            # Two words are never glued: the test split marks NoSpaceAfter on many line-final words.
            for i, (a, b) in enumerate(zip(tokens, tokens[1:])):
                glue[i] = glue[i] and not (a[-1].isalnum() and b[0].isalnum() or a[-1] in ".!?;:" and b[0].isalpha())
            docs.append(document(f"newseye-fr-{doc_id}", tokens[:], tags[:], glue[:]))
        tokens.clear(), tags.clear(), glue.clear()

    with open(path, encoding="utf-8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("# hipe2022:document_id = "):
                flush()
                doc_id = line.split("=", 1)[1].strip()
            elif len(fields) == 10 and fields[0] != "TOKEN":
                tokens.append(fields[0])
                tags.append(fields[1])
                flags = fields[9].split("|")
                # A line end is a space, unless the word is hyphenated across it ("con¬" + "tenu").
                line_end = "EndOfLine" in flags and not fields[0].endswith("¬")
                glue.append("NoSpaceAfter" in flags and not line_end)
                n_tokens += 1
    flush()
    return docs, len(docs), n_tokens


def main(argv):
    if len(argv) != 4 or argv[1] not in ("europeana", "newseye"):
        sys.exit(__doc__)
    docs, units, n_tokens = (europeana if argv[1] == "europeana" else newseye)(argv[2])
    with open(argv[3], "w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    by = {}
    for doc in docs:
        for e in doc["entities"]:
            by[e["label"]] = by.get(e["label"], 0) + 1
    kept = sum(len(d["text"].split()) for d in docs)
    print(f"{argv[1]}: {n_tokens} tokens in {units} units; wrote {len(docs)} documents, about {kept} words, "
          f"{sum(by.values())} entities ({', '.join(f'{k} {v}' for k, v in sorted(by.items()))}) -> {argv[3]}")


if __name__ == "__main__":
    main(sys.argv)
