"""What every flow run shares: its warehouse, its staging directory, its lock, its clock, its
warehouse connection, and the summary it reports at the end.

Only the run's own machinery can fail a run: the warehouse, the disk, the staging area, the
Prefect API. Everything per feed or per page is isolated further down.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.report import Stopwatch
from transforms.stories import StoryIndex
from transforms.settings import Settings
from warehouse import staging
from warehouse.db import ALIAS, Warehouse, WarehouseError, connect, ensure_migrated, locate
from warehouse.staging import RunDir


class RunLockedError(WarehouseError):
    """Another run of the same warehouse is in progress on this machine."""


class NoFeedCouldBePolled(RuntimeError):
    """Every feed the run polled failed: the run ends Failed (alerting sees it), although it
    recorded every poll and loaded what there was."""

    def __init__(self, summary: dict):
        self.summary = summary
        super().__init__(f"no feed could be polled: all {summary['feeds_polled']} failed "
                         "(reasons in fct_feed_polls.error and feedhouse feeds)")


def check_outcome(summary: dict) -> dict:
    """The summary of a run that did its job; raises :class:`NoFeedCouldBePolled` otherwise."""
    if summary.get("feeds_polled") and summary["feeds_failed"] == summary["feeds_polled"]:
        raise NoFeedCouldBePolled(summary)
    return summary


class RunSkipped(RunLockedError):
    """A scheduled run came due while another run of its warehouse was in progress."""


@dataclass
class Run:
    """One flow run's context, passed to its steps."""

    flow: str
    run_id: str
    wh: Warehouse
    settings: Settings
    staged: RunDir
    clock: Stopwatch = field(default_factory=Stopwatch)
    validations: dict[str, list] = field(default_factory=dict)  # GX results per suite, for Data Docs
    stories: StoryIndex = field(default_factory=StoryIndex)  # this run's articles, by LSH band
    _con: duckdb.DuckDBPyConnection | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the run's one warehouse connection (opened and migrated on first use)."""
        if self._con is None:
            self._con = self._stack.enter_context(connect(self.wh))
            ensure_migrated(self._con, self.wh, self.settings.lock_timeout_s)
        cursor = self._con.cursor()
        cursor.execute(f"use {ALIAS}")
        return cursor

    def close(self) -> None:
        self._stack.close()
        self._con = None

    def __post_init__(self):
        from contextlib import ExitStack

        self._stack = ExitStack()


def new_run_id() -> str:
    from prefect import runtime

    return str(runtime.flow_run.id or uuid.uuid4())


def lock_wait_s(settings: Settings) -> float:
    """How long this run waits for a run of the same warehouse to finish. A run the scheduler
    created does not wait: it is skipped (the next one comes soon). A run triggered by hand from a
    deployment queues (``queue_timeout_s``). A direct run (CLI, Python) waits ``lock_timeout_s``."""
    from prefect import runtime

    if not runtime.deployment.id:
        return settings.lock_timeout_s
    try:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            scheduled = client.read_flow_run(runtime.flow_run.id).auto_scheduled
    except Exception:  # the API will fail the run soon enough; do not guess a skip
        scheduled = False
    return 0.0 if scheduled and settings.scheduled_overlap == "skip" else settings.queue_timeout_s


@contextmanager
def run_scope(flow: str, db: str, parameters: dict, settings: Settings) -> Iterator[Run]:
    """Lock the warehouse for this run, give it a staging directory, and always clean up: a run
    that fails leaves what it staged for the next run to load."""
    wh = locate(db)
    run_id = new_run_id()
    with run_lock(wh, run_id, lock_wait_s(settings)):
        staged = staging.new_run_dir(wh.staging_root, run_id, {
            "flow_name": flow, "started_at": datetime.now(UTC).isoformat(), "parameters": parameters})
        run = Run(flow, run_id, wh, settings, staged)
        try:
            yield run
        finally:
            run.close()
            staging.release(staged)
            release_run_resources(run_id)


def release_run_resources(run_id: str) -> None:
    """Close the run's HTTP client and stop the extraction workers (their memory is not needed
    for the load, and a served deployment runs each flow run in its own process anyway)."""
    from flows import extract_pool, tasks

    tasks.forget_run(run_id)
    extract_pool.shutdown()


@contextmanager
def run_lock(wh: Warehouse, run_id: str, timeout_s: float) -> Iterator[None]:
    """One run per warehouse at a time on this machine: an ``flock`` on ``<staging>/run.lock``,
    which names its holder. A second run waits up to ``timeout_s``, then fails with the holder's
    PID and start time. The kernel drops the lock of a killed run, so a stale lock is simply
    taken over."""
    root = wh.staging_root
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / "run.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WarehouseError(f"cannot use the staging area {root}: {exc}") from exc
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if timeout_s <= 0:
                    raise RunSkipped(f"skipped: another run of {wh.label} is in progress ({_holder(root)})") from None
                if time.monotonic() >= deadline:
                    raise RunLockedError(
                        f"another run of {wh.label} is in progress ({_holder(root)}); waited {timeout_s:g}s. "
                        "It will load its own work; try again when it is done.") from None
                time.sleep(0.2)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "run_id": run_id,
                  "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield
    finally:
        os.close(fd)


def _holder(root: Path) -> str:
    try:
        holder = json.loads((root / "run.lock").read_text() or "{}")
    except (OSError, ValueError):
        return "holder unknown"
    return f"PID {holder.get('pid')} on {holder.get('host')}, run {holder.get('run_id')}, started {holder.get('started_at')}"


def cancelled(skipped: RunSkipped):
    """The final state of a skipped run: Cancelled, saying why (shown in the UI and the CLI)."""
    from prefect.states import Cancelled

    logger().warning("%s", skipped)
    return Cancelled(message=str(skipped))


def summarize(run: Run, **figures) -> dict:
    """The run summary: its figures, wall seconds per stage and CPU seconds per process."""
    return {
        "flow": run.flow,
        "run_id": run.run_id,
        **figures,
        "seconds": round(run.clock.total, 2),
        "stage_seconds": {k: round(v, 2) for k, v in run.clock.seconds.items()},
        "cpu_seconds": run.clock.cpu(),
    }


def logger() -> logging.Logger:
    from prefect import get_run_logger

    try:
        return get_run_logger()
    except Exception:  # called outside a flow or task run (tests of a single step)
        return logging.getLogger("feedhouse")
