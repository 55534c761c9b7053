-- story_members: the stories index's recent articles: each one's story and MinHash signature
-- (128 × uint32 + its shingle count). Only the recent window is kept (maintenance prunes it), so
-- matching a new article costs the same however large the warehouse grows.
-- grain: article_id.
create table if not exists story_members (
    article_id  bigint not null,       -- -> fct_articles
    story_id    bigint not null,       -- -> dim_stories
    site_id     bigint not null,       -- -> dim_sites
    seen_at     timestamptz not null,  -- when it was fetched: the window is about what we saw lately
    signature   blob not null
);
