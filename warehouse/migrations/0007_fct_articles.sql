-- fct_articles: one row per canonical article (tracking parameters stripped from the URL).
-- grain: article_id (stable hash of canonical_url).
create table if not exists fct_articles (
    article_id         bigint not null,
    url                varchar not null,        -- URL the page was fetched from (after redirects)
    canonical_url      varchar not null,        -- unique: article_id is its hash
    title              varchar,
    description        varchar,
    text               varchar not null,
    published_at       timestamptz,            -- UTC; from the feed, else from the page
    published_date_id  integer,                -- -> dim_dates
    fetched_at         timestamptz not null,
    site_id            bigint not null,        -- -> dim_sites
    author_id          bigint,                 -- -> dim_authors; NULL when unknown
    language           varchar,
    word_count         integer not null,
    content_hash       varchar not null,
    extractor_version  varchar not null,
    first_loaded_at    timestamptz not null,
    updated_at         timestamptz not null,
    run_id             varchar not null         -- run that last wrote the row
);
