"""Where a feedhouse first run spends its time, per stage, sampled with py-spy.

    .venv/bin/python -m benchmarks.profile [--articles 2000] [--rate 100]

Same setup as benchmarks.run's first run (generated corpus, corpus server, a running Prefect
server, fresh warehouse). py-spy is not a project dependency: it is taken from PATH, from
``/tmp/pyspy`` (``uv pip install --target /tmp/pyspy py-spy``) or run through ``uvx``; the lock
file is not touched.

py-spy records the feedhouse process from its start; each process feedhouse starts (the
extraction pool's workers) gets its own ``py-spy record --pid``, because ``--subprocesses`` does
not follow multiprocessing's spawned workers here. Samples are classified by stage from the
frames on the stack (the Prefect task function in flows/tasks.py, the fetch/poll thread code,
the pool worker's ``process_page``) and summarised: seconds, top functions (inclusive) and top
leaf frames (self) per stage. ``--analyze DIR`` re-reads an earlier profile directory.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

from benchmarks import harness
from benchmarks.corpus import CorpusParams, ensure_corpus
from benchmarks.harness import PrefectServer, base_env, kill_group, venv_bin
from benchmarks.server import CorpusServer

OUT_ROOT = Path(__file__).resolve().parent / ".out"

# flows/tasks.py function → stage name (as in feedhouse's summary stage_seconds where possible)
STAGES = {
    "read_feed_list": "prepare", "recover_staged_runs": "prepare", "read_state": "prepare",
    "poll": "poll", "parse": "parse+select", "select_new": "parse+select",
    "fetch_chunk": "fetch", "extract_chunk": "extract (main: dispatch + wait)",
    "stage_chunk": "validate+stage", "stage_polls": "validate+stage (feed polls)", "load": "load",
    "prewarm_validation.<locals>._gx": "GX import (prewarm thread)",
}


# Leaf frames that are a thread blocked (lock, queue, sleep, select, socket read): not CPU.
WAIT_LEAVES = {
    "Condition.wait", "Semaphore.acquire", "BoundedSemaphore.acquire", "Event.wait", "Queue.get",
    "Thread._wait_for_tstate_lock", "Thread.join", "_PollLikeSelector.select", "EpollSelector.select",
    "PollSelector.select", "SelectSelector.select", "BaseSelector.select", "ThreadLock.__enter__",
    "SyncStream.read", "Connection._recv", "Connection._poll", "wait", "sleep",
    "_send_heartbeats.<locals>.heartbeat_loop", "_ExecutorManagerThread.wait_result_broken_or_wakeup",
    "SimpleQueue.get", "_wait", "BaseEventLoop._run_once", "_worker", "SemLock.__enter__",
}


def find_pyspy() -> list[str]:
    for candidate in (shutil.which("py-spy"), "/tmp/pyspy/bin/py-spy"):
        if candidate and Path(candidate).exists():
            return [candidate]
    if shutil.which("uvx"):
        out = subprocess.run(["uvx", "--from", "py-spy", "sh", "-c", "command -v py-spy"], capture_output=True,
                             text=True, timeout=300)
        path = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        if path and Path(path).exists():
            return [path]
    raise SystemExit("py-spy not found: `uv pip install --target /tmp/pyspy py-spy` or make `uvx` available")


def _frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for frame in stack.split(";"):
        func, _, loc = frame.rpartition(" (")
        if not func:
            out.append((frame, ""))
            continue
        out.append((func, loc.rstrip(")").rsplit(":", 1)[0]))
    return out


def _package(path: str) -> str:
    if path.startswith("<frozen importlib"):
        return "importlib (imports)"
    if "/" not in path:
        return "stdlib" if path.endswith(".py") else path or "?"
    top = path.split("/", 1)[0]
    return {"concurrent": "stdlib", "multiprocessing": "stdlib", "asyncio": "stdlib", "json": "stdlib",
            "email": "stdlib", "http": "stdlib", "xml": "stdlib", "encodings": "stdlib", "logging": "stdlib",
            "importlib": "importlib (imports)"}.get(top, top)


def classify(frames: list[tuple[str, str]], worker: bool) -> str:
    funcs = [f for f, _ in frames]
    files = [p for _, p in frames]
    if worker:
        if "process_page" in funcs or "_process_many" in funcs:
            return "extract (pool workers)"
        if any(p.startswith("<frozen importlib") for p in files):
            return "pool worker start-up (spawn: imports)"
        return "pool worker (other)"
    for func, path in frames:  # outermost task function wins
        if path == "flows/tasks.py" and func in STAGES:
            return STAGES[func]
    if "flows/poll.py" in files:
        return "poll (threads)"
    if any(p in ("flows/fetch.py", "flows/httpclient.py", "flows/robots.py", "flows/concurrency.py") for p in files):
        return "fetch (threads)"
    if any(f in ("_ExecutorManagerThread.run", "Queue._feed") for f in funcs):
        return "extract (main: process-pool threads)"
    if any(p.startswith("flows/") for p in files) and "ingest" in funcs:
        return "flow body (between tasks)"
    if any(f in ("Flow.__call__", "run_flow", "run_flow_sync") for f in funcs):
        return "Prefect flow/task engine (outside task code)"
    if any(p.startswith("prefect/") for p in files):
        return "Prefect background threads (API logs/events)"
    if any(p.startswith("<frozen importlib") for p in files):
        return "start-up imports"
    return "other"


def analyze(directory: Path, rate: int, top: int = 10) -> str:
    """Summarise the raw py-spy files in ``directory``."""
    meta = json.loads((directory / "profile.json").read_text()) if (directory / "profile.json").exists() else {}
    stage_samples: Counter = Counter()
    waiting: Counter = Counter()
    inclusive: dict[str, Counter] = defaultdict(Counter)
    leaf: dict[str, Counter] = defaultdict(Counter)
    packages: dict[str, Counter] = defaultdict(Counter)
    processes: Counter = Counter()
    for raw in sorted(directory.glob("*.raw")):
        worker = raw.stem.startswith("child-")
        for line in raw.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            frames = _frames(stack)
            if frames and frames[0][0].startswith("process "):
                frames = frames[1:]
            is_worker = worker or any(f == "spawn_main" for f, _ in frames)
            stage = classify(frames, is_worker)
            if frames and frames[-1][0] in WAIT_LEAVES:
                waiting[stage] += n
                continue
            stage_samples[stage] += n
            processes[raw.stem] += n
            for key in {f"{f} ({p})" for f, p in frames}:
                inclusive[stage][key] += n
            if frames:
                f, p = frames[-1]
                leaf[stage][f"{f} ({p})"] += n
                packages[stage][_package(p)] += n
    total = sum(stage_samples.values()) or 1
    lines = [f"py-spy at {rate} Hz: {total} busy samples = {total / rate:.1f} s of busy thread time "
             f"over {len(processes)} processes ({', '.join(f'{k} {v / rate:.1f}s' for k, v in processes.most_common())}); "
             f"{sum(waiting.values()) / rate:.1f} s more of threads blocked (locks, queues, sleeps, socket reads) left out",
             "busy seconds per stage: " + ", ".join(f"{k} {v / rate:.1f}" for k, v in stage_samples.most_common())]
    if meta.get("summary"):
        s = meta["summary"]
        lines.append(f"feedhouse wall {meta.get('wall_s', 0):.1f}s; in-flow {s.get('seconds')}s; stage_seconds "
                     + ", ".join(f"{k} {v}" for k, v in s.get("stage_seconds", {}).items()))
    for stage, n in stage_samples.most_common():
        lines.append(f"\n== {stage}: {n / rate:.1f}s busy ({100 * n / total:.1f}% of busy samples; "
                     f"+{waiting[stage] / rate:.1f}s blocked)")
        pk = packages[stage]
        lines.append("   by package (self): " + ", ".join(f"{k} {100 * v / n:.0f}%" for k, v in pk.most_common(8)))
        wrappers = {k for k, v in inclusive[stage].items() if v >= 0.9 * n}
        incl = [(k, v) for k, v in inclusive[stage].most_common() if k not in wrappers][:top]
        if incl:
            lines.append("   top functions (inclusive, wrappers present in ≥90% of the stage's samples omitted):")
            lines += [f"     {100 * v / n:5.1f}%  {k}" for k, v in incl]
        lines.append("   top leaf frames (self):")
        lines += [f"     {100 * v / n:5.1f}%  {k}" for k, v in leaf[stage].most_common(top)]
    return "\n".join(lines)


def record(args: argparse.Namespace) -> Path:
    pyspy = find_pyspy()
    n = args.articles
    feeds = args.feeds or max(6, min(40, round(n / 100)))
    params = CorpusParams(feeds, math.ceil(n / feeds), args.seed, 1)
    out = Path(args.out or OUT_ROOT / f"profile-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    corpus = ensure_corpus(params)
    pycache = None if args.no_bytecode_cache else harness.PYCACHE
    if pycache:
        harness.compile_bytecode(pycache)
    prefect = PrefectServer(out / "prefect-home", out / "prefect-server.log", pycache=pycache)
    server = None
    recorders: list[subprocess.Popen] = []
    main = None
    try:
        print(f"profile: starting Prefect server and corpus server ({len(corpus.articles)} articles) ...", flush=True)
        prefect.start()
        server = CorpusServer(corpus.root)
        server.start()
        feed_list = out / "feeds.toml"
        feed_list.write_text(corpus.feed_list_toml(server.hosts), encoding="utf-8")
        env = base_env(prefect.home, prefect.api_url, pycache)
        cmd = [*pyspy, "record", "--rate", str(args.rate), "--format", "raw", "--output", str(out / "main.raw"), "--",
               venv_bin("feedhouse"), "run", "--feeds", str(feed_list), "--db", str(out / "db" / "wh.duckdb"), "--json"]
        help_text = subprocess.run([venv_bin("feedhouse"), "run", "--help"], capture_output=True, text=True,
                                   env={**os.environ, "COLUMNS": "200"}).stdout
        if "--all" in help_text:
            cmd.append("--all")
        stdout = open(out / "feedhouse.stdout", "wb")  # noqa: SIM115
        stderr = open(out / "feedhouse.stderr", "wb")  # noqa: SIM115
        t0 = time.monotonic()
        main = subprocess.Popen(cmd, env=env, cwd=harness.PROJECT_ROOT, stdout=stdout, stderr=stderr,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        attached: set[int] = set()
        stop = threading.Event()

        def watcher():
            while not stop.is_set():
                kids = harness.children(main.pid)
                fh = kids[0] if kids else None
                if fh:
                    for pid in harness.tree(fh)[1:]:
                        if pid in attached:
                            continue
                        attached.add(pid)
                        try:
                            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                        except OSError:
                            continue
                        if "python" not in cmdline or "resource_tracker" in cmdline:
                            continue
                        recorders.append(subprocess.Popen(
                            [*pyspy, "record", "--pid", str(pid), "--rate", str(args.rate), "--format", "raw",
                             "--output", str(out / f"child-{pid}.raw")],
                            stdout=subprocess.DEVNULL, stderr=open(out / f"child-{pid}.log", "wb"),  # noqa: SIM115
                            start_new_session=True))
                stop.wait(0.05)

        thread = threading.Thread(target=watcher, daemon=True)
        thread.start()
        try:
            main.wait(args.timeout)
        finally:
            stop.set()
            thread.join(5)
        wall = time.monotonic() - t0
        stdout.close()
        stderr.close()
        for r in recorders:  # they stop when their process exits
            try:
                r.wait(30)
            except subprocess.TimeoutExpired:
                kill_group(r)
        text = (out / "feedhouse.stdout").read_text(errors="replace")
        summary = None
        for line in reversed(text.splitlines()):
            if line.strip().startswith("{"):
                try:
                    summary = json.loads(line)
                    break
                except ValueError:
                    pass
        (out / "profile.json").write_text(json.dumps({"wall_s": wall, "summary": summary, "rate": args.rate,
                                                      "corpus": str(corpus.root), "cmd": cmd}, indent=2))
        print(f"profile: feedhouse exit {main.returncode}, wall {wall:.1f}s (under py-spy), "
              f"{len(recorders)} child processes sampled", flush=True)
        return out
    finally:
        if main is not None:
            kill_group(main)
        for r in recorders:
            kill_group(r)
        if server:
            server.stop()
        prefect.stop()
        shutil.rmtree(out / "prefect-home", ignore_errors=True)
        shutil.rmtree(out / "db", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.profile", description="py-spy profile of a feedhouse first run")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--feeds", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--out", help="output directory (default benchmarks/.out/profile-<timestamp>)")
    ap.add_argument("--analyze", metavar="DIR", help="only summarise an earlier profile directory")
    ap.add_argument("--no-bytecode-cache", action="store_true", help="as in benchmarks.run")
    args = ap.parse_args(argv)
    directory = Path(args.analyze) if args.analyze else record(args)
    meta = json.loads((directory / "profile.json").read_text()) if (directory / "profile.json").exists() else {}
    report = analyze(directory, meta.get("rate", args.rate))
    (directory / "profile.txt").write_text(report + "\n", encoding="utf-8")
    print(report)
    print(f"\n(raw py-spy stacks and this summary: {directory})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
