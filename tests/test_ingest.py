"""End to end: the Prefect flow against the sample sites on 127.0.0.1 and a real DuckDB file."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from flows.ingest import ingest
from warehouse import staging
from warehouse.db import locate

from .conftest import query, scalar, table_counts, write


@pytest.fixture
def first_run(sample_feed_list, db_path):
    summary = ingest(feeds=str(sample_feed_list), db=str(db_path))
    return summary


def test_first_run_loads_the_sample(first_run, db_path):
    assert first_run["feeds_polled"] == 4
    assert first_run["feeds_failed"] == 0
    # 8 blog + 9 portal + 7 english; the video page, the 404 and the PDF are quarantined
    assert scalar(db_path, "select count(*) from fct_articles") == 24
    assert first_run["articles_new"] == 24
    assert scalar(db_path, "select count(*) from dim_sites") == 3
    assert scalar(db_path, "select count(*) from raw_pages") == 25  # the empty page is kept too
    assert scalar(db_path, "select count(*) from fct_articles where published_date_id is null") == 0
    assert scalar(db_path, "select count(*) from fct_articles where word_count < 100") == 0
    languages = dict(query(db_path, "select language, count(*) from fct_articles group by 1"))
    assert languages == {"id": 17, "en": 7}
    status = query(db_path, "select status, articles_new from etl_runs")
    assert status == [("succeeded", 24)]


def test_raw_pages_keep_the_exact_bytes_as_the_server_gzipped_them(first_run, db_path):
    rows = query(db_path, "select body_gzip, body_sha256, body_bytes from raw_pages")
    assert len(rows) == 25
    for body_gzip, sha, size in rows:
        body = gzip.decompress(body_gzip)
        assert hashlib.sha256(body).hexdigest() == sha and len(body) == size
    # the sample server gzips at level 9 (gzip header XFL = 2); feedhouse's own level 1 writes 4
    assert {bytes(body_gzip)[8] for body_gzip, _, _ in rows} == {2}


def test_article_in_two_feeds_is_one_article_with_two_entries(first_run, db_path):
    rows = query(
        db_path,
        """
        select a.canonical_url, count(*) as feeds, count(distinct e.entry_url) as urls
        from fct_articles a join fct_feed_entries e using (article_id)
        where a.canonical_url like '%gempur-isis-rusia-minta-kerjasama-inggris.html'
        group by 1
        """,
    )
    assert len(rows) == 1
    url, feeds, urls = rows[0]
    assert "utm_" not in url and feeds == 2 and urls == 2
    assert scalar(db_path, "select count(*) from fct_articles where canonical_url like '%utm_%'") == 0


def test_blogger_seed_row(first_run, db_path):
    row = query(
        db_path,
        """
        select author_name, published_at, site_name, list_sort(tags), feeds
        from v_articles_full where title = 'Perancis, Rusia Tingkatkan Kerjasama Militer Anti-ISIS'
        """,
    )
    assert len(row) == 1
    author, published_at, site_name, tags, feeds = row[0]
    assert author is None
    assert published_at.astimezone(UTC) == datetime(2015, 11, 18, 6, 6, tzinfo=UTC)
    assert site_name == "Pesan Rahbar"
    assert tags  # Blogger labels, from the feed's <category> elements
    assert feeds == ["Pesan Rahbar (Blogger, Atom)"]


def test_bad_inputs_are_quarantined_with_readable_reasons(first_run, db_path):
    rows = dict(
        query(
            db_path,
            "select regexp_extract(source_url, '[^/]+$'), stage || ': ' || reason from quarantine",
        )
    )
    assert rows == {
        "artikel-yang-dihapus.html": "fetch: HTTP 404 Not Found",
        "laporan-tahunan-2015.pdf": "fetch: not an HTML page: Content-Type application/pdf (body not downloaded)",
        "live-stream-parliament-session.html": "extract: empty extraction: trafilatura found no main text on the page",
    }
    warning = scalar(db_path, "select parse_warning from fct_feed_polls where feed_url like '%/feed.xml'")
    assert "not well-formed" in warning
    english = scalar(db_path, "select count(*) from v_articles where site_name = 'Jakarta Ledger'")
    assert english == 7  # the malformed feed's entries were used


def test_rerun_adds_no_rows_and_costs_conditional_gets(first_run, sample_feed_list, db_path):
    before = table_counts(db_path)
    second = ingest(feeds=str(sample_feed_list), db=str(db_path), all_feeds=True)
    after = table_counts(db_path)
    assert second["articles_new"] == 0
    assert second["feeds_not_modified"] == 4
    changed = {t for t in before if before[t] != after[t]}
    assert changed == {"fct_feed_polls", "etl_runs"}
    assert after["fct_feed_polls"] == before["fct_feed_polls"] + 4
    statuses = query(db_path, "select distinct http_status from fct_feed_polls where run_id = ?", [second["run_id"]])
    assert statuses == [(304,)]


def test_rerun_without_conditional_get_still_adds_nothing(first_run, sample_feed_list, db_path):
    """A server that ignores validators: unchanged bodies are skipped by content hash, and even
    re-parsed entries would not duplicate anything."""
    write(db_path, "update dim_feeds set etag = null, last_modified = null")
    before = table_counts(db_path)
    second = ingest(feeds=str(sample_feed_list), db=str(db_path), all_feeds=True)
    assert second["feeds_not_modified"] == 4  # 200s with the same body hash
    write(db_path, "update dim_feeds set etag = null, last_modified = null, last_body_hash = null")
    third = ingest(feeds=str(sample_feed_list), db=str(db_path), all_feeds=True)
    assert third["feeds_not_modified"] == 0 and third["articles_new"] == 0
    after = table_counts(db_path)
    assert {t for t in before if before[t] != after[t]} == {"fct_feed_polls", "etl_runs"}


def test_a_load_that_cannot_run_fails_clearly_and_the_next_run_loads_the_staged_batch(
    sample_feed_list, db_path, monkeypatch
):
    wh = locate(db_path)
    write(db_path, "select 1")  # the warehouse exists and is migrated
    holder = subprocess.Popen(  # another process holding the load lock: a load that never ends
        [sys.executable, "-c",
         "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('ready', flush=True); sys.stdin.read()",
         str(wh.catalog_file) + ".load.lock"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("FEEDHOUSE_LOCK_TIMEOUT_S", "2")
        with pytest.raises(Exception, match="did not finish within 2s; the staged data is kept"):
            ingest(feeds=str(sample_feed_list), db=str(db_path))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    pending = staging.pending_runs(wh.staging_root)
    assert len(pending) == 1 and pending[0].is_complete
    for run in pending:
        staging.release(run)
    assert scalar(db_path, "select count(*) from fct_articles") == 0

    summary = ingest(feeds=str(sample_feed_list), db=str(db_path), all_feeds=True)
    assert summary["recovered_runs"] == 1
    assert summary["articles_new"] == 0  # the recovered batch already loaded them all
    assert scalar(db_path, "select count(*) from fct_articles") == 24
    assert scalar(db_path, "select count(*) from fct_feed_entries") == 27
    assert query(db_path, "select status from etl_runs order by started_at") == [("recovered",), ("succeeded",)]
    assert staging.pending_runs(wh.staging_root) == []


def test_feeds_not_due_are_not_polled(first_run, sample_feed_list, db_path):
    rows = query(db_path, "select status, poll_interval_s, next_poll_at > last_polled_at from dim_feeds")
    assert len(rows) == 4
    assert all(status == "active" and 300 <= interval <= 86400 and later for status, interval, later in rows)
    second = ingest(feeds=str(sample_feed_list), db=str(db_path))
    assert second["feeds_polled"] == 0
