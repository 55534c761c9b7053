-- fetch_state: every feed entry that lists a page still waiting (pending, retrying), not only the
-- one it is fetched for: when the page loads, each of those feeds gets its fct_feed_entries row,
-- even though the feeds are not polled again (or answer "not modified") by then.
-- grain: unchanged (article_id).
alter table fetch_state add column if not exists listings struct(
    feed_id bigint, entry_id varchar, entry_url varchar, entry_title varchar,
    entry_published_at timestamptz, seen_at timestamptz
)[];
