-- raw_pages: the page bytes as fetched (gzip-compressed), so articles can be re-extracted
-- without refetching. Also keeps pages whose extraction failed.
-- grain: one row per canonical URL (page_id = article_id of that URL); a refetch replaces it.
create table if not exists raw_pages (
    page_id       bigint primary key,
    canonical_url varchar not null,
    final_url     varchar not null,
    http_status   integer not null,
    content_type  varchar,
    fetched_at    timestamptz not null,
    body_sha256   varchar not null,
    body_bytes    integer not null,
    body_gzip     blob not null,
    run_id        varchar not null
);
