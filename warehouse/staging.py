"""The staging area: every stage's output lands here as Parquet before the load.

Layout, one directory per run::

    <staging_root>/<run_id>/
        run.json                    manifest: run id, flow, parameters; "complete" once staged
        stg_feed_polls.parquet      one row per feed poll (and the feed's new HTTP state)
        stg_feed_entries.parquet    every entry seen this run, keyed (feed_id, article_id)
        stg_quarantine.parquet      poll/parse-stage rejects
        chunk-00000/                one directory per article chunk, written atomically
            stg_raw_pages.parquet
            stg_articles.parquet
            stg_article_tags.parquet
            stg_quarantine.parquet

A run directory is deleted after its load commits. One left behind (a crash, a locked
warehouse) is loaded by the next run, so staged work is never lost.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.contracts import CONTRACTS, LISTINGS

_ARROW = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "BLOB": pa.binary(),
    "VARCHAR[]": pa.list_(pa.string()),
    LISTINGS: pa.list_(pa.struct([
        ("feed_id", pa.int64()), ("entry_id", pa.string()), ("entry_url", pa.string()),
        ("entry_title", pa.string()), ("entry_published_at", pa.timestamp("us", tz="UTC")),
        ("seen_at", pa.timestamp("us", tz="UTC")),
    ])),
}


def schema(name: str) -> pa.Schema:
    """The Arrow schema of a staged table, from its contract."""
    contract = CONTRACTS[name]
    return pa.schema([pa.field(c.name, _ARROW[c.type], nullable=c.nullable) for c in contract.columns])


@dataclass(frozen=True)
class RunDir:
    """One run's staging directory."""

    path: Path

    @property
    def run_id(self) -> str:
        return self.path.name

    def chunk(self, index: int) -> Path:
        return self.path / f"chunk-{index:05d}"

    def chunks(self) -> list[Path]:
        """Chunk directories that were completely written (atomic rename), in order."""
        return sorted(p for p in self.path.glob("chunk-?????") if p.is_dir())

    def manifest(self) -> dict:
        try:
            return json.loads((self.path / "run.json").read_text())
        except (OSError, ValueError):
            return {"run_id": self.run_id}

    def write_manifest(self, manifest: dict) -> None:
        _atomic_write_bytes(self.path / "run.json", json.dumps(manifest, default=str).encode())

    @property
    def is_complete(self) -> bool:
        return bool(self.manifest().get("complete"))


# A live run holds an exclusive flock on its directory's .lock file; the kernel drops it when
# the process dies (even by kill -9), which is how recovery tells abandoned runs from live ones.
_held_locks: dict[Path, int] = {}


def _try_lock(run_path: Path) -> int | None:
    fd = os.open(run_path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def new_run_dir(root: Path, run_id: str, manifest: dict) -> RunDir:
    """Create (and lock) the staging directory of a new run under ``root`` (the warehouse's
    staging root on this machine)."""
    run = RunDir(root / run_id)
    run.path.mkdir(parents=True, exist_ok=True)
    fd = _try_lock(run.path)
    if fd is None:
        raise RuntimeError(f"staging directory {run.path} is in use by another process")
    _held_locks[run.path] = fd
    run.write_manifest({"run_id": run_id, **manifest, "complete": False})
    return run


def release(run: RunDir) -> None:
    """Drop this process's lock on a run directory."""
    fd = _held_locks.pop(run.path, None)
    if fd is not None:
        os.close(fd)


def pending_runs(root: Path, exclude: str | None = None) -> list[RunDir]:
    """Staged runs under ``root`` whose load never committed and whose process is gone, oldest
    first. The returned runs are locked by this process until loaded (``remove``) or ``release``d.
    """
    if not root.exists():
        return []
    runs = []
    for path in root.iterdir():
        if not path.is_dir() or path.name == exclude or path in _held_locks or not (path / "run.json").exists():
            continue
        fd = _try_lock(path)
        if fd is None:
            continue  # a live run in another process
        _held_locks[path] = fd
        runs.append(RunDir(path))
    return sorted(runs, key=lambda r: (r.path / "run.json").stat().st_mtime if (r.path / "run.json").exists() else 0)


def to_table(name: str, rows: Iterable[dict]) -> pa.Table:
    """Rows → Arrow table with the staged table's exact schema."""
    return pa.Table.from_pylist(list(rows), schema=schema(name))


def write_table(directory: Path, name: str, table: pa.Table) -> Path:
    """Write one staged table atomically (temp file + rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.parquet"
    tmp = target.with_suffix(".parquet.tmp")
    pq.write_table(table.cast(schema(name)), tmp, compression="zstd")
    os.replace(tmp, target)
    return target


def write_chunk(run: RunDir, index: int, tables: dict[str, pa.Table]) -> Path:
    """Write a chunk's tables into a temp directory, then rename it into place, so a chunk
    directory either holds all its tables or does not exist."""
    final = run.chunk(index)
    tmp = run.path / f".tmp-chunk-{index:05d}"
    shutil.rmtree(tmp, ignore_errors=True)
    for name, table in tables.items():
        write_table(tmp, name, table)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


def files(run: RunDir, name: str) -> list[str]:
    """Every staged Parquet file of table ``name`` in the run (its root and its chunks)."""
    dirs = [run.path, *run.chunks()]
    return [str(d / f"{name}.parquet") for d in dirs if (d / f"{name}.parquet").exists()]


def remove(run: RunDir) -> None:
    """Delete a loaded run's staging directory."""
    shutil.rmtree(run.path, ignore_errors=True)
    release(run)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
