-- dim_feeds: each polled feed's state after this run. HTTP validators (etag, last_modified,
-- body hash) are stored only from a completely staged run: a crashed run must not make the next
-- poll answer "not modified" for entries it never fetched.
-- grain: feed_id.
merge into dim_feeds as target
using (
    with final as (
        select
            polls.feed_id,
            coalesce(polls.moved_to, polls.feed_url) as url,
            polls.original_url,
            polls.feed_name as name,
            coalesce(polls.feed_title, existing.title) as title,
            coalesce(polls.site_url, existing.site_url) as site_url,
            coalesce(polls.feed_language, existing.language) as language,
            polls.feed_tags as tags,
            coalesce(existing.first_seen_at, polls.polled_at) as first_seen_at,
            polls.polled_at as last_polled_at,
            case when polls.error is null then polls.polled_at else existing.last_success_at end as last_success_at,
            case when $complete then polls.etag else existing.etag end as etag,
            case when $complete then polls.last_modified else existing.last_modified end as last_modified,
            case when $complete then polls.body_hash else existing.last_body_hash end as last_body_hash,
            polls.http_status as last_http_status,
            polls.error as last_error,
            polls.consecutive_failures,
            polls.status,
            polls.next_poll_at,
            polls.poll_interval_s,
            case when polls.moved_to is not null then polls.feed_url else existing.moved_from end as moved_from,
            coalesce(polls.discovered_from, existing.discovered_from) as discovered_from
        from stg_feed_polls as polls
        left join dim_feeds as existing on existing.feed_id = polls.feed_id
    )

    select * from final
) as source
on target.feed_id = source.feed_id
when matched then update by name
when not matched then insert by name;
