-- story_bands: the stories index's lookup keys: one per LSH band of each recent article's
-- signature. Two articles that share a key are candidates, confirmed by their signatures.
-- grain: (band_key, article_id).
create table if not exists story_bands (
    band_key    bigint not null,
    article_id  bigint not null,       -- -> story_members
    seen_at     timestamptz not null
);

alter table story_bands set sorted by (band_key);
