-- etl_runs: the run's own row (a recovered run's row is written by the run that loads it).
-- grain: run_id.
merge into etl_runs as target
using (
    with final as (
        select
            $run_id as run_id,
            $flow_name as flow_name,
            cast($started_at as timestamptz) as started_at,
            $now as finished_at,
            $status as status,
            cast($feeds_polled as integer) as feeds_polled,
            cast($feeds_not_modified as integer) as feeds_not_modified,
            cast($feeds_failed as integer) as feeds_failed,
            cast($entries_seen as integer) as entries_seen,
            cast($articles_new as integer) as articles_new,
            cast($articles_updated as integer) as articles_updated,
            cast($rows_quarantined as integer) as rows_quarantined,
            cast($unexpected_errors as integer) as unexpected_errors,
            cast($seconds as double) as seconds,
            cast($parameters as json) as parameters
    )

    select * from final
) as source
on target.run_id = source.run_id
when matched then update by name
when not matched then insert by name;
