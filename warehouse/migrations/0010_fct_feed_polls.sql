-- fct_feed_polls: one row per feed poll.
-- grain: poll_id (stable hash of run_id + feed_id).
create table if not exists fct_feed_polls (
    poll_id           bigint not null,
    run_id            varchar not null,   -- -> etl_runs
    feed_id           bigint not null,    -- -> dim_feeds
    feed_url          varchar not null,   -- URL requested
    final_url         varchar,            -- URL answered (after redirects)
    polled_at         timestamptz not null,
    http_status       integer,
    is_not_modified   boolean not null,   -- 304, or a 200 whose body hash did not change
    entries_seen      integer not null,
    entries_new       integer not null,   -- entries pointing at an article the warehouse did not have
    entries_deferred  integer not null,   -- new entries held back by a cap, fetched by a later run
    bytes             bigint not null,
    duration_ms       integer not null,
    error             varchar,            -- why the poll failed (NULL when it did not)
    is_unexpected     boolean not null,   -- the error is an exception caught at the feed's boundary
    parse_warning     varchar             -- the parser's complaint about a malformed-but-usable feed
);
