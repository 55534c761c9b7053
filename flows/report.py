"""The run summary: wall seconds per stage, CPU seconds per process, and the markdown shown as a
Prefect artifact."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

SUMMARY_KEYS = ("feeds_polled", "feeds_not_modified", "feeds_failed", "entries_seen", "pages_read",
                "articles_new", "articles_updated", "articles_deferred", "rows_quarantined",
                "unexpected_errors", "recovered_runs", "seconds")


class Stopwatch:
    """Wall seconds per stage, for the run summary. Stages run one after another in the flow,
    except where a stage says it overlaps (the chunk pipeline fetches, extracts and stages at once:
    its time is one stage, ``fetch+extract+stage``)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._started = time.monotonic()
        self._cpu_started = _cpu_seconds()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.monotonic() - started

    @property
    def total(self) -> float:
        return time.monotonic() - self._started

    def cpu(self) -> dict[str, float]:
        """CPU seconds since the stopwatch started: this (flow) process, and its child processes
        that exited meanwhile (the extraction workers' fork server, stopped at the end of
        extraction, which counts the workers it forked and reaped). Exact
        for a flow run in its own process, as Prefect runs deployments; several flows run in one
        process at the same time would share the figures."""
        now = _cpu_seconds()
        return {k: round(now[k] - self._cpu_started[k], 2) for k in now}


def _cpu_seconds() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"flow_process": own.ru_utime + own.ru_stime,
            "extraction_workers": children.ru_utime + children.ru_stime}


def summary_markdown(summary: dict, tables: dict[str, list[dict]] | None = None) -> str:
    """The run summary as a markdown page: counts, seconds per stage, CPU seconds, then the
    run's tables (top quarantine reasons first: the operator needs no SQL to know why)."""
    lines = ["| | |", "|---|---|"]
    others = [k for k, v in summary.items() if k not in SUMMARY_KEYS and k not in ("flow", "run_id")
              and not isinstance(v, dict | list)]
    for key in [k for k in SUMMARY_KEYS if k in summary] + others:
        value = summary[key]
        if key == "data_docs" and value:
            value = f"[{value}](file://{value})"
        lines.append(f"| {key.replace('_', ' ')} | {value} |")
    for heading, key in (("stage (wall)", "stage_seconds"), ("process (CPU)", "cpu_seconds")):
        seconds = summary.get(key, {})
        if seconds:
            lines += ["", f"| {heading} | seconds |", "|---|---|"]
            lines += [f"| {k.replace('_', ' ')} | {v:.2f} |" for k, v in seconds.items()]
    for title, rows in sorted((tables or {}).items(), key=lambda t: not t[0].startswith("quarantine")):
        if rows:
            columns = list(rows[0])
            lines += ["", f"**{title}**", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
            lines += ["| " + " | ".join(_md(r[c]) for c in columns) + " |" for r in rows]
    return f"# {summary.get('flow', 'ingest')} run summary\n\n" + "\n".join(lines)


def _md(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")[:200]
