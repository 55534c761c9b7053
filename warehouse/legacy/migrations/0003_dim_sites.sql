-- dim_sites: one row per web site articles come from.
-- grain: site_id (stable hash of domain; domain = host without www., with a non-default port).
create table if not exists dim_sites (
    site_id        bigint primary key,
    domain         varchar not null,        -- unique: site_id is its hash
    site_name      varchar,
    first_seen_at  timestamptz not null
);
