"""Opening the DuckDB file and keeping its schema current."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).parent
MIGRATIONS_DIR = SQL_DIR / "migrations"
VIEWS_DIR = SQL_DIR / "views"
_MIGRATION_RE = re.compile(r"^(\d{4})_(\w+)\.sql$")


class WarehouseLockedError(RuntimeError):
    """Another process holds the DuckDB file and did not let go within the timeout."""


def _config(db_path: Path) -> dict[str, str]:
    # Never download extensions at run time: this runs offline. Extensions come from PyPI
    # packages (duckdb-extension-fts) into a directory beside the warehouse file.
    return {
        # New files (the warehouse, readers' snapshots) in the v1.2 storage format, which
        # compresses long strings with zstd; the default v1.0 format stores article text raw
        # (several times the size, and slower to write and to copy). Existing files keep theirs.
        "storage_compatibility_version": "v1.2.0",
        "extension_directory": str(db_path.parent / ".duckdb_extensions"),
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@contextmanager
def connect(
    db_path: str | Path,
    *,
    read_only: bool = False,
    lock_timeout_s: float = 30.0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, retrying while another process holds its lock.

    DuckDB allows one read-write process per file, and that process locks out even readers.
    We retry with backoff for ``lock_timeout_s`` and then raise :class:`WarehouseLockedError`.
    """
    path = Path(db_path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=_config(path))
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"warehouse {path} is locked by another process (DuckDB allows one writer); "
                    f"gave up after {lock_timeout_s:g}s. Staged data is kept and loaded by the "
                    f"next run. Detail: {exc}"
                ) from exc
            log.info("warehouse %s is locked; retrying in %.2fs", path, delay)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    try:
        yield con
    finally:
        con.close()


def migrations() -> list[tuple[int, str, Path]]:
    """Numbered migration files, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_RE.match(path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations (each in its own transaction) and recreate the views.

    Returns the names of the migrations applied.
    """
    con.execute(
        "create table if not exists schema_migrations ("
        " version integer primary key, name varchar not null,"
        " applied_at timestamptz not null default now())"
    )
    done = {row[0] for row in con.execute("select version from schema_migrations").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in done:
            continue
        con.execute("begin transaction")
        try:
            con.execute(path.read_text())
            con.execute("insert into schema_migrations (version, name) values (?, ?)", [version, name])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.append(path.name)
    create_views(con)
    return applied


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the analyst views (``views/*.sql``) in the connection's current database."""
    for view in sorted(VIEWS_DIR.glob("*.sql")):
        con.execute(view.read_text())


@contextmanager
def open_migrated(
    db_path: str | Path, lock_timeout_s: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """``connect`` read-write and ``migrate``: the way in for the loader and state reads."""
    with connect(db_path, lock_timeout_s=lock_timeout_s) as con:
        migrate(con)
        yield con


def schema_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every migration file has been applied to this database."""
    try:
        done = {r[0] for r in con.execute("select version from schema_migrations").fetchall()}
    except duckdb.CatalogException:
        return False
    return {version for version, _, _ in migrations()} <= done


@contextmanager
def open_for_reading(
    db_path: str | Path, lock_timeout_s: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a migrated warehouse.

    Read-only connections from several processes can coexist (an analyst's notebook, a
    pipeline reading feed state); only creating or migrating the file needs the write lock.
    """
    path = Path(db_path)
    if path.exists():
        with connect(path, read_only=True, lock_timeout_s=lock_timeout_s) as con:
            if schema_is_current(con):
                yield con
                return
    with open_migrated(path, lock_timeout_s):
        pass
    with connect(path, read_only=True, lock_timeout_s=lock_timeout_s) as con:
        yield con
