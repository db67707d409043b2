"""Unicode repair, block keys, content hashes, stable ids and canonical URLs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

import ftfy
from courlan import normalize_url
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES
from ftfy.chardata import CONTROL_CHARS, HTML_ENTITY_RE, LIGATURES, WIDTH_MAP
from ftfy.fixes import fix_latin_ligatures, remove_control_chars

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")
_WORD = re.compile(r"\w+")
# ftfy's ligature, width and control-character passes translate every character of every line, a third of
# its time on news text; they run after its other fixes, and only on text holding a character they change.
_FTFY = ftfy.TextFixerConfig(
    uncurl_quotes=False, fix_latin_ligatures=False, fix_character_width=False, remove_control_chars=False, explain=False
)


# ftfy's width fold without the fullwidth punctuation (，：！？（）), which is Chinese and Japanese text's own
# typography; fullwidth letters and digits and halfwidth katakana are still folded.
_WIDTH_FOLD = {
    code: folded for code, folded in WIDTH_MAP.items() if not (0xFF01 <= code <= 0xFF5E and not chr(code).isalnum())
}


def _fold_width(text: str) -> str:
    return text.translate(_WIDTH_FOLD)


def _any_of(table: dict[int, object]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]")


_GUARDED_FIXES = (
    (_any_of(LIGATURES), fix_latin_ligatures),
    (_any_of(_WIDTH_FOLD), _fold_width),
    (_any_of(CONTROL_CHARS), remove_control_chars),
)
_ANY_GUARDED = re.compile("|".join(needed.pattern for needed, _ in _GUARDED_FIXES))  # one scan, not three

# ftfy looks for mojibake in each line with one large regex (ftfy.badness.BADNESS_RE): most of the repair's time
# on text that has none. Every match of that regex but ``^[ÃÂ] `` holds one of these characters and is at most
# 7 characters long, so the regex only needs to run around them (tests/unit/test_unicode_repair.py holds the
# gate to the installed ftfy's regex).
_MOJIBAKE_MARKS = re.compile(
    "["
    + "".join(
        MOJIBAKE_CATEGORIES[category]
        for category in ("bad", "currency", "start_punctuation", "end_punctuation", "numeric", "box")
    )
    + MOJIBAKE_CATEGORIES["upper_accented"]
    + "°Œœ\u0402"
    + "]"
)
_MOJIBAKE_REACH = 7
_MOJIBAKE_AT_LINE_START = re.compile(r"^[ÃÂ] ", re.MULTILINE)
# What ftfy's other fixes of our configuration act on: line breaks, C1 controls, surrogates, terminal escapes.
_FTFY_OTHER_FIXES = re.compile(r"[\r\x1b\x80-\x9f\u2028\u2029\ud800-\udfff]")


def ftfy_would_change(text: str) -> bool:
    """False only where ``ftfy.fix_text(text, _FTFY)`` returns ``text`` unchanged; cheaper than asking it."""
    if len(text) > _FTFY.max_decode_length or _FTFY_OTHER_FIXES.search(text) or HTML_ENTITY_RE.search(text):
        return True
    if text.isascii():
        return False
    if not unicodedata.is_normalized("NFC", text) or _MOJIBAKE_AT_LINE_START.search(text):
        return True
    return any(
        BADNESS_RE.search(text, max(0, mark.start() - _MOJIBAKE_REACH), mark.end() + _MOJIBAKE_REACH)
        for mark in _MOJIBAKE_MARKS.finditer(text)
    )


_PLAIN = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
_TYPOGRAPHIC = re.compile(f"[{''.join(_PLAIN)}]")  # a regex finds them 3x faster than str.translate maps them


# Looked for one at a time: 32 substring scans of a page take a quarter of the time of one regex scan.
_C1_CONTROLS = tuple(map(chr, range(0x80, 0xA0)))
# What bytes 0x80-0xff become when read as Latin-1 or Windows-1252: a page's mojibake is runs of these.
_HIGH_BYTES = bytes(range(0x80, 0x100))
_MISREAD_BYTES = re.compile(
    "["
    + "".join(map(re.escape, sorted({*_HIGH_BYTES.decode("latin-1"), *_HIGH_BYTES.decode("cp1252", "ignore")})))
    + "]+"
)


def repair_markup(html: str) -> str:
    r"""The page with its mojibake repaired when it holds C1 control characters.

    Text has none: they are what UTF-8 bytes become when read as Latin-1 or Windows-1252 and saved again
    (``we\u00e2\x80\x99ll`` for ``we’ll``), so the whole page was misread. The extractors drop them, which
    leaves the rest unrepairable (``weâll``), so ftfy repairs each run of misread bytes before extraction; markup
    is ASCII and stays as it is.
    """
    if not any(control in html for control in _C1_CONTROLS):
        return html
    return _MISREAD_BYTES.sub(lambda run: ftfy.fix_encoding(run.group()), html)


def repair_text(text: str) -> str:
    """Fix mojibake, NFC-normalize, drop control and zero-width characters, collapse spaces per line.

    Typographic quotes are kept; line breaks are kept (normalized to ``\\n``).
    """
    if ftfy_would_change(text):
        text = ftfy.fix_text(text, _FTFY)
    if _ANY_GUARDED.search(text):
        for needed, fix in _GUARDED_FIXES:
            if needed.search(text):
                text = fix(text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def block_key(text: str) -> str:
    """Comparison key of a paragraph: case, quotes, dashes and spacing do not matter."""
    return " ".join(_TYPOGRAPHIC.sub(lambda match: _PLAIN[match.group()], text).casefold().split())


def normalized_words(text: str) -> list[str]:
    """The text's words, case-folded (quotes and dashes are not word characters, so they need no mapping)."""
    return _WORD.findall(text.casefold())


def short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def content_hash(body: str) -> str:
    """Hash of the body's words: equal for copies that differ only in case, punctuation or spacing."""
    return short_hash(" ".join(normalized_words(body)))


def canonical_url(url: str | None) -> str | None:
    """Normalized URL with tracking parameters and fragments removed; None if it is not an http(s) URL."""
    if not url or not url.strip().lower().startswith(("http://", "https://")):
        return None
    try:
        return normalize_url(url.strip(), strict=True)
    except ValueError:
        return None


def domain_of(url: str | None) -> str | None:
    """The URL's host without ``www.``; None for no URL or a malformed one (``http://[bad``)."""
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return host.removeprefix("www.") or None
