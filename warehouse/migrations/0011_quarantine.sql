-- quarantine: an append-only log of inputs that could not become warehouse rows, with the reason.
-- Whether a page is retried is fetch_state's business; this log is for people to read.
-- grain: quarantine_id (stable hash of run_id + stage + source_url + reason): one row per reject per run.
create table if not exists quarantine (
    quarantine_id   bigint not null,
    run_id          varchar not null,   -- -> etl_runs
    stage           varchar not null,   -- poll | parse | fetch | extract | validate
    source_url      varchar,
    article_id      bigint,             -- -> fetch_state, for page rejects
    feed_id         bigint,             -- -> dim_feeds
    reason          varchar not null,
    is_retryable    boolean not null,   -- transient (timeouts, 5xx): the page is retried by later runs
    is_unexpected   boolean not null,   -- an exception caught at a per-feed or per-page boundary
    record          json,               -- the offending input (text excluded, capped)
    quarantined_at  timestamptz not null
);
