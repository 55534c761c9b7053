"""Publish the warehouse for readers who stay connected while loads run.

DuckDB lets one process write a file, and while it writes, other processes cannot even open it
read-only. So readers never open the loader's file. After each load commits, the loader
exports every table (except raw page bytes) to Parquet in a new version directory and swaps the
``current`` symlink to it atomically. Readers open a small *reader catalog*,
``<db stem>.read.duckdb``, read-only: it holds only views over ``export/current/*.parquet``
(and the analyst views on top of them), so every query sees the latest completed load, a load
never waits for a reader, and a reader never sees a half-finished load.

Layout beside the warehouse file::

    feedhouse.duckdb             the loader's file (write lock during loads)
    feedhouse.read.duckdb        reader catalog: views only, rebuilt when the schema changes
    export/feedhouse/
        current -> v-000042      symlink, swapped atomically after each load
        v-000042/<table>.parquet
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

from warehouse.db import VIEWS_DIR, migrations

EXPORTED_TABLES = (
    "dim_feeds", "dim_sites", "dim_authors", "dim_dates", "dim_tags", "fct_articles",
    "bridge_article_tags", "fct_feed_entries", "fct_feed_polls", "quarantine", "etl_runs",
    "schema_migrations",
)
KEEP_VERSIONS = 3  # older versions are deleted; a query holds its files open anyway


def export_root(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.parent / "export" / db_path.stem


def reader_path(db_path: str | Path) -> Path:
    """The reader catalog analysts open: ``<db dir>/<stem>.read.duckdb``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.read.duckdb")


def publish(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> Path:
    """Export the committed warehouse to a new Parquet version and make it ``current``.

    ``con`` is the loader's connection (after commit). Returns the new version directory.
    """
    root = export_root(db_path)
    root.mkdir(parents=True, exist_ok=True)
    version = root / f"v-{time.time_ns():020d}"
    tmp = root / f".tmp-{version.name}"
    tmp.mkdir()
    for table in EXPORTED_TABLES:
        target = tmp / f"{table}.parquet"
        # table names are constants above; the path is a bound parameter
        con.execute(f"copy (select * from {table}) to ? (format parquet, compression zstd)", [str(target)])
    os.replace(tmp, version)
    link_tmp = root / ".current.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(version.name)
    os.replace(link_tmp, root / "current")  # atomic swap
    _prune(root, keep=version.name)
    _ensure_reader_catalog(db_path, root / "current")
    return version


def _prune(root: Path, keep: str) -> None:
    versions = sorted(p for p in root.glob("v-*") if p.is_dir())
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-v-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _schema_version() -> str:
    names = [path.name for _, _, path in migrations()] + sorted(p.name for p in VIEWS_DIR.glob("*.sql"))
    return ",".join(names)


def _ensure_reader_catalog(db_path: str | Path, current: Path) -> None:
    """(Re)build the reader catalog when missing or built for another schema version."""
    path = reader_path(db_path)
    wanted = f"{_schema_version()}|{current}"
    if path.exists():
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                if con.execute("select version from reader_meta").fetchone()[0] == wanted:
                    return
        except duckdb.Error:
            pass  # unreadable or old: rebuild
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        for table in EXPORTED_TABLES:
            parquet = (current / f"{table}.parquet").as_posix().replace("'", "''")
            # a view body cannot take parameters; the path is ours, quoted above
            con.execute(f"create view {table} as select * from read_parquet('{parquet}')")
        for view in sorted(VIEWS_DIR.glob("*.sql")):
            con.execute(view.read_text())
        con.execute("create table reader_meta as select ? as version", [wanted])
    os.replace(tmp, path)
