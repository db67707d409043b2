"""Parse publication times as news pages print them, time zone included, into aware datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser
from dateutil import tz

# Abbreviations seen in news datelines → the IANA zone whose rules (DST included) apply.
ZONES: dict[str, str] = {
    **dict.fromkeys(["ET", "EST", "EDT"], "America/New_York"),
    **dict.fromkeys(["CT", "CST", "CDT"], "America/Chicago"),
    **dict.fromkeys(["MT", "MST", "MDT"], "America/Denver"),
    **dict.fromkeys(["PT", "PST", "PDT"], "America/Los_Angeles"),
    **dict.fromkeys(["AKST", "AKDT"], "America/Anchorage"),
    **dict.fromkeys(["HST"], "Pacific/Honolulu"),
    **dict.fromkeys(["GMT", "UTC", "UT", "Z"], "UTC"),
    **dict.fromkeys(["BST", "WET", "WEST"], "Europe/London"),
    **dict.fromkeys(["CET", "CEST"], "Europe/Paris"),
    **dict.fromkeys(["EET", "EEST"], "Europe/Athens"),
    **dict.fromkeys(["MSK"], "Europe/Moscow"),
    **dict.fromkeys(["IST"], "Asia/Kolkata"),
    **dict.fromkeys(["SGT"], "Asia/Singapore"),
    **dict.fromkeys(["HKT"], "Asia/Hong_Kong"),
    **dict.fromkeys(["JST"], "Asia/Tokyo"),
    **dict.fromkeys(["KST"], "Asia/Seoul"),
    **dict.fromkeys(["AEST", "AEDT"], "Australia/Sydney"),
    **dict.fromkeys(["NZST", "NZDT"], "Pacific/Auckland"),
}

_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAY = r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
_ZONE = "|".join(sorted(ZONES, key=len, reverse=True))
_PREFIX = re.compile(
    r"^(?:(?:last\s+)?updated|published|posted|first published|modified)(?:\s+on|\s+at)?\s*:?\s*", re.I
)
_TOKEN = re.compile(
    rf"(?:{_MONTH})\.?|(?:{_WEEKDAY})\.?|\d{{1,4}}(?:st|nd|rd|th)?|[ap]\.?m\.?|at|on|of|t"
    rf"|{_ZONE}|[+-]\d{{2}}:?\d{{2}}|[,/:.\-|·•]",
    re.I,
)
_MERIDIEM = re.compile(r"\b([ap])\.m\.?", re.I)
_HAS_MONTH_OR_ISO = re.compile(rf"\b(?:{_MONTH})\b|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}", re.I)
_HAS_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


# Abbreviations that name one side of the year (standard or summer time) are fixed offsets in hours:
# ``8:00 CET`` is UTC+1 even in June. Generic ones (ET, PT, …) follow their region's rules.
FIXED_OFFSETS: dict[str, float] = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip


def _zone(name: str, offset: int | None) -> tzinfo | None:
    if offset is not None:
        return tz.tzoffset(name, offset)
    abbreviation = (name or "").upper()
    if abbreviation in FIXED_OFFSETS:
        return tz.tzoffset(abbreviation, int(FIXED_OFFSETS[abbreviation] * 3600))
    zone = ZONES.get(abbreviation)
    return ZoneInfo(zone) if zone else None


def looks_like_dateline(line: str) -> bool:
    """True when the whole line is a date (and maybe time, zone and an 'Updated' prefix), nothing else."""
    rest = _PREFIX.sub("", line.strip())
    if not rest or len(rest) > 80 or not _HAS_MONTH_OR_ISO.search(rest) or not _HAS_YEAR.search(rest):
        return False
    return not _TOKEN.sub("", rest).strip(" ")


def parse_datetime(value: str, default_tz: tzinfo = UTC) -> datetime | None:
    """Parse ISO 8601 or a printed date such as ``June 23, 2025, 4:01 p.m. ET``; None if not a date.

    Zone abbreviations resolve through the IANA rules of their region, so ``ET`` in June is UTC-4.
    A value without a zone is taken in ``default_tz``.
    """
    text = _PREFIX.sub("", value.strip())
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        text = _MERIDIEM.sub(lambda m: f"{m.group(1).upper()}M", text)
        try:
            parsed = dateutil_parser.parse(text, tzinfos=_zone, fuzzy=False)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed
