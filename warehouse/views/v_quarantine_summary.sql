-- v_quarantine_summary: what is being rejected, by stage and reason, for the quality report.
-- grain: one row per (stage, reason).
create or replace view v_quarantine_summary as

with quarantine_rows as (
    select * from quarantine
),

final as (
    select
        stage,
        reason,
        count(*) as rows_quarantined,
        count(*) filter (where is_retryable and resolved_at is null) as rows_retryable,
        count(*) filter (where resolved_at is not null) as rows_resolved,
        min(quarantined_at) as first_quarantined_at,
        max(last_quarantined_at) as last_quarantined_at,
        any_value(source_url) as example_source_url
    from quarantine_rows
    group by stage, reason
)

select * from final
order by rows_quarantined desc, stage, reason;
