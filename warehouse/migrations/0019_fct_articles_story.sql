-- fct_articles: the story each article belongs to (near-duplicates across sites share it).
-- grain: unchanged (article_id).
alter table fct_articles add column if not exists story_id bigint;  -- -> dim_stories
