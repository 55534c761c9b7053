-- fct_feed_polls: one row per feed fetch.
-- grain: poll_id (stable hash of run_id + feed_id).
create table if not exists fct_feed_polls (
    poll_id          bigint primary key,
    run_id           varchar not null,   -- -> etl_runs
    feed_id          bigint not null,    -- -> dim_feeds
    feed_url         varchar not null,   -- URL requested
    final_url        varchar,            -- URL answered (after redirects)
    polled_at        timestamptz not null,
    http_status      integer,
    is_not_modified  boolean not null,   -- 304, or a 200 whose body hash did not change
    entries_seen     integer not null,
    entries_new      integer not null,
    bytes            bigint not null,
    duration_ms      integer not null,
    error            varchar,            -- why the poll failed (NULL when it did not)
    parse_warning    varchar             -- feedparser's complaint about a malformed-but-usable feed
);
