-- dim_authors: one row per distinct cleaned author name (placeholders like "Admin" are NULL
-- on the article instead of a row here).
-- grain: author_id (stable hash of name).
create table if not exists dim_authors (
    author_id      bigint primary key,
    name           varchar not null,        -- unique: author_id is its hash
    first_seen_at  timestamptz not null
);
