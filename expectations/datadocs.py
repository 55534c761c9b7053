"""Each run's validation results as a great-expectations Data Docs site: static HTML under the
warehouse's folder (``<warehouse dir>/quality/<name>/index.html``), one page per suite and run,
the newest ``keep_runs`` runs kept.

A run validates chunk by chunk; :func:`merge` folds a suite's chunk results into one result for
the run (counts added, every failed expectation kept), so a page tells the whole run. Results
are kept as JSON beside the site, so each run rebuilds only its own pages and the index.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SITE = "feedhouse"
KEEP_RUNS = 30


def merge(results: list[Any]) -> Any:
    """One suite's chunk results → one result for the run."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    first = results[0]
    merged: dict[str, ExpectationValidationResult] = {}
    for result in results:
        for r in result.results:
            key = json.dumps(r.expectation_config.to_json_dict(), sort_keys=True, default=str)
            if key not in merged:
                merged[key] = ExpectationValidationResult(**r.to_json_dict())
                continue
            m = merged[key]
            m.success = m.success and r.success
            for field in ("element_count", "unexpected_count", "missing_count"):
                if field in (r.result or {}):
                    m.result[field] = m.result.get(field, 0) + r.result[field]
            if r.result and "partial_unexpected_list" in r.result:
                m.result["partial_unexpected_list"] = (m.result.get("partial_unexpected_list", [])
                                                       + r.result["partial_unexpected_list"])[:20]
            for pct in ("unexpected_percent", "unexpected_percent_total", "unexpected_percent_nonmissing"):
                m.result.pop(pct, None)
    out = list(merged.values())
    successful = sum(1 for r in out if r.success)
    return ExpectationSuiteValidationResult(
        success=all(r.success for r in out),
        results=out,
        suite_name=first.suite_name,
        statistics={"evaluated_expectations": len(out), "successful_expectations": successful,
                    "unsuccessful_expectations": len(out) - successful,
                    "success_percent": 100.0 * successful / len(out) if out else 100.0},
        meta={**(first.meta or {}), "rows": sum(int((r.meta or {}).get("rows", 0)) for r in results)},
    )


def publish(root: Path, run_id: str, results: dict[str, list[Any]], keep_runs: int = KEEP_RUNS) -> Path | None:
    """Write this run's merged results and its pages, prune old runs, rebuild the index; returns
    the index page (None when the run validated nothing)."""
    if not any(results.values()):
        return None
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

    stored = root / "results"
    run_dir = stored / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{run_id}"
    run_dir.mkdir(parents=True, exist_ok=True)
    for suite, chunks in results.items():
        if chunks:
            (run_dir / f"{suite}.json").write_text(json.dumps(merge(chunks).to_json_dict(), default=str))
    runs = sorted(p for p in stored.iterdir() if p.is_dir())
    for old in runs[:-keep_runs]:
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(root / "site" / "validations", ignore_errors=True)  # rebuilt below, kept runs only
    context, keys = _context(root / "site"), []
    for run in runs[-keep_runs:]:
        for path in sorted(run.glob("*.json")):
            result = ExpectationSuiteValidationResult(**json.loads(path.read_text()))
            key = _key(path.stem, run.name)
            context.validation_results_store.set(key, result)
            keys.append((run == run_dir or not _page(root / "site", key).exists(), key))
    context.build_data_docs(site_names=[SITE], resource_identifiers=[k for fresh, k in keys if fresh])
    return root / "site" / "index.html"


def _key(suite: str, run: str):
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    when = datetime.strptime(run[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return ValidationResultIdentifier(ExpectationSuiteIdentifier(name=suite), RunIdentifier(run[16:], when),
                                      run[16:])


def _page(site: Path, key) -> Path:
    run_id = key.run_id
    when = run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ")
    return site / "validations" / key.expectation_suite_identifier.name / run_id.run_name / when / f"{key.batch_identifier}.html"


def _context(site: Path):
    """A fresh in-memory GX context with one filesystem Data Docs site."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.add_data_docs_site(SITE, {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    return context


def latest(root: Path) -> Path | None:
    index = root / "site" / "index.html"
    return index if index.exists() else None
