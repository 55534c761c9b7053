"""The run summary: seconds per stage, and the markdown shown as a Prefect artifact."""

from __future__ import annotations

import time

SUMMARY_KEYS = ("feeds_polled", "feeds_not_modified", "feeds_failed", "entries_seen", "articles_new",
                "articles_updated", "rows_quarantined", "recovered_runs", "seconds")


class Stopwatch:
    """Seconds per stage, for the run summary. Stages that overlap (fetching chunk k+1 while
    chunk k is extracted) are charged to the step the flow was waiting on."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._started = time.monotonic()

    def add(self, stage: str, since: float) -> float:
        now = time.monotonic()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - since
        return now

    @property
    def total(self) -> float:
        return time.monotonic() - self._started


def summary_markdown(summary: dict) -> str:
    """The run summary as a markdown page: counts, then seconds per stage."""
    lines = ["| | |", "|---|---|"]
    for key in SUMMARY_KEYS:
        if key in summary:
            lines.append(f"| {key.replace('_', ' ')} | {summary[key]} |")
    stages = summary.get("stage_seconds", {})
    if stages:
        lines += ["", "| stage | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in stages.items()]
    return f"# {summary.get('flow', 'ingest')} run summary\n\n" + "\n".join(lines)
