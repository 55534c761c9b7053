"""When to poll a feed next, and what state it is in.

States: ``active`` (polled every interval), ``moved`` (active; the last poll followed a
permanent redirect), ``backing-off`` (recent failures, exponential backoff with jitter),
``dead`` (N consecutive hard failures: polled rarely, never forgotten), ``gone`` (HTTP 410:
polled only when forced), ``refused`` (our own SSRF policy refused its address: configuration,
not the server's fault, so no backoff; checked again every run, which costs no request, and
polled as soon as the settings allow it).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from transforms.settings import Settings

_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2592000, "yearly": 31536000}


@dataclass(frozen=True)
class PollState:
    """What the warehouse knows about a feed before this poll."""

    status: str = "active"
    consecutive_failures: int = 0
    poll_interval_s: int | None = None


@dataclass(frozen=True)
class NextPoll:
    status: str
    consecutive_failures: int
    poll_interval_s: int
    next_poll_at: datetime | None  # None: not scheduled (gone)


# Hints longer than this are nonsense (or hostile): a year is the most a feed can ask for.
MAX_HINT_S = 366 * 24 * 60 * 60
_DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "²".isdigit() is True


def _seconds(value: str | None, scale: int = 1) -> int | None:
    """A non-negative whole number of seconds (``value`` × ``scale``), capped at a year; None for
    anything else (negative, NaN, inf, non-ASCII digits, garbage)."""
    text = str(value).strip() if value is not None else ""
    if _DIGITS.fullmatch(text):
        return min(int(text) * scale, MAX_HINT_S)
    if not text.isascii():  # float() reads "٣" and "３０" as numbers
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(min(number * scale, MAX_HINT_S))


def ttl_seconds(ttl: str | None) -> int | None:
    """RSS ``<ttl>`` is in minutes."""
    return _seconds(ttl, scale=60)


def sy_seconds(period: str | None, frequency: str | None) -> int | None:
    """``sy:updatePeriod`` / ``sy:updateFrequency``: the feed updates ``frequency`` times a period."""
    if not period:
        return None
    length = _PERIODS.get(period.strip().lower())
    if length is None:
        return None
    times = _seconds(frequency) or 1
    return max(1, length // times)


def header_delay_seconds(headers: dict[str, str], now: datetime, name: str) -> int | None:
    """Seconds until ``Retry-After`` or ``Expires`` (delta-seconds or an HTTP date)."""
    value = (headers.get(name) or "").strip()
    if not value:
        return None
    if _DIGITS.fullmatch(value):
        return _seconds(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    try:
        delta = (when - now).total_seconds()
    except OverflowError:
        return None
    return min(MAX_HINT_S, max(0, int(delta)))


def max_age_seconds(headers: dict[str, str]) -> int | None:
    for part in headers.get("cache-control", "").split(","):
        key, _, value = part.strip().partition("=")
        if key.lower() in ("max-age", "s-maxage"):
            return _seconds(value)
    return None


def next_poll(
    prev: PollState,
    *,
    now: datetime,
    http_status: int | None,
    failed: bool,
    is_hard_failure: bool,
    moved: bool,
    new_ratio: float | None,
    hint_seconds: list[int | None],
    retry_after_s: int | None,
    settings: Settings,
    jitter_seed: int,
    refused: bool = False,
) -> NextPoll:
    """The feed's next state and poll time after this poll."""
    lo, hi = settings.min_poll_interval_s, settings.max_poll_interval_s
    base = prev.poll_interval_s or settings.default_poll_interval_s
    if refused:
        return NextPoll("refused", prev.consecutive_failures, base, now)
    if http_status == 410:
        return NextPoll("gone", prev.consecutive_failures + 1, hi, None)
    if failed:
        failures = prev.consecutive_failures + 1
        if is_hard_failure and failures >= settings.dead_after_failures:
            interval = settings.dead_poll_interval_s
            return NextPoll("dead", failures, interval, now + timedelta(seconds=interval))
        weight = 2 if is_hard_failure else 1
        backoff = settings.default_poll_interval_s * weight * 2 ** (failures - 1)
        jitter = random.Random(jitter_seed * 1_000 + failures).uniform(0.8, 1.2)
        interval = int(min(hi, backoff) * jitter)
        if retry_after_s:
            interval = max(interval, min(retry_after_s, hi))
        interval = max(lo, interval)
        return NextPoll("backing-off", failures, interval, now + timedelta(seconds=interval))
    interval = float(base)
    if new_ratio is not None:
        if new_ratio >= 0.5:
            interval /= 2
        elif new_ratio == 0:
            interval *= 1.5
    floor = max([h for h in hint_seconds if h] or [0])
    interval = int(min(hi, max(lo, interval, floor)))
    if retry_after_s:
        interval = max(interval, min(retry_after_s, hi))
    status = "moved" if moved else "active"
    return NextPoll(status, 0, interval, now + timedelta(seconds=interval))
