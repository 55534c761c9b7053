"""Timestamps: everything leaves here as an aware UTC datetime (or None).

Indonesian sources write local times with zone abbreviations (WIB = UTC+7, WITA = UTC+8,
WIT = UTC+9) and Indonesian month and day names; both are handled.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta, timezone

INDONESIAN_ZONES = {"WIB": "+07:00", "WITA": "+08:00", "WIT": "+09:00"}
_ZONE_RE = re.compile(r"\b(WITA|WIB|WIT)\b")
_JAKARTA = timezone(timedelta(hours=7))


def from_struct_time(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` fields are UTC struct_times; make them aware datetimes."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def to_utc(value: datetime, assume: timezone = UTC) -> datetime | None:
    """Convert to UTC; a naive value is taken to be in ``assume``. None when the instant is not
    representable in UTC (``0001-01-01T00:00:00+01:00`` lies before year 1)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=assume)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_date_text(text: str | None, assume: timezone = UTC) -> datetime | None:
    """Parse a human or ISO date string (Indonesian or English) to UTC.

    ``"Rabu, 18 November 2015 - 14:20 WIB"`` → 2015-11-18 07:20 UTC. A string without zone
    is taken to be in ``assume``. Returns None when nothing date-like is found.
    """
    if not text or not text.strip():
        return None
    text = text.strip()[:200]
    try:
        return to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")), assume)
    except ValueError:
        pass
    cleaned = _ZONE_RE.sub(lambda m: INDONESIAN_ZONES[m.group(1)], text)
    cleaned = cleaned.replace("|", " ").replace(" - ", " ")
    import dateparser  # slow to import; only the fallback path needs it

    try:
        parsed = dateparser.parse(
            cleaned,
            languages=["id", "en"],
            settings={"PREFER_DATES_FROM": "past"},  # aware only when the text names a zone
        )
    except (OverflowError, ValueError, TypeError, AttributeError):  # dateparser has edge cases
        return None
    if parsed is None:
        return None
    return to_utc(parsed, assume)


def date_id(value: datetime | None) -> int | None:
    """``dim_dates`` key (yyyymmdd) of a UTC timestamp."""
    if value is None:
        return None
    return value.year * 10000 + value.month * 100 + value.day
