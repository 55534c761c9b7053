"""Converting a feedhouse 0.1 warehouse (one DuckDB file) into a DuckLake warehouse.

``migrations/`` here are the 0.1 schema's migrations, frozen: an old file is first brought up to
their last one (on a copy; the original is never written), then ``convert.sql`` copies every
table into the new warehouse in one commit. ``feedhouse migrate --from old.duckdb --db new.ducklake``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import duckdb

from warehouse.db import Warehouse, WarehouseError, load_lock, open_migrated

LEGACY_DIR = Path(__file__).parent
_MIGRATION_RE = re.compile(r"^(\d{4})_(\w+)\.sql$")
TABLES = ("etl_runs", "dim_feeds", "dim_sites", "dim_authors", "dim_tags", "fct_articles", "bridge_article_tags",
          "fct_feed_entries", "fct_feed_polls", "raw_pages", "quarantine", "fetch_state")


def _upgrade(path: Path) -> None:
    """Apply the frozen 0.1 migrations the file has not had yet."""
    con = duckdb.connect(str(path))
    try:
        done = {r[0] for r in con.execute("select version from schema_migrations").fetchall()}
        for migration in sorted((LEGACY_DIR / "migrations").glob("*.sql")):
            version = int(_MIGRATION_RE.match(migration.name).group(1))
            if version not in done:
                con.execute(migration.read_text())
                con.execute("insert into schema_migrations (version, name) values (?, ?)", [version, migration.stem[5:]])
    except duckdb.CatalogException as exc:
        raise WarehouseError(f"{path} is not a feedhouse 0.1 warehouse ({exc})") from exc
    finally:
        con.close()


def convert(legacy: Path, wh: Warehouse, *, max_attempts: int, lock_timeout_s: float = 30.0) -> dict[str, int]:
    """Copy the 0.1 warehouse ``legacy`` into the new warehouse ``wh`` (which must hold no data
    yet); returns the new warehouse's row count per table."""
    if not legacy.is_file():
        raise WarehouseError(f"no DuckDB file at {legacy}")
    with tempfile.TemporaryDirectory(prefix="feedhouse-convert-") as tmp:
        copy = Path(tmp) / "legacy.duckdb"
        shutil.copyfile(legacy, copy)
        if legacy.with_name(legacy.name + ".wal").exists():
            shutil.copyfile(legacy.with_name(legacy.name + ".wal"), copy.with_name(copy.name + ".wal"))
        _upgrade(copy)
        with open_migrated(wh, lock_timeout_s) as con, load_lock(wh, lock_timeout_s):
            if con.execute("select (select count(*) from etl_runs) + (select count(*) from fct_articles)").fetchall()[0][0]:
                raise WarehouseError(f"{wh.label} already holds data; convert into a new warehouse")
            con.execute(f"attach '{str(copy).replace(chr(39), chr(39) * 2)}' as old (read_only)")
            sql = (LEGACY_DIR / "convert.sql").read_text().replace("$max_attempts", str(int(max_attempts)))
            con.execute("begin transaction")
            try:
                con.execute(sql)
                con.execute("call ducklake_set_commit_message('wh', 'feedhouse', ?)", [f"converted from {legacy}"])
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            counts = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
            con.execute("detach old")
    return counts
