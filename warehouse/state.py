"""Reads the pipeline needs before it fetches: feed HTTP state, which articles are settled, and
the fetch queue. Each is one bulk query keyed by an Arrow list of ids, never a query per item."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import pyarrow as pa

FEED_STATE_COLUMNS = ("feed_id", "url", "etag", "last_modified", "last_body_hash", "status",
                      "consecutive_failures", "poll_interval_s", "next_poll_at")
QUEUE_COLUMNS = ("article_id", "canonical_url", "feed_id", "entry_url", "entry_id", "entry_title",
                 "entry_summary", "entry_author", "entry_published_at", "entry_categories", "feed_language",
                 "listings")


@contextmanager
def _ids(con: duckdb.DuckDBPyConnection, name: str, ids: list[int]) -> Iterator[None]:
    con.register(name, pa.table({"id": pa.array(ids, pa.int64())}))
    try:
        yield
    finally:
        con.unregister(name)


def read_feed_state(con: duckdb.DuckDBPyConnection, feed_ids: list[int]) -> dict[int, dict]:
    """Stored polling state (etag, last_modified, last_body_hash, url, status…) per feed id."""
    if not feed_ids:
        return {}
    with _ids(con, "wanted_feeds", feed_ids):
        rows = con.execute(
            f"select {', '.join('f.' + c for c in FEED_STATE_COLUMNS)} "
            "from dim_feeds as f semi join wanted_feeds as w on w.id = f.feed_id"
        ).fetchall()
    return {row[0]: dict(zip(FEED_STATE_COLUMNS, row, strict=True)) for row in rows}


def settled_article_ids(con: duckdb.DuckDBPyConnection, article_ids: list[int]) -> set[int]:
    """Of ``article_ids``, those the pipeline will not fetch again: loaded, or failed for good
    (404, not HTML, empty extraction, failed expectations, transient failures out of attempts)."""
    if not article_ids:
        return set()
    with _ids(con, "candidate_articles", article_ids):
        rows = con.execute(
            "select s.article_id from fetch_state as s semi join candidate_articles as c on c.id = s.article_id "
            "where s.status in ('loaded', 'failed')"
        ).fetchall()
    return {row[0] for row in rows}


def queued_entries(con: duckdb.DuckDBPyConnection, now: datetime, limit: int) -> list[dict]:
    """Pages waiting in the fetch queue (deferred by a cap, or failed transiently with attempts
    left) that are due, oldest first: fetched by this run even when their feed is unchanged."""
    if limit <= 0:
        return []
    rows = con.execute(
        f"select {', '.join(QUEUE_COLUMNS)} from fetch_state "
        "where status in ('pending', 'retrying') and entry_url is not null and feed_id is not null "
        "  and coalesce(next_attempt_at, first_queued_at) <= ? "
        "order by coalesce(next_attempt_at, first_queued_at), article_id limit ?",
        [now, limit],
    ).fetchall()
    return [dict(zip(QUEUE_COLUMNS, row, strict=True)) for row in rows]


def list_feeds(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every feed with its polling state, for ``feedhouse feeds``."""
    return con.execute(
        """
        select coalesce(name, title) as feed, url, status, last_http_status, consecutive_failures,
               poll_interval_s, last_polled_at, next_poll_at, last_error, moved_from
        from dim_feeds order by status, feed
        """
    ).fetchall()


REEXTRACT_COLUMNS = ("article_id", "canonical_url", "final_url", "content_type", "fetched_at", "body_gzip",
                     "feed_id", "entry_title", "entry_summary", "entry_author", "entry_published_at",
                     "entry_categories", "feed_language")


def raw_pages_to_reextract(
    con: duckdb.DuckDBPyConnection,
    *,
    after_article_id: int | None,
    limit: int,
    extractor_version: str,
    force: bool,
) -> list[dict]:
    """The next ``limit`` stored raw pages (keyset order by article_id) whose article was built by
    another extractor version, or never built (rejected at extraction or validation), with the
    feed entry their first extraction used (``fetch_state``). ``force`` takes every page."""
    rows = con.execute(
        """
        select r.article_id, r.canonical_url, r.final_url, r.content_type, r.fetched_at, r.body_gzip,
               s.feed_id, s.entry_title, s.entry_summary, s.entry_author, s.entry_published_at,
               s.entry_categories, s.feed_language
        from raw_pages as r
        left join fct_articles as a on a.article_id = r.article_id
        left join fetch_state as s on s.article_id = r.article_id
        where ($after is null or r.article_id > $after)
          and ($force or a.article_id is null or a.extractor_version <> $version)
        order by r.article_id
        limit $limit
        """,
        {"after": after_article_id, "force": force, "version": extractor_version, "limit": limit},
    ).fetchall()
    return [dict(zip(REEXTRACT_COLUMNS, row, strict=True)) for row in rows]


def story_candidates(con: duckdb.DuckDBPyConnection, band_keys: list[int], since: datetime) -> list[tuple]:
    """Recent articles of the stories index that share a band key with ``band_keys``:
    ``(band_key, article_id, story_id, signature)``. Reads the window's index only."""
    if not band_keys:
        return []
    with _ids(con, "wanted_bands", sorted(set(band_keys))):
        return con.execute(
            "select b.band_key, m.article_id, m.story_id, m.signature "
            "from story_bands as b semi join wanted_bands as w on w.id = b.band_key "
            "join story_members as m on m.article_id = b.article_id "
            "where b.seen_at >= ? and m.seen_at >= ?",
            [since, since],
        ).fetchall()
