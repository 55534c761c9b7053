"""Ingest throughput on a real Dask cluster: 1 worker against 2 (one process, one thread each).

The corpus is ``benchmarks/corpus.py``'s (``--dask-articles`` links, full-size pages), served on
127.0.0.1. Three first runs into fresh warehouses, against one running Prefect server: the local
pool (no ``--dask``), a ``dask scheduler`` with 1 ``dask worker``, and one with 2 (the tests'
``tests/dask_cluster.py``). Chunks are ``CHUNK_SIZE`` articles so that 2 workers have enough tasks
to share. Throughput is new articles per second of the distributed stage (``fetch+extract+stage``,
the part the cluster runs) and, for information, per second of wall time (which adds the fixed
start-up and the load, both in the flow process).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from benchmarks.corpus import ensure_corpus
from benchmarks.measure import Measurement
from benchmarks.run import serve_corpus
from benchmarks.scale import feedhouse_env, feedhouse_run, load_average
from tests.dask_cluster import DaskCluster
from tests.prefect_server import PrefectServer

CHUNK_SIZE = "20"
STAGE = "fetch+extract+stage"


def dask_ratio(args: argparse.Namespace, out: Path, report) -> None:
    say = report.say
    sites = max(4, round(args.dask_articles / 50))
    corpus = ensure_corpus(sites, math.ceil(args.dask_articles / sites), seed=1)
    say(f"\n[dask] first runs over {corpus.stats()}, chunks of {CHUNK_SIZE} articles; the machine has 2 cores, "
        "shared by the flow process, the scheduler, the workers and the corpus server")
    prefect = PrefectServer().start()
    results: dict[str, tuple[Measurement, dict]] = {}
    try:
        env = feedhouse_env(prefect.client_env(FEEDHOUSE_CHUNK_SIZE=CHUNK_SIZE))
        with serve_corpus(corpus, say) as hosts:
            feeds = out / "dask-feeds.toml"
            feeds.write_text(corpus.feed_list(hosts), encoding="utf-8")
            for label, workers in (("local", 0), ("dask_1w", 1), ("dask_2w", 2)):
                cluster = DaskCluster(env).start(workers=workers) if workers else None
                try:
                    m = feedhouse_run(env, feeds, out / f"db-{label}" / "wh.ducklake", out / label, 1800,
                                      *(["--dask", cluster.address] if cluster else []))
                finally:
                    if cluster:
                        cluster.stop()
                s = m.summary() or {}
                results[label] = (m, s)
                stage = (s.get("stage_seconds") or {}).get(STAGE)
                say(f"  {label}: exit {m.returncode}, wall {m.wall_s:.1f}s, CPU {m.cpu_s:.1f}s (flow process tree; "
                    f"workers not included), {s.get('articles_new')} new articles, {STAGE} {stage}s  ({load_average()})")
                if m.returncode != 0 or not s.get("articles_new"):
                    say(f"    FAILED; end of {m.stderr_path}:\n{m.tail()}")
    finally:
        prefect.stop()
    ok = {k: v for k, v in results.items() if v[0].returncode == 0 and v[1].get("articles_new")}
    if "dask_1w" in ok and "dask_2w" in ok:
        rate = {k: s["articles_new"] / s["stage_seconds"][STAGE] for k, (_, s) in ok.items()}
        wall = {k: s["articles_new"] / m.wall_s for k, (m, s) in ok.items()}
        say("  articles/s of the distributed stage: " + ", ".join(f"{k} {v:.1f}" for k, v in rate.items()))
        report.figure("dask_2w/dask_1w", rate["dask_2w"] / rate["dask_1w"], f"{STAGE} throughput")
        report.figure("dask_2w/dask_1w_wall", wall["dask_2w"] / wall["dask_1w"], "wall-time throughput")
        if "local" in ok:
            per_article = {k: ok[k][1]["stage_seconds"][STAGE] / ok[k][1]["articles_new"] for k in ok}
            report.figure("dask_overhead_ms_per_article", (per_article["dask_2w"] - per_article["local"]) * 1000,
                          f"{STAGE} seconds per article, 2 workers minus the local pool")
