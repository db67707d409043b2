"""Raw message bytes → ``RawArticle``, or ``Rejected`` with the reason code."""

from __future__ import annotations

import re

import orjson
from pydantic import ValidationError

from schemas import RawArticle
from worker.errors import Rejected

_HTML_START = re.compile(r"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|!--)", re.I)


def decode_raw(value: bytes | None, max_bytes: int) -> RawArticle:
    """Accept a JSON ``RawArticle``, an HTML page or plain UTF-8 text; anything else is rejected with a reason."""
    if value is None or not value.strip():
        raise Rejected("missing_content", "empty message")
    if len(value) > max_bytes:
        raise Rejected("too_large", f"{len(value)} bytes > limit {max_bytes}")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected("not_utf8", str(exc)) from None
    stripped = text.lstrip("\ufeff \t\r\n")
    if _HTML_START.match(stripped):
        return RawArticle(html=text)
    if not stripped.startswith(("{", "[")):
        return RawArticle(text=text)
    try:
        data = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        raise Rejected("invalid_json", str(exc)) from None
    if not isinstance(data, dict):
        raise Rejected("invalid_schema", f"expected a JSON object, got {type(data).__name__}")
    try:
        article = RawArticle.model_validate(data)
    except ValidationError as exc:
        raise Rejected("invalid_schema", _short(exc)) from None
    if not (article.html or "").strip() and not (article.text or "").strip():
        raise Rejected("missing_content", "neither html nor text has content")
    return article


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
