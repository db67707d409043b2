"""The gate in front of ftfy: where it says ftfy would change nothing, ftfy changes nothing.

ftfy changes little of what its badness regex finds, so the gate is also checked against that regex itself."""

from __future__ import annotations

import itertools
import re

import ftfy
import pytest
from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.clean.normalize import _FTFY, ftfy_would_change

pytestmark = pytest.mark.unit


def _characters(*categories: str) -> list[str]:
    pattern = re.compile("[" + "".join(MOJIBAKE_CATEGORIES[category] for category in categories) + "]")
    return [chr(code) for code in range(0x80, 0x2600) if pattern.match(chr(code))]


# Short strings of the letters of ordinary text with now and then one of the rarer characters that ftfy's badness
# regex is written in: they hit its two- to seven-character patterns where few marks are near.
LETTERS = st.sampled_from(
    sorted(set(_characters("lower_accented", "lower_common", "upper_common")) | set("aeZz .,?!&;#\n"))
)
RARER = st.sampled_from(
    sorted(
        set(_characters("c1", "bad", "law", "currency", "start_punctuation", "end_punctuation", "numeric"))
        | set(_characters("kaomoji", "upper_accented", "box", "common"))
        | set("ÂÃÎÐØÙàâ√≈‚×βāвЂГўВРСΒΓΞΟ°µ€")
    )
)
TEXTS = st.text(alphabet=st.one_of(LETTERS, LETTERS, LETTERS, RARER), max_size=12)
WORDS = ["naïve café", "Zürich Straße", "São Paulo", "Łódź", "Москва", "Αθήνα", "東京", "İstanbul", "“quoted” — €5"]
ENCODINGS = ["latin-1", "windows-1252", "windows-1251", "windows-1250", "windows-1253", "mac_roman", "cp437"]


@settings(max_examples=2000, deadline=None)
@given(TEXTS)
def test_where_the_gate_is_closed_ftfy_changes_nothing(text: str) -> None:
    if not ftfy_would_change(text):
        assert ftfy.fix_text(text, _FTFY) == text
        assert not any(is_bad(line) for line in text.split("\n"))


def test_the_gate_opens_wherever_the_badness_regex_matches_two_or_three_characters() -> None:
    # Each of ftfy's categories by its first, middle and last character, the regex's own literals, and letters.
    sampled = {
        chars[i]
        for category in MOJIBAKE_CATEGORIES
        for chars in [_characters(category)]
        for i in (0, len(chars) // 2, -1)
    }
    alphabet = sorted(sampled | set("ÂÃÎÐØÙàâ√≈‚×βāвЂГўВРСΒΓΞΟ°µ€Œœ") | set("aZ .\n"))
    missed = [
        text
        for size in (2, 3)
        for text in map("".join, itertools.product(alphabet, repeat=size))
        if any(map(is_bad, text.split("\n"))) and not ftfy_would_change(text)
    ]
    assert missed == []


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("word", WORDS)
def test_the_gate_opens_for_mojibake(word: str, encoding: str) -> None:
    text = f"It said {word.encode('utf-8').decode(encoding, errors='replace')} on Monday."
    if ftfy.fix_text(text, _FTFY) != text:
        assert ftfy_would_change(text)


@pytest.mark.parametrize(
    "text", ["Plain ASCII news.", "Zürich, “quoted”, € 5 — fine.", "Москва и Αθήνα", "東京で。", "AT&T Q&A"]
)
def test_the_gate_stays_closed_on_clean_text(text: str) -> None:
    assert not ftfy_would_change(text)


@pytest.mark.parametrize(
    "text", ["Fish &amp; chips", "one\r\ntwo", "\x1b[31mred\x1b[0m", "e\u0301cole", "a\x85b", "x\u2028y"]
)
def test_the_gate_opens_for_what_ftfys_other_fixes_change(text: str) -> None:
    assert ftfy.fix_text(text, _FTFY) != text
    assert ftfy_would_change(text)
