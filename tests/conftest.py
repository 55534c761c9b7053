"""Shared fixtures: a real HTTP server on 127.0.0.1 serving the sample sites, real DuckDB files,
and a private Prefect home (ephemeral API, analytics off)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_PREFECT_HOME = tempfile.mkdtemp(prefix="feedhouse-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

# Loopback only, in this process and in every Python process the tests start (see the module).
_GUARD_DIR = Path(__file__).parent / "socketguard"
SOCKET_GUARD_LOG = Path(tempfile.mkdtemp(prefix="feedhouse-test-guard-")) / "refused.log"
os.environ["FEEDHOUSE_SOCKET_GUARD"] = "1"
os.environ["FEEDHOUSE_SOCKET_GUARD_LOG"] = str(SOCKET_GUARD_LOG)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_GUARD_DIR), os.environ.get("PYTHONPATH")]))
_spec = importlib.util.spec_from_file_location("feedhouse_socket_guard", _GUARD_DIR / "sitecustomize.py")
socket_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(socket_guard)

import flows  # noqa: E402, F401  (applies feedhouse's Prefect settings, as every entry point does)

import duckdb  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Hypothesis: `make test` runs every property on a fixed, small set of examples (the same on every
# machine, nothing remembered between runs); `make fuzz` (FEEDHOUSE_FUZZ=1) runs the properties
# of tests/properties long, from a random seed, printing a blob to reproduce what fails.
FUZZ = os.environ.get("FEEDHOUSE_FUZZ") == "1"
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=50,
                          suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("fuzz", derandomize=False, database=None, deadline=None, max_examples=2_000,
                          print_blob=True, suppress_health_check=_SLOW_IS_FINE)
settings.load_profile("fuzz" if FUZZ else "ci")

from flows.sample_site import render_feed_list, serve_sample  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_sessionfinish(session, exitstatus):
    """Fail the session if any process tried to leave the machine, even if the guard's
    refusal was swallowed by the code under test."""
    attempts = SOCKET_GUARD_LOG.read_text().splitlines() if SOCKET_GUARD_LOG.exists() else []
    if attempts:
        sys.stderr.write("\nsocket guard: non-loopback network attempts during the tests:\n  "
                         + "\n  ".join(attempts[:50]) + "\n")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def sample_hosts():
    """The bundled sample sites, served on free 127.0.0.1 ports for the whole session."""
    with serve_sample(port_base=None) as hosts:
        yield hosts


@pytest.fixture
def sample_feed_list(tmp_path, sample_hosts) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(render_feed_list(sample_hosts), encoding="utf-8")
    return path


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "wh" / "feedhouse.ducklake"


_readers: dict[str, duckdb.DuckDBPyConnection] = {}


def ingest_sample(tmp_path_factory, sample_hosts, name: str) -> tuple[Path, Path, dict]:
    """A fresh warehouse with the bundled sample ingested once: (feed list, warehouse, summary)."""
    from flows.ingest import ingest
    from flows.sample_site import render_feed_list

    tmp = tmp_path_factory.mktemp(name)
    feeds = tmp / "feeds.toml"
    feeds.write_text(render_feed_list(sample_hosts))
    db = tmp / f"{name}.ducklake"
    return feeds, db, ingest(feeds=str(feeds), db=str(db))


def query(db: Path | str, sql: str, params: list | None = None) -> list[tuple]:
    """Run SQL read-only against a warehouse (how the tests assert results). One reader
    connection per warehouse is kept open: each query sees the latest committed load."""
    from warehouse.db import attach_sql, catalog_extensions, locate, new_connection

    key = str(db)
    if key not in _readers:
        wh = locate(db)
        con = new_connection(catalog_extensions(wh))
        con.execute(attach_sql(wh, read_only=True))
        con.execute("use wh")
        _readers[key] = con
    return _readers[key].execute(sql, params or []).fetchall()


def scalar(db: Path | str, sql: str, params: list | None = None):
    return query(db, sql, params)[0][0]


def write(db: Path | str, sql: str, params: list | None = None) -> None:
    """Change a warehouse behind the pipeline's back (to stage a test's starting point)."""
    from warehouse.db import locate, open_migrated

    with open_migrated(locate(db)) as con:
        con.execute(sql, params or [])


TABLES = (
    "dim_feeds", "dim_sites", "dim_authors", "dim_tags", "fct_articles", "bridge_article_tags",
    "fct_feed_entries", "fct_feed_polls", "quarantine", "etl_runs", "raw_pages", "fetch_state",
)


def table_counts(db: Path) -> dict[str, int]:
    return {t: scalar(db, f"select count(*) from {t}") for t in TABLES}  # names are constants


@pytest.fixture(scope="session")
def prefect_server():
    """A real `prefect server start` on 127.0.0.1 for the whole session (started on first use)."""
    from .prefect_server import PrefectServer

    server = PrefectServer().start()
    try:
        yield server
    finally:
        server.stop()


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed `feedhouse` command."""
    exe = Path(sys.executable).parent / "feedhouse"
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout)
