-- v_quarantine_summary: what is being rejected, by stage and reason, for the quality report.
-- A reject is resolved once its item later made it: the page's article loaded, or the feed was
-- polled successfully after the reject.
-- grain: one row per (stage, reason).
create or replace view v_quarantine_summary as

with quarantine_rows as (
    select * from quarantine
),

resolved as (
    select
        quarantine_rows.quarantine_id,
        coalesce(fetch_state.status = 'loaded', false)
            or coalesce(dim_feeds.last_success_at > quarantine_rows.quarantined_at
                        and quarantine_rows.article_id is null, false) as is_resolved,
        coalesce(fetch_state.status in ('pending', 'retrying'), false) as is_waiting
    from quarantine_rows
    left join fetch_state on fetch_state.article_id = quarantine_rows.article_id
    left join dim_feeds on dim_feeds.feed_id = quarantine_rows.feed_id
),

final as (
    select
        quarantine_rows.stage,
        quarantine_rows.reason,
        count(*) as rows_quarantined,
        count(distinct coalesce(quarantine_rows.source_url, '')) as sources,
        count(*) filter (where resolved.is_waiting and not resolved.is_resolved) as rows_retryable,
        count(*) filter (where resolved.is_resolved) as rows_resolved,
        count(*) filter (where quarantine_rows.is_unexpected) as rows_unexpected,
        min(quarantine_rows.quarantined_at) as first_quarantined_at,
        max(quarantine_rows.quarantined_at) as last_quarantined_at,
        any_value(quarantine_rows.source_url) as example_source_url
    from quarantine_rows
    inner join resolved on resolved.quarantine_id = quarantine_rows.quarantine_id
    group by quarantine_rows.stage, quarantine_rows.reason
)

select * from final
order by rows_quarantined desc, stage, reason;
