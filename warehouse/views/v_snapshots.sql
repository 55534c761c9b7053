-- v_snapshots: every committed version of the warehouse and the run that made it; the
-- snapshot_id is what time travel takes (`feedhouse sql --snapshot N`, or
-- `attach ... (snapshot_version N)`, or `from fct_articles at (version => N)`).
-- grain: one row per DuckLake snapshot.
create or replace view v_snapshots as

with snapshots as (
    select * from ducklake_snapshots('wh')
),

final as (
    select
        snapshot_id,
        snapshot_time,
        json_extract_string(commit_extra_info, '$.run_id') as run_id,
        commit_message,
        changes
    from snapshots
)

select * from final;
