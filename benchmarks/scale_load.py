"""Storage at size: does a load's cost follow the change or the warehouse? (``benchmarks/scale.py``)

Warehouses of ``--small`` and ``--big`` articles are filled through the real loader
(``warehouse.load.load_run``, rows staged as a run stages them) in loads of ``--fill-batch``
articles with short texts (10–30 words: the fill must fit the time budget). A DuckLake load writes
new Parquet files and never rewrites the existing ones, so the size of the texts already stored
should not matter; the benchmark checks that by loading into a small warehouse filled with
full-size texts too. Filled warehouses are cached under ``benchmarks/.out/scale-cache/`` by
``CACHE_VERSION`` and copied before each measurement, so reruns skip the fill and start equal.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.loadrate import stage
from benchmarks.scale import load_average
from flows.maintenance import STEPS, _run_step, disk_bytes
from transforms.settings import Settings
from warehouse.db import Warehouse, connect, load_lock, locate, open_migrated
from warehouse.load import load_run

CACHE = Path(__file__).resolve().parent / ".out" / "scale-cache"
CACHE_VERSION = "v1"  # bump when the schema, the loader or the generator changes what a fill produces
SHORT = (10, 30)  # words of a fill row's text
FULL = (300, 900)  # words of a measured row's text, as in benchmarks/loadrate.py
MEASURED_IDS = 50_000_000  # measured loads number their articles from here: always new to a fill
GROUP_BY = {
    "v_articles": "select site_name, count(*) from v_articles group by 1",
    "direct_join": "select sites.site_name, count(*) from fct_articles as articles "
                   "left join dim_sites as sites on sites.site_id = articles.site_id group by 1",
}


def timed_load(wh: Warehouse, rows: int, start: int, words: tuple[int, int], chunk_size: int = 200) -> float:
    """Stage ``rows`` articles numbered from ``start`` and load them; seconds of ``load_run`` only."""
    run = stage(wh.staging_root, rows, chunk_size, seed=1, start=start, words=words)
    settings = Settings()
    with open_migrated(wh) as con, load_lock(wh, settings.lock_timeout_s):
        began = time.monotonic()
        load_run(con, run, settings)
        return time.monotonic() - began


def filled(articles: int, batch: int, words: tuple[int, int], say) -> tuple[Path, float | None]:
    """The cached warehouse of ``articles`` articles (filled now if missing): its directory and
    the fill's seconds (None when it came from the cache)."""
    directory = CACHE / f"{CACHE_VERSION}-{articles}-{words[0]}to{words[1]}words"
    if (directory / "filled").exists():
        return directory, None
    shutil.rmtree(directory, ignore_errors=True)
    wh = locate(directory / "wh.ducklake")
    with open_migrated(wh):
        pass
    began = time.monotonic()
    for start in range(0, articles, batch):
        rows = min(batch, articles - start)
        t0 = time.monotonic()
        run = stage(wh.staging_root, rows, 5_000, seed=1, start=start, words=words)
        staged = time.monotonic() - t0
        settings = Settings()
        with open_migrated(wh) as con, load_lock(wh, settings.lock_timeout_s):
            t1 = time.monotonic()
            load_run(con, run, settings)
        say(f"  fill {directory.name}: {start + rows:,} articles (staged {staged:.1f}s, loaded {time.monotonic() - t1:.1f}s)")
    seconds = time.monotonic() - began
    catalog = sqlite3.connect(wh.catalog_file)  # the whole catalog in its main file: copies skip the WAL
    try:
        catalog.execute("pragma wal_checkpoint(truncate)")
    finally:
        catalog.close()
    (directory / "filled").write_text(f"{seconds:.1f}\n")
    return directory, seconds


def working_copy(cached: Path, out: Path, label: str) -> Warehouse:
    """A private copy of a cached warehouse (the measured loads change it)."""
    target = out / label
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(cached, target, ignore=shutil.ignore_patterns("staging", "filled", "*.ducklake-*"))
    wh = locate(target / "wh.ducklake")
    # the catalog records its data path; the files' paths are relative to it
    catalog = sqlite3.connect(wh.catalog_file)
    try:
        catalog.execute("update ducklake_metadata set value = ? where key = 'data_path'", [wh.data_path])
        catalog.commit()
    finally:
        catalog.close()  # before DuckDB opens it: two SQLite libraries in one process must not overlap
    return wh


def articles_in(wh: Warehouse) -> int:
    with connect(wh, read_only=True) as con:
        return con.execute("select count(*) from fct_articles").fetchall()[0][0]


def median_load(wh: Warehouse, rows: int, repeat: int, first_id: int) -> list[float]:
    """``repeat`` loads of ``rows`` new full-size articles; their seconds."""
    return [timed_load(wh, rows, first_id + i * rows, FULL) for i in range(repeat)]


def compact(wh: Warehouse) -> float:
    """The maintenance flow's steps, with expiry and cleanup windows of zero: what a warehouse
    settles to once nothing needs its old snapshots; seconds."""
    now = datetime.now(UTC) + timedelta(seconds=1)
    params = {"stories_before": now - timedelta(days=30), "expire_before": now, "keep_files_after": now,
              "orphans_before": now}
    began = time.monotonic()
    with open_migrated(wh) as con:
        for sql in STEPS.values():
            _run_step(con, sql, {k: v for k, v in params.items() if f"${k}" in sql})
    return time.monotonic() - began


def data_bytes(wh: Warehouse, out: Path) -> int:
    """The data's own size: every table of the current snapshot written once to zstd Parquet
    (the warehouse's own compression), with DuckDB's defaults; summed bytes."""
    target = out / "data-own-size"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with connect(wh, read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() where database_name = 'wh'").fetchall()]
        for table in tables:
            con.execute(f"copy (select * from {table}) to '{target / table}.parquet' (format parquet, compression zstd)")
    size = sum(p.stat().st_size for p in target.iterdir())
    shutil.rmtree(target)
    return size


def best_query_s(wh: Warehouse, sql: str, repeat: int = 5) -> float:
    with connect(wh, read_only=True) as con:
        con.execute(sql).fetchall()  # warm: the catalog and the file footers
        times = []
        for _ in range(repeat):
            began = time.monotonic()
            con.execute(sql).fetchall()
            times.append(time.monotonic() - began)
    return min(times)


def storage(args: argparse.Namespace, out: Path, report) -> None:
    say = report.say
    say(f"\n[storage] loads of {args.load:,} full-size articles (300–900 words) through load_run, "
        f"median of {args.repeat}")
    warehouses = {}
    for label, size, words in (("small_short", args.small, SHORT), ("small_full", args.small, FULL),
                               ("big", args.big, SHORT)):
        cached, fill_s = filled(size, args.fill_batch, words, say)
        if fill_s is not None:
            report.figure(f"fill_s_{label}", fill_s, f"{size:,} articles, {words[0]}–{words[1]} words, cached for reruns")
        began = time.monotonic()
        warehouses[label] = wh = working_copy(cached, out, label)
        say(f"  {label}: {articles_in(wh):,} articles, {disk_bytes(wh) / 2**20:,.0f} MB, copied in {time.monotonic() - began:.1f}s")
    loads = {}
    for label, wh in warehouses.items():
        loads[label] = median_load(wh, args.load, args.repeat, MEASURED_IDS)
        say(f"  load into {label}: " + ", ".join(f"{s:.2f}s" for s in loads[label]) + f"  ({load_average()})")
    med = {label: statistics.median(s) for label, s in loads.items()}
    report.figure("load_s_10k", med["small_short"])
    report.figure("load_s_1m", med["big"], f"{args.big:,} articles")
    report.figure("load_1m/load_10k", med["big"] / med["small_short"])
    report.figure("load_10k_fulltext/load_10k_shorttext", med["small_full"] / med["small_short"],
                  "≈1: the texts already stored do not matter")
    updates = {label: timed_load(warehouses[label], args.load, MEASURED_IDS, FULL) for label in ("small_short", "big")}
    say(f"  the first measured load's articles again (the update path: their postings are replaced): "
        f"{updates['small_short']:.2f}s into small_short, {updates['big']:.2f}s into big")
    report.figure("update_1m/update_10k", updates["big"] / updates["small_short"],
                  "one load each; deleting the old postings reads every posting")
    big = warehouses["big"]
    noop = [timed_load(big, 0, 0, FULL) for _ in range(args.repeat)]
    say("  no-op loads into big: " + ", ".join(f"{s:.2f}s" for s in noop))
    report.figure("noop_load_s_1m", statistics.median(noop))
    say(f"  group-by at {articles_in(big):,} articles, best of 5 after a warm-up:")
    seconds = {name: best_query_s(big, sql) for name, sql in GROUP_BY.items()}
    say("    " + ", ".join(f"{name} {s * 1000:.0f} ms" for name, s in seconds.items()))
    report.figure("v_articles_groupby/direct_join", seconds["v_articles"] / seconds["direct_join"])
    before = disk_bytes(big)
    say(f"  disk of big before maintenance: {before / 2**20:,.0f} MB; compacting (maintenance steps, windows 0)")
    compact_s = compact(big)
    after, own = disk_bytes(big), data_bytes(big, out)
    say(f"  after maintenance ({compact_s:.1f}s): {after / 2**20:,.0f} MB on disk (catalog + files); "
        f"the data's own size {own / 2**20:,.0f} MB")
    report.figure("disk_ratio_before_maintenance", before / own)
    report.figure("disk_ratio", after / own)
    for wh in warehouses.values():
        shutil.rmtree(wh.catalog_file.parent, ignore_errors=True)
