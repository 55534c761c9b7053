-- v_feed_health: each feed's state and its last 24 hours of polling.
-- grain: one row per feed (dim_feeds.feed_id).
create or replace view v_feed_health as

with feeds as (
    select * from dim_feeds
),

recent_polls as (
    select
        feed_id,
        count(*) as polls_24h,
        count(*) filter (where error is not null) as failed_polls_24h,
        count(*) filter (where is_not_modified) as not_modified_polls_24h,
        sum(entries_new) as entries_new_24h
    from fct_feed_polls
    where polled_at >= now() - interval 24 hour
    group by feed_id
),

articles_per_feed as (
    select feed_id, count(*) as articles
    from fct_feed_entries
    group by feed_id
),

final as (
    select
        feeds.feed_id,
        coalesce(feeds.name, feeds.title) as feed_name,
        feeds.url,
        feeds.status,
        feeds.last_polled_at,
        feeds.last_success_at,
        feeds.last_http_status,
        feeds.last_error,
        feeds.consecutive_failures,
        coalesce(articles_per_feed.articles, 0) as articles,
        coalesce(recent_polls.polls_24h, 0) as polls_24h,
        coalesce(recent_polls.failed_polls_24h, 0) as failed_polls_24h,
        coalesce(recent_polls.not_modified_polls_24h, 0) as not_modified_polls_24h,
        coalesce(recent_polls.entries_new_24h, 0) as entries_new_24h
    from feeds
    left join recent_polls on recent_polls.feed_id = feeds.feed_id
    left join articles_per_feed on articles_per_feed.feed_id = feeds.feed_id
)

select * from final;
