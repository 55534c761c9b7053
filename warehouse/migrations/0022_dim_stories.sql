-- dim_stories: one row per story: an article and its copies and rewrites across sites.
-- grain: story_id (the article_id of the story's first article).
create table if not exists dim_stories (
    story_id          bigint not null,
    first_seen_at     timestamptz not null,   -- when the first article of the story was fetched
    first_article_id  bigint not null,        -- -> fct_articles
    first_site_id     bigint not null,        -- -> dim_sites: the first publisher
    headline          varchar,                -- the first article's title
    articles          integer not null,
    sites             integer not null,
    last_seen_at      timestamptz not null
);
