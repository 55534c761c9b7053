"""Publish the warehouse for readers who stay connected while loads run.

DuckDB lets one process write a file, and while it writes, other processes cannot even open it
read-only. So readers never open the loader's file. After each load commits, the loader copies
every table (except the raw page bytes) into a new, immutable DuckDB file, adds the analyst
views, and swaps the ``<db stem>.read.duckdb`` symlink to it atomically::

    feedhouse.duckdb             the loader's file (write lock during loads)
    feedhouse.read.duckdb  ->    export/feedhouse/v-<ns>.duckdb   (symlink, swapped per load)
    export/feedhouse/v-<ns>.duckdb   immutable snapshots; the newest few are kept

A reader that opens (or attaches) ``feedhouse.read.duckdb`` gets the snapshot that was current at
that moment and keeps it, whole and unchanging, for as long as it stays open: the file is never
written again, and deleting an old version does not disturb a process that has it open. To see
later loads, a long-lived session re-attaches (``attach or replace ... as wh (read_only)``;
:func:`refresh_sql` prints the statement). A load never waits for a reader.

Why not views over Parquet behind a ``current`` symlink: DuckDB opens a Parquet path when it
binds a query and again when it scans it, so a swap between the two fails the query (seen as
"don't know what type" or a Thrift error). A snapshot file is opened once.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

from warehouse.db import VIEWS_DIR

PUBLISHED_TABLES = (
    "dim_feeds", "dim_sites", "dim_authors", "dim_dates", "dim_tags", "fct_articles",
    "bridge_article_tags", "fct_feed_entries", "fct_feed_polls", "quarantine", "etl_runs",
    "schema_migrations",
)
KEEP_VERSIONS = 3  # older snapshots are unlinked; readers that have one open keep reading it
READER_ALIAS = "wh"


def export_root(db_path: str | Path) -> Path:
    """Where the snapshot versions live: ``<db dir>/export/<db stem>/``."""
    db_path = Path(db_path)
    return db_path.parent / "export" / db_path.stem


def reader_path(db_path: str | Path) -> Path:
    """The path analysts open: ``<db dir>/<stem>.read.duckdb``, a symlink to the newest snapshot."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.read.duckdb")


def refresh_sql(db_path: str | Path, alias: str = READER_ALIAS) -> str:
    """The statements a long-lived session runs to (re)attach the newest snapshot and use it."""
    quoted = reader_path(db_path).as_posix().replace("'", "''")
    return f"attach or replace '{quoted}' as {alias} (read_only); use {alias};"


def publish(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> Path:
    """Copy the committed warehouse into a new snapshot file and point the reader path at it.

    ``con`` is the loader's connection, after its transaction committed. Returns the new
    snapshot's path.
    """
    root = export_root(db_path)
    root.mkdir(parents=True, exist_ok=True)
    version = root / f"v-{time.time_ns():020d}.duckdb"
    tmp = root / f".tmp-{version.name}"
    _remove_db_file(tmp)
    home = con.execute("select current_database()").fetchone()[0]
    # ATTACH takes no bound parameters; the path is ours, quoted here
    con.execute(f"attach '{tmp.as_posix().replace(chr(39), chr(39) * 2)}' as feedhouse_snapshot")
    try:
        for table in PUBLISHED_TABLES:
            # table names are the constants above
            con.execute(f"create table feedhouse_snapshot.main.{table} as select * from {home}.main.{table}")
        con.execute("use feedhouse_snapshot")
        try:
            for view in sorted(VIEWS_DIR.glob("*.sql")):
                con.execute(view.read_text())
            con.execute(
                "create table reader_meta as select ? as db_path, current_timestamp as published_at",
                [str(Path(db_path).resolve())],
            )
        finally:
            con.execute(f"use {home}")
        con.execute("checkpoint feedhouse_snapshot")
    finally:
        con.execute("detach feedhouse_snapshot")
    os.replace(tmp, version)
    _swap_symlink(reader_path(db_path), os.path.relpath(version, reader_path(db_path).parent))
    _prune(root, keep=version.name)
    return version


def _swap_symlink(link: Path, target: str) -> None:
    if link.exists() and not link.is_symlink():
        link.unlink()  # a catalog file from an older feedhouse: replaced by the symlink
    tmp = link.with_name(f".{link.name}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)  # atomic: a reader opens the old snapshot or the new one


def _prune(root: Path, keep: str) -> None:
    versions = sorted(root.glob("v-*.duckdb"))
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            _remove_db_file(old)
    for stale in root.glob(".tmp-v-*"):
        stale.unlink(missing_ok=True)
    for legacy in [p for p in root.glob("v-*") if p.is_dir()] + [root / "current"]:
        # the Parquet layout of earlier versions
        if legacy.is_symlink():
            legacy.unlink()
        elif legacy.is_dir():
            shutil.rmtree(legacy, ignore_errors=True)


def _remove_db_file(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
