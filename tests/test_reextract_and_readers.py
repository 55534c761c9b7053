"""Re-extraction from stored raw pages, and readers that stay connected while loads run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from flows.ingest import ingest
from flows.reextract import reextract
from warehouse.db import attach_sql, locate

from .conftest import query, scalar, table_counts, write


def test_reextract_rebuilds_stale_articles_without_refetching(sample_feed_list, db_path, sample_hosts):
    ingest(feeds=str(sample_feed_list), db=str(db_path))
    before_text = dict(query(db_path, "select article_id, text from fct_articles"))
    write(db_path, "update fct_articles set extractor_version = 'trafilatura-0.0+fh0', text = 'stale text' "
                   "where site_id = (select site_id from dim_sites where site_name = 'Pesan Rahbar')")
    polls_before = scalar(db_path, "select count(*) from fct_feed_polls")
    counts_before = table_counts(db_path)

    summary = reextract(db=str(db_path))

    assert summary["pages_read"] == 9  # 8 stale blog posts + the page whose extraction was empty
    assert summary["articles_updated"] == 8 and summary["articles_new"] == 0
    after_text = dict(query(db_path, "select article_id, text from fct_articles"))
    assert after_text == before_text
    assert scalar(db_path, "select count(*) from fct_articles where extractor_version like 'trafilatura-0.0%'") == 0
    assert scalar(db_path, "select count(*) from fct_feed_polls") == polls_before  # nothing refetched
    counts_after = table_counts(db_path)
    # the quarantine log gets a second line for the page that is still empty; nothing else is added
    assert {t for t in counts_before if counts_before[t] != counts_after[t]} == {"etl_runs", "quarantine"}
    assert scalar(db_path, "select count(distinct run_id) from quarantine where stage = 'extract'") == 2
    assert scalar(db_path, "select count(*) from fetch_state where status = 'failed'") == 3
    # tags and publication times from the feed survive re-extraction
    assert scalar(db_path, "select count(*) from v_articles_full where site_name = 'Pesan Rahbar' and len(tags) = 0") == 0
    assert scalar(db_path, "select count(*) from fct_articles where published_at is null") == 0

    forced = reextract(db=str(db_path), force=True)
    assert forced["pages_read"] == 25 and forced["articles_updated"] == 24


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    from warehouse.db import new_connection
    attach = sys.argv[1]
    con = new_connection()                 # one session, kept open all along
    con.execute(attach); con.execute("use wh")
    pinned = new_connection()              # one transaction held open: keeps its snapshot
    pinned.execute(attach); pinned.execute("use wh"); pinned.execute("begin transaction")
    pinned_count = pinned.execute("select count(*) from v_articles").fetchall()[0][0]
    print("ready", pinned_count, flush=True)
    deadline = time.monotonic() + 240
    last = None
    while time.monotonic() < deadline:
        try:
            # one statement, one snapshot: three separate ones could straddle a commit
            n, runs, entries = con.execute("select (select count(*) from v_articles), (select count(*) from etl_runs), "
                                           "(select count(*) from fct_feed_entries)").fetchall()[0]
            still = pinned.execute("select count(*) from v_articles").fetchall()[0][0]
        except Exception as exc:
            print("error", type(exc).__name__, exc, flush=True)
            break
        if still != pinned_count:
            print("error pinned snapshot changed", still, flush=True)
            break
        if (n, runs) != last:
            print(f"seen {n} {runs} {entries}", flush=True)
            last = (n, runs)
        if sys.stdin in __import__("select").select([sys.stdin], [], [], 0.05)[0]:
            break
    """
)


def test_readers_see_whole_loads_and_a_held_snapshot_never_changes(tmp_path, sample_hosts, db_path):
    from flows.sample_site import render_feed_list

    full = render_feed_list(sample_hosts)
    blocks = full.split("[[feeds]]")
    header, feeds, settings = blocks[0], ["[[feeds]]" + b for b in blocks[1:]], ""
    if "[settings]" in feeds[-1]:
        feeds[-1], settings = feeds[-1].split("[settings]")
        settings = "[settings]" + settings
    lists = []
    for i, upto in enumerate((1, 3, 4)):  # blog; + both portal feeds; + english
        path = tmp_path / f"feeds-{i}.toml"
        path.write_text(header + "".join(feeds[:upto]) + settings)
        lists.append(path)

    ingest(feeds=str(lists[0]), db=str(db_path))
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, attach_sql(locate(db_path), read_only=True)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        cwd=str(Path(__file__).parent.parent),
    )
    try:
        assert reader.stdout.readline().split() == ["ready", "8"]
        results = [ingest(feeds=str(path), db=str(db_path), all_feeds=True) for path in lists[1:]]
        results.append(ingest(feeds=str(lists[2]), db=str(db_path), all_feeds=True))
        time.sleep(0.5)
    finally:
        if reader.poll() is None:
            reader.stdin.write("stop\n")
            reader.stdin.flush()
        out, _ = reader.communicate(timeout=60)
    assert [r["articles_new"] for r in results] == [9, 7, 0]  # no load failed or was blocked
    lines = out.strip().splitlines()
    assert not [ln for ln in lines if ln.startswith("error")], out
    seen = [tuple(map(int, ln.split()[1:])) for ln in lines if ln.startswith("seen")]
    articles = [n for n, _, _ in seen]
    assert articles[0] == 8 and articles[-1] == 24
    assert articles == sorted(articles)  # never goes back, never a half-loaded state
    assert set(articles) <= {8, 17, 24}
    # a load is whole: its articles and their feed entries arrive together
    assert {(n, e) for n, _, e in seen} <= {(8, 8), (17, 20), (24, 27)}
    assert seen[-1][1] == 4  # the reader saw every run, including the last (no-op) one


def test_reextraction_gives_the_rows_the_first_extraction_gave(tmp_path, monkeypatch):
    """The first pass takes the author and the summary from the feed entry; re-extraction reads
    the same entry back from fetch_state, so it rebuilds exactly the same article."""
    from .fault_server import serve_faults

    monkeypatch.setenv("FEEDHOUSE_ALLOW_HOSTS", "127.0.0.1")
    db = tmp_path / "same.ducklake"
    columns = ("title", "description", "text", "published_at", "author_id", "language", "word_count", "content_hash")
    sql = f"select {', '.join(columns)} from fct_articles order by article_id"
    with serve_faults() as (base, _server):
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(f'[[feeds]]\nurl = "{base}/feeds/byline-differs"\n')
        ingest(feeds=str(feeds), db=str(db), all_feeds=True)
    first = query(db, sql)
    assert query(db, "select author_name, description from v_articles") == [
        ("Budi Santoso", "Ringkasan yang ditulis untuk feed.")]  # not the page's "Oleh: Dewi Lestari"
    summary = reextract(db=str(db), force=True)
    assert summary["articles_updated"] == 1
    assert query(db, sql) == first
