-- dim_feeds: per-feed polling schedule and history of moves (issue: poll like a good citizen).
-- grain: unchanged (one row per feed_id).
alter table dim_feeds add column if not exists next_poll_at timestamptz;
alter table dim_feeds add column if not exists poll_interval_s integer;
alter table dim_feeds add column if not exists moved_from varchar;       -- URL before the last permanent redirect
alter table dim_feeds add column if not exists discovered_from varchar;  -- HTML page whose <link rel=alternate> gave the URL
