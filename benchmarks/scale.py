"""feedhouse growth benchmark: ``make bench-scale`` (= ``.venv/bin/python -m benchmarks.scale``).

Does the cost of a load, of a no-change run and of a query follow the change, or the size of what
is already stored? (issue 11, "Measure and report"). Sections, each printing ``name value`` lines:

1. storage (``benchmarks/scale_load.py``): a 2,000-article load into a warehouse of ~10k articles
   and of ~1M (filled through ``load_run``, cached), a no-op load, disk use against the data's own
   size, and a group-by through ``v_articles`` against the same direct join;
2. feeds (``benchmarks/scale_feeds.py``): the no-change run (every feed answers 304) at 1k, 5k and
   20k feeds, CPU of every process;
3. Dask (``benchmarks/scale_dask.py``): ingest throughput with 1 and 2 workers.

It ends with one ``name value  target  PASS|MISS`` line per figure, each with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TARGETS = {  # name: (comparison, target)
    "load_1m/load_10k": ("<=", 1.5),
    "noop_load_s_1m": ("<", 1.0),
    "disk_ratio": ("<", 1.5),
    "v_articles_groupby/direct_join": ("<=", 3.0),
    "noop_cpu_ms_per_feed_20k": ("<=", 1.0),
    "feeds_20k/feeds_1k": ("<=", 1.2),
    "dask_2w/dask_1w": (">=", 1.7),
}


def load_average() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def feedhouse_env(client_env: dict[str, str]) -> dict[str, str]:
    """A Prefect client's environment for ``feedhouse run`` on 127.0.0.1, with no warehouse or
    feed list of the caller's environment."""
    env = {**client_env, "FEEDHOUSE_ALLOW_HOSTS": "127.0.0.1", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    for name in ("FEEDHOUSE_DB", "FEEDHOUSE_FEEDS"):
        env.pop(name, None)
    return env


def feedhouse_run(env: dict[str, str], feeds: Path, db: Path, log: Path, timeout_s: float, *options: str):
    """``feedhouse run --all --json`` over ``feeds`` into ``db``, measured (benchmarks/measure.py)."""
    from benchmarks.measure import measure

    cmd = [str(PROJECT / ".venv" / "bin" / "feedhouse"), "run", "--all", "--json", "--feeds", str(feeds), "--db", str(db)]
    return measure([*cmd, *options], env, log, timeout_s, cwd=PROJECT)


class Report:
    """Lines to the screen and to ``report.txt``; figures to ``results.json``."""

    def __init__(self, out: Path):
        self.out = out
        self.lines: list[str] = []
        self.figures: dict[str, tuple[float | None, str]] = {}
        self.info: dict[str, object] = {}

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def figure(self, name: str, value: float | None, note: str = "") -> None:
        """A figure, with the load average at the moment it was measured."""
        self.figures[name] = (value, f"{load_average()}{'; ' + note if note else ''}")
        self.say(f"  -> {name} {_fmt(value)}  ({self.figures[name][1]})")

    def verdicts(self) -> None:
        self.say(f"\n[summary] {load_average()} at the end; everything in {self.out}\n")
        for name, (value, note) in self.figures.items():
            if name in TARGETS:
                op, target = TARGETS[name]
                ok = value is not None and {"<=": value <= target, "<": value < target, ">=": value >= target}[op]
                verdict = "SKIP" if value is None else "PASS" if ok else "MISS"
                self.say(f"{name} {_fmt(value)}  target{op}{target}  {verdict}  ({note})")
            else:
                self.say(f"{name} {_fmt(value)}  ({note})")

    def save(self) -> None:
        (self.out / "report.txt").write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        (self.out / "results.json").write_text(json.dumps({"figures": self.figures, "info": self.info}, indent=2,
                                                          default=str), encoding="utf-8")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}" if value < 100 else f"{value:,.0f}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--big", type=int, default=1_000_000, help="articles in the big warehouse (default 1,000,000)")
    ap.add_argument("--small", type=int, default=10_000, help="articles in the small warehouse (default 10,000)")
    ap.add_argument("--load", type=int, default=2_000, help="articles in the measured load (default 2,000)")
    ap.add_argument("--fill-batch", type=int, default=200_000, help="articles per load while filling (default 200,000)")
    ap.add_argument("--repeat", type=int, default=3, help="measured loads per warehouse; the median counts (default 3)")
    ap.add_argument("--feeds", type=int, nargs="*", default=[1000, 5000, 20000],
                    help="feed counts of the no-change runs (default 1000 5000 20000; 1000 5000 saves about 4 minutes)")
    ap.add_argument("--dask-articles", type=int, default=240, help="article links of the Dask corpus (default 240)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["load", "feeds", "dask"], help="sections to skip")
    ap.add_argument("--out", type=Path, help="work directory (default benchmarks/.out/scale-<timestamp>)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = (args.out or PROJECT / "benchmarks" / ".out" / f"scale-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    report = Report(out)
    began = time.monotonic()
    report.say(f"feedhouse growth benchmark: {os.cpu_count()} cores, {load_average()} at the start; work directory {out}")
    try:
        if "load" not in args.skip:
            from benchmarks.scale_load import storage
            storage(args, out, report)
        if "feeds" not in args.skip:
            from benchmarks.scale_feeds import no_change_runs
            no_change_runs(args, out, report)
        if "dask" not in args.skip:
            from benchmarks.scale_dask import dask_ratio
            dask_ratio(args, out, report)
        report.say(f"\n[time] {time.monotonic() - began:.0f}s in all")
        report.verdicts()
    finally:
        report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
