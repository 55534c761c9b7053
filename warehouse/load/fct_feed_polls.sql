-- fct_feed_polls: the run's polls, one per feed.
-- grain: poll_id.
merge into fct_feed_polls as target
using (
    with final as (
        select * exclude (
            original_url, moved_to, feed_name, feed_tags, etag, last_modified, body_hash, feed_title,
            site_url, feed_language, discovered_from, status, consecutive_failures, poll_interval_s,
            next_poll_at
        )
        from stg_feed_polls
    )

    select * from final
) as source
on target.poll_id = source.poll_id
when not matched then insert by name;
