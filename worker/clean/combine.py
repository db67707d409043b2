"""Combining several extractors' main texts: a paragraph-level majority vote, the guards on a body, and
teasers of other pages dropped from it.

Each candidate is text with one block per line. Two extractors often cut the same story into lines differently,
so a paragraph is compared by its words (lower-cased, punctuation and spacing ignored), and counts as contained
in a candidate when its word sequence occurs there whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from worker.errors import Rejected

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…。！？:;][\"'”’)」』]*$")
# A line of a menu or tag cloud: a few words without a sentence end.
LINK_LINE_MAX_WORDS = 4
# A body is a link list when at least this share of its lines are such lines, and they hold most of its words.
LINK_LIST_MIN_LINE_SHARE = 0.6
LINK_LIST_MIN_WORD_SHARE = 0.5
# Teasers of other pages inside a body: a lead-in of at most LEAD_IN_MAX_WORDS ending in ":" or "?" ("Auch
# interessant:", "Schon gelesen?") before lines that are each a link's whole text of at least
# TEASER_MIN_WORDS (headlines), or one line "label: linked headline" ("LE PUEDE INTERESAR: La ficha de…").
LEAD_IN_MAX_WORDS = 6
TEASER_MIN_WORDS = 4
_LABELLED = re.compile(r"^([^:]{1,40}):\s+(.+)$")


def words_key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def paragraph_pool(candidates: Sequence[str]) -> list[str]:
    """Every paragraph of the candidates once, in page order: the longest candidate's lines, and each other
    candidate's lines that it lacks inserted after their predecessor in that candidate.

    A line whose words are already in the pool, or that is a merge of lines already there, is not added again.
    """
    order = sorted(range(len(candidates)), key=lambda i: -len(candidates[i]))
    pool: list[str] = []
    keys: list[str] = []
    for rank, index in enumerate(order):
        joined = f" {' | '.join(keys)} "
        previous: int | None = None
        for line in lines(candidates[index]):
            key = words_key(line)
            if not key:
                continue
            if rank and f" {key} " in joined:
                previous = next((i for i, k in enumerate(keys) if key in k), previous)
                continue
            if rank and any(len(k) > 20 and k in key for k in keys):
                continue
            at = len(keys) if rank == 0 else (0 if previous is None else previous + 1)
            keys.insert(at, key)
            pool.insert(at, line)
            previous = at
    return pool


def vote(candidates: Sequence[str], min_votes: int) -> str:
    """The pool's paragraphs that at least ``min_votes`` candidates contain, one per line."""
    texts = [f" {words_key(candidate)} " for candidate in candidates]
    kept = [
        line
        for line in paragraph_pool(candidates)
        if sum(1 for text in texts if f" {words_key(line)} " in text) >= min_votes
    ]
    return "\n".join(kept)


def contained_share(inner: str, outer: str) -> float:
    """The share of ``inner``'s words in lines whose words occur whole in ``outer`` (1.0 for no words)."""
    text = f" {words_key(outer)} "
    counted = [(key, len(key.split())) for key in map(words_key, lines(inner)) if key]
    total = sum(words for _, words in counted)
    return sum(words for key, words in counted if f" {key} " in text) / total if total else 1.0


@lru_cache(maxsize=8)  # the clean stage asks twice about each body it keeps: before and after its guards
def is_link_list(text: str) -> bool:
    """True for a body that is mostly short lines without a sentence end: a menu, a tag cloud, a list of links.

    Lines without a word (symbols, numbers' punctuation) do not count either way.
    """
    counted = [(line, word_count(line)) for line in lines(text)]
    counted = [(line, words) for line, words in counted if words]
    if not counted:
        return False
    short = [words for line, words in counted if words <= LINK_LINE_MAX_WORDS and not _SENTENCE_END.search(line)]
    return len(short) >= LINK_LIST_MIN_LINE_SHARE * len(counted) and sum(short) >= LINK_LIST_MIN_WORD_SHARE * sum(
        words for _, words in counted
    )


def first_running_text(candidates: Sequence[str]) -> str:
    """The first non-empty candidate that is not a link list; "" when all are empty.

    Raises ``Rejected("not_an_article")`` when every non-empty candidate is a link list.
    """
    texts = [candidate for candidate in candidates if candidate.strip()]
    for text in texts:
        if not is_link_list(text):
            return text
    if texts:
        raise Rejected("not_an_article", "every extractor's body is a list of short link-like lines")
    return ""


def drop_teasers(text: str, link_texts: Callable[[], frozenset[str]]) -> str:
    """``text`` without its teasers of other pages (see ``LEAD_IN_MAX_WORDS``). ``link_texts`` gives the
    ``words_key`` of the page's links' texts; it is called only for a body with a line that may start a teaser.
    A body that would be left empty is kept whole."""
    raw = text.split("\n")
    at = [index for index, line in enumerate(raw) if line.strip()]  # the lines with text, as in ``lines``
    body = [raw[index].strip() for index in at]
    boxes = [i for i, line in enumerate(body[:-1]) if _is_lead_in(line) and word_count(body[i + 1]) >= TEASER_MIN_WORDS]
    labelled = {i: rest for i, line in enumerate(body) if (rest := _labelled_headline(line))}
    if not boxes and not labelled:
        return text
    links = link_texts()
    dropped = {i for i, rest in labelled.items() if _is_link(rest, links) and not _is_link(body[i], links)}
    for index in boxes:
        if _is_link(body[index], links):
            continue
        after = index + 1
        while after < len(body) and _is_headline(body[after], links):
            after += 1
        if after > index + 1:
            dropped.update(range(index, after))
    if not dropped or len(dropped) == len(body):
        return text
    gone = {at[index] for index in dropped}
    return "\n".join(line for index, line in enumerate(raw) if index not in gone)


def _is_lead_in(line: str) -> bool:
    return line.endswith((":", "?")) and 0 < word_count(line) <= LEAD_IN_MAX_WORDS


def _labelled_headline(line: str) -> str | None:
    """The rest of a line ``label: rest`` with a label of at most ``LINK_LINE_MAX_WORDS`` and a rest of a
    headline's length, else None."""
    labelled = _LABELLED.match(line)
    if labelled and word_count(labelled[1]) <= LINK_LINE_MAX_WORDS and word_count(labelled[2]) >= TEASER_MIN_WORDS:
        return labelled[2]
    return None


def _is_link(line: str, link_texts: frozenset[str]) -> bool:
    key = words_key(line)
    return bool(key) and key in link_texts


def _is_headline(line: str, link_texts: frozenset[str]) -> bool:
    return word_count(line) >= TEASER_MIN_WORDS and _is_link(line, link_texts)


def agreement(first: str, second: str) -> float:
    """Jaccard similarity of the two texts' word sets (1.0 for two texts without words)."""
    a, b = set(words_key(first).split()), set(words_key(second).split())
    return len(a & b) / len(a | b) if a | b else 1.0


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
