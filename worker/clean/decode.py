"""Raw message bytes → ``RawArticle``, or ``Rejected`` with the reason code."""

from __future__ import annotations

import codecs
import re

import orjson
from charset_normalizer import from_bytes
from pydantic import ValidationError

from schemas import RawArticle
from worker.errors import Rejected

_HTML_START = re.compile(r"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|!--)", re.I)
# Saved pages may open with an XML prologue, a stray <script> or <meta>, or a server's warning before <html>.
_HTML_TAG = re.compile(r"<(?:html|head|body)[\s>]", re.I)
_DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([a-z0-9_.:-]+)", re.I)
SNIFF_BYTES = 4096
# Records carry ``metadata`` through, and orjson writes at most 255 levels: deeper input could not be published.
MAX_JSON_DEPTH = 32


def decode_raw(value: bytes | None, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> RawArticle:
    """Accept a JSON ``RawArticle``, an HTML page or plain UTF-8 text; anything else is rejected with a reason."""
    if value is None or not value.strip():
        raise Rejected("missing_content", "empty message")
    if len(value) > max_bytes:
        raise Rejected("too_large", f"{len(value)} bytes > limit {max_bytes}")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        html = decode_html_bytes(value)
        if html is None:
            raise Rejected("not_utf8", str(exc)) from None
        return RawArticle(html=html)
    stripped = text.lstrip("\ufeff \t\r\n")
    if looks_like_html(stripped):
        return RawArticle(html=text)
    if not stripped.startswith(("{", "[")):
        return RawArticle(text=text)
    try:
        data = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        if "depth limit exceeded" in str(exc):  # orjson's own limit, 1024 levels
            raise Rejected("too_large", f"JSON nested deeper than {max_depth} levels") from None
        raise Rejected("invalid_json", str(exc)) from None
    if not isinstance(data, dict):
        raise Rejected("invalid_schema", f"expected a JSON object, got {type(data).__name__}")
    if json_depth(data, max_depth) > max_depth:
        raise Rejected("too_large", f"JSON nested deeper than {max_depth} levels")
    try:
        article = RawArticle.model_validate(data)
    except ValidationError as exc:
        raise Rejected("invalid_schema", _short(exc)) from None
    if not (article.html or "").strip() and not (article.text or "").strip():
        raise Rejected("missing_content", "neither html nor text has content")
    return article


def json_depth(value: object, limit: int) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), counted up to ``limit + 1``; no recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= limit:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def looks_like_html(text: str) -> bool:
    """A page opens with an HTML start, or with a tag and has an <html>, <head> or <body> tag further on."""
    return bool(_HTML_START.match(text) or (text.startswith("<") and _HTML_TAG.search(text)))


def decode_html_bytes(value: bytes) -> str | None:
    """An HTML page that is not UTF-8, decoded by its declared charset, else by the sniffed one; None if neither.

    Plain text is not guessed at: it has no declaration, and short text sniffs unreliably.
    """
    if not looks_like_html(value.decode("latin-1").lstrip("\ufeff \t\r\n")):
        return None
    head = value[:SNIFF_BYTES]
    declared = _DECLARED_CHARSET.search(head)
    if declared:
        try:
            return value.decode(codecs.lookup(declared.group(1).decode("ascii")).name)
        except (LookupError, UnicodeDecodeError):
            pass
    best = from_bytes(value).best()
    return str(best) if best is not None else None


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
