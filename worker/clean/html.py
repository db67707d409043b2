"""HTML pages → main text and metadata.

The main text is trafilatura's default body (its own extractor, with its readability and jusText fallbacks).
Where the body is empty or a link list, or (with ``html_vote``) trafilatura's cheap precision mode shares less than
``VOTE_BELOW_AGREEMENT`` of its words, ``favor_precision`` and ``favor_recall`` run too and the three vote
paragraph by paragraph (``worker.clean.combine``). Three guards: a body flattened into one block (trafilatura's
last resort) gives way to readability-lxml's text when that is the story within it, in blocks; when the body has
less than half the words of the page's running text, the story may be split over containers of which only one
came out, and readability-lxml's text replaces it if it holds the body and at least twice its words; a candidate
that is a list of short link-like lines (a menu, a tag cloud) gives way to the next, and a page where every
candidate is one is ``not_an_article``. Teasers of other pages (a lead-in such as "Read also:" before linked
headlines) are dropped from the body. Metadata comes from the page's meta tags and JSON-LD; ``published_at`` keeps
the page's time zone, with htmldate (and the date in the URL's path) as the fallback. See docs/cleaning.md for
the figures.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import trafilatura
from htmldate import find_date
from lxml.etree import XPath, strip_elements
from lxml.html import HtmlElement, fromstring
from readability import Document as ReadabilityDocument
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.utils import load_html

from worker.clean.combine import (
    agreement,
    contained_share,
    drop_teasers,
    first_running_text,
    is_link_list,
    vote,
    word_count,
    words_key,
)
from worker.clean.dates import parse_datetime
from worker.clean.normalize import domain_of
from worker.clean.text import MIN_TITLE_PART_WORDS, TITLE_SEPARATOR, count_words
from worker.errors import Rejected

# Where pages state their publication time with a zone, in order; htmldate and trafilatura give a day without a
# time. Each XPath walks the whole page (0.2 ms on a long one): ``@itemprop`` is tested before the costlier
# token test, and string results are plain ``str`` (``smart_strings`` would link each to its element).
_ITEMPROP_PUBLISHED = "@itemprop and contains(concat(' ', normalize-space(@itemprop), ' '), ' datePublished ')"
_PUBLISHED_XPATHS = tuple(
    XPath(xpath, smart_strings=False)
    for xpath in (
        "//meta[@property='article:published_time' or @property='article:published']/@content",
        "//meta[@property='og:published_time']/@content",
        f"//meta[{_ITEMPROP_PUBLISHED}]/@content",
        f"//*[{_ITEMPROP_PUBLISHED}]/@datetime",
        "//meta[@name='pubdate' or @name='publishdate' or @name='dc.date.issued' or @name='date']/@content",
        "//time[@datetime]/@datetime",
    )
)
_JSON_LD = XPath("//script[@type='application/ld+json']/text()", smart_strings=False)
_BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dd", "dt"})

# The vote runs where the body is empty or a link list and, with the html_vote setting, where trafilatura's
# default body and its cheap precision mode (fast, favor_precision) share less than this share of their words.
# Then the body and these modes vote on each paragraph, and a paragraph stays when MIN_VOTES of the three
# contain it.
VOTE_BELOW_AGREEMENT = 0.9
_VOTING_MODES: tuple[dict[str, bool], ...] = ({"favor_precision": True}, {"favor_recall": True})
MIN_VOTES = 2
# The recall path opens when the body has less than this share of the words of the page's running text (its
# <p> text outside navigation, header, footer and asides); 0 closes it. readability-lxml's text then replaces
# the body when it holds RECALL_MIN_CONTAINED of the body's words and at least 1/share times as many words: a
# story cut to less than half needs at least twice the words to be whole again.
RECALL_BELOW_RUNNING_SHARE = 0.5
RECALL_MIN_CONTAINED = 0.8
# A body of one block of at least this many words is trafilatura's last resort (its baseline: the text of a whole
# <article> or <body> run together, header, bylines and all). readability-lxml's text replaces it when it has
# blocks, holds at least RECALL_BELOW_RUNNING_SHARE of its words and is a part of it (RECALL_MIN_CONTAINED).
FLATTENED_MIN_WORDS = 100
_RUNNING_TEXT = XPath(
    "//p[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside)]//text()", smart_strings=False
)

# The extractors delete unwanted elements one at a time, and each deletion searches the parent's children:
# quadratic in the number of siblings (20,000 <script> and <style> tags with text between them took 48 s).
# Elements both would delete are stripped first in one linear pass; the page size in elements bounds the rest.
MAX_HTML_ELEMENTS = 20_000
_DROPPED_BY_BOTH = (
    "applet",
    "audio",
    "canvas",
    "datalist",
    "embed",
    "frame",
    "frameset",
    "iframe",
    "label",
    "map",
    "object",
    "picture",
    "svg",
    "track",
    "video",
)  # fmt: skip  (htmldate's CLEANING_LIST that trafilatura's MANUALLY_CLEANED also deletes, without "math")
_DROPPED_BY_TRAFILATURA = ("style",)  # not <noscript>: some pages hold the story there, trafilatura reads it
_DATA_SCRIPTS = frozenset({"application/ld+json", "application/settings+json"})  # read for metadata
_DROP = "news-ingest-drop"


@dataclass
class HtmlParts:
    text: str = ""
    title: str | None = None
    description: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    canonical_url: str | None = None
    page_type: str | None = None


def extract_html(
    html: str, url: str | None = None, max_elements: int = MAX_HTML_ELEMENTS, html_vote: bool = False
) -> HtmlParts:
    """Main text (one block per line) and metadata of one page; empty text if the page has none.

    Raises ``Rejected("too_large")`` for a page of more than ``max_elements`` elements, and
    ``Rejected("not_an_article")`` when every candidate body is a link list (see ``main_text``).
    """
    tree = load_html(html)
    if tree is None:
        return HtmlParts()
    elements = int(tree.xpath("count(//*)"))  # counted inside libxml2: no Python object per element
    if elements > max_elements:
        raise Rejected("too_large", f"{elements} HTML elements > limit {max_elements}")
    _drop_noise(tree)
    meta = examine_meta(tree)
    with suppress(Exception):  # trafilatura's JSON-LD reader fails on some malformed scripts; meta tags count
        meta = extract_meta_json(tree, meta)
    parts = HtmlParts(
        title=headline(tree, meta.title or extract_title(tree), meta.sitename, url),
        description=meta.description,
        published_at=_published_at(tree) or _htmldate(tree, url),
        authors=[a.strip() for a in (meta.author or "").split(";") if " " in a.strip()],
        language=(_first(tree, "/html/@lang") or "").split("-")[0].lower() or None,
        canonical_url=_first(tree, "//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"),
        page_type=(meta.pagetype or "").lower() or None,
    )
    parts.text = main_text(tree, html, url, html_vote)
    return parts


def headline(tree: HtmlElement, title: str | None, site_name: str | None, url: str | None) -> str | None:
    """The story's headline from the page's ``title`` ("Headline | Site", "Site - Section - Headline"): the part
    of it that is a heading on the page, else the page's one ``<h1>`` if it has ``MIN_TITLE_PART_WORDS`` words and
    does not name the site, else the title; either without its leading and trailing parts that name the site
    (``site_name``, or a label of the URL's host)."""
    if not title:
        return title
    names = _site_names(site_name, url)
    parts = TITLE_SEPARATOR.split(title)
    if len(parts) > 1:
        headings = {words_key(heading.text_content()) for heading in tree.iter("h1", "h2")}
        for part in parts:
            if words_key(part) in headings and not _names_site(part, names):  # a logo may be a heading too
                return part.strip()
    h1 = [" ".join(element.text_content().split()) for element in tree.iter("h1")]
    if len(h1) == 1 and count_words(h1[0]) >= MIN_TITLE_PART_WORDS and not _names_site(h1[0], names):
        title = h1[0]
    pieces = re.split(f"({TITLE_SEPARATOR.pattern})", title)  # parts at even positions, separators between
    while len(pieces) > 1 and _names_site(pieces[-1], names):
        del pieces[-2:]
    while len(pieces) > 1 and _names_site(pieces[0], names):
        del pieces[:2]
    return "".join(pieces).strip()


def _site_names(site_name: str | None, url: str | None) -> tuple[set[str], list[str]]:
    """The ``words_key`` of the site's name, and the labels of the URL's host but ``www`` and the last, and the
    host without ``www`` (``spacenews.com`` for "SpaceNews.com"), without dots and hyphens."""
    host = domain_of(url) or ""
    labels = [label.replace("-", "") for label in host.split(".")[:-1]]
    labels += [host.replace(".", "").replace("-", "")] if host else []
    return {words_key(site_name)} - {""} if site_name else set(), labels


def _names_site(text: str, names: tuple[set[str], list[str]]) -> bool:
    """True for text that is the site's name or, written without spaces, a label of the URL's host or a part of
    one longer than three letters."""
    key = words_key(text)
    squashed = key.replace(" ", "")
    keys, labels = names
    return key in keys or any(squashed == label or (len(squashed) > 3 and squashed in label) for label in labels)


def main_text(tree: HtmlElement, html: str, url: str | None, html_vote: bool = False) -> str:
    """trafilatura's body, voted on where it is empty or a link list or (optionally) its modes disagree, with the
    two guards and without teasers of other pages (see module docstring).

    Raises ``Rejected("not_an_article")`` when every candidate is a list of short link-like lines.
    """
    body = _trafilatura(tree, url)
    if is_flattened(body):
        body = restructured(body, html)
    candidates = [body]
    if not body.strip() or is_link_list(body) or (html_vote and _disagrees(body, tree, url)):
        modes = [body, *(_trafilatura(tree, url, **mode) for mode in _VOTING_MODES)]
        candidates = [vote(modes, MIN_VOTES), *modes]
    if needs_recall(candidates[0], tree):
        wider = _readability(html)
        if extends(wider, candidates[0]):
            candidates.insert(0, wider)
    return drop_teasers(first_running_text(candidates), lambda: link_texts(tree))


def is_flattened(text: str) -> bool:
    return "\n" not in text.strip() and word_count(text) >= FLATTENED_MIN_WORDS


def restructured(body: str, html: str) -> str:
    """readability-lxml's text for a flattened ``body`` when it is the story within it, in blocks the block cleaner
    can take apart; else ``body``."""
    structured = _readability(html)
    if (
        "\n" in structured.strip()
        and word_count(structured) >= RECALL_BELOW_RUNNING_SHARE * word_count(body)
        and contained_share(structured, body) >= RECALL_MIN_CONTAINED
        and not is_link_list(structured)
    ):
        return structured
    return body


def link_texts(tree: HtmlElement) -> frozenset[str]:
    """The ``words_key`` of the texts of the page's links (the extractors work on copies of ``tree``)."""
    return frozenset(key for link in tree.iter("a") if (key := words_key(link.text_content())))


def _disagrees(body: str, tree: HtmlElement, url: str | None) -> bool:
    precise = _trafilatura(tree, url, fast=True, favor_precision=True)
    return agreement(body, precise) < VOTE_BELOW_AGREEMENT


def needs_recall(body: str, tree: HtmlElement) -> bool:
    """True when ``body`` has less than ``RECALL_BELOW_RUNNING_SHARE`` of the words of the page's running text."""
    return word_count(body) < RECALL_BELOW_RUNNING_SHARE * word_count(" ".join(_RUNNING_TEXT(tree)))


def extends(wider: str, body: str) -> bool:
    """True when ``wider`` holds ``RECALL_MIN_CONTAINED`` of ``body``'s words and makes it whole again: at least
    1 / ``RECALL_BELOW_RUNNING_SHARE`` times its words, and not a link list."""
    return (
        word_count(wider) >= word_count(body) / RECALL_BELOW_RUNNING_SHARE
        and contained_share(body, wider) >= RECALL_MIN_CONTAINED
        and not is_link_list(wider)
    )


def _trafilatura(tree: HtmlElement, url: str | None, **mode: bool) -> str:
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True, **mode
    )
    return (doc.text if doc else None) or ""


def _readability(html: str) -> str:
    try:
        summary = ReadabilityDocument(html).summary(html_partial=True)
    except Exception:  # readability raises bare Exceptions on pages it cannot parse
        return ""
    return block_text(fromstring(summary)) if summary.strip() else ""


def _drop_noise(tree: HtmlElement) -> None:
    """Strip, keeping their tails, the elements the extractors would delete anyway, except the JSON scripts
    they read (metadata, and trafilatura's fallback finds ``articleBody`` there)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() not in _DATA_SCRIPTS:
            script.tag = _DROP
    strip_elements(tree, _DROP, *_DROPPED_BY_BOTH, *_DROPPED_BY_TRAFILATURA, with_tail=False)


def block_text(root: HtmlElement) -> str:
    """Text of the outermost block elements under ``root``, one per line."""
    lines = []
    for element in root.iter(*_BLOCK_TAGS):
        if any(ancestor.tag in _BLOCK_TAGS for ancestor in element.iterancestors()):
            continue
        line = " ".join(element.text_content().split())
        if line:
            lines.append(line)
    return "\n".join(lines)


def _first(tree: HtmlElement, *xpaths: str) -> str | None:
    for xpath in xpaths:
        for value in tree.xpath(xpath):
            if str(value).strip():
                return str(value).strip()
    return None


def _published_at(tree: HtmlElement) -> datetime | None:
    for xpath in _PUBLISHED_XPATHS:
        for value in xpath(tree):
            parsed = parse_datetime(value)
            if parsed:
                return parsed
    for script in _JSON_LD(tree):
        parsed = _json_ld_published(script)
        if parsed:
            return parsed
    return None


def _htmldate(tree: HtmlElement, url: str | None) -> datetime | None:
    """htmldate's original publication date (a day, taken as UTC midnight) when the page states no time; the
    date in the URL's path (``/2025/06/23/``) when the page gives none."""
    try:
        found = find_date(tree, url=url, extensive_search=False, original_date=True, deferred_url_extractor=True)
    except AssertionError:  # lxml's drop_tree on a parentless <style>/<script> root: the page gives no date
        return None
    return parse_datetime(found) if found else None


def _json_ld_published(script: str) -> datetime | None:
    try:
        data = orjson.loads(script)
    except orjson.JSONDecodeError:
        return None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str) and (parsed := parse_datetime(value)):
                return parsed
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return None
