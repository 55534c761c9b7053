"""Publish the warehouse for readers who stay connected while loads run.

DuckDB lets one process write a file, and while it writes, other processes cannot even open it
read-only. So readers never open the loader's file. After each load commits, the loader copies
every table (except the raw page bytes) into a new, immutable DuckDB file, adds the analyst
views, and swaps the ``<db stem>.read.duckdb`` symlink to it atomically::

    feedhouse.duckdb             the loader's file (write lock during loads)
    feedhouse.read.duckdb  ->    export/feedhouse/v-<ns>.duckdb   (symlink, swapped per load)
    export/feedhouse/v-<ns>.duckdb   immutable snapshots; the newest few are kept

Each snapshot starts as a byte copy of the previous one in which only what changed is rewritten
(see :func:`publish`), so publishing costs what the load changed, not the warehouse's size.

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

import hashlib
import logging
import os
import shutil
import time
from pathlib import Path

import duckdb

from warehouse.db import VIEWS_DIR, create_views, migrations

log = logging.getLogger(__name__)

PUBLISHED_TABLES = (
    "dim_feeds", "dim_sites", "dim_authors", "dim_dates", "dim_tags", "fct_articles",
    "bridge_article_tags", "fct_feed_entries", "fct_feed_polls", "quarantine", "etl_runs",
    "schema_migrations",
)
KEEP_VERSIONS = 3  # older snapshots are unlinked; readers that have one open keep reading it
READER_ALIAS = "wh"
FULL_REBUILD_EVERY = 100  # a full rebuild (which compacts the file) at least every this many snapshots
REBUILD_ABOVE_CHANGED_SHARE = 0.3  # ... and when more than this share of the articles changed
_SNAP = "feedhouse_snapshot"  # the new snapshot's alias in the loader's connection


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
    """Write a new snapshot file from the committed warehouse and point the reader path at it.

    ``con`` is the loader's connection, after its transaction committed. The new snapshot starts
    as a byte copy of the previous one, in which only the ``fct_articles`` rows whose
    ``(article_id, updated_at)`` differ from the copy's are replaced, and the other tables are
    rewritten, so a load's cost grows with what changed, not with the warehouse. A full rebuild
    happens on a schema or DuckDB version change, every ``FULL_REBUILD_EVERY`` snapshots, when
    most articles changed, and when the copy's row count disagrees with the warehouse. The
    file is made read-only before it is published. Returns the new snapshot's path.
    """
    root = export_root(db_path)
    root.mkdir(parents=True, exist_ok=True)
    version = root / f"v-{time.time_ns():020d}.duckdb"
    tmp = root / f".tmp-{version.name}"
    home = con.execute("select current_database()").fetchone()[0]
    home = '"' + home.replace('"', '""') + '"'  # an identifier: the file's stem, e.g. "feedhouse"
    previous = reader_path(db_path).resolve() if reader_path(db_path).is_symlink() else None
    fingerprint = _fingerprint()
    built = False
    if previous is not None and previous.exists() and not previous.with_name(previous.name + ".wal").exists():
        _remove_db_file(tmp)
        shutil.copyfile(previous, tmp)
        try:
            built = _build(con, tmp, home, db_path, fingerprint, incremental=True)
        except duckdb.Error as exc:  # e.g. a snapshot written by an older feedhouse
            log.warning("incremental snapshot failed (%s); rebuilding it in full", exc)
    if not built:
        _remove_db_file(tmp)
        _build(con, tmp, home, db_path, fingerprint, incremental=False)
    os.chmod(tmp, 0o444)  # a reader who forgets read_only cannot change it
    os.replace(tmp, version)
    _swap_symlink(reader_path(db_path), os.path.relpath(version, reader_path(db_path).parent))
    _prune(root, keep=version.name)
    return version


def _fingerprint() -> str:
    """Changes whenever a migration or an analyst view is added or edited, or DuckDB changes."""
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}\0".encode())
    for path in [p for _, _, p in migrations()] + sorted(VIEWS_DIR.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _build(
    con: duckdb.DuckDBPyConnection, path: Path, home: str, db_path, fingerprint: str, *, incremental: bool
) -> bool:
    """Fill the snapshot file at ``path`` (a copy of the previous snapshot when ``incremental``);
    False when the copy cannot be updated incrementally and a full build is needed."""
    # ATTACH takes no bound parameters; the path is ours, quoted here
    con.execute(f"attach '{path.as_posix().replace(chr(39), chr(39) * 2)}' as {_SNAP}")
    try:
        chain = 0
        if incremental:
            meta = con.execute(f"select schema_fingerprint, chain from {_SNAP}.main.reader_meta").fetchone()
            if meta is None or meta[0] != fingerprint or meta[1] + 1 >= FULL_REBUILD_EVERY:
                return False
            chain = meta[1] + 1
            if not _refresh_articles(con, home):
                return False
        # table names below are the constants of this module
        for table in PUBLISHED_TABLES:
            if incremental and table == "fct_articles":
                continue
            con.execute(f"create or replace table {_SNAP}.main.{table} as select * from {home}.main.{table}")
        con.execute(f"use {_SNAP}")
        try:
            if not incremental:
                create_views(con)
            con.execute(
                "create or replace table reader_meta as select ? as db_path, current_timestamp as published_at, "
                "? as schema_fingerprint, ? as chain",
                [str(Path(db_path).resolve()), fingerprint, chain],
            )
        finally:
            con.execute(f"use {home}")
        con.execute(f"checkpoint {_SNAP}")
        return True
    finally:
        con.execute(f"detach {_SNAP}")


def _refresh_articles(con: duckdb.DuckDBPyConnection, home: str) -> bool:
    """Replace, in the copied snapshot, the articles whose ``(article_id, updated_at)`` is not
    the copy's: new ones and ones a load rewrote. Compares two narrow columns, never the text.
    False when most articles changed (a full build is then cheaper and keeps the file compact)."""
    con.execute(
        f"""create or replace temp table feedhouse_changed_articles as
            select article_id from (
                select article_id, updated_at from {home}.main.fct_articles
                except
                select article_id, updated_at from {_SNAP}.main.fct_articles)"""
    )
    try:
        changed, total = con.execute(
            f"select (select count(*) from feedhouse_changed_articles), (select count(*) from {home}.main.fct_articles)"
        ).fetchone()
        if changed > REBUILD_ABOVE_CHANGED_SHARE * total:
            return False
        con.execute(f"delete from {_SNAP}.main.fct_articles where article_id in "
                    "(select article_id from feedhouse_changed_articles)")
        con.execute(f"insert into {_SNAP}.main.fct_articles select * from {home}.main.fct_articles "
                    "where article_id in (select article_id from feedhouse_changed_articles)")
        snap_rows = con.execute(f"select count(*) from {_SNAP}.main.fct_articles").fetchone()[0]
        return snap_rows == total
    finally:
        con.execute("drop table if exists feedhouse_changed_articles")


def _swap_symlink(link: Path, target: str) -> None:
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
