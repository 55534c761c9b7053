"""feedhouse performance benchmark: ``make bench`` (= ``.venv/bin/python -m benchmarks.run``).

Over one generated corpus served on 127.0.0.1 (see benchmarks/README.md):

1. feedhouse's first run (every article new) and a rerun of the unchanged corpus, against a
   running Prefect server;
2. the trafilatura CLI over the same article URLs, then a DuckDB import of its JSON;
3. the extraction floor: trafilatura alone on the same pages, CPU seconds ÷ cores;
4. feedhouse's first run over 4 times the sites;
5. the load rate of ``warehouse.load.load_run``.

It ends with one ``name value  target  PASS|MISS`` line per ratio, then ``load_rows_per_s``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks.corpus import Corpus, ensure_corpus
from benchmarks.floor import extraction_floor, feedhouse_options, trafilatura_defaults
from benchmarks.loadrate import load_rate
from benchmarks.measure import Measurement, measure, tree_cpu_s
from flows.localserver import serve_sites
from tests.prefect_server import PrefectServer

PROJECT = Path(__file__).resolve().parent.parent
BIN = PROJECT / ".venv" / "bin"
TARGETS = {  # ratio: its bound ("<=": the most it may be, ">=": the least)
    "feedhouse/trafilatura_cli": ("<=", 0.5),
    "feedhouse/extraction_floor": ("<=", 1.5),
    "cpu_per_article/floor_cpu_per_article": ("<=", 1.3),
    "cores_busy": (">=", 1.8),
    "rerun/first_run": ("<=", 0.03),
    "per_article_4x/per_article_1x": ("<=", 1.1),
    "peak_rss_4x/peak_rss_1x": ("<=", 1.2),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2000, help="article links in the 1× corpus (default 2000)")
    ap.add_argument("--feeds", type=int, default=0, help="sites (one feed each) in the 1× corpus (default articles/100, 6..40)")
    ap.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 articles, no 4× run, 20,000 load rows")
    ap.add_argument("--skip-cli", action="store_true", help="skip the trafilatura CLI comparison")
    ap.add_argument("--skip-4x", action="store_true", help="skip the 4× run")
    ap.add_argument("--load-rows", type=int, default=100_000, help="synthetic articles for the load rate (default 100,000)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed per 1× run (the 4× run gets 4 times as much)")
    ap.add_argument("--out", type=Path, help="work directory (default benchmarks/.out/<timestamp>)")
    ap.add_argument("--keep", action="store_true", help="keep the warehouses and the CLI's output")
    ap.add_argument("--serve", action="store_true",
                    help="only serve the 1× corpus and write its feed list, until Ctrl-C (to profile a run by hand)")
    args = ap.parse_args(argv)
    if args.quick:
        args.articles = 200 if args.articles == 2000 else args.articles
        args.skip_4x, args.load_rows = True, min(args.load_rows, 20_000)
    return args


def corpus_size(args: argparse.Namespace) -> tuple[int, int]:
    """Sites and articles per site of the 1× corpus."""
    sites = args.feeds or max(6, min(40, round(args.articles / 100)))
    return sites, math.ceil(args.articles / sites)


def serve_only(args: argparse.Namespace) -> int:
    """Serve the 1× corpus and write its feed list until Ctrl-C: what a profiled run reads."""
    corpus = ensure_corpus(*corpus_size(args), args.seed)
    out = (args.out or PROJECT / "benchmarks" / ".out" / "serve").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with serve_corpus(corpus, print) as hosts:
        (out / "feeds.toml").write_text(corpus.feed_list(hosts), encoding="utf-8")
        print(f"  feed list: {out / 'feeds.toml'}; serving until Ctrl-C", flush=True)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
    return 0


def _mb(kb: float) -> str:
    return f"{kb / 1024:,.0f} MB"


def _versions() -> str:
    return ", ".join(f"{p} {version(p)}" for p in ("prefect", "trafilatura", "duckdb", "great-expectations", "httpx"))


@contextmanager
def serve_corpus(corpus: Corpus, say) -> Iterator[dict[str, str]]:
    """Serve every site of ``corpus`` on its own port, every file rendered and gzipped up front."""
    with serve_sites(corpus.site_dirs()) as servers, ThreadPoolExecutor(os.cpu_count()) as pool:
        began = time.monotonic()
        files = sum(pool.map(lambda s: s.preload(), servers.values()))
        ports = [s.port for s in servers.values()]
        say(f"  corpus server: {len(servers)} sites on 127.0.0.1 ports {min(ports)}-{max(ports)}, "
            f"{files} files rendered and gzipped in {time.monotonic() - began:.1f}s")
        yield {name: s.host for name, s in servers.items()}
        say(f"  corpus server: {sum(s.requests for s in servers.values())} requests over "
            f"{sum(s.connections for s in servers.values())} TCP connections")


class Bench:
    """One benchmark run: its options, its work directory, its report and its results."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cores = os.cpu_count() or 1
        self.out = (args.out or PROJECT / "benchmarks" / ".out" / datetime.now().strftime("%Y%m%d-%H%M%S")).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.lines: list[str] = []
        self.results: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "cores": self.cores}
        self.prefect: PrefectServer | None = None
        self.env: dict[str, str] = {}

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def feedhouse(self, label: str, corpus: Corpus, hosts: dict[str, str], db: Path, timeout_s: float) -> Measurement:
        """One ``feedhouse run --all --json`` and its per-run lines."""
        feeds = self.out / f"feeds-{label}.toml"
        feeds.write_text(corpus.feed_list(hosts), encoding="utf-8")
        prefect_cpu, own_cpu = tree_cpu_s(self.prefect.proc.pid), time.process_time()
        cmd = [str(BIN / "feedhouse"), "run", "--all", "--json", "--feeds", str(feeds), "--db", str(db)]
        m = measure(cmd, self.env, self.out / label, timeout_s, cwd=PROJECT)
        s = m.summary() or {}
        self.results[label] = {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "peak_rss_kb": m.peak_rss_kb, "summary": s}
        self.say(f"  {label}: exit {m.returncode}{' (timed out)' if m.timed_out else ''}, wall {m.wall_s:.1f}s, "
                 f"CPU {m.cpu_s:.1f}s, peak RSS {_mb(m.peak_rss_kb)} over {m.processes} processes")
        if s:
            self.say(f"    articles new {s.get('articles_new')}, updated {s.get('articles_updated')}, quarantined "
                     f"{s.get('rows_quarantined')}; feeds polled {s.get('feeds_polled')}, not modified "
                     f"{s.get('feeds_not_modified')} → {s.get('articles_new', 0) / m.wall_s:.1f} articles/s")
            stages = ", ".join(f"{k} {v:.1f}" for k, v in s.get("stage_seconds", {}).items())
            self.say(f"    in-flow seconds {s.get('seconds')} ({stages}); outside the flow {m.wall_s - (s.get('seconds') or 0):.1f}s")
            cpu = ", ".join(f"{k.replace('_', ' ')} {v:.1f}" for k, v in s.get("cpu_seconds", {}).items())
            self.say(f"    in-flow CPU seconds: {cpu}")
        self.say(f"    meanwhile: Prefect server CPU {tree_cpu_s(self.prefect.proc.pid) - prefect_cpu:.1f}s, "
                 f"corpus server (this process) CPU {time.process_time() - own_cpu:.1f}s")
        if m.left_running:
            self.say("    WARNING: feedhouse left processes running after it exited (killed)")
        if m.returncode != 0 or not s:
            self.say(f"    FAILED; end of {m.stderr_path}:\n{m.tail()}")
        return m

    def trafilatura_cli(self, urls: list[str]) -> float | None:
        """The CLI over ``urls`` (JSON lines on stdout), then a DuckDB import: their summed wall time."""
        work = self.out / "trafilatura-cli"
        work.mkdir(exist_ok=True)
        (work / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
        # trafilatura reads its packaged settings.cfg, then this file: no politeness delay, loopback allowed
        (work / "settings.cfg").write_text("[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        cli = measure([str(BIN / "trafilatura"), "-i", str(work / "urls.txt"), "--parallel", str(self.cores), "--json",
                       "--with-metadata", "--precision", "--no-comments", "--config-file", str(work / "settings.cfg")],
                      env, work / "cli", self.args.timeout * 2, cwd=work)
        docs = sum(line.startswith("{") for line in cli.stdout.splitlines())
        self.say(f"  trafilatura CLI: exit {cli.returncode}, wall {cli.wall_s:.1f}s, CPU {cli.cpu_s:.1f}s, "
                 f"peak RSS {_mb(cli.peak_rss_kb)}, {docs} documents")
        if not docs:
            self.say(f"    FAILED: no output; end of {cli.stderr_path}:\n{cli.tail()}")
            return None
        script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute(\"create table articles as "
                  "select * from read_json_auto(?, format='newline_delimited')\", [sys.argv[2]]); "
                  "print(con.execute('select count(*) from articles').fetchone()[0])")
        imported = measure([str(BIN / "python"), "-c", script, str(work / "cli.duckdb"), str(work / "cli.stdout")],
                           env, work / "import", 600, cwd=work)
        total = cli.wall_s + imported.wall_s
        self.say(f"  DuckDB import: exit {imported.returncode}, {imported.stdout.strip()} rows, wall {imported.wall_s:.1f}s"
                 f" → CLI + import {total:.1f}s wall, {cli.cpu_s + imported.cpu_s:.1f}s CPU")
        self.results["trafilatura_cli"] = {"cli_wall_s": cli.wall_s, "import_wall_s": imported.wall_s, "documents": docs}
        return total if imported.returncode == 0 else None

    def floors(self, corpus: Corpus) -> float:
        """The floor (trafilatura's defaults) and, for information, feedhouse's options."""
        pages = corpus.pages({s["name"]: f"127.0.0.1:{9000 + i}" for i, s in enumerate(corpus.sites)})
        floor = {}
        for name, extract in (("trafilatura.extract, defaults", trafilatura_defaults),
                              ("bare_extraction, feedhouse's options", feedhouse_options)):
            floor[name] = f = extraction_floor(pages, extract, self.cores)
            self.say(f"  {name}: {f['pages']} pages ({f['with_text']} with text), {f['cpu_s']}s CPU, "
                     f"{f['ms_per_page']} ms/page → {f['floor_s']}s on {self.cores} cores")
        self.results["extraction_floor"] = floor
        return next(iter(floor.values()))

    def run(self) -> int:
        a, say = self.args, self.say
        sites, per_feed = corpus_size(a)
        say("feedhouse benchmark")
        say(f"  machine: {self.cores} cores, Python {platform.python_version()}, {platform.platform()}, "
            f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews every number)")
        say(f"  versions: {_versions()}; work directory {self.out}")
        overrides = {k: v for k, v in os.environ.items() if k.startswith("FEEDHOUSE_")}
        say(f"  FEEDHOUSE_* from the environment: {overrides or 'none'}")
        with ThreadPoolExecutor(1) as starter:
            began = time.monotonic()
            self.prefect = PrefectServer()
            started = starter.submit(self.prefect.start)  # about 20 s, while the corpus is generated
            try:
                return self._measure(sites, per_feed, started, began)
            finally:
                self.prefect.stop()
                (self.out / "report.txt").write_text("\n".join(self.lines) + "\n", encoding="utf-8")
                (self.out / "results.json").write_text(json.dumps(self.results, indent=2, default=str), encoding="utf-8")

    def _measure(self, sites: int, per_feed: int, started, began: float) -> int:
        a, say = self.args, self.say
        say("\n[corpus]")
        corpus1 = ensure_corpus(sites, per_feed, a.seed)
        say(f"  1×: {corpus1.stats()}")
        corpus4 = None if a.skip_4x else ensure_corpus(sites * 4, per_feed, a.seed)
        if corpus4:
            say(f"  4×: {corpus4.stats()}")
        started.result(timeout=300)
        say(f"\n[prefect server] {self.prefect.api_url}, healthy {time.monotonic() - began:.1f}s after start")
        self.env = self.prefect.client_env(FEEDHOUSE_ALLOW_HOSTS="127.0.0.1", PYTHONUNBUFFERED="1", NO_COLOR="1")
        for name in ("FEEDHOUSE_DB", "FEEDHOUSE_FEEDS"):
            self.env.pop(name, None)

        cli_s = None
        with serve_corpus(corpus1, say) as hosts:
            say(f"\n[1] feedhouse first run, 1× ({len(corpus1.articles)} article links, all new)")
            first = self.feedhouse("first_run_1x", corpus1, hosts, self.out / "db-1x" / "wh.ducklake", a.timeout)
            say("\n[rerun] the same corpus and warehouse, every feed polled again (conditional GET → 304)")
            rerun = self.feedhouse("rerun_1x", corpus1, hosts, self.out / "db-1x" / "wh.ducklake", a.timeout)
            if not a.skip_cli:
                say(f"\n[2] trafilatura CLI over the same {len(corpus1.articles)} links (--parallel {self.cores}) + DuckDB import")
                cli_s = self.trafilatura_cli(corpus1.urls(hosts))
        say("\n[3] extraction floor: trafilatura alone on the same pages, in memory, on forked processes")
        floor = self.floors(corpus1)
        four = None
        if corpus4:
            say(f"\n[4] feedhouse first run, 4× ({len(corpus4.articles)} article links, fresh warehouse)")
            with serve_corpus(corpus4, say) as hosts:
                four = self.feedhouse("first_run_4x", corpus4, hosts, self.out / "db-4x" / "wh.ducklake", a.timeout * 4)
        self.prefect.stop()
        say(f"\n[load] warehouse.load.load_run, {a.load_rows:,} synthetic articles staged in 200-row chunks")
        rates = load_rate(self.out, a.load_rows, seed=a.seed, say=say)
        self.results["load_rate"] = rates
        ratios = self.ratios(first, rerun, four, cli_s, floor)
        self.report(ratios, rates["insert"])
        if not a.keep:
            for path in [*self.out.glob("db-*"), self.out / "loadrate", self.out / "trafilatura-cli"]:
                shutil.rmtree(path, ignore_errors=True)
        return 0 if first.returncode == 0 else 1

    def ratios(self, first: Measurement, rerun: Measurement, four: Measurement | None,
               cli_s: float | None, floor: dict) -> dict[str, float | None]:
        ok = first.returncode == 0 and (first.summary() or {}).get("articles_new")
        r: dict[str, float | None] = dict.fromkeys(TARGETS)
        if ok:
            r["feedhouse/trafilatura_cli"] = first.wall_s / cli_s if cli_s else None
            r["feedhouse/extraction_floor"] = first.wall_s / floor["floor_s"] if floor["floor_s"] else None
            # the whole pipeline's CPU (every process of the run) per stored article, against
            # plain extraction's CPU per page
            per_article = first.cpu_s / first.summary()["articles_new"]
            per_page = floor["cpu_s"] / floor["pages"] if floor["pages"] and floor["cpu_s"] else None
            r["cpu_per_article/floor_cpu_per_article"] = per_article / per_page if per_page else None
            r["cores_busy"] = first.cpu_s / first.wall_s
            r["rerun/first_run"] = rerun.wall_s / first.wall_s if rerun.returncode == 0 else None
        if ok and four and four.returncode == 0 and (four.summary() or {}).get("articles_new"):
            per_article = [m.wall_s / m.summary()["articles_new"] for m in (four, first)]
            r["per_article_4x/per_article_1x"] = per_article[0] / per_article[1]
            r["peak_rss_4x/peak_rss_1x"] = four.peak_rss_kb / first.peak_rss_kb
        self.results["ratios"] = r
        return r

    def report(self, ratios: dict[str, float | None], rows_per_s: float) -> None:
        self.say(f"\n[summary] load average at the end {os.getloadavg()[0]:.2f}; everything in {self.out}\n")
        for name, (bound, target) in TARGETS.items():
            value = ratios[name]
            met = value is not None and (value <= target if bound == "<=" else value >= target)
            verdict = "SKIP" if value is None else "PASS" if met else "MISS"
            self.say(f"{name} {'n/a' if value is None else f'{value:.3f}'}  target{bound}{target}  {verdict}")
        self.say(f"load_rows_per_s {rows_per_s}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return serve_only(args) if args.serve else Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
