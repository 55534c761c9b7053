"""The maintenance flow: keep the warehouse compact and its disk use bounded.

Every load commits a few small Parquet files and a snapshot. Daily (``maintenance/daily``), or by
hand (``maintenance/manual``, ``feedhouse maintain``), this flow:

1. drops the stories index's articles older than the window (``story_window_days``), and
   flushes rows DuckLake inlined into its catalog (small commits) into Parquet;
2. merges adjacent small files and rewrites files that are mostly deleted rows (updates);
3. expires snapshots older than ``expire_days`` (time travel reaches back that far);
4. deletes the files no snapshot needs any more, ``keep_files_days`` after they were dropped,
   and orphaned files older than a day (a writer killed mid-load leaves some).

Steps 3–4 never touch what a reader could still be using: a transaction open longer than those
windows is the only thing that could notice. Each step takes the load lock, so maintenance and
loads take turns.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from prefect import flow

from flows import tasks
from flows.paths import DEFAULT_DB
from flows.report import Stopwatch
from transforms.settings import Settings
from warehouse.db import Warehouse, load_lock, locate, open_migrated

log = logging.getLogger(__name__)

STEPS = {
    "prune stories index": "delete from story_bands where seen_at < $stories_before; "
                           "delete from story_members where seen_at < $stories_before",
    "flush inlined rows": "select count(*) from ducklake_flush_inlined_data('wh')",
    "merge small files": "select count(*) from ducklake_merge_adjacent_files('wh')",
    "rewrite deleted rows": "select count(*) from ducklake_rewrite_data_files('wh', delete_threshold => 0.5)",
    "expire snapshots": "select count(*) from ducklake_expire_snapshots('wh', older_than => $expire_before)",
    "delete unused files": "select count(*) from ducklake_cleanup_old_files('wh', older_than => $keep_files_after)",
    "delete orphaned files": "select count(*) from ducklake_delete_orphaned_files('wh', older_than => $orphans_before)",
}


def _run_step(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> int:
    """Run one step (a ``;``-separated list of deletes, or one maintenance call); its count."""
    if sql.startswith("delete"):
        for statement in sql.split("; "):
            con.execute(statement, params)
        return 1
    return con.execute(sql, params).fetchall()[0][0]


def disk_bytes(wh: Warehouse) -> int:
    """Bytes on this machine's disk: the catalog file (and its WAL) and the data path."""
    paths = []
    if wh.catalog_file:
        paths += [wh.catalog_file, *wh.catalog_file.parent.glob(wh.catalog_file.name + "-*")]
    data = Path(wh.data_path)
    if "://" not in wh.data_path and data.exists():
        paths += [p for p in data.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in paths if p.exists())


@flow(name="maintenance", log_prints=True)
def maintenance(db: str = DEFAULT_DB, expire_days: float = 7, keep_files_days: float = 2) -> dict:
    """Compact the warehouse, expire old snapshots and delete the files nothing needs."""
    settings = Settings.from_env(os.environ)
    wh = locate(db)
    clock = Stopwatch()
    now = datetime.now(UTC)
    params = {"stories_before": now - timedelta(days=settings.story_window_days + 1),
              "expire_before": now - timedelta(days=expire_days),
              "keep_files_after": now - timedelta(days=keep_files_days),
              "orphans_before": now - timedelta(days=1)}
    before = disk_bytes(wh)
    done: dict[str, int] = {}
    failed: dict[str, str] = {}
    with open_migrated(wh, settings.lock_timeout_s) as con:
        for step, sql in STEPS.items():
            with clock.stage(step), load_lock(wh, settings.lock_timeout_s):
                used = {k: v for k, v in params.items() if f"${k}" in sql}
                try:
                    done[step] = _run_step(con, sql, used)
                except duckdb.Error as exc:  # one step's trouble must not stop the others
                    failed[step] = " ".join(str(exc).split())[:300]
                    log.warning("maintenance step %r failed: %s", step, failed[step])
    summary = {
        "flow": "maintenance",
        "db": wh.label,
        **{step.replace(" ", "_"): count for step, count in done.items()},
        "failed_steps": failed or None,
        "disk_mb_before": round(before / 2**20, 1),
        "disk_mb_after": round(disk_bytes(wh) / 2**20, 1),
        "seconds": round(clock.total, 2),
        "stage_seconds": {k: round(v, 2) for k, v in clock.seconds.items()},
    }
    tasks.publish_report(summary)
    return summary
