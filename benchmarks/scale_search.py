"""Full-text search at size: query latency of ``search_articles`` and what keeping the index
current costs per load, at 10k / 100k / 1M articles (``python -m benchmarks.scale_search``).

The warehouses are the cached fills of ``benchmarks/scale_load.py`` (filled through the real
loader, short texts); a 10k warehouse of full-size texts shows how postings per article move
the figures. Each is copied, then loaded with 2,000 new full-size articles (the loader's
``fts_postings``/``fts_terms``/``fts_docs`` steps are the index update; their seconds come from
``LoadStats.step_seconds``), then queried: best of 5 after a warm-up, per query.
"""

from __future__ import annotations

import argparse
import statistics
import shutil
import time
from pathlib import Path

from benchmarks.loadrate import stage
from benchmarks.scale import load_average
from benchmarks.scale_load import FULL, MEASURED_IDS, SHORT, filled, working_copy
from transforms.settings import Settings
from warehouse.db import Warehouse, connect, load_lock, open_migrated
from warehouse.load import load_run

INDEX_STEPS = ("fts_postings", "fts_terms", "fts_docs")
QUERIES = {  # words of the synthetic corpus (benchmarks/words.toml): common, rarer, two words, English,
    # and two words that together match every article once more (as common words of real texts would)
    "pemerintah": ("pemerintah", ""),
    "sampah plastik": ("sampah plastik", ""),
    "cadangan beras (id)": ("cadangan beras", "id"),
    "central bank (en)": ("central bank", "en"),
    "artikel tahun": ("artikel tahun", ""),
}


def index_update(wh: Warehouse, rows: int, repeat: int) -> tuple[list[float], list[float]]:
    """``repeat`` loads of ``rows`` new full-size articles: the load's seconds and its index steps'."""
    loads, index = [], []
    settings = Settings()
    for i in range(repeat):
        run = stage(wh.staging_root, rows, 200, seed=2, start=MEASURED_IDS + i * rows, words=FULL)
        with open_migrated(wh) as con, load_lock(wh, settings.lock_timeout_s):
            began = time.monotonic()
            stats = load_run(con, run, settings)
            loads.append(time.monotonic() - began)
        index.append(sum(stats.step_seconds.get(step, 0.0) for step in INDEX_STEPS))
    return loads, index


def query_ms(wh: Warehouse, repeat: int = 5) -> dict[str, tuple[float, int]]:
    """Best-of-``repeat`` milliseconds of each query's top 10, and its hit count."""
    out = {}
    with connect(wh, read_only=True) as con:
        for name, (q, lang) in QUERIES.items():
            sql = "select article_id, score from search_articles(?, lang := ?) order by score desc limit 10"
            con.execute(sql, [q, lang]).fetchall()
            times = []
            for _ in range(repeat):
                began = time.monotonic()
                con.execute(sql, [q, lang]).fetchall()
                times.append((time.monotonic() - began) * 1000)
            hits = con.execute("select count(*) from search_articles(?, lang := ?)", [q, lang]).fetchall()[0][0]
            out[name] = (min(times), hits)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale_search", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--load", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fill-batch", type=int, default=200_000)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / ".out" / "scale-search")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average at the start: {load_average()}")
    cases = [(f"{size:,} short", size, SHORT) for size in args.sizes] + [(f"{args.sizes[0]:,} full", args.sizes[0], FULL)]
    rows = []
    for label, size, words in cases:
        cached, fill_s = filled(size, args.fill_batch, words, print)
        if fill_s is not None:
            print(f"  filled {label} in {fill_s:.0f}s (cached for reruns)")
        wh = working_copy(cached, args.out, label.replace(",", "").replace(" ", "-"))
        with connect(wh, read_only=True) as con:
            postings = con.execute("select count(*) from fts_terms").fetchall()[0][0]
        loads, index = index_update(wh, args.load, args.repeat)
        latency = query_ms(wh)
        rows.append((label, postings, statistics.median(loads), statistics.median(index), latency))
        print(f"  {label}: {postings:,} postings; load of {args.load:,} {statistics.median(loads):.2f}s, "
              f"of which the index {statistics.median(index):.2f}s; "
              + ", ".join(f"{q} {ms:.0f} ms ({hits:,} hits)" for q, (ms, hits) in latency.items())
              + f"  ({load_average()})")
        shutil.rmtree(wh.catalog_file.parent, ignore_errors=True)
    print("\n| warehouse | postings | load of 2,000 (s) | index update (s) | " + " | ".join(QUERIES) + " |")
    print("|---|---|---|---|" + "---|" * len(QUERIES))
    for label, postings, load_s, index_s, latency in rows:
        print(f"| {label} | {postings:,} | {load_s:.2f} | {index_s:.2f} | "
              + " | ".join(f"{ms:.0f} ms" for ms, _ in latency.values()) + " |")
    worst = max(ms for *_, latency in rows for ms, _ in latency.values())
    print(f"\nsearch_ms_max {worst:.0f}  target<=300  {'PASS' if worst <= 300 else 'MISS'}")
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
