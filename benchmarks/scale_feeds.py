"""The no-change run at 1k, 5k (and 20k) feeds: CPU per feed when every feed answers 304.

``N`` feeds are static RSS files spread over ``FEED_HOSTS`` 127.0.0.1 ports (``LocalServer``:
``ETag``/``Last-Modified`` and ``304`` for a conditional GET), each listing one of the bundled
``blog`` sample site's articles (served on one more port), so the first run has entries, a few
articles to fetch and 10,000s of feed states to write. Per size: a fresh warehouse, a first run
(every feed new), then the measured second run, in which every feed answers 304.

Both runs are ``feedhouse run --all --json`` against one running Prefect server (the tests'
helper, ``tests/prefect_server.py``), measured by ``benchmarks/measure.py``: CPU of the feedhouse
process tree (``wait4``, every descendant included) plus the Prefect server's CPU during the run
(from ``/proc``). The feed servers run in this process and are not counted: they stand for the
internet.
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.measure import Measurement, tree_cpu_s
from benchmarks.scale import PROJECT, feedhouse_env, feedhouse_run, load_average
from flows.localserver import LocalServer
from tests.prefect_server import PrefectServer

FEED_HOSTS = 20
BLOG = PROJECT / "flows" / "sample" / "sites" / "blog"
RSS = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Feed {i}</title>'
       "<link>http://{host}/</link><description>feed {i}</description><language>id</language>"
       "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
       "<pubDate>Mon, 16 Nov 2015 08:00:00 +0000</pubDate></item></channel></rss>\n")


def size_name(feeds: int) -> str:
    return f"{feeds // 1000}k" if feeds >= 1000 else str(feeds)


def write_feeds(root: Path, feeds: int, hosts: list[str], blog_host: str) -> Path:
    """``feeds`` feed files spread over ``hosts`` (one directory per host) and their feed list."""
    articles = sorted(p.relative_to(BLOG).as_posix() for p in (BLOG / "2015").rglob("*.html"))
    lines = []
    for i in range(feeds):
        host_index = i % len(hosts)
        directory = root / f"host{host_index}"
        directory.mkdir(parents=True, exist_ok=True)
        path = articles[i % len(articles)]
        (directory / f"f{i}.xml").write_text(RSS.format(i=i, host=hosts[host_index], title=path.rsplit("/", 1)[-1],
                                                        link=f"http://{blog_host}/{path}"), encoding="utf-8")
        lines.append(f'[[feeds]]\nurl = "http://{hosts[host_index]}/f{i}.xml"\nlanguage = "id"\n')
    feed_list = root / "feeds.toml"
    feed_list.write_text("\n".join(lines), encoding="utf-8")
    return feed_list


def run_once(prefect: PrefectServer, env: dict[str, str], feed_list: Path, db: Path, log: Path,
             timeout_s: float) -> tuple[Measurement, float]:
    """One ``feedhouse run``: its measurement and the Prefect server's CPU seconds meanwhile."""
    before = tree_cpu_s(prefect.proc.pid)
    m = feedhouse_run(env, feed_list, db, log, timeout_s)
    return m, tree_cpu_s(prefect.proc.pid) - before


def describe(label: str, m: Measurement, server_cpu: float) -> str:
    s = m.summary() or {}
    stages = ", ".join(f"{k} {v:.1f}" for k, v in (s.get("stage_seconds") or {}).items())
    return (f"  {label}: exit {m.returncode}, wall {m.wall_s:.1f}s, feedhouse CPU {m.cpu_s:.1f}s + Prefect server "
            f"CPU {server_cpu:.1f}s, peak RSS {m.peak_rss_kb / 1024:,.0f} MB; polled {s.get('feeds_polled')}, "
            f"not modified {s.get('feeds_not_modified')}, new articles {s.get('articles_new')}; in-flow "
            f"{s.get('seconds')}s ({stages})  ({load_average()})")


def no_change_runs(args: argparse.Namespace, out: Path, report) -> None:
    say = report.say
    say(f"\n[feeds] the no-change run (every feed answers 304) at {', '.join(f'{n:,}' for n in args.feeds)} feeds, "
        f"on {FEED_HOSTS} feed hosts + 1 article host")
    prefect = PrefectServer()
    per_feed: dict[int, float] = {}
    with ExitStack() as stack:
        began = time.monotonic()
        prefect.start()
        stack.callback(prefect.stop)
        say(f"  Prefect server {prefect.api_url}, healthy after {time.monotonic() - began:.1f}s")
        env = feedhouse_env(prefect.client_env())
        blog = stack.enter_context(LocalServer(BLOG))
        for feeds in args.feeds:
            root = out / f"feeds-{feeds}"
            servers = [LocalServer(root / f"host{i}") for i in range(FEED_HOSTS)]
            (root).mkdir(parents=True, exist_ok=True)
            feed_list = write_feeds(root, feeds, [s.host for s in servers], blog.host)
            with ExitStack() as hosts:
                for server in servers:
                    hosts.enter_context(server)
                db = root / "wh.ducklake"
                timeout = max(600, feeds * 0.1)
                first, first_server = run_once(prefect, env, feed_list, db, root / "first", timeout)
                say(describe(f"{feeds:,} feeds, first run", first, first_server))
                before = sum(s.requests for s in servers), sum(s.connections for s in servers)
                second, second_server = run_once(prefect, env, feed_list, db, root / "second", timeout)
                say(describe(f"{feeds:,} feeds, no-change run", second, second_server))
                requests = sum(s.requests for s in servers) - before[0]
                connections = sum(s.connections for s in servers) - before[1]
                say(f"    feed servers during the no-change run: {requests:,} requests over {connections:,} TCP connections")
            summary = second.summary() or {}
            if second.returncode != 0 or summary.get("feeds_not_modified") != feeds:
                say(f"    the no-change run did not see {feeds} unchanged feeds; end of {second.stderr_path}:\n{second.tail()}")
                continue
            total = second.cpu_s + second_server
            per_feed[feeds] = total * 1000 / feeds
            name = size_name(feeds)
            report.figure(f"noop_cpu_ms_per_feed_{name}", per_feed[feeds],
                          f"feedhouse {second.cpu_s:.1f}s + Prefect server {second_server:.1f}s CPU; "
                          f"first run {(first.cpu_s + first_server) * 1000 / feeds:.2f} ms/feed")
    sizes = sorted(per_feed)
    for feeds in sizes[1:]:
        report.figure(f"feeds_{size_name(feeds)}/feeds_{size_name(sizes[0])}", per_feed[feeds] / per_feed[sizes[0]],
                      "CPU per feed of the no-change run, ratio")
    for smaller, larger in zip(sizes, sizes[1:], strict=False):  # what one more feed costs, start-up left out
        extra_ms = per_feed[larger] * larger - per_feed[smaller] * smaller
        report.figure(f"noop_marginal_cpu_ms_per_feed_{size_name(smaller)}_{size_name(larger)}",
                      extra_ms / (larger - smaller), "CPU of the extra feeds ÷ their number")
    report.info["feeds"] = {"cpu_ms_per_feed": per_feed, "cores": os.cpu_count()}
