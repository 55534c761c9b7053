-- dim_feeds: one row per configured feed, with its polling state.
-- grain: feed_id (stable hash of the feed URL as first configured).
create table if not exists dim_feeds (
    feed_id               bigint not null,
    url                   varchar not null,     -- current URL (after permanent redirects)
    original_url          varchar not null,     -- URL as configured
    name                  varchar,              -- operator's name from the feed list
    title                 varchar,              -- the feed's own title
    site_url              varchar,
    language              varchar,
    tags                  varchar[],
    first_seen_at         timestamptz not null,
    last_polled_at        timestamptz,
    last_success_at       timestamptz,
    etag                  varchar,
    last_modified         varchar,
    last_body_hash        varchar,
    last_http_status      integer,
    last_error            varchar,
    consecutive_failures  integer not null,
    status                varchar not null,     -- active | moved | backing-off | dead | gone
    next_poll_at          timestamptz,
    poll_interval_s       integer,
    moved_from            varchar,              -- URL before the last permanent redirect
    discovered_from       varchar               -- HTML page whose <link rel=alternate> gave the URL
);
