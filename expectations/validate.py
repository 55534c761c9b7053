"""Validate staged pandas frames against the GX 1.x suites derived from the tables' contracts.

Each suite is :func:`expectations.suites.suite_dict` of a contract (the ``<table>.json`` files here
are the same suites, written out). :func:`validate_frame` runs one suite against one DataFrame,
with the bounds that come from settings passed as GX parameters, and turns the GX result into a
:class:`ValidationReport`:

* row-level (column map) failures become :class:`RowFailure` entries keyed by *positional* row index;
* table-level failures (schema drift, ...), expectations that raised, and failures that carry no
  row indices become readable strings in ``batch_failures``.

``great_expectations`` takes several seconds to import, so it is imported lazily on the first
validation, together with the one ephemeral context this process uses.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from expectations.suites import suite_dict
from transforms.contracts import CONTRACTS

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

__all__ = [
    "BatchValidationError",
    "RowFailure",
    "ValidationReport",
    "split_valid",
    "validate_frame",
]

FAILED_EXPECTATIONS_COLUMN = "failed_expectations"

_SUITE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_DOMAIN_KWARGS = ("column", "column_list", "column_A", "column_B")
_LOCK = threading.Lock()  # GX's batch manager keeps one "active batch" slot: validate one frame at a time


@dataclass(frozen=True)
class RowFailure:
    """One row failing one column-map expectation."""

    row_index: int  # positional index into the input frame (python int, not numpy)
    expectation: str  # e.g. "expect_column_values_to_not_be_null(column=title)"


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of validating one frame against one suite."""

    suite: str
    rows: int
    row_failures: list[RowFailure]  # sorted by (row_index, expectation)
    batch_failures: list[str]  # table-level problems, readable text
    result: Any = None  # GX's ExpectationSuiteValidationResult, for Data Docs


class BatchValidationError(Exception):
    """Raised by callers when a report has batch-level failures; the message lists them."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        lines = "\n".join(f"  - {failure}" for failure in report.batch_failures)
        super().__init__(
            f"{report.suite}: {len(report.batch_failures)} batch-level failure(s) in {report.rows} rows:\n{lines}"
        )


def expectation_label(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    """Name an expectation by type and domain, e.g. ``expect_column_values_to_be_unique(column=url)``."""
    parts = []
    for key in _DOMAIN_KWARGS:
        if key in kwargs:
            value = kwargs[key]
            if isinstance(value, (list, tuple)):
                value = "[" + ", ".join(str(item) for item in value) + "]"
            parts.append(f"{key}={value}")
    return f"{expectation_type}({', '.join(parts)})"


def load_suite(suite_name: str) -> ExpectationSuite:
    """The suite of the staged table ``suite_name``, built from its contract (cached per
    contract; do not mutate it)."""
    if not _SUITE_NAME.fullmatch(suite_name) or suite_name not in CONTRACTS:
        raise ValueError(f"invalid suite name {suite_name!r}")
    return _suite(json.dumps(suite_dict(CONTRACTS[suite_name])))


@functools.cache
def _suite(text: str) -> ExpectationSuite:
    import great_expectations as gx

    raw = json.loads(text)
    raw["meta"] = {k: v for k, v in raw["meta"].items() if k == "great_expectations_version"}
    suite = gx.ExpectationSuite(**raw)
    # GX logs and *drops* expectations it cannot parse instead of raising: refuse a partial suite.
    if len(suite.expectations) != len(raw.get("expectations", [])):
        raise ValueError(f"{raw['name']}: GX rejected some expectations (see its log); refusing a partial suite")
    labels = [_config_label(expectation.configuration) for expectation in suite.expectations]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:  # results are matched back to the suite by label, which must therefore be unique
        raise ValueError(f"{raw['name']}: expectations share type and domain: {duplicates}")
    return suite


@functools.cache
def _batch_definition() -> BatchDefinition:
    """Create the process-wide ephemeral context and its whole-dataframe batch definition."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    # No env var exists for this in GX 1.24: the validator reads the context's progress_bars config.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("feedhouse_staging").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def prewarm(suite_names: tuple[str, ...] = ("stg_articles", "stg_article_tags", "stg_feed_entries")) -> None:
    """Import GX, create its context and read the suites now (seconds of CPU), e.g. in a
    background thread while pages download, instead of in the first validation."""
    with _LOCK:
        _batch_definition()
        for name in suite_names:
            load_suite(name)


def validate_frame(suite_name: str, frame: pd.DataFrame, parameters: Mapping[str, Any]) -> ValidationReport:
    """Validate ``frame`` against suite ``suite_name`` without modifying ``frame``; ``parameters``
    fills the suite's parameterized bounds (:func:`transforms.contracts.bound_values`).

    Row indices in the report are positions (``frame.iloc``), whatever ``frame``'s index is.
    Empty frames go through GX as well: column-set checks still apply and row checks pass.
    """
    suite = load_suite(suite_name)
    # A fresh RangeIndex makes GX's unexpected_index_list positional; the caller's frame is untouched.
    data = frame.reset_index(drop=True)
    with _LOCK:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(suite, result_format="COMPLETE", expectation_parameters=dict(parameters))

    row_failures: set[RowFailure] = set()
    batch_failures: list[str] = []
    seen: set[str] = set()
    # Results do not come back in suite order: name each by type + domain kwargs, never by position.
    for outcome in result.results:
        label = _config_label(outcome.expectation_config)
        seen.add(label)
        if outcome.success:
            continue
        indices = outcome.result.get("unexpected_index_list") if outcome.result else None
        if indices:
            row_failures.update(RowFailure(int(index), label) for index in indices)
        else:
            batch_failures.append(_describe_batch_failure(label, outcome))
    for expectation in suite.expectations:
        label = _config_label(expectation.configuration)
        if label not in seen:
            batch_failures.append(f"{label}: not evaluated by GX")

    return ValidationReport(
        suite=suite_name,
        rows=len(frame),
        row_failures=sorted(row_failures, key=lambda failure: (failure.row_index, failure.expectation)),
        batch_failures=sorted(batch_failures),
        result=result,
    )


def split_valid(frame: pd.DataFrame, report: ValidationReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into (good rows, bad rows) using ``report``; the original index is kept.

    Bad rows get an extra ``failed_expectations`` column: their failed expectation labels joined
    with ``"; "``. Batch failures are ignored here: callers raise :class:`BatchValidationError`.
    """
    if len(frame) != report.rows:
        raise ValueError(f"report is for {report.rows} rows, frame has {len(frame)}")
    failed: dict[int, list[str]] = {}
    for failure in report.row_failures:  # already ordered by row, then expectation
        failed.setdefault(failure.row_index, []).append(failure.expectation)
    positions = sorted(failed)
    is_bad = pd.Series(False, index=range(len(frame)))
    is_bad.iloc[positions] = True
    good = frame.iloc[~is_bad.to_numpy()].copy()
    bad = frame.iloc[positions].copy()
    bad[FAILED_EXPECTATIONS_COLUMN] = ["; ".join(failed[position]) for position in positions]
    return good, bad


def _config_label(config: Any) -> str:
    return expectation_label(config.type, config.kwargs)


def _describe_batch_failure(label: str, outcome: ExpectationValidationResult) -> str:
    """Readable text for a failure that cannot be pinned on rows."""
    errors = _exception_messages(outcome.exception_info or {})
    if errors:
        return f"{label}: raised {'; '.join(errors)}"
    result = outcome.result or {}
    kwargs = outcome.expectation_config.kwargs
    if outcome.expectation_config.type == "expect_table_columns_to_match_set":
        expected = set(kwargs.get("column_set") or [])
        observed = set(result.get("observed_value") or [])
        return (
            f"{label}: schema drift: missing columns {sorted(expected - observed)}, "
            f"unexpected columns {sorted(observed - expected)}"
        )
    if "unexpected_count" in result:
        return f"{label}: {result['unexpected_count']} unexpected values but no row indices"
    return f"{label}: failed (observed_value={result.get('observed_value')!r})"


def _exception_messages(info: Mapping[str, Any]) -> list[str]:
    """Messages from ``exception_info``, which GX gives either flat or keyed by metric id."""
    if "raised_exception" in info:
        infos: list[Any] = [info]
    else:  # a metric failed to resolve: {"MetricConfigurationID(...)": {"raised_exception": ...}, ...}
        infos = list(info.values())
    messages = {
        str(item.get("exception_message"))
        for item in infos
        if isinstance(item, Mapping) and item.get("raised_exception")
    }
    return sorted(messages)
