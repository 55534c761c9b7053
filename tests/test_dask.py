"""Polling, fetching and extraction on a real Dask cluster (a scheduler and two one-process
workers on 127.0.0.1). The flow process keeps validation, staging and the load. The result equals
the local run row for row; killing a worker mid-run loses nothing and doubles nothing."""

from __future__ import annotations

import os
import signal
import time

import pytest

from .conftest import query, run_cli

pytestmark = pytest.mark.server

SAME = {  # run-independent columns: what "row for row" compares
    "fct_articles": "article_id, url, canonical_url, title, description, text, published_at, site_id, author_id, "
                    "language, word_count, content_hash",
    "fct_feed_entries": "feed_id, article_id, entry_id, entry_url, entry_title, entry_published_at",
    "bridge_article_tags": "article_id, tag_id, source",
    "dim_tags": "tag_id, tag",
    "dim_sites": "site_id, domain, site_name",
    "dim_authors": "author_id, name",
    "raw_pages": "article_id, canonical_url, final_url, http_status, body_sha256, body_bytes",
    "quarantine": "stage, source_url, reason, is_retryable",
    "fetch_state": "article_id, canonical_url, status, attempts, last_stage, last_error",
    "dim_feeds": "feed_id, url, title, status",
}


def rows(db) -> dict[str, list[tuple]]:
    return {t: query(db, f"select {cols} from {t} order by all") for t, cols in SAME.items()}


@pytest.fixture(scope="module")
def local(tmp_path_factory, sample_feed_list_module, prefect_server):
    db = tmp_path_factory.mktemp("local") / "local.ducklake"
    done = run_cli(["run", "--feeds", str(sample_feed_list_module), "--db", str(db)],
                   prefect_server.client_env(FEEDHOUSE_CHUNK_SIZE="5"))
    assert done.returncode == 0, done.stderr[-3000:]
    return rows(db)


@pytest.fixture(scope="module")
def sample_feed_list_module(tmp_path_factory, sample_hosts):
    from flows.sample_site import render_feed_list

    path = tmp_path_factory.mktemp("feeds") / "feeds.toml"
    path.write_text(render_feed_list(sample_hosts))
    return path


def test_a_run_on_dask_equals_the_local_run_row_for_row(local, sample_feed_list_module, prefect_server, tmp_path):
    from .dask_cluster import DaskCluster

    env = prefect_server.client_env(FEEDHOUSE_CHUNK_SIZE="5")
    cluster = DaskCluster(env).start(workers=2)
    try:
        db = tmp_path / "dask.ducklake"
        done = run_cli(["run", "--feeds", str(sample_feed_list_module), "--db", str(db), "--dask", cluster.address], env)
        assert done.returncode == 0, done.stderr[-3000:]
    finally:
        cluster.stop()
    assert rows(db) == local


def test_killing_a_worker_mid_run_loses_nothing_and_doubles_nothing(local, sample_feed_list_module, prefect_server,
                                                                    tmp_path):
    from .dask_cluster import DaskCluster

    env = prefect_server.client_env(FEEDHOUSE_CHUNK_SIZE="5")
    marker = tmp_path / "worker-paused"
    doomed = {"FEEDHOUSE_PAUSE_AT": "extract", "FEEDHOUSE_PAUSE_FILE": str(marker), "FEEDHOUSE_PAUSE_S": "120"}
    cluster = DaskCluster(env).start(workers=2, worker_env=[doomed, {}])
    try:
        db = tmp_path / "killed.ducklake"
        import subprocess
        import sys
        from pathlib import Path

        # the address from the environment, as a served deployment's runs get it
        run = subprocess.Popen([str(Path(sys.executable).parent / "feedhouse"), "run", "--feeds",
                                str(sample_feed_list_module), "--db", str(db)],
                               env={**env, "FEEDHOUSE_DASK_ADDRESS": cluster.address},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert run.poll() is None, run.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "no chunk reached the doomed worker"
            time.sleep(0.1)
        os.killpg(cluster.workers[0].pid, signal.SIGKILL)  # the worker and its extraction processes
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err[-3000:]
    finally:
        cluster.stop()
    assert rows(db) == local
