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

TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "stg_feed_polls": pa.schema(
        [
            ("poll_id", pa.int64()), ("run_id", pa.string()), ("feed_id", pa.int64()),
            ("feed_url", pa.string()), ("original_url", pa.string()), ("final_url", pa.string()),
            ("moved_to", pa.string()), ("feed_name", pa.string()), ("feed_tags", pa.list_(pa.string())),
            ("polled_at", TS), ("http_status", pa.int32()), ("is_not_modified", pa.bool_()),
            ("entries_seen", pa.int32()), ("entries_new", pa.int32()), ("bytes", pa.int64()),
            ("duration_ms", pa.int32()), ("error", pa.string()), ("parse_warning", pa.string()),
            ("etag", pa.string()), ("last_modified", pa.string()), ("body_hash", pa.string()),
            ("feed_title", pa.string()), ("site_url", pa.string()), ("feed_language", pa.string()),
            ("discovered_from", pa.string()), ("status", pa.string()),
            ("consecutive_failures", pa.int32()), ("poll_interval_s", pa.int32()),
            ("next_poll_at", TS),
        ]
    ),
    "stg_feed_entries": pa.schema(
        [
            ("feed_id", pa.int64()), ("article_id", pa.int64()), ("canonical_url", pa.string()),
            ("entry_id", pa.string()), ("entry_url", pa.string()), ("entry_title", pa.string()),
            ("entry_published_at", TS), ("seen_at", TS),
        ]
    ),
    "stg_articles": pa.schema(
        [
            ("article_id", pa.int64()), ("url", pa.string()), ("canonical_url", pa.string()),
            ("title", pa.string()), ("description", pa.string()), ("text", pa.string()),
            ("published_at", TS), ("published_date_id", pa.int32()), ("fetched_at", TS),
            ("site_id", pa.int64()), ("site_domain", pa.string()), ("site_name", pa.string()),
            ("author_id", pa.int64()), ("author_name", pa.string()), ("language", pa.string()),
            ("word_count", pa.int64()), ("content_hash", pa.string()),
            ("extractor_version", pa.string()),
        ]
    ),
    "stg_article_tags": pa.schema(
        [
            ("article_id", pa.int64()), ("tag_id", pa.int64()), ("tag", pa.string()),
            ("source", pa.string()),
        ]
    ),
    "stg_raw_pages": pa.schema(
        [
            ("page_id", pa.int64()), ("canonical_url", pa.string()), ("final_url", pa.string()),
            ("http_status", pa.int32()), ("content_type", pa.string()), ("fetched_at", TS),
            ("body_sha256", pa.string()), ("body_bytes", pa.int32()), ("body_gzip", pa.binary()),
        ]
    ),
    "stg_quarantine": pa.schema(
        [
            ("quarantine_id", pa.int64()), ("stage", pa.string()), ("source_url", pa.string()),
            ("reason", pa.string()), ("record", pa.string()), ("is_retryable", pa.bool_()),
            ("quarantined_at", TS),
        ]
    ),
}


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


def staging_root(db_path: str | Path) -> Path:
    """Staging lives beside the warehouse file: ``<db dir>/staging/<db stem>/``."""
    db_path = Path(db_path)
    return db_path.parent / "staging" / db_path.stem


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


def new_run_dir(db_path: str | Path, run_id: str, manifest: dict) -> RunDir:
    """Create (and lock) the staging directory of a new run."""
    run = RunDir(staging_root(db_path) / run_id)
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


def pending_runs(db_path: str | Path, exclude: str | None = None) -> list[RunDir]:
    """Staged runs whose load never committed and whose process is gone, oldest first.

    The returned runs are locked by this process until loaded (``remove``) or ``release``d.
    """
    root = staging_root(db_path)
    if not root.exists():
        return []
    runs = []
    for path in root.iterdir():
        if not path.is_dir() or path.name == exclude or path in _held_locks:
            continue
        fd = _try_lock(path)
        if fd is None:
            continue  # a live run in another process
        _held_locks[path] = fd
        runs.append(RunDir(path))
    return sorted(runs, key=lambda r: (r.path / "run.json").stat().st_mtime if (r.path / "run.json").exists() else 0)


def to_table(name: str, rows: Iterable[dict]) -> pa.Table:
    """Rows → Arrow table with the staged table's exact schema."""
    return pa.Table.from_pylist(list(rows), schema=SCHEMAS[name])


def write_table(directory: Path, name: str, table: pa.Table) -> Path:
    """Write one staged table atomically (temp file + rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.parquet"
    tmp = target.with_suffix(".parquet.tmp")
    pq.write_table(table.cast(SCHEMAS[name]), tmp, compression="zstd")
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


def remove(run: RunDir) -> None:
    """Delete a loaded run's staging directory."""
    shutil.rmtree(run.path, ignore_errors=True)
    release(run)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
