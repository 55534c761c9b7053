"""Crash safety: really kill -9 ingest runs at several points, then check that the warehouse is
consistent and the next run finishes the work with nothing lost and nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.db import locate

from .conftest import query, run_cli, scalar, table_counts

pytestmark = pytest.mark.server

CONTENT_TABLES = ("fct_articles", "fct_feed_entries", "bridge_article_tags", "dim_tags", "dim_sites",
                  "dim_authors", "raw_pages", "quarantine", "dim_feeds")


def content_counts(db: Path) -> dict[str, int]:
    counts = table_counts(db)
    return {t: counts[t] for t in CONTENT_TABLES}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, sample_hosts, prefect_server):
    from flows.sample_site import render_feed_list

    tmp = tmp_path_factory.mktemp("baseline")
    feeds = tmp / "feeds.toml"
    feeds.write_text(render_feed_list(sample_hosts))
    db = tmp / "baseline.ducklake"
    env = prefect_server.client_env(FEEDHOUSE_CHUNK_SIZE="10")
    done = run_cli(["run", "--feeds", str(feeds), "--db", str(db), "--json"], env)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"feeds": feeds, "counts": content_counts(db), "env": env}


def _start_paused(baseline, db: Path, tmp: Path, point: str, skip: int) -> tuple[subprocess.Popen, Path]:
    marker = tmp / f"paused-{point}"
    env = dict(baseline["env"], FEEDHOUSE_PAUSE_AT=point, FEEDHOUSE_PAUSE_FILE=str(marker),
               FEEDHOUSE_PAUSE_SKIP=str(skip), FEEDHOUSE_PAUSE_S="120")
    exe = Path(sys.executable).parent / "feedhouse"
    proc = subprocess.Popen([str(exe), "run", "--feeds", str(baseline["feeds"]), "--db", str(db)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"run ended before reaching {point}: {proc.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"run never reached checkpoint {point}")
        time.sleep(0.1)
    return proc, marker


@pytest.mark.parametrize(
    ("point", "skip", "loaded_after_kill"),
    [
        ("fetch", 0, 0),      # first chunk fetched, nothing staged yet
        ("extract", 1, 0),    # second chunk extracted; chunk 1 is staged but not loaded
        ("load", 0, 0),       # inside the load transaction, before commit
    ],
)
def test_kill_9_then_next_run_completes_the_work(baseline, tmp_path, point, skip, loaded_after_kill):
    db = tmp_path / "crash.ducklake"
    proc, _ = _start_paused(baseline, db, tmp_path, point, skip)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its extraction workers
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # consistent right after the kill: opens, and holds no partial load
    if db.exists():
        assert scalar(db, "select count(*) from fct_articles") == loaded_after_kill
        assert scalar(db, "select count(*) from fct_feed_entries") == 0
    pending = list(locate(db).staging_root.glob("*/run.json"))
    assert len(pending) == 1

    done = run_cli(["run", "--feeds", str(baseline["feeds"]), "--db", str(db), "--json"], baseline["env"])
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["recovered_runs"] == 1
    assert content_counts(db) == baseline["counts"]
    assert scalar(db, "select count(*) from (select canonical_url from fct_articles group by 1 having count(*) > 1)") == 0
    statuses = [s for (s,) in query(db, "select status from etl_runs order by started_at")]
    assert statuses == ["recovered", "succeeded"]
    assert [p for p in locate(db).staging_root.glob("*/run.json")] == []


@pytest.mark.timeout(900)
def test_prefect_server_dying_mid_run_does_no_warehouse_damage(baseline, tmp_path):
    from .prefect_server import PrefectServer

    server = PrefectServer().start()
    try:
        db = tmp_path / "server-died.ducklake"
        env = server.client_env(FEEDHOUSE_CHUNK_SIZE="10", FEEDHOUSE_PAUSE_AT="extract",
                                FEEDHOUSE_PAUSE_FILE=str(tmp_path / "paused"), FEEDHOUSE_PAUSE_S="3")
        exe = Path(sys.executable).parent / "feedhouse"
        proc = subprocess.Popen([str(exe), "run", "--feeds", str(baseline["feeds"]), "--db", str(db)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        deadline = time.monotonic() + 180
        while not (tmp_path / "paused").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        server.stop()  # the API goes away while the run is paused in extraction
        try:
            out, err = proc.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    finally:
        server.stop()
    if proc.returncode != 0:  # failed: it must say why, and leave the warehouse consistent
        assert proc.returncode == 3 and "lost the Prefect API" in err, err[-3000:]
        if db.exists():
            assert scalar(db, "select count(*) from fct_feed_entries e anti join fct_articles a using (article_id)") == 0
    # the next run (on the session's server) ends with exactly the uninterrupted result
    done = run_cli(["run", "--all", "--feeds", str(baseline["feeds"]), "--db", str(db), "--json"], baseline["env"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert content_counts(db) == baseline["counts"]
