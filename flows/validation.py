"""Validation of staged rows with the great-expectations suites in ``expectations/``."""

from __future__ import annotations

import threading
from datetime import datetime

import pandas as pd
import pyarrow as pa

from expectations.validate import BatchValidationError, prewarm, split_valid, validate_frame
from transforms.quarantine import quarantine_row
from warehouse import staging


def validate_rows(name: str, rows: list[dict], at: datetime) -> tuple[pa.Table, list[dict]]:
    """GX-validate rows for the staging table ``name`` against the suite of the same name.

    Returns the valid rows as Arrow (staging schema) and a quarantine row per invalid one. A
    failed table-level expectation (wrong columns, say) raises :class:`BatchValidationError`:
    that is a bug to fix, not bad input to quarantine.
    """
    if not rows:  # nothing to check; spares a no-op run the great-expectations import
        return staging.to_table(name, []), []
    frame = staging.to_table(name, rows).to_pandas()
    report = validate_frame(name, frame)
    if report.batch_failures:
        raise BatchValidationError(
            f"{name}: batch failed validation, load stopped: " + "; ".join(report.batch_failures)
        )
    good, bad = split_valid(frame, report)
    rejects = _rejects(bad, at) if len(bad) else []
    return pa.Table.from_pandas(good, schema=staging.SCHEMAS[name], preserve_index=False), rejects


def _rejects(bad: pd.DataFrame, at: datetime) -> list[dict]:
    rejects = []
    for row in bad.drop(columns=["text"], errors="ignore").to_dict("records"):
        reason = f"failed expectations: {row.pop('failed_expectations')}"
        source = row.get("canonical_url")
        record = {k: v for k, v in row.items() if not (isinstance(v, float) and pd.isna(v))}
        rejects.append(quarantine_row("validate", source, reason, record, at=at))
    return rejects


def prewarm_validation() -> None:
    """Import great-expectations and build its context in a background thread (seconds of CPU)."""

    def _gx():
        try:
            prewarm()
        except Exception:  # the validation step will report it
            pass

    threading.Thread(target=_gx, name="gx-prewarm", daemon=True).start()
