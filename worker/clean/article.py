"""The clean stage: one ``RawArticle`` → one ``CleanedArticle`` (or ``Rejected``)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from schemas import CleanedArticle, RawArticle
from worker.clean.dates import parse_datetime
from worker.clean.html import MAX_HTML_ELEMENTS, extract_html
from worker.clean.language import decide
from worker.clean.normalize import canonical_url, content_hash, domain_of, repair_markup, repair_text, short_hash
from worker.clean.text import clean_text, count_words, looks_like_article
from worker.errors import Rejected


def article_id(raw: RawArticle, canonical: str | None, key: str | None, body_hash: str) -> str:
    """Input id, else hash of the canonical URL, else of the message key, else of the body's words.

    Every branch is a pure function of the input, so a replayed message gets the same id.
    """
    if raw.id and raw.id.strip():
        return raw.id.strip()
    if canonical:
        return short_hash(f"url {canonical}")
    if key:
        return short_hash(f"key {key}")
    return body_hash


def clean_article(
    raw: RawArticle,
    received_at: datetime,
    key: str | None = None,
    default_tz: tzinfo = UTC,
    max_html_elements: int = MAX_HTML_ELEMENTS,
    html_vote: bool = False,
) -> CleanedArticle:
    page_canonical = language = None
    if raw.html and raw.html.strip():
        page = extract_html(repair_markup(raw.html), raw.url, max_html_elements, html_vote)
        title_hint = _clean_line(raw.title) or _clean_line(page.title)
        parts = clean_text(repair_text(page.text), title_hint, one_block_per_line=True)
        parts.description = page.description or parts.description
        parts.published_at = page.published_at or parts.published_at
        parts.authors = page.authors or parts.authors
        language, page_canonical = page.language, page.canonical_url
    else:
        parts = clean_text(repair_text(raw.text or ""), _clean_line(raw.title))
    paragraphs, published_at = parts.paragraphs, parts.published_at

    body = "\n\n".join(paragraphs)
    if not body.strip():
        raise Rejected("empty_after_cleaning", "no article text left after cleaning")
    if not looks_like_article(paragraphs, parts.title):
        raise Rejected("not_an_article", "an error page, or links and headlines without running text")
    if raw.published_at:
        published_at = parse_datetime(raw.published_at, default_tz) or published_at
    canonical = canonical_url(page_canonical) or canonical_url(raw.url)
    body_hash = content_hash(body)
    return CleanedArticle(
        id=article_id(raw, canonical, key, body_hash),
        url=raw.url,
        canonical_url=canonical,
        source=raw.source or domain_of(canonical or raw.url),
        title=_clean_line(parts.title),
        subtitle=_clean_line(parts.subtitle),
        description=_clean_line(parts.description),
        body=body,
        published_at=published_at,
        # The text's own language when py3langid is sure of it, else the declared one, else und: the entities
        # stage picks its model by it.
        language=decide(body, raw.language, language),
        authors=list(raw.authors or parts.authors),
        word_count=count_words(body),
        content_hash=body_hash,
        metadata=raw.metadata,
        seen_at=published_at or (raw.fetched_at and parse_datetime(raw.fetched_at, default_tz)) or received_at,
    )


def _clean_line(value: str | None) -> str | None:
    return " ".join(repair_text(value).split()) or None if value else None
