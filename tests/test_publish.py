"""The readers' snapshot: built in full once, then incrementally, and always equal to the warehouse."""

from __future__ import annotations

import stat

import duckdb

from flows.ingest import ingest
from flows.reextract import reextract
from warehouse import publish as publish_module
from warehouse.db import open_migrated
from warehouse.publish import export_root, publish, reader_path

from .conftest import query

TABLES = ("fct_articles", "dim_sites", "dim_authors", "bridge_article_tags", "fct_feed_entries",
          "fct_feed_polls", "quarantine", "etl_runs", "dim_feeds")


def _snapshot(db_path, sql: str):
    with duckdb.connect(str(reader_path(db_path)), read_only=True) as con:
        return con.execute(sql).fetchall()


def _assert_snapshot_equals_warehouse(db_path) -> None:
    for table in TABLES:
        sql = f"select * from {table} order by all"
        assert _snapshot(db_path, sql) == query(db_path, sql), table


def test_snapshot_is_updated_incrementally_and_matches_the_warehouse(sample_feed_list, db_path, sample_hosts,
                                                                    monkeypatch):
    # the sample is small: a third of it changing would otherwise trigger a full build
    monkeypatch.setattr(publish_module, "REBUILD_ABOVE_CHANGED_SHARE", 1.0)
    ingest(feeds=str(sample_feed_list), db=str(db_path))
    _assert_snapshot_equals_warehouse(db_path)
    assert _snapshot(db_path, "select chain from reader_meta") == [(0,)]  # the first one is built in full

    with open_migrated(db_path) as con:  # as if extracted by an older trafilatura
        con.execute("update fct_articles set extractor_version = 'trafilatura-0.0+fh0', text = 'stale text' "
                    "where site_id = (select site_id from dim_sites where site_name = 'Pesan Rahbar')")
    summary = reextract(db=str(db_path))  # rewrites 8 articles; the snapshot copies only those
    assert summary["articles_updated"] == 8

    _assert_snapshot_equals_warehouse(db_path)
    assert _snapshot(db_path, "select chain from reader_meta") == [(1,)]
    assert _snapshot(db_path, "select count(*) from fct_articles where text = 'stale text'") == [(0,)]
    assert len(list(export_root(db_path).glob("v-*.duckdb"))) == 2


def test_schema_change_rebuilds_the_snapshot_in_full(sample_feed_list, db_path, sample_hosts, monkeypatch):
    ingest(feeds=str(sample_feed_list), db=str(db_path))
    with open_migrated(db_path) as con:
        publish(con, db_path)
        assert _snapshot(db_path, "select chain from reader_meta") == [(1,)]
        monkeypatch.setattr(publish_module, "_fingerprint", lambda: "a-new-migration")
        publish(con, db_path)
    assert _snapshot(db_path, "select chain, schema_fingerprint from reader_meta") == [(0, "a-new-migration")]
    _assert_snapshot_equals_warehouse(db_path)


def test_snapshot_is_read_only_and_a_mostly_changed_warehouse_is_rebuilt(sample_feed_list, db_path, sample_hosts):
    ingest(feeds=str(sample_feed_list), db=str(db_path))
    # a reader who forgets read_only gets a permission error instead of changing the snapshot
    # (except as root, which ignores file modes: hence the mode, not an open, is checked)
    assert stat.S_IMODE(reader_path(db_path).resolve().stat().st_mode) == 0o444
    reextract(db=str(db_path), force=True)  # rewrites every article: a full build is cheaper
    assert _snapshot(db_path, "select chain from reader_meta") == [(0,)]
    _assert_snapshot_equals_warehouse(db_path)
