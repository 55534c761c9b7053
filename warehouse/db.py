"""Where the warehouse lives, and the one way to open it.

The warehouse is a DuckLake: a catalog that records tables, snapshots and files, and a folder of
Parquet files that hold the rows. By default the catalog is one SQLite file and the Parquet
folder sits beside it (``warehouse/feedhouse.ducklake`` and ``warehouse/feedhouse.ducklake.files/``):
embedded, no server. For several machines the catalog is a PostgreSQL database and the data path
a shared folder (``--db postgresql://host/db`` with ``FEEDHOUSE_DATA_PATH=/shared/feedhouse``).

Every load is one DuckLake commit, and every commit is a snapshot: readers attach the catalog
read-only and see whole loads only, never blocking a load nor blocked by one, and a reader can
look at the warehouse as of any earlier snapshot (time travel).

DuckDB extensions come from the pinned ``duckdb-extension-*`` packages, installed once into the
virtual environment (``<venv>/duckdb_extensions``); nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).parent
MIGRATIONS_DIR = SQL_DIR / "migrations"
VIEWS_DIR = SQL_DIR / "views"
EXTENSION_DIR = Path(sys.prefix) / "duckdb_extensions"
ALIAS = "wh"  # the warehouse's name in every connection: wh.fct_articles
SUFFIX = ".ducklake"
_MIGRATION_RE = re.compile(r"^(\d{4})_(\w+)\.sql$")


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as asked; the message says what to do."""


class WarehouseLockedError(WarehouseError):
    """Another run holds the warehouse's load lock and did not let go within the timeout."""


@dataclass(frozen=True)
class Warehouse:
    """A warehouse's location: its DuckLake catalog, its data path and this machine's staging area."""

    catalog: str  # "sqlite:/abs/path.ducklake" or "postgres:<libpq conninfo>"
    data_path: str
    staging_root: Path
    label: str  # how people name it (the --db value)

    @property
    def catalog_file(self) -> Path | None:
        return Path(self.catalog.removeprefix("sqlite:")) if self.catalog.startswith("sqlite:") else None

    @property
    def exists(self) -> bool:
        return self.catalog_file.exists() if self.catalog_file else True

    @property
    def quality_root(self) -> Path:
        """Where the warehouse's Data Docs live on this machine: ``<db dir>/quality/<name>/``."""
        return self.staging_root.parent.parent / "quality" / self.staging_root.name

    @property
    def key(self) -> str:
        """A short stable name for locks and concurrency limits."""
        return hashlib.sha256(self.catalog.encode()).hexdigest()[:12]


def _masked(text: str) -> str:
    """A catalog address fit to print: its password (``password=…`` or ``user:…@``) masked."""
    text = re.sub(r"password=\S+", "password=***", text)
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", text)


def locate(db: str | Path, data_path: str | None = None, staging_dir: str | Path | None = None) -> Warehouse:
    """Where ``db`` lives: a path to a ``.ducklake`` catalog file (embedded), or a PostgreSQL
    URL/conninfo (``postgresql://user@host:5432/db`` or ``postgres:dbname=db host=…``), which
    then needs ``data_path`` (``FEEDHOUSE_DATA_PATH``). Staging defaults to ``<db dir>/staging/``
    (``FEEDHOUSE_STAGING_DIR``)."""
    text = str(db)
    data_path = data_path or os.environ.get("FEEDHOUSE_DATA_PATH") or None
    staging_dir = staging_dir or os.environ.get("FEEDHOUSE_STAGING_DIR") or None
    if text.startswith(("postgres:", "postgresql://", "postgres://")):
        conninfo = pg_conninfo(text)
        if not data_path:
            raise WarehouseError(f"a PostgreSQL catalog needs a shared data path: set "
                                 f"FEEDHOUSE_DATA_PATH for {_masked(text)}")
        root = Path(staging_dir) if staging_dir else Path.cwd() / "warehouse" / "staging"
        label = _masked(text)
        return Warehouse(f"postgres:{conninfo}", _dir(data_path), root / f"pg-{_short(conninfo)}", label)
    path = Path(text).expanduser().resolve()
    if path.suffix == ".duckdb":
        raise WarehouseError(
            f"{path} names a DuckDB file; warehouses are now DuckLake catalogs ({SUFFIX}). "
            + (f"Convert this one with: feedhouse migrate --from {path} --db {path.with_suffix(SUFFIX)}"
               if path.exists() else f"Use --db {path.with_suffix(SUFFIX)}")
        )
    root = Path(staging_dir) if staging_dir else path.parent / "staging"
    return Warehouse(f"sqlite:{path}", _dir(data_path or f"{path}.files"), root / path.stem, str(db))


def pg_conninfo(text: str) -> str:
    """libpq conninfo from ``postgres:<conninfo>`` or a ``postgresql://`` URL."""
    if text.startswith("postgres:") and not text.startswith("postgres://"):
        return text.removeprefix("postgres:")
    from urllib.parse import unquote, urlsplit

    url = urlsplit(text)
    parts = {"dbname": url.path.lstrip("/") or None, "host": url.hostname, "port": url.port,
             "user": unquote(url.username) if url.username else None,
             "password": unquote(url.password) if url.password else None}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _dir(path: str) -> str:
    text = str(path) if "://" in str(path) else str(Path(path).expanduser().resolve())
    return text if text.endswith("/") else text + "/"


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


_LOADED_AS = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}


def new_connection(extensions: tuple[str, ...] = ("ducklake", "sqlite")) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with ``extensions`` loaded, never downloading any."""
    con = duckdb.connect(config={
        "extension_directory": str(EXTENSION_DIR),
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    })
    load_extensions(con, extensions)
    return con


def load_extensions(con: duckdb.DuckDBPyConnection, extensions: tuple[str, ...]) -> None:
    for name in extensions:
        _install(con, name)
        con.execute(f"load {_LOADED_AS.get(name, name)}")


def catalog_extensions(wh: Warehouse) -> tuple[str, ...]:
    """DuckLake, its catalog's extension, and fts (whose stem() the full-text index uses)."""
    return ("ducklake", "sqlite" if wh.catalog_file else "postgres", "fts")


_installed: set[str] = set()


def _install(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Copy an extension from its pinned PyPI package into ``EXTENSION_DIR`` (once)."""
    if name in _installed:
        return
    row = con.execute("select installed from duckdb_extensions() where extension_name = ?",
                      [_LOADED_AS.get(name, name)]).fetchone()
    if not (row and row[0]):
        from duckdb_extensions import import_extension

        EXTENSION_DIR.mkdir(parents=True, exist_ok=True)
        import_extension(name, con=con)
    _installed.add(name)


def attach_sql(wh: Warehouse, *, read_only: bool, alias: str = ALIAS, snapshot: int | None = None) -> str:
    """The ATTACH statement for the warehouse (also what analysts run in the DuckDB CLI)."""
    options = [f"data_path '{_quote(wh.data_path)}'"]
    if read_only:
        options.append("read_only")
    else:  # no rows inlined into the catalog, from the first statement on (see migration 0023)
        options.append("data_inlining_row_limit 0")
    if snapshot is not None:
        options.append(f"snapshot_version {int(snapshot)}")
    return f"attach 'ducklake:{_quote(wh.catalog)}' as {alias} ({', '.join(options)})"


def _quote(text: str) -> str:
    return text.replace("'", "''")


@contextmanager
def connect(wh: Warehouse, *, read_only: bool = False, snapshot: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the warehouse attached as ``wh`` and in use. Read-only connections never
    wait for a load; a read-write connection is only for the loader and maintenance."""
    if read_only and not wh.exists:
        raise WarehouseError(f"no warehouse at {wh.label}; run `feedhouse run` or `make run` first")
    if not read_only and wh.catalog_file:
        wh.catalog_file.parent.mkdir(parents=True, exist_ok=True)
        Path(wh.data_path).mkdir(parents=True, exist_ok=True)
        _write_ahead_log(wh.catalog_file)
    con = new_connection(catalog_extensions(wh))
    try:
        _attach(con, attach_sql(wh, read_only=read_only, snapshot=snapshot))
        con.execute(f"use {ALIAS}")
        yield con
    except duckdb.Error as exc:
        if _is_unreachable(exc):
            raise WarehouseError(f"cannot open the warehouse {wh.label}: {exc}") from exc
        raise
    finally:
        con.close()


def _attach(con: duckdb.DuckDBPyConnection, sql: str, attempts: int = 5) -> None:
    """Attach; when two processes create a new warehouse at once, the one that loses the race to
    create the catalog's tables fails ("already exists") and attaches again to what the winner made."""
    for attempt in range(attempts):
        try:
            con.execute(sql)
            return
        except duckdb.Error as exc:
            racing = "failed to initialize ducklake" in str(exc).lower() and "already exists" in str(exc).lower()
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _write_ahead_log(catalog: Path) -> None:
    """Put the SQLite catalog in WAL mode (persistent, idempotent). In SQLite's default mode an
    open read transaction of any reader blocks a committing writer, and the failed commit then
    leaves the writer's attachment unusable; with WAL, readers and the writer never block each
    other and a reader's transaction keeps its snapshot."""
    import sqlite3

    with sqlite3.connect(catalog) as db:
        if db.execute("pragma journal_mode").fetchone()[0] != "wal":
            db.execute("pragma journal_mode = wal")


def _is_unreachable(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("could not connect", "connection refused", "unable to open database",
                                   "no such file", "permission denied"))


def migrations() -> list[tuple[int, str, Path]]:
    """Numbered migration files, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_RE.match(path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


def views_fingerprint() -> str:
    """Changes whenever an analyst view is added or edited."""
    digest = hashlib.sha256()
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations and refresh the analyst views when they changed, all in one
    commit: a reader sees the old schema or the new one, a failed or killed upgrade leaves the
    old one whole, and a fresh warehouse pays one catalog commit (about 1 s) rather than one
    per migration. Costs one small query when the warehouse is current. Returns the migrations
    applied."""
    con.execute(
        "create table if not exists schema_migrations ("
        " version integer not null, name varchar not null, applied_at timestamptz not null)"
    )
    done = {row[0] for row in con.execute("select version from schema_migrations").fetchall()}
    pending = [(version, name, path) for version, name, path in migrations() if version not in done]
    fingerprint = f"views-{views_fingerprint()}"
    views_current = fingerprint in {r[0] for r in con.execute("select name from schema_migrations where version = 0").fetchall()}
    if not pending and views_current:
        return []
    con.execute("begin transaction")
    try:
        for version, name, path in pending:
            con.execute(path.read_text())
            con.execute("insert into schema_migrations values (?, ?, now())", [version, name])
        create_views(con)
        con.execute("delete from schema_migrations where version = 0")
        con.execute("insert into schema_migrations values (0, ?, now())", [fingerprint])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return [path.name for _, _, path in pending]


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the analyst views (``views/*.sql``) in the connection's current database."""
    for view in sorted(VIEWS_DIR.glob("*.sql")):
        con.execute(view.read_text())


def schema_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every migration file and the current analyst views are applied."""
    try:
        done = {(r[0], r[1]) for r in con.execute("select version, name from schema_migrations").fetchall()}
    except duckdb.CatalogException:
        return False
    wanted = {(version, name) for version, name, _ in migrations()} | {(0, f"views-{views_fingerprint()}")}
    return wanted <= done


def ensure_migrated(con: duckdb.DuckDBPyConnection, wh: Warehouse, lock_timeout_s: float) -> list[str]:
    """Migrate if needed, taking turns with loads (a migration is a writer too)."""
    if schema_is_current(con):
        return []
    with load_lock(wh, lock_timeout_s):
        return migrate(con)


@contextmanager
def open_migrated(wh: Warehouse, lock_timeout_s: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """``connect`` read-write and migrate: the way in for the loader and maintenance."""
    with connect(wh) as con:
        ensure_migrated(con, wh, lock_timeout_s)
        yield con


@contextmanager
def load_lock(wh: Warehouse, timeout_s: float) -> Iterator[None]:
    """Loads into one warehouse take turns, across processes and machines: an upsert must see
    every load committed before it (DuckLake has no unique keys to catch two concurrent inserts
    of the same new tag). Embedded: an ``flock`` beside the catalog. PostgreSQL: an advisory lock
    in the catalog database. Loads are short; fetching and extraction run in parallel."""
    deadline = time.monotonic() + timeout_s
    if wh.catalog_file:
        import fcntl

        path = wh.catalog_file.with_name(wh.catalog_file.name + ".load.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseLockedError(
                            f"another load into {wh.label} did not finish within {timeout_s:g}s; "
                            "the staged data is kept and loaded by the next run") from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)
        return
    import psycopg

    key = int.from_bytes(hashlib.sha256(b"feedhouse-load").digest()[:8], "big", signed=True)
    with psycopg.connect(wh.catalog.removeprefix("postgres:"), autocommit=True) as pg:
        while not pg.execute("select pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(f"another load into {wh.label} did not finish within {timeout_s:g}s; "
                                           "the staged data is kept and loaded by the next run")
            time.sleep(0.1)
        try:
            yield
        finally:
            pg.execute("select pg_advisory_unlock(%s)", [key])
