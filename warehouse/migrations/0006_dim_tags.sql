-- dim_tags: one row per tag or category label (case-insensitive).
-- grain: tag_id (stable hash of the lower-cased tag).
create table if not exists dim_tags (
    tag_id         bigint not null,
    tag            varchar not null,
    first_seen_at  timestamptz not null
);
