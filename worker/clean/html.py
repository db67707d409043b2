"""HTML pages → main text and metadata, with trafilatura as the extractor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import orjson
import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from worker.clean.dates import parse_datetime

# Where pages state their publication time with a zone; trafilatura's own date is a day without a time.
_ITEMPROP_PUBLISHED = "contains(concat(' ', normalize-space(@itemprop), ' '), ' datePublished ')"
_PUBLISHED_XPATHS = (
    "//meta[@property='article:published_time' or @property='article:published']/@content",
    "//meta[@property='og:published_time']/@content",
    f"//meta[{_ITEMPROP_PUBLISHED}]/@content",
    f"//*[{_ITEMPROP_PUBLISHED}]/@datetime",
    "//meta[@name='pubdate' or @name='publishdate' or @name='dc.date.issued' or @name='date']/@content",
    "//time[@datetime]/@datetime",
)


@dataclass
class HtmlParts:
    text: str = ""
    title: str | None = None
    description: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    canonical_url: str | None = None


def extract_html(html: str, url: str | None = None) -> HtmlParts:
    tree = load_html(html)
    if tree is None:
        return HtmlParts()
    published_at = _published_at(tree)
    canonical = _first(tree, "//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content")
    language = _first(tree, "/html/@lang")
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        include_tables=True,
    )
    if doc is None:
        return HtmlParts(canonical_url=canonical, published_at=published_at)
    if published_at is None and doc.date:
        published_at = parse_datetime(doc.date)
    return HtmlParts(
        text=doc.text or "",
        title=doc.title,
        description=doc.description,
        published_at=published_at,
        authors=[a.strip() for a in (doc.author or "").split(";") if a.strip()],
        language=(language or "").split("-")[0].lower() or None,
        canonical_url=canonical or doc.url,
    )


def _first(tree: HtmlElement, *xpaths: str) -> str | None:
    for xpath in xpaths:
        for value in tree.xpath(xpath):
            if str(value).strip():
                return str(value).strip()
    return None


def _published_at(tree: HtmlElement) -> datetime | None:
    for xpath in _PUBLISHED_XPATHS:
        for value in tree.xpath(xpath):
            parsed = parse_datetime(str(value))
            if parsed:
                return parsed
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        parsed = _json_ld_published(script)
        if parsed:
            return parsed
    return None


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
