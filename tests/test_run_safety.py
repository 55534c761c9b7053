"""The run's own safety rails: `feedhouse sql` cannot touch anything but the warehouse, and one
run per warehouse at a time (a second run waits, then names the holder; a killed run's lock is
taken over)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.ingest import ingest
from flows.run import RunLockedError

from .conftest import ingest_sample, query, run_cli


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, sample_hosts):
    feeds, db, _ = ingest_sample(tmp_path_factory, sample_hosts, "safety")
    return {"db": db, "feeds": feeds, "tmp": feeds.parent}


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("copy (select 1) to '{tmp}/out.csv'", "file system operations are disabled"),
        ("select * from read_text('/etc/hostname')", "file system operations are disabled"),
        ("attach '{tmp}/other.duckdb' as other", "file system operations are disabled"),
        ("set enable_external_access = true", "configuration has been locked"),
        ("install httpfs", "disabled"),
        ("insert into etl_runs (run_id) values ('x')", "read-only mode"),
        ("drop table fct_articles", "read-only mode"),
    ],
)
def test_sql_reads_the_warehouse_and_nothing_else(loaded, sql, refusal):
    done = run_cli(["sql", sql.format(tmp=loaded["tmp"]), "--db", str(loaded["db"])], dict(os.environ))
    assert done.returncode == 1 and refusal in " ".join(done.stderr.split()), done.stdout + done.stderr
    assert not (loaded["tmp"] / "out.csv").exists() and not (loaded["tmp"] / "other.duckdb").exists()


def test_sql_answers_queries_and_csv(loaded):
    done = run_cli(["sql", "select count(*) as n from v_articles", "--db", str(loaded["db"]), "--format", "csv"],
                   dict(os.environ))
    assert done.returncode == 0 and done.stdout.split() == ["n", "24"], done.stderr


@pytest.mark.server
def test_a_second_run_waits_then_names_the_holder_and_a_killed_runs_lock_is_taken_over(loaded, prefect_server, tmp_path):
    db = tmp_path / "locked.ducklake"
    marker = tmp_path / "paused"
    env = prefect_server.client_env(FEEDHOUSE_PAUSE_AT="fetch", FEEDHOUSE_PAUSE_FILE=str(marker), FEEDHOUSE_PAUSE_S="120")
    holder = subprocess.Popen([str(Path(sys.executable).parent / "feedhouse"), "run", "--feeds", str(loaded["feeds"]),
                               "--db", str(db)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert holder.poll() is None, holder.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "the first run never reached its first fetch"
            time.sleep(0.1)
        started = time.monotonic()
        os.environ["FEEDHOUSE_LOCK_TIMEOUT_S"] = "2"
        try:
            with pytest.raises(RunLockedError, match=rf"in progress \(PID {holder.pid} on .*started 20\d\d-"):
                ingest(feeds=str(loaded["feeds"]), db=str(db))
        finally:
            del os.environ["FEEDHOUSE_LOCK_TIMEOUT_S"]
        assert 2 <= time.monotonic() - started < 60
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # a killed run: its lock file stays behind
        holder.wait(timeout=30)
    summary = ingest(feeds=str(loaded["feeds"]), db=str(db))  # takes the stale lock over
    assert summary["recovered_runs"] == 1 and summary["articles_new"] == 24
    assert query(db, "select count(*) from fct_articles") == [(24,)]


def test_a_scheduled_run_due_during_another_is_skipped_and_says_why(tmp_path):
    from flows.run import RunSkipped, cancelled, run_lock
    from warehouse.db import locate

    wh = locate(tmp_path / "s.ducklake")
    with run_lock(wh, "first", 1):
        with pytest.raises(RunSkipped, match=r"skipped: another run of .* is in progress \(PID \d+ .* run first, started"):
            with run_lock(wh, "second", 0):  # a scheduled run does not wait
                pass
        try:
            with run_lock(wh, "second", 0):
                pass
        except RunSkipped as skipped:
            state = cancelled(skipped)
    assert state.type.value == "CANCELLED" and state.message.startswith("skipped: another run of")
