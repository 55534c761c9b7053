"""feedhouse performance benchmark (``make bench`` = ``.venv/bin/python -m benchmarks.run``).

In one run over one generated corpus (see benchmarks/README.md for the details):

1. feedhouse first run (all articles new) against a running Prefect server, plus the
   ephemeral-API cold start on a tiny feed list;
2. the trafilatura CLI over the same article URLs, then a manual DuckDB import of its JSON;
3. the extraction floor: trafilatura alone, in-process, CPU seconds / cores;
4. feedhouse rerun over the unchanged corpus (same warehouse);
5. feedhouse at 4× the articles (fresh warehouse);
6. DuckDB load rate of fct_articles through feedhouse's loader.

It ends with one ``name value  target  PASS|MISS`` line per ratio and ``load_rows_per_s``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import threading
from contextlib import ExitStack
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from benchmarks import harness
from benchmarks.corpus import CorpusParams, ensure_corpus
from benchmarks.harness import Measurement, PrefectServer, base_env, measure, venv_bin
from benchmarks.server import CorpusServer, self_check

OUT_ROOT = Path(__file__).resolve().parent / ".out"

TARGETS = {  # name: (target, "le" = value must be <= target)
    "feedhouse/trafilatura_cli": 0.67,
    "feedhouse/extraction_floor": 1.3,
    "rerun/first_run": 0.03,
    "per_article_4x/per_article_1x": 1.1,
    "peak_rss_4x/peak_rss_1x": 1.2,
}


class Report:
    def __init__(self, path: Path):
        self.path = path
        self._f = open(path, "w", encoding="utf-8")  # noqa: SIM115

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self._f.write(text + "\n")
        self._f.flush()

    def close(self) -> None:
        self._f.close()


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def _stages(summary: dict | None) -> str:
    if not summary:
        return "-"
    return ", ".join(f"{k} {v:.1f}" for k, v in summary.get("stage_seconds", {}).items())


def _tail(path: str, lines: int = 25) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("      | " + line[:300] for line in text[-lines:])


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("prefect", "trafilatura", "duckdb", "great-expectations", "httpx", "lxml", "pyarrow"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cores = os.cpu_count() or 1
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.workdir = (Path(args.out) if args.out else OUT_ROOT / stamp).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.say = Report(self.workdir / "report.txt")
        self.results: dict = {"started": datetime.now().isoformat(), "args": vars(args), "cores": self.cores}
        self.ratios: dict[str, float | None] = {}
        self.notes: list[str] = []
        self.prefect: PrefectServer | None = None
        self.server: CorpusServer | None = None
        self.has_all_flag = self._feedhouse_has_all_flag()
        self.pycache = None if args.no_bytecode_cache else harness.PYCACHE

    @staticmethod
    def _feedhouse_has_all_flag() -> bool:
        """Newer feedhouse polls only feeds that are due; ``run --all`` polls every feed."""
        import subprocess

        try:
            out = subprocess.run([venv_bin("feedhouse"), "run", "--help"], capture_output=True, text=True,
                                 timeout=120, env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
        except (OSError, subprocess.TimeoutExpired):
            return False
        return "--all" in out.stdout

    # -- helpers ------------------------------------------------------------------------------

    def feedhouse(self, label: str, feeds: Path, db: Path, env: dict, timeout_s: float,
                  poll_all: bool = True) -> Measurement:
        watch = {}
        if self.prefect and self.prefect.pid:
            watch["prefect_server"] = self.prefect.pid
        if self.server and self.server.pid:
            watch["corpus_server"] = self.server.pid
        cmd = [venv_bin("feedhouse"), "run", "--feeds", str(feeds), "--db", str(db), "--json"]
        if poll_all and self.has_all_flag:
            cmd.append("--all")  # poll every feed, due or not (first runs: all are due anyway)
        m = measure(cmd, env=env, cwd=harness.PROJECT_ROOT, log_prefix=self.workdir / label, timeout_s=timeout_s,
                    watch=watch)
        s = m.json_summary()
        self.results[label] = m.as_dict()
        ok = m.returncode == 0 and s is not None
        articles = (s or {}).get("articles_new", 0)
        self.say(f"  {label}: exit {m.returncode}{' (TIMED OUT)' if m.timed_out else ''}, wall {m.wall_s:.1f}s, "
                 f"CPU {m.cpu_s:.1f}s (user {m.user_s:.1f} + sys {m.sys_s:.1f}), "
                 f"peak RSS {_mb(m.peak_tree_rss_kb)} summed over {m.peak_processes} processes at {m.peak_at_s:.0f}s "
                 f"(largest process {_mb(m.maxrss_kb)})")
        if s:
            rate = articles / m.wall_s if m.wall_s else 0
            self.say(f"    articles new {articles}, updated {s.get('articles_updated')}, quarantined "
                     f"{s.get('rows_quarantined')}, feeds polled {s.get('feeds_polled')} (not modified "
                     f"{s.get('feeds_not_modified')}, failed {s.get('feeds_failed')}), entries {s.get('entries_seen')}"
                     f" → {rate:.1f} articles/s")
            self.say(f"    in-flow seconds {s.get('seconds')} ({_stages(s)}); outside the flow "
                     f"(interpreter, imports, Prefect client/engine start and exit) {m.wall_s - (s.get('seconds') or 0):.1f}s")
            if s.get("cpu_seconds"):
                self.say("    in-flow CPU seconds: " + ", ".join(f"{k.replace('_', ' ')} {v:.1f}" for k, v in s["cpu_seconds"].items()))
        if m.others_cpu_s:
            self.say("    meanwhile: " + ", ".join(f"{k} CPU {v:.1f}s" for k, v in m.others_cpu_s.items()))
        if m.stragglers:
            self.say(f"    WARNING: processes left running after feedhouse exited (killed): {m.stragglers}")
            self.notes.append(f"{label}: feedhouse left processes running after exit: {m.stragglers}")
        if not ok:
            self.say(f"    FAILED; stderr tail ({m.stderr_path}):\n{_tail(m.stderr_path)}")
            self.notes.append(f"{label}: feedhouse failed (exit {m.returncode}); see {m.stderr_path}")
        return m

    def serve(self, corpus) -> CorpusServer:
        if self.server:
            self.server.stop()
        self.server = CorpusServer(corpus.root)
        self.server.start()
        self.say(f"  corpus server: {len(self.server.hosts)} sites on 127.0.0.1 ports "
                 f"{min(self.server.info['ports'].values())}-{max(self.server.info['ports'].values())}, "
                 f"{self.server.info['files']} files rendered+gzipped in {self.server.info['load_seconds']}s")
        return self.server

    # -- steps --------------------------------------------------------------------------------

    def run(self) -> int:
        a = self.args
        say = self.say
        n = a.articles
        feeds = a.feeds or max(6, min(40, round(n / 100)))
        per_feed = math.ceil(n / feeds)
        p1 = CorpusParams(feeds, per_feed, a.seed, 1)
        p4 = CorpusParams(feeds, per_feed, a.seed, 4)
        ptiny = CorpusParams(1, 5, a.seed, 1)
        say("feedhouse benchmark")
        say(f"  machine: {self.cores} cores, Python {platform.python_version()}, {platform.platform()}, "
            f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews every number)")
        say(f"  versions: {_versions()}")
        overrides = harness.feedhouse_overrides()
        say(f"  FEEDHOUSE_* from the environment: {overrides or 'none'} (FEEDHOUSE_ALLOW_HOSTS=127.0.0.1 is set for every run)")
        say(f"  workdir: {self.workdir}")
        if self.pycache:
            say(f"  bytecode: cached under {self.pycache} (PYTHONPYCACHEPREFIX, PYTHONDONTWRITEBYTECODE unset), "
                "as a deployed service would have it; --no-bytecode-cache measures without")
            secs, rc = harness.compile_bytecode(self.pycache)
            say(f"  bytecode: compileall of stdlib + site-packages + feedhouse took {secs:.1f}s (exit {rc}; "
                "fast when already current)")
        else:
            say(f"  bytecode: environment as is (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE')})")

        with ExitStack() as stack:
            stack.callback(self._stop_all)
            # Prefect server start (≈20 s) overlaps corpus generation.
            self.prefect = PrefectServer(self.workdir / "prefect-home", self.workdir / "prefect-server.log",
                                         pycache=self.pycache)
            prefect_error: list[BaseException] = []

            def start_prefect():
                try:
                    self.prefect.start()
                except BaseException as exc:  # reported below
                    prefect_error.append(exc)

            starter = threading.Thread(target=start_prefect, daemon=True)
            starter.start()

            say("\n[corpus]")
            corpus1 = ensure_corpus(p1, log=lambda t: say("  " + t))
            tiny = ensure_corpus(ptiny, log=lambda t: say("  " + t))
            corpus4 = None if a.skip_4x else ensure_corpus(p4, log=lambda t: say("  " + t))
            st = corpus1.stats()
            self.results["corpus_1x"] = {"root": str(corpus1.root), "params": asdict(p1), **st}
            say(f"  1×: {corpus1.root.name}: {st['sites']} feeds {st['templates']}, {st['articles']} articles "
                f"{st['kinds']}, {st['html_mb']} MB HTML, page KB min/median/max {st['page_kb_min_median_max']}, "
                f"words {st['words_min_median_max']}")
            if corpus4:
                st4 = corpus4.stats()
                self.results["corpus_4x"] = {"root": str(corpus4.root), **st4}
                say(f"  4×: {corpus4.root.name}: {st4['sites']} feeds, {st4['articles']} articles {st4['kinds']}, {st4['html_mb']} MB HTML")
            expected_ok = st["kinds"].get("ok", 0)

            starter.join(300)
            if prefect_error or starter.is_alive():
                raise RuntimeError(f"Prefect server did not start: {prefect_error[:1] or 'timeout'}")
            say(f"\n[prefect server] {self.prefect.api_url}: migrated in {self.prefect.migrate_s:.1f}s, "
                f"healthy {self.prefect.startup_s:.1f}s after start (pid {self.prefect.pid})")
            self.results["prefect_server"] = {"migrate_s": self.prefect.migrate_s, "startup_s": self.prefect.startup_s}
            api_env = base_env(self.prefect.home, self.prefect.api_url, self.pycache)

            # -- server self-check ----------------------------------------------------------
            say("\n[corpus server self-check]")
            server = self.serve(corpus1)
            urls = corpus1.article_urls(server.hosts)
            chk = self_check(server, urls, threads=8, max_seconds=60)
            self.results["server_self_check"] = chk
            say(f"  {chk['requests']} article GETs from {chk['threads']} httpx threads (gzip, keep-alive) in "
                f"{chk['seconds']}s: {chk['requests_per_s']} requests/s, {chk['mb_per_s_wire']} MB/s on the wire "
                f"({chk['mb_per_s_decoded']} MB/s decoded), errors {chk['errors']}")
            say(f"  server CPU {chk['server_cpu_ms_per_request']} ms/request → one core serves "
                f"~{chk['server_capacity_requests_per_cpu_s']:,.0f} requests/s (the client threads were the limit)")

            # -- 1. ephemeral cold start ------------------------------------------------------
            say("\n[1a] ephemeral Prefect API cold start (tiny feed list, no PREFECT_API_URL, fresh PREFECT_HOME)")
            tiny_server = CorpusServer(tiny.root)
            tiny_server.start()
            stack.callback(tiny_server.stop)
            tiny_feeds = self.workdir / "feeds-tiny.toml"
            tiny_feeds.write_text(tiny.feed_list_toml(tiny_server.hosts), encoding="utf-8")
            eph_env = base_env(self.workdir / "prefect-home-ephemeral", None, self.pycache)
            cold = self.feedhouse("ephemeral_cold", tiny_feeds, self.workdir / "db-tiny-eph" / "wh.duckdb", eph_env, 600)
            warm = self.feedhouse("tiny_with_server", tiny_feeds, self.workdir / "db-tiny-api" / "wh.duckdb", api_env, 600)
            if self.pycache:
                raw_env = base_env(self.prefect.home, self.prefect.api_url, None)
                say("  same tiny run with the environment's bytecode settings (no .pyc: every import compiles from source):")
                raw = self.feedhouse("tiny_with_server_no_bytecode", tiny_feeds, self.workdir / "db-tiny-raw" / "wh.duckdb",
                                     raw_env, 600)
                say(f"  → without cached bytecode every feedhouse start costs ≈{raw.wall_s - warm.wall_s:.1f}s more "
                    f"({raw.cpu_s - warm.cpu_s:.1f}s CPU)")
            tiny_server.stop()
            self.results["ephemeral_cold_start_s"] = round(cold.wall_s, 2)
            say(f"  → ephemeral cold start: {cold.wall_s:.1f}s for a {len(tiny.articles)}-article run vs "
                f"{warm.wall_s:.1f}s with the running server (≈{cold.wall_s - warm.wall_s:.1f}s spent starting the temporary API)")

            # -- 1. first run -----------------------------------------------------------------
            say(f"\n[1] feedhouse first run, 1× ({len(corpus1.articles)} article URLs, all new), Prefect server running")
            feeds1 = self.workdir / "feeds-1x.toml"
            feeds1.write_text(corpus1.feed_list_toml(server.hosts), encoding="utf-8")
            db1 = self.workdir / "db-1x" / "wh.duckdb"
            first = self.feedhouse("first_run_1x", feeds1, db1, api_env, a.timeout)
            fs = first.json_summary() or {}
            if fs and fs.get("articles_new", 0) < 0.9 * expected_ok:
                self.notes.append(f"first run loaded {fs.get('articles_new')} articles, expected ≈{expected_ok} good pages")
                say(f"    WARNING: expected ≈{expected_ok} good pages to load")
            first_ok = first.returncode == 0 and bool(fs)

            # -- 4. rerun ---------------------------------------------------------------------
            say("\n[4] feedhouse rerun over the unchanged corpus (same warehouse)"
                + (": `run --all`, every feed re-polled with a conditional GET" if self.has_all_flag else ""))
            rerun = self.feedhouse("rerun_1x", feeds1, db1, api_env, a.timeout)
            rs = rerun.json_summary() or {}
            if rs and (rs.get("articles_new") or rs.get("feeds_not_modified") != rs.get("feeds_polled")):
                say(f"    NOTE: rerun was not a pure no-op: {rs.get('articles_new')} new articles, "
                    f"{rs.get('feeds_not_modified')}/{rs.get('feeds_polled')} feeds not modified")
            try:
                self.results["server_stats_after_rerun"] = server.stats()
            except Exception:
                pass
            if self.has_all_flag:
                say("  (informational) rerun without --all: the feed schedule decides, nothing is due yet")
                self.feedhouse("rerun_1x_scheduled", feeds1, db1, api_env, a.timeout, poll_all=False)

            # -- 2. trafilatura CLI -----------------------------------------------------------
            cli_total = None
            if not a.skip_cli:
                say(f"\n[2] trafilatura CLI over the same {len(urls)} URLs (--parallel {self.cores}, SLEEP_TIME 0, "
                    f"SSRF protection off) + manual DuckDB import")
                cli_total = self.trafilatura_cli(urls)

            # -- 3. extraction floor ----------------------------------------------------------
            say("\n[3] extraction floor: trafilatura.bare_extraction in-process on the same pages (feedhouse's options)")
            from benchmarks.floor import extraction_floor

            pages = list(corpus1.html_pages(server.hosts))
            floor = extraction_floor(pages, self.cores)
            del pages
            self.results["extraction_floor"] = floor
            say(f"  {floor['pages']} pages ({floor['extracted']} with main text): {floor['cpu_s']}s CPU, "
                f"{floor['cpu_ms_per_page']} ms/page → floor {floor['floor_s']}s on {self.cores} cores "
                f"(wall {floor['wall_s']}s)")

            # -- 5. 4× ------------------------------------------------------------------------
            four = None
            if corpus4:
                say(f"\n[5] feedhouse at 4× ({len(corpus4.articles)} article URLs, fresh warehouse)")
                server = self.serve(corpus4)
                feeds4 = self.workdir / "feeds-4x.toml"
                feeds4.write_text(corpus4.feed_list_toml(server.hosts), encoding="utf-8")
                four = self.feedhouse("first_run_4x", feeds4, self.workdir / "db-4x" / "wh.duckdb", api_env, a.timeout * 4)
            if self.server:
                self.server.stop()
            self.prefect.stop()

            # -- load rate --------------------------------------------------------------------
            say(f"\n[load] DuckDB load rate of fct_articles via warehouse.load.load_run ({a.load_rows:,} synthetic rows, "
                f"staged in 200-row chunks like the pipeline)")
            from benchmarks.loadrate import load_rate

            lr = load_rate(self.workdir, rows=a.load_rows, chunk_size=200, seed=a.seed, log=say)
            self.results["load_rate"] = lr
            say("  for comparison, the same rows staged in 5,000-row chunks (fresh warehouse):")
            lr_big = load_rate(self.workdir / "big-chunks", rows=a.load_rows, chunk_size=5000, seed=a.seed, log=say,
                               update=False)
            self.results["load_rate_5000_row_chunks"] = lr_big

        # -- ratios ---------------------------------------------------------------------------
        fh_wall = first.wall_s if first_ok else None
        fs4 = (four.json_summary() or {}) if four else {}
        r = self.ratios
        r["feedhouse/trafilatura_cli"] = fh_wall / cli_total if fh_wall and cli_total else None
        r["feedhouse/extraction_floor"] = fh_wall / floor["floor_s"] if fh_wall and floor["floor_s"] else None
        r["rerun/first_run"] = rerun.wall_s / fh_wall if fh_wall and rerun.returncode == 0 else None
        if four and four.returncode == 0 and fs4.get("articles_new") and fs.get("articles_new"):
            r["per_article_4x/per_article_1x"] = (four.wall_s / fs4["articles_new"]) / (first.wall_s / fs["articles_new"])
            r["peak_rss_4x/peak_rss_1x"] = four.peak_tree_rss_kb / first.peak_tree_rss_kb
        else:
            r["per_article_4x/per_article_1x"] = None
            r["peak_rss_4x/peak_rss_1x"] = None
        self.results["ratios"] = r
        self.results["notes"] = self.notes
        (self.workdir / "results.json").write_text(json.dumps(self.results, indent=2, default=str), encoding="utf-8")

        say("\n[summary]")
        if fh_wall:
            say(f"  feedhouse 1×: {fh_wall:.1f}s wall, {fs.get('articles_new')} articles → "
                f"{fs.get('articles_new', 0) / fh_wall:.1f} articles/s, CPU {first.cpu_s:.1f}s, peak RSS {_mb(first.peak_tree_rss_kb)}")
        if four and four.returncode == 0:
            say(f"  feedhouse 4×: {four.wall_s:.1f}s wall, {fs4.get('articles_new')} articles → "
                f"{fs4.get('articles_new', 0) / four.wall_s:.1f} articles/s, CPU {four.cpu_s:.1f}s, peak RSS {_mb(four.peak_tree_rss_kb)}")
        say(f"  rerun: {rerun.wall_s:.1f}s; ephemeral cold start: {cold.wall_s:.1f}s")
        if cli_total:
            say(f"  trafilatura CLI + import: {cli_total:.1f}s; extraction floor: {floor['floor_s']:.1f}s")
        for note in self.notes:
            say(f"  note: {note}")
        say(f"  load average at the end: {os.getloadavg()[0]:.2f}; full results: {self.workdir / 'results.json'}")
        say("")
        for name, target in TARGETS.items():
            value = r.get(name)
            if value is None:
                say(f"{name} n/a  target<={target}  SKIP")
            else:
                say(f"{name} {value:.3f}  target<={target}  {'PASS' if value <= target else 'MISS'}")
        say(f"load_rows_per_s {lr['insert']['rows_per_s']}")
        self.say.close()
        if not a.keep:
            self._cleanup()
        return 0 if first_ok else 1

    def trafilatura_cli(self, urls: list[str]) -> float | None:
        say = self.say
        cli_dir = self.workdir / "trafilatura-cli"
        cli_dir.mkdir(exist_ok=True)
        url_file = cli_dir / "urls.txt"
        url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
        cfg = cli_dir / "settings.cfg"
        # trafilatura reads its packaged settings.cfg first, then this file
        cfg.write_text("[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\n", encoding="utf-8")
        env = harness.python_env({k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}, self.pycache)
        cmd = [venv_bin("trafilatura"), "-i", str(url_file), "--parallel", str(self.cores), "--json",
               "--with-metadata", "--precision", "--no-comments", "--config-file", str(cfg)]
        watch = {"corpus_server": self.server.pid} if self.server else {}
        m = measure(cmd, env=env, cwd=cli_dir, log_prefix=cli_dir / "cli", timeout_s=self.args.timeout * 2, watch=watch)
        out = Path(m.stdout_path)
        docs = sum(1 for line in m.stdout.splitlines() if line.startswith("{"))
        say(f"  trafilatura CLI: exit {m.returncode}, wall {m.wall_s:.1f}s, CPU {m.cpu_s:.1f}s, peak RSS "
            f"{_mb(m.peak_tree_rss_kb)}, {docs} JSON documents ({docs / m.wall_s:.1f}/s)")
        if m.others_cpu_s:
            say("    meanwhile: " + ", ".join(f"{k} CPU {v:.1f}s" for k, v in m.others_cpu_s.items()))
        if docs == 0:
            say(f"    FAILED: no output; stderr tail:\n{_tail(m.stderr_path)}")
            self.notes.append("trafilatura CLI produced no output")
            return None
        code = (
            "import duckdb, sys\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "con.execute(\"create or replace table articles as select * from read_json_auto(?, format='newline_delimited')\", [sys.argv[2]])\n"
            "print(con.execute('select count(*) from articles').fetchone()[0])\n"
            "con.close()\n"
        )
        imp = measure([venv_bin("python"), "-c", code, str(cli_dir / "cli.duckdb"), str(out)], env=env,
                      cwd=cli_dir, log_prefix=cli_dir / "import", timeout_s=600)
        rows = imp.stdout.strip().splitlines()[-1] if imp.stdout.strip() else "?"
        say(f"  DuckDB import (read_json_auto → table): exit {imp.returncode}, {rows} rows, wall {imp.wall_s:.1f}s, CPU {imp.cpu_s:.1f}s")
        total = m.wall_s + imp.wall_s
        self.results["trafilatura_cli"] = {"cli": m.as_dict(), "import": imp.as_dict(), "documents": docs,
                                           "rows_imported": rows, "total_wall_s": round(total, 3),
                                           "total_cpu_s": round(m.cpu_s + imp.cpu_s, 3)}
        say(f"  → trafilatura CLI + import: {total:.1f}s wall, {m.cpu_s + imp.cpu_s:.1f}s CPU")
        return total if imp.returncode == 0 else None

    def _stop_all(self) -> None:
        if self.server:
            self.server.stop()
        if self.prefect:
            self.prefect.stop()

    def _cleanup(self) -> None:
        for pattern in ("db-*", "prefect-home*", "loadrate", "big-chunks", "trafilatura-cli/*.duckdb*",
                        "trafilatura-cli/cli.stdout"):
            for path in self.workdir.glob(pattern):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description="feedhouse performance benchmark")
    ap.add_argument("--articles", type=int, default=2000, help="articles in the 1× corpus (default 2000)")
    ap.add_argument("--feeds", type=int, default=0, help="feeds (= sites) in the 1× corpus (default: articles/100, 6..40)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 articles, no 4×, 20k load rows")
    ap.add_argument("--skip-cli", action="store_true", help="skip the trafilatura CLI comparison")
    ap.add_argument("--skip-4x", action="store_true", help="skip the 4× run")
    ap.add_argument("--load-rows", type=int, default=100_000, help="synthetic rows for the load rate (default 100k)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed per 1× feedhouse run (4×: 4 times)")
    ap.add_argument("--out", help="work directory (default benchmarks/.out/<timestamp>)")
    ap.add_argument("--keep", action="store_true", help="keep warehouses, Prefect homes and CLI output")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="run subprocesses with the environment's bytecode settings (default: cache .pyc under benchmarks/.out/pycache)")
    args = ap.parse_args(argv)
    if args.quick:
        if args.articles == 2000:  # the default: a quick run is 200 articles unless told otherwise
            args.articles = 200
        args.skip_4x = True
        args.load_rows = min(args.load_rows, 20_000)
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
