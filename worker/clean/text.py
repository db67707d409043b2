"""Block-level cleaner for plain text from scrapers that already stripped the tags but left the mess.

Such text repeats the headline, carries a lede line and a dek around it, a dateline such as
``June 23, 2025, 4:01 p.m. ET``, bylines and boilerplate, and often the whole body twice. The cleaner
splits it into blocks, keeps each block once (compared case-, quote- and space-insensitively) but for short
labels, recognizes the header blocks and returns the rest as body paragraphs, in order. A unique body paragraph
is never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from worker.clean.dates import looks_like_dateline, parse_datetime
from worker.clean.normalize import block_key

# Follow prompts and photo credits in German, French, Spanish, Italian, Portuguese, Dutch and Polish, as
# BOILERPLATE has them in English (``Folgen Sie uns auf Twitter``, ``Síguenos en``, ``Titelbild: …``).
_FOLLOW_US = r"(?:s[ií]guenos|suivez[- ]nous|folgen sie uns|folge uns|seguici|siga-nos|volg ons|obserwuj nas)\b.*"
_PHOTO_CREDIT = (
    r"(?:fotos?|bild(?:er)?|titelbild|titelfoto|bildquelle|cr[ée]dits? photos?|image illustrative|"
    r"fotograf[ií]a|imagen|immagine|imagem|zdj[eę]cie|fot\.)\s*[:|].*"
)
# Whole lines that are page furniture, not story: ads, share and follow prompts, related links, newsletter,
# cookie and reprint notices, photo credits, comment prompts. Only lines of at most MAX_BOILERPLATE_WORDS count.
BOILERPLATE = re.compile(
    r"^(?:advertisement|advertising|sponsored(?: content)?|story continues below(?: advertisement)?|"
    r"share(?: this| on)?(?: article| story| page)?(?: on \w+)?|(?:order )?reprints?|print(?: this)?(?: article| page)?|"
    r"e-?mail(?: this)? (?:article|story)|"
    r"(?:read|see|watch|listen) (?:more|also|next)\b.*|related(?: articles?| stories| coverage)?:?.*|more from\b.*|"
    r"you (?:may|might) also like.*|don'?t miss.*|recommended(?: for you)?:?|most (?:read|popular|viewed)|"
    r"trending(?: now)?|tags?:?.*|topics?:|click here\b.*|subscribe\b.*|sign up\b.*|"
    r"follow (?:us|@?\w+(?: \w+){0,4}) on (?:twitter|x|facebook|instagram|youtube|linkedin|tiktok)\b.*|"
    r"(?:photo|image|picture|video|graphic)s?(?: credit| source| by| courtesy(?: of)?)?\s*[:|].*|"
    r"(?:photo|image)s? (?:by|courtesy of)\b.*|credit:.*|getty images|shutterstock|"
    r"skip to (?:main )?content|(?:we|this (?:web)?site) uses? cookies\b.*|accept (?:all )?cookies|"
    r"by continuing to (?:use|browse)\b.*|(?:copyright|©)\s.*|all rights reserved\.?|"
    r"(?:\d+ )?comments?|(?:leave|post|add) a (?:comment|reply)|tell us what you think.*|"
    r"join the (?:conversation|discussion)\b.*|an error has occurred.*|please try again later\.?|thank you\.?|"
    r"this copy is for your personal,? non-commercial use only\b.*|"
    rf"{_FOLLOW_US}|{_PHOTO_CREDIT})$",
    re.I,
)
# Signing up in the same languages; "newsletter" is their word too, also inside compounds (Themen-Newsletter,
# Musiknewsletter). English keeps its exact verbs: "subscribers" and "signing up" are story words there.
_SIGN_UP = (
    r"anmeld\w*|abonnier\w*|bestell\w*|erhalten sie|inscr[ií]\w*|abonnez|suscr[ií]b\w*|iscriv\w*|assine|"
    r"inscreva\w*|aanmeld\w*|zapisz"
)
# Newsletter and contact prompts: recognized by what they say anywhere in a short line.
PROMPT = re.compile(
    r"\bnewsletters?\b.*\b(?:sign up|subscribe|inbox|delivered)\b|\b(?:sign up|subscribe)\b.*\bnewsletters?\b|"
    rf"newsletter.*\b(?:{_SIGN_UP})|\b(?:{_SIGN_UP}).*newsletter|"
    r"\bin your inbox\b|\b(?:may|can) be reached at\b|^(?:write to|contact|email)\b.*\S+@\S+\.\w+|"
    r"\((?:AP|AFP|Reuters|EPA)?\s*(?:photo|image)s?\s*(?:/|by\b)[^)]*\)$|/\s*(?:getty images|shutterstock|afp|ap|reuters)\)?$",
    re.I,
)
# Every PROMPT match holds one of these. Looking for them in the lower-cased line is three times cheaper than
# searching with PROMPT; the regex's case-insensitive matching also takes these three letters for i and s.
_PROMPT_CUES = ("@", "/", "newsletter", "inbox", "reached at", "photo", "image")
_CASE_FOLDED_LIKE_ASCII = ("\u0130", "\u0131", "\u017f")
MAX_BOILERPLATE_WORDS = 40
LIST_MARKER = re.compile(r"^(?:[-–•*·▪►]|\d{1,2}[.)])\s+")
BYLINE = re.compile(
    r"^(?:[Bb][Yy]|[Ww]ritten by|[Rr]eporting by):?\s+"
    r"(?P<names>[A-Z][\w.'\-]+(?:[\s,]+(?:and\s+|&\s+)?[A-Z][\w.'\-]+){0,7})"
    r"(?:\s*[|,;]\s*(?:[A-Z][\w.'\-]*\s*){1,4})?$"
)
# A wire dateline, which opens the story's first paragraph: ``WASHINGTON (Reuters) -``, ``June 23 (AP) —``.
WIRE_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z.'\-]*(?:[ ,]+[A-Z][A-Za-z.'\-]*){0,4},?\s+)?"
    r"\((?:Reuters|AP|AFP|UPI|Bloomberg|dpa|CNN|Xinhua|PA|ANSA|EFE|Kyodo|IANS|PTI)\)\s*[-—–]+\s*"
)
# A line that only says when the story was updated, without a date: ``Updated at 1:23 p.m.``.
TIME_ONLY_UPDATE = re.compile(
    r"^(?:last )?(?:updated|published|posted)(?: at| on)?:?\s+\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*[A-Z]{0,4}\.?$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)」』]*$")
# Chinese and Japanese put no space after a sentence: their full stops end one wherever they stand.
_SENTENCE_ENDS = re.compile(r"[.!?…][\"'”’)」』]*(?=\s|$)|[。！？][\"'”’)」』]*")
# Han characters and kana are counted one word each, as word processors count Chinese and Japanese text.
_UNSPACED_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_UNSPACED_PUNCTUATION = re.compile(r"[\u3000-\u3004\u3008-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
_SENTENCE_SPLIT = re.compile(r"[.!?…][\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")

# An error page says so in its title or first line, and has little else.
ERROR_PAGE = re.compile(
    r"^(?:error|oops)\W*$|\bwe(?:'|’)ll be right back\b|"
    r"^(?:error )?(?:400|401|403|404|410|500|502|503)\b|\b(?:page|article|story|content|file) "
    r"(?:was )?(?:not found|cannot be found|could not be found|(?:is )?no longer available|does not exist)\b|"
    r"\b(?:access denied|forbidden|internal server error|service unavailable|something went wrong)\b",
    re.I,
)
MAX_ERROR_PAGE_WORDS = 120
# Running text has a sentence end every 100-300 characters; a list of headlines or links has hardly any.
MAX_CHARS_PER_SENTENCE = 1500
MAX_HEADLINE_WORDS = 25
MAX_DEK_WORDS = 45
MAX_HEADER_BLOCKS = 4  # headline, lede, dek and dateline come first; a short line further down is body
# A page's title often carries the site's or section's name beside the headline ("Headline - Site",
# "Site | Headline"); the headline printed above the story is then one of its parts.
TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•»]|::)\s+")
MIN_TITLE_PART_WORDS = 3
META = "\x00meta"  # stands where a dateline or byline was, for header detection


@dataclass
class TextParts:
    title: str | None = None
    subtitle: str | None = None
    description: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


def split_blocks(text: str, one_block_per_line: bool = False) -> list[str]:
    """Blocks are non-empty lines, except that hard-wrapped lines of one paragraph are joined; not in text that
    has ``one_block_per_line`` (an HTML extractor's), where a run of long lines is code, a table or a list."""
    blocks: list[str] = []
    for group in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in group.split("\n") if line.strip()]
        if not one_block_per_line and _is_hard_wrapped(lines):
            blocks.append(" ".join(lines))
        else:
            blocks.extend(lines)
    return blocks


def _is_hard_wrapped(lines: list[str]) -> bool:
    if len(lines) < 2:
        return False
    inner = lines[:-1]
    wrapped = [line for line in inner if len(line) >= 40 and not _SENTENCE_END.search(line)]
    return len(wrapped) * 3 >= len(inner) * 2


def unique_blocks(blocks: list[str]) -> tuple[list[str], dict[str, int]]:
    """Each block once, first occurrence kept, except a label (see ``is_label``) that follows a kept block;
    also how often each block key occurred. A label after a dropped repeat is part of a repeated run (the
    whole body printed twice, its subheadings too) and goes with it."""
    counts: dict[str, int] = {}
    kept: list[str] = []
    previous_kept = True
    for block in blocks:
        key = block_key(block)
        previous_kept = key not in counts or (previous_kept and is_label(block))
        if previous_kept:
            kept.append(block)
        counts[key] = counts.get(key, 0) + 1
    return kept, counts


def is_label(block: str) -> bool:
    """A line of a headline's length without a sentence end: a heading, a table cell, a line of code (`Pros`,
    `}`). A scraper repeats paragraphs; a label printed again is the page's structure (the headline's and the
    dek's copies go with the header)."""
    return len(block.split()) <= MAX_HEADLINE_WORDS and not _SENTENCE_END.search(block)


def sentence_count(block: str) -> int:
    return len(_SENTENCE_SPLIT.split(block.strip()))


def _is_headline_like(block: str) -> bool:
    return (bool(block.split()) and is_label(block)) or block.endswith(("?", "!"))


def _is_body_like(block: str) -> bool:
    return sentence_count(block) >= 2 or len(block.split()) > MAX_DEK_WORDS or bool(WIRE_DATELINE.match(block))


def is_boilerplate(block: str) -> bool:
    """A short line of page furniture (see ``BOILERPLATE`` and ``PROMPT``), list markers ignored."""
    line = LIST_MARKER.sub("", block)
    if len(line.split()) > MAX_BOILERPLATE_WORDS:
        return False
    return bool(BOILERPLATE.match(line) or _is_prompt(line) or TIME_ONLY_UPDATE.match(line))


def _is_prompt(line: str) -> bool:
    lowered = line.lower()
    if not any(cue in lowered for cue in _PROMPT_CUES) and not any(c in line for c in _CASE_FOLDED_LIKE_ASCII):
        return False
    return bool(PROMPT.search(line))


def clean_text(text: str, title_hint: str | None = None, one_block_per_line: bool = False) -> TextParts:
    """Split repaired text into headline, dek, lede, dateline, bylines and unique body paragraphs."""
    blocks, counts = unique_blocks(split_blocks(text, one_block_per_line))
    parts = TextParts()
    body: list[str] = []  # body candidates, with META where a dateline or byline stood
    wire_dateline = ""  # a wire dateline printed on a line of its own opens the next paragraph
    for block in blocks:
        if is_boilerplate(block):
            continue
        if WIRE_DATELINE.fullmatch(block):
            wire_dateline = block + " "
            continue
        line = LIST_MARKER.sub("", block)
        if looks_like_dateline(line):
            parts.published_at = parts.published_at or parse_datetime(line)
            body.append(META)
            continue
        byline = BYLINE.match(line)
        if byline and len(line.split()) <= 12:
            parts.authors.extend(n for n in re.split(r",\s*|\s+(?:and|&)\s+", byline.group("names")) if n)
            body.append(META)
            continue
        body.append(wire_dateline + block)
        wire_dateline = ""
    _take_header(parts, body, counts, title_hint)
    parts.paragraphs = [block for block in body if block is not META]
    return parts


def count_words(text: str) -> int:
    """Whitespace-separated words, with each Han character and kana one word and CJK punctuation none."""
    unspaced = len(_UNSPACED_WORD.findall(text))
    if not unspaced:
        return len(text.split())
    return unspaced + len(_UNSPACED_PUNCTUATION.sub(" ", _UNSPACED_WORD.sub(" ", text)).split())


def looks_like_article(paragraphs: list[str], title: str | None) -> bool:
    """False for error pages, and for bodies without running text: lists of links or headlines (index pages)."""
    first_lines = [line for line in (title, paragraphs[0] if paragraphs else None) if line]
    if any(ERROR_PAGE.search(line) for line in first_lines) and (
        sum(len(p.split()) for p in paragraphs) <= MAX_ERROR_PAGE_WORDS
    ):
        return False
    chars = sum(len(p) for p in paragraphs)
    sentences = 0
    for paragraph in paragraphs:  # running text has its sentence ends early: counting stops once there are enough
        sentences += len(_SENTENCE_ENDS.findall(paragraph))
        if chars <= MAX_CHARS_PER_SENTENCE * sentences:
            return True
    return chars <= MAX_CHARS_PER_SENTENCE  # no sentence end at all


def _take_header(parts: TextParts, body: list[str], counts: dict[str, int], title_hint: str | None) -> None:
    """Move headline, lede (before it) and dek (after it) out of ``body``, with their copies; mutates both.

    The header is what precedes the first body-like block. A lede is a sentence before the headline; a
    dek is the one short block after it, recognized only when a dateline or byline closes the header.
    """
    header_end = next((i for i, b in enumerate(body) if b is not META and _is_body_like(b)), len(body))
    # A headline may end with a full stop and so look like the first body block: the title hint tells.
    header_end = min(header_end + 1 if title_hint else header_end, MAX_HEADER_BLOCKS)
    title_at = _find_title(body[:header_end], counts, title_hint)
    if title_hint:
        parts.title = title_hint
    if title_at is None:
        return
    headline = body[title_at]
    parts.title = parts.title or headline
    before = [b for b in body[:title_at] if b is not META]
    del body[: title_at + 1]
    _drop_copies(body, [headline], counts)  # before the dek is looked for: a headline printed twice
    lede = before if before and not any(_is_headline_like(b) for b in before) else []
    if lede:
        parts.description = " ".join(lede)
    else:
        body[0:0] = before
    if len(body) >= 2 and body[0] is not META and body[1] is META and len(body[0].split()) <= MAX_DEK_WORDS:
        parts.subtitle = body.pop(0)
    _drop_copies(body, [block for block in (*lede, parts.subtitle) if block], counts)


def _drop_copies(body: list[str], taken: list[str], counts: dict[str, int]) -> None:
    """Remove from ``body`` the copies of header blocks ``taken`` that occurred more than once; mutates it."""
    keys = {key for block in taken if counts.get(key := block_key(block), 0) > 1}
    if keys:
        body[:] = [b for b in body if b is META or block_key(b) not in keys]


def _find_title(header: list[str], counts: dict[str, int], title_hint: str | None) -> int | None:
    if title_hint:
        keys = headline_keys(title_hint)
        return next((i for i, b in enumerate(header) if b is not META and block_key(b) in keys), None)
    candidates = [i for i, b in enumerate(header) if b is not META and _is_headline_like(b)]
    repeated = [i for i in candidates if counts[block_key(header[i])] > 1]
    if repeated:
        return repeated[0]
    return candidates[0] if candidates else None


def headline_keys(title: str) -> set[str]:
    """``block_key`` of each form the headline of a page with this title may take in its text: the title, and
    each part of it between separators that has at least ``MIN_TITLE_PART_WORDS`` words."""
    parts = [part for part in TITLE_SEPARATOR.split(title) if len(part.split()) >= MIN_TITLE_PART_WORDS]
    return {block_key(title), *(block_key(part) for part in parts)}
