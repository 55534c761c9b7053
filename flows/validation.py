"""Validation of staged rows with the great-expectations suites derived from the contracts."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime

import pandas as pd
import pyarrow as pa

from expectations.validate import BatchValidationError, prewarm, split_valid, validate_frame
from transforms.quarantine import quarantine_row
from warehouse import staging


def validate_rows(
    name: str, rows: list[dict], run_id: str, at: datetime, parameters: Mapping[str, object],
    results: dict[str, list] | None = None,
) -> tuple[pa.Table, list[dict]]:
    """GX-validate rows for the staging table ``name`` against its suite.

    Returns the valid rows as Arrow (staging schema) and a quarantine row per invalid one. A
    failed table-level expectation (wrong columns, say) raises :class:`BatchValidationError`:
    that is a bug to fix, not bad input to quarantine. GX's own result is appended to
    ``results[name]`` (the run's Data Docs).
    """
    if not rows:  # nothing to check; spares a no-op run the great-expectations import
        return staging.to_table(name, []), []
    frame = staging.to_table(name, rows).to_pandas()
    report = validate_frame(name, frame, parameters)
    if results is not None:
        report.result.meta = {**(report.result.meta or {}), "rows": len(frame)}
        results.setdefault(name, []).append(report.result)
    if report.batch_failures:
        raise BatchValidationError(report)
    good, bad = split_valid(frame, report)
    # only a rejected article fails its page (fetch_state); a bad tag or feed entry does not
    rejects = _rejects(bad, run_id, at, fails_page=name == "stg_articles") if len(bad) else []
    return pa.Table.from_pandas(good, schema=staging.schema(name), preserve_index=False), rejects


def _rejects(bad: pd.DataFrame, run_id: str, at: datetime, fails_page: bool) -> list[dict]:
    rejects = []
    for row in bad.drop(columns=["text"], errors="ignore").to_dict("records"):
        reason = f"failed expectations: {row.pop('failed_expectations')}"
        record = {k: v for k, v in row.items() if not (isinstance(v, float) and pd.isna(v))}
        article_id = record.get("article_id")
        rejects.append(quarantine_row(
            "validate", record.get("canonical_url"), reason, record, run_id=run_id, at=at,
            article_id=int(article_id) if article_id is not None and fails_page else None,
            feed_id=int(record["feed_id"]) if record.get("feed_id") is not None else None,
        ))
    return rejects


def prewarm_validation() -> None:
    """Import great-expectations and build its context in a background thread (seconds of CPU)."""

    def _gx():
        try:
            prewarm()
        except Exception:  # the validation step will report it
            pass

    threading.Thread(target=_gx, name="gx-prewarm", daemon=True).start()
