-- fetch_state: where each article the run queued or attempted stands now. An article staged as
-- loaded is settled; a reject is retried while it is transient and attempts remain, else failed
-- for good; an article queued but not attempted (deferred by a cap, or its run crashed) stays
-- pending. "loaded" is never undone: a later re-extraction that fails keeps the loaded article.
-- grain: article_id.
merge into fetch_state as target
using (
    with queued as (
        select distinct on (article_id) *
        from stg_fetch_queue
        order by article_id, is_deferred, queued_at desc
    ),

    loaded as (
        select article_id, any_value(canonical_url) as canonical_url, max(fetched_at) as attempted_at
        from stg_articles
        group by article_id
    ),

    rejected as (
        select
            article_id,
            any_value(source_url) as canonical_url,
            arg_max(stage, quarantined_at) as stage,
            arg_max(reason, quarantined_at) as reason,
            arg_max(is_retryable, quarantined_at) as is_retryable,
            max(quarantined_at) as attempted_at
        from stg_quarantine
        where article_id is not null and stage in ('fetch', 'extract', 'validate')
        group by article_id
    ),

    articles as (
        select article_id from queued
        union
        select article_id from loaded
        union
        select article_id from rejected
    ),

    outcomes as (
        select
            articles.article_id,
            queued.article_id is not null and not queued.is_deferred as is_queued_now,
            loaded.article_id is not null as is_loaded,
            rejected.article_id is not null and loaded.article_id is null as is_rejected,
            coalesce(existing.attempts, 0)
                + case when loaded.article_id is not null or rejected.article_id is not null then 1 else 0 end
                as attempts,
            existing.status as previous_status,
            queued.*  exclude (article_id, canonical_url, is_deferred, queued_at),
            coalesce(queued.canonical_url, loaded.canonical_url, rejected.canonical_url, existing.canonical_url)
                as canonical_url,
            coalesce(existing.first_queued_at, queued.queued_at, loaded.attempted_at, rejected.attempted_at)
                as first_queued_at,
            coalesce(loaded.attempted_at, rejected.attempted_at, existing.last_attempt_at) as last_attempt_at,
            rejected.stage as rejected_stage,
            rejected.reason as rejected_reason,
            coalesce(rejected.is_retryable, false) as rejected_is_retryable,
            existing.last_stage as previous_stage,
            existing.last_error as previous_error,
            existing.is_retryable as previous_is_retryable
        from articles
        left join queued on queued.article_id = articles.article_id
        left join loaded on loaded.article_id = articles.article_id
        left join rejected on rejected.article_id = articles.article_id
        left join fetch_state as existing on existing.article_id = articles.article_id
    ),

    final as (
        select
            article_id,
            canonical_url,
            feed_id,
            entry_url,
            entry_id,
            entry_title,
            entry_summary,
            entry_author,
            entry_published_at,
            entry_categories,
            feed_language,
            listings,
            case
                when is_loaded or previous_status = 'loaded' then 'loaded'
                when is_rejected and (not rejected_is_retryable or attempts >= $max_attempts) then 'failed'
                when is_rejected then 'retrying'
                when previous_status = 'failed' and not is_queued_now then 'failed'
                else 'pending'
            end as status,
            attempts,
            case when is_rejected then rejected_is_retryable when is_loaded then false
                 else coalesce(previous_is_retryable, false) end as is_retryable,
            case when is_rejected then rejected_stage when is_loaded then null else previous_stage end as last_stage,
            case when is_rejected then rejected_reason when is_loaded then null else previous_error end as last_error,
            first_queued_at,
            last_attempt_at,
            $now as next_attempt_at,
            $now as updated_at
        from outcomes
    )

    select * from final
) as source
on target.article_id = source.article_id
when matched then update set
    canonical_url = source.canonical_url,
    feed_id = coalesce(source.feed_id, target.feed_id),
    entry_url = coalesce(source.entry_url, target.entry_url),
    entry_id = coalesce(source.entry_id, target.entry_id),
    entry_title = coalesce(source.entry_title, target.entry_title),
    entry_summary = coalesce(source.entry_summary, target.entry_summary),
    entry_author = coalesce(source.entry_author, target.entry_author),
    entry_published_at = coalesce(source.entry_published_at, target.entry_published_at),
    entry_categories = coalesce(source.entry_categories, target.entry_categories),
    feed_language = coalesce(source.feed_language, target.feed_language),
    listings = list_concat(  -- this run's listings, and the earlier ones of feeds it did not see
        coalesce(source.listings, []),
        list_filter(coalesce(target.listings, []),
                    earlier -> not list_contains(list_transform(coalesce(source.listings, []), now -> now.feed_id),
                                                 earlier.feed_id))
    ),
    status = source.status,
    attempts = source.attempts,
    is_retryable = source.is_retryable,
    last_stage = source.last_stage,
    last_error = source.last_error,
    last_attempt_at = source.last_attempt_at,
    next_attempt_at = source.next_attempt_at,
    updated_at = source.updated_at
when not matched then insert by name;
