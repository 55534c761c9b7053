"""Re-extraction from stored raw pages, and readers that stay connected while loads run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from flows.ingest import ingest
from flows.reextract import reextract
from warehouse.db import open_migrated
from warehouse.publish import KEEP_VERSIONS, export_root, reader_path

from .conftest import query, scalar, table_counts


def test_reextract_rebuilds_stale_articles_without_refetching(sample_feed_list, db_path, sample_hosts):
    ingest(feeds=str(sample_feed_list), db=str(db_path))
    before_text = dict(query(db_path, "select article_id, text from fct_articles"))
    with open_migrated(db_path) as con:  # as if extracted by an older trafilatura
        con.execute("update fct_articles set extractor_version = 'trafilatura-0.0+fh0', text = 'stale text' "
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
    assert {t for t in counts_before if counts_before[t] != counts_after[t]} == {"etl_runs"}
    assert scalar(db_path, "select times_seen from quarantine where stage = 'extract'") == 2
    # tags and publication times from the feed survive re-extraction
    assert scalar(db_path, "select count(*) from v_articles where site_name = 'Pesan Rahbar' and len(tags) = 0") == 0
    assert scalar(db_path, "select count(*) from fct_articles where published_at is null") == 0

    forced = reextract(db=str(db_path), force=True)
    assert forced["pages_read"] == 25 and forced["articles_updated"] == 24


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    path = sys.argv[1].replace("'", "''")
    con = duckdb.connect()                 # one session, kept open all along, refreshed per poll
    pinned = duckdb.connect(sys.argv[1], read_only=True)  # never refreshed: keeps its snapshot
    pinned_count = pinned.execute("select count(*) from v_articles").fetchone()[0]
    print("ready", pinned_count, flush=True)
    deadline = time.monotonic() + 240
    last = None
    while time.monotonic() < deadline:
        try:
            con.execute(f"attach or replace '{path}' as wh (read_only); use wh")
            n = con.execute("select count(*) from v_articles").fetchone()[0]
            runs = con.execute("select count(*) from etl_runs").fetchone()[0]
            still = pinned.execute("select count(*) from v_articles").fetchone()[0]
        except Exception as exc:
            print("error", type(exc).__name__, exc, flush=True)
            break
        if still != pinned_count:
            print("error pinned snapshot changed", still, flush=True)
            break
        if (n, runs) != last:
            print(f"seen {n} {runs}", flush=True)
            last = (n, runs)
        if sys.stdin in __import__("select").select([sys.stdin], [], [], 0.1)[0]:
            break
    """
)


def test_reader_keeps_its_connection_through_three_loads(tmp_path, sample_hosts, db_path):
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

    ingest(feeds=str(lists[0]), db=str(db_path))  # first load publishes the reader catalog
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(reader_path(db_path))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["ready", "8"]
        results = [ingest(feeds=str(path), db=str(db_path), all_feeds=True) for path in lists[1:]]
        results.append(ingest(feeds=str(lists[2]), db=str(db_path), all_feeds=True))
        import time
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
    articles = [n for n, _ in seen]
    assert articles[0] == 8 and articles[-1] == 24
    assert articles == sorted(articles)  # never goes back, never a half-loaded state
    assert set(articles) <= {8, 17, 24}
    assert seen[-1][1] == 4  # the reader saw every run, including the last (no-op) one
    # four loads published four snapshots; the first, still open in the pinned connection, was
    # deleted meanwhile, and that connection went on answering from it
    assert len(list(export_root(db_path).glob("v-*.duckdb"))) == KEEP_VERSIONS
