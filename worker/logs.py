"""The worker's log lines: Faust's human-readable text, or one JSON object per line.

Faust (through mode) builds its logging configuration from ``-l/--loglevel`` and ``-f/--logfile`` and merges the
app's ``logging_config`` into it. For JSON, that merge replaces mode's two formatters (``default`` for a log
file, ``colored`` for the console), so every line, Faust's and ours, goes through the JSON formatter while the
level and the destination stay Faust's.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter


class LogFormat(StrEnum):
    """text: Faust's human-readable lines; json: one JSON object per line."""

    text = "text"
    json = "json"


class JsonLineFormatter(JsonFormatter):
    """``{"ts", "level", "logger", "message", ...}``: the record's ``extra`` fields follow, and the traceback
    as ``exc_info`` when there is one."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            # mode's context fields come as a ``data`` dict (merged below); colorlog's colors are not content.
            reserved_attrs=[*RESERVED_ATTRS, "data", "extra", "log_color"],
            json_ensure_ascii=False,
            **options,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["ts"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)
        log_data.update(getattr(record, "data", None) or {})


def logging_config(log_format: LogFormat) -> dict[str, Any] | None:
    """The app's ``logging_config`` for ``log_format`` (None: Faust's own text lines)."""
    if log_format == LogFormat.text:
        return None
    formatter = {"()": f"{__name__}.{JsonLineFormatter.__name__}"}
    return {"merge": True, "formatters": {"default": dict(formatter), "colored": dict(formatter)}}
