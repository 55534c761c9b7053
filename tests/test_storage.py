"""The warehouse's storage: an old warehouse converts in place, and every load is a snapshot that
readers can go back to."""

from __future__ import annotations

import gzip
import hashlib
import os

from flows.ingest import ingest

from .conftest import FIXTURES, query, run_cli, scalar, table_counts

LEGACY = FIXTURES / "legacy" / "feedhouse-0.1-e4dd377.duckdb.gz"  # `feedhouse demo` at commit e4dd377


def test_a_warehouse_built_by_feedhouse_0_1_converts_and_runs_on(tmp_path):
    from flows.sample_site import render_feed_list, serve_sample

    legacy, lake = tmp_path / "old.duckdb", tmp_path / "new.ducklake"
    legacy.write_bytes(gzip.decompress(LEGACY.read_bytes()))
    digest = hashlib.sha256(legacy.read_bytes()).hexdigest()
    done = run_cli(["migrate", "--from", str(legacy), "--db", str(lake)], dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(legacy.read_bytes()).hexdigest() == digest  # the old file is only read
    counts = table_counts(lake)
    assert {t: counts[t] for t in ("fct_articles", "fct_feed_entries", "raw_pages", "dim_feeds", "bridge_article_tags",
                                   "quarantine", "etl_runs")} == {
        "fct_articles": 24, "fct_feed_entries": 27, "raw_pages": 25, "dim_feeds": 4, "bridge_article_tags": 90,
        "quarantine": 3, "etl_runs": 1}
    assert dict(query(lake, "select status, count(*) from fetch_state group by 1")) == {"loaded": 24, "failed": 3}
    # the 404 page's entry was kept in the 0.1 quarantine record; it is a typed row now
    assert query(lake, "select entry_title, entry_author, last_error from fetch_state where canonical_url like '%dihapus%'") \
        == [("Sidang Kabinet Bahas Paket Kebijakan Ekonomi Jilid VII", "Maya Anggraini", "HTTP 404 Not Found")]

    with serve_sample(8700) as hosts:  # the ports of the demo that built it: same feeds, same ids
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(render_feed_list(hosts))
        summary = ingest(feeds=str(feeds), db=str(lake), all_feeds=True)
    assert summary["articles_new"] == 0 and summary["feeds_not_modified"] == 4  # validators carried over
    after = table_counts(lake)
    assert {t for t in counts if counts[t] != after[t]} == {"fct_feed_polls", "etl_runs"}


def test_every_load_is_a_snapshot_readers_can_go_back_to(tmp_path, sample_hosts):
    from flows.sample_site import render_feed_list

    full = render_feed_list(sample_hosts)
    blog_only = tmp_path / "blog.toml"
    blog_only.write_text(full.split("[[feeds]]")[0] + "[[feeds]]" + full.split("[[feeds]]")[1]
                         + "\n[settings]\nallow_hosts = [\"127.0.0.1\"]\n")
    everything = tmp_path / "all.toml"
    everything.write_text(full)
    db = tmp_path / "tt.ducklake"
    first = ingest(feeds=str(blog_only), db=str(db))
    second = ingest(feeds=str(everything), db=str(db))
    assert (first["articles_new"], second["articles_new"]) == (8, 16)
    snapshot = scalar(db, "select snapshot_id from v_snapshots where run_id = ?", [first["run_id"]])
    for sql_args, expected in (([], "24"), (["--snapshot", str(snapshot)], "8")):
        done = run_cli(["sql", "select count(*) as n from fct_articles", "--db", str(db), "--format", "csv", *sql_args],
                       dict(os.environ))
        assert done.returncode == 0 and done.stdout.split() == ["n", expected], done.stderr
    assert scalar(db, f"select count(*) from fct_articles at (version => {snapshot})") == 8
    # each run commits once: the run's staging views are temporary, never catalog objects
    after_first = query(db, "select changes::varchar from v_snapshots where snapshot_id > ? and run_id is null",
                        [snapshot])
    assert not [c for (c,) in after_first if "view" in c], after_first
    assert scalar(db, "select count(*) from duckdb_views() where view_name like 'stg_%' and not temporary") == 0


def test_maintenance_compacts_expires_and_deletes_what_nothing_needs(tmp_path, sample_feed_list):
    import time

    from flows.maintenance import disk_bytes, maintenance
    from warehouse.db import locate

    db = tmp_path / "m.ducklake"
    ingest(feeds=str(sample_feed_list), db=str(db))
    ingest(feeds=str(sample_feed_list), db=str(db), all_feeds=True)
    counts = table_counts(db)
    first = scalar(db, "select min(snapshot_id) from v_snapshots where run_id is not null")
    orphan = locate(db).data_path + "main/fct_articles/orphan-left-by-a-killed-load.parquet"
    with open(orphan, "wb") as f:
        f.write(b"PAR1 not really")
    two_days_ago = time.time() - 2 * 86400
    os.utime(orphan, (two_days_ago, two_days_ago))
    before = disk_bytes(locate(db))

    summary = maintenance(db=str(db), expire_days=0, keep_files_days=0)

    assert table_counts(db) == counts  # nothing a reader sees changed
    assert summary["failed_steps"] is None
    assert summary["expire_snapshots"] >= 2 and summary["delete_orphaned_files"] == 1
    assert not os.path.exists(orphan)
    assert summary["disk_mb_after"] * 2**20 <= before + 2**20
    done = run_cli(["sql", f"select count(*) from fct_articles at (version => {first})", "--db", str(db)],
                   dict(os.environ))
    assert done.returncode == 1 and "No snapshot found" in " ".join(done.stderr.split())  # expired, as asked
