-- fetch_state: every article URL the pipeline has chosen to fetch, and where it stands; the
-- queue of pages to fetch (pending, retrying) and the list of settled ones (loaded, failed).
-- It keeps the feed entry the page was fetched for, so a retry or a re-extraction has the same
-- inputs as the first attempt.
-- grain: article_id (stable hash of canonical_url).
create table if not exists fetch_state (
    article_id          bigint not null,
    canonical_url       varchar not null,
    feed_id             bigint,             -- -> dim_feeds: the feed whose entry is kept below
    entry_url           varchar,            -- the link as the feed wrote it
    entry_id            varchar,
    entry_title         varchar,
    entry_summary       varchar,
    entry_author        varchar,
    entry_published_at  timestamptz,
    entry_categories    varchar[],
    feed_language       varchar,
    status              varchar not null,   -- pending | retrying | loaded | failed
    attempts            integer not null,   -- fetch attempts so far
    is_retryable        boolean not null,   -- the last failure was transient
    last_stage          varchar,            -- stage of the last failure: fetch | extract | validate
    last_error          varchar,
    first_queued_at     timestamptz not null,
    last_attempt_at     timestamptz,
    next_attempt_at     timestamptz,        -- when pending or retrying: due from then on
    updated_at          timestamptz not null
);
