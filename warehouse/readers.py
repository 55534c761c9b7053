"""Read-only sessions for people: ``feedhouse sql``, notebooks and the DuckDB CLI.

A reader attaches the warehouse read-only and sees whole loads only (each load is one DuckLake
commit). A session keeps the snapshot it started from for each query's duration; it sees later
loads on its next query. ``snapshot=N`` pins it to an earlier snapshot (time travel).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from warehouse.db import Warehouse, connect


@contextmanager
def reader(wh: Warehouse, *, snapshot: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only session that can read the warehouse and nothing else: no other file can be
    read, written or attached, and the restriction cannot be lifted from inside the session."""
    with connect(wh, read_only=True, snapshot=snapshot) as con:
        sandbox(con, wh)
        yield con


def sandbox(con: duckdb.DuckDBPyConnection, wh: Warehouse) -> None:
    """Only the warehouse's own files stay reachable, then the configuration is locked."""
    directories = [wh.data_path] if "://" not in wh.data_path else []
    con.execute("set allowed_directories = ?", [directories])
    if wh.catalog_file:
        con.execute("set allowed_paths = ?", [[str(wh.catalog_file)]])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
