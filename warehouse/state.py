"""Reads the pipeline needs before it fetches: feed HTTP state and which articles are new."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def read_feed_state(con: duckdb.DuckDBPyConnection, feed_ids: list[int]) -> dict[int, dict]:
    """Stored polling state (etag, last_modified, last_body_hash, url, status) per feed id."""
    if not feed_ids:
        return {}
    ids = pa.table({"feed_id": pa.array(feed_ids, pa.int64())})
    con.register("wanted_feeds", ids)
    try:
        rows = con.execute(
            """
            select f.feed_id, f.url, f.etag, f.last_modified, f.last_body_hash, f.status,
                   f.consecutive_failures, f.poll_interval_s, f.next_poll_at
            from dim_feeds as f
            inner join wanted_feeds as w on w.feed_id = f.feed_id
            """
        ).fetchall()
    finally:
        con.unregister("wanted_feeds")
    keys = ("feed_id", "url", "etag", "last_modified", "last_body_hash", "status",
            "consecutive_failures", "poll_interval_s", "next_poll_at")
    return {row[0]: dict(zip(keys, row, strict=True)) for row in rows}


def known_article_ids(con: duckdb.DuckDBPyConnection, article_ids: list[int]) -> set[int]:
    """Of ``article_ids``, those that need no fetch: already loaded, or quarantined for a
    reason that will not change on a retry (404, not HTML, empty extraction…)."""
    if not article_ids:
        return set()
    candidates = pa.table({"article_id": pa.array(article_ids, pa.int64())})
    con.register("candidate_articles", candidates)
    try:
        rows = con.execute(
            """
            select c.article_id
            from candidate_articles as c
            where exists (select 1 from fct_articles as a where a.article_id = c.article_id)
               or exists (
                    select 1 from quarantine as q
                    where q.quarantine_id is not null
                      and not q.is_retryable
                      and q.stage in ('fetch', 'extract', 'validate')
                      and json_extract_string(q.record, '$.article_id') = cast(c.article_id as varchar)
               )
            """
        ).fetchall()
    finally:
        con.unregister("candidate_articles")
    return {row[0] for row in rows}


def list_feeds(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every feed with its polling state, for ``feedhouse feeds``."""
    return con.execute(
        """
        select coalesce(name, title) as feed, url, status, last_http_status, consecutive_failures,
               poll_interval_s, last_polled_at, next_poll_at, last_error, moved_from
        from dim_feeds order by status, feed
        """
    ).fetchall()


def retryable_entries(con: duckdb.DuckDBPyConnection, max_attempts: int, limit: int) -> list[dict]:
    """Feed entries whose page fetch failed transiently (timeout, 5xx) and is still unresolved:
    retried by the next runs even when their feed has not changed."""
    rows = con.execute(
        """
        select record
        from quarantine
        where stage = 'fetch' and is_retryable and resolved_at is null and times_seen < ?
        order by last_quarantined_at
        limit ?
        """,
        [max_attempts, limit],
    ).fetchall()
    import json

    return [json.loads(r[0]) for r in rows]


def raw_pages_to_reextract(
    con: duckdb.DuckDBPyConnection,
    *,
    after_page_id: int | None,
    limit: int,
    extractor_version: str,
    force: bool,
) -> list[dict]:
    """The next ``limit`` stored raw pages (keyset order by page_id) whose article was built by
    another extractor version, or was never built (rejected at extraction or validation), with
    what their feed entries said about them. ``force`` takes every page."""
    rows = con.execute(
        """
        with entries as (
            select article_id,
                   arg_min(e.entry_title, e.first_seen_at) as entry_title,
                   min(e.entry_published_at) as entry_published_at,
                   arg_min(f.language, e.first_seen_at) as feed_language
            from fct_feed_entries e join dim_feeds f using (feed_id)
            group by article_id
        ),
        feed_tags as (
            select b.article_id, list(t.tag order by t.tag) as tags
            from bridge_article_tags b join dim_tags t using (tag_id)
            where b.source = 'feed'
            group by b.article_id
        )
        select r.page_id, r.canonical_url, r.final_url, r.content_type, r.fetched_at, r.body_gzip,
               e.entry_title, e.entry_published_at, e.feed_language, coalesce(ft.tags, []) as tags
        from raw_pages r
        left join fct_articles a on a.article_id = r.page_id
        left join entries e on e.article_id = r.page_id
        left join feed_tags ft on ft.article_id = r.page_id
        where (? is null or r.page_id > ?)
          and (? or a.article_id is null or a.extractor_version <> ?)
        order by r.page_id
        limit ?
        """,
        [after_page_id, after_page_id, force, extractor_version, limit],
    ).fetchall()
    keys = ("page_id", "canonical_url", "final_url", "content_type", "fetched_at", "body_gzip",
            "entry_title", "entry_published_at", "feed_language", "tags")
    return [dict(zip(keys, row, strict=True)) for row in rows]
