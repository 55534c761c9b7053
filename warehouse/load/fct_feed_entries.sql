-- fct_feed_entries: the run's feed entries whose article is in the warehouse (an entry whose page
-- failed waits in fetch_state and is added when its article loads).
-- grain: (feed_id, article_id).
merge into fct_feed_entries as target
using (
    with entries as (
        select *
        from stg_feed_entries as staged
        where exists (select 1 from stg_articles as a where a.article_id = staged.article_id)
           or exists (select 1 from fct_articles as a where a.article_id = staged.article_id)
    ),

    final as (
        select
            feed_id,
            article_id,
            any_value(entry_id) as entry_id,
            any_value(entry_url) as entry_url,
            any_value(entry_title) as entry_title,
            min(entry_published_at) as entry_published_at,
            min(seen_at) as first_seen_at,
            max(seen_at) as last_seen_at
        from entries
        group by feed_id, article_id
    )

    select * from final
) as source
on target.feed_id = source.feed_id and target.article_id = source.article_id
when matched and source.last_seen_at > target.last_seen_at then update set last_seen_at = source.last_seen_at
when not matched then insert by name;
