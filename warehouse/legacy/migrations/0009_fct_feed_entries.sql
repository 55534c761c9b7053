-- fct_feed_entries: an article as listed by a feed; an article in two feeds has two rows.
-- grain: one row per (feed_id, article_id).
create table if not exists fct_feed_entries (
    feed_id             bigint not null,   -- -> dim_feeds
    article_id          bigint not null,   -- -> fct_articles
    entry_id            varchar,           -- the feed's guid / atom:id
    entry_url           varchar,           -- link as the feed wrote it (may carry utm_*)
    entry_title         varchar,
    entry_published_at  timestamptz,
    first_seen_at       timestamptz not null,
    last_seen_at        timestamptz not null,
    primary key (feed_id, article_id)
);
