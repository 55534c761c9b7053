"""Quarantine rows: an input that cannot become a warehouse row, and why.

The quarantine table is an append-only log for people to read: one row per rejected input per
run. Whether a rejected page is retried is the fetch state's business (``fetch_state``), not
this log's.
"""

from __future__ import annotations

import json
from datetime import datetime

from transforms.ids import stable_id

MAX_RECORD_CHARS = 20_000
MAX_REASON_CHARS = 2_000

STAGES = ("poll", "parse", "fetch", "extract", "validate")


def quarantine_row(
    stage: str,
    source_url: str | None,
    reason: str,
    record: dict,
    *,
    run_id: str,
    at: datetime,
    article_id: int | None = None,
    feed_id: int | None = None,
    is_retryable: bool = False,
    is_unexpected: bool = False,
) -> dict:
    """A ``stg_quarantine`` row. Its id is stable per (run, stage, source, reason), so staging the
    same reject twice in one run (a recovered chunk) still gives one row."""
    if stage not in STAGES:
        raise ValueError(f"unknown quarantine stage {stage!r}")
    text = json.dumps(record, default=str, ensure_ascii=False)
    if len(text) > MAX_RECORD_CHARS:
        text = json.dumps({"truncated": True, "head": text[:MAX_RECORD_CHARS]}, ensure_ascii=False)
    reason = reason[:MAX_REASON_CHARS]
    return {
        "quarantine_id": stable_id(run_id, stage, source_url or "", reason),
        "stage": stage,
        "source_url": source_url,
        "article_id": article_id,
        "feed_id": feed_id,
        "reason": reason,
        "record": text,
        "is_retryable": is_retryable,
        "is_unexpected": is_unexpected,
        "quarantined_at": at,
    }


def unexpected_reason(stage: str, exc: BaseException) -> str:
    """The readable reason for an exception caught at a per-item boundary: the stage, the
    exception's class and its message (``unexpected error in fetch: ValueError: Port out of
    range 0-65535``)."""
    message = " ".join(str(exc).split())[:1_000]
    return f"unexpected error in {stage}: {type(exc).__name__}" + (f": {message}" if message else "")
