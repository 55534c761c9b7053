-- bridge_article_tags: which tags an article carries, and where the tag came from.
-- grain: one row per (article_id, tag_id).
create table if not exists bridge_article_tags (
    article_id  bigint not null,   -- -> fct_articles
    tag_id      bigint not null,   -- -> dim_tags
    source      varchar not null,  -- feed | page
    primary key (article_id, tag_id)
);
