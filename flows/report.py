"""The run summary: seconds per stage, and the markdown shown as a Prefect artifact."""

from __future__ import annotations

import resource
import time

SUMMARY_KEYS = ("feeds_polled", "feeds_not_modified", "feeds_failed", "entries_seen", "articles_new",
                "articles_updated", "rows_quarantined", "recovered_runs", "seconds")


class Stopwatch:
    """Seconds per stage, for the run summary. Stages that overlap (fetching chunk k+1 while
    chunk k is extracted) are charged to the step the flow was waiting on."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._started = time.monotonic()
        self._cpu_started = _cpu_seconds()

    def add(self, stage: str, since: float) -> float:
        now = time.monotonic()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - since
        return now

    @property
    def total(self) -> float:
        return time.monotonic() - self._started

    def cpu(self) -> dict[str, float]:
        """CPU seconds since the stopwatch started: this (flow) process, and its child processes
        that exited meanwhile (the extraction workers, released at the end of extraction). Exact
        for a flow run in its own process, as Prefect runs deployments; several flows run in one
        process at the same time would share the figures."""
        now = _cpu_seconds()
        return {k: round(now[k] - self._cpu_started[k], 2) for k in now}


def _cpu_seconds() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"flow_process": own.ru_utime + own.ru_stime,
            "extraction_workers": children.ru_utime + children.ru_stime}


def summary_markdown(summary: dict) -> str:
    """The run summary as a markdown page: counts, then seconds per stage, then CPU seconds."""
    lines = ["| | |", "|---|---|"]
    for key in SUMMARY_KEYS:
        if key in summary:
            lines.append(f"| {key.replace('_', ' ')} | {summary[key]} |")
    for heading, key in (("stage", "stage_seconds"), ("CPU", "cpu_seconds")):
        seconds = summary.get(key, {})
        if seconds:
            lines += ["", f"| {heading} | seconds |", "|---|---|"]
            lines += [f"| {k.replace('_', ' ')} | {v:.2f} |" for k, v in seconds.items()]
    return f"# {summary.get('flow', 'ingest')} run summary\n\n" + "\n".join(lines)
