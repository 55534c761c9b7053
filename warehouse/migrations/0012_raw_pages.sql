-- raw_pages: the page bytes as fetched (gzip-compressed), so articles can be re-extracted
-- without refetching. Also keeps pages whose extraction failed.
-- grain: article_id (the canonical URL's key); a refetch replaces the row.
create table if not exists raw_pages (
    article_id     bigint not null,
    canonical_url  varchar not null,
    final_url      varchar not null,
    http_status    integer not null,
    content_type   varchar,
    fetched_at     timestamptz not null,
    body_sha256    varchar not null,
    body_bytes     integer not null,
    body_gzip      blob not null,
    run_id         varchar not null
);
