"""Quarantine rows: an input that cannot become a warehouse row, and why."""

from __future__ import annotations

import json
from datetime import datetime

from transforms.ids import stable_id

MAX_RECORD_CHARS = 20_000

STAGES = ("poll", "parse", "fetch", "extract", "validate")


def quarantine_row(
    stage: str,
    source_url: str | None,
    reason: str,
    record: dict,
    *,
    at: datetime,
    is_retryable: bool = False,
) -> dict:
    """A ``stg_quarantine`` row. The id is stable per (stage, source, reason), so the same
    failure on a rerun updates one row instead of adding another."""
    if stage not in STAGES:
        raise ValueError(f"unknown quarantine stage {stage!r}")
    text = json.dumps(record, default=str, ensure_ascii=False)
    if len(text) > MAX_RECORD_CHARS:
        text = json.dumps({"truncated": True, "head": text[:MAX_RECORD_CHARS]}, ensure_ascii=False)
    return {
        "quarantine_id": stable_id(stage, source_url or "", reason),
        "stage": stage,
        "source_url": source_url,
        "reason": reason[:2_000],
        "record": text,
        "is_retryable": is_retryable,
        "quarantined_at": at,
    }
