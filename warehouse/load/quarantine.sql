-- quarantine: the run's rejects, appended (loading the same staged run twice adds nothing).
-- grain: quarantine_id.
merge into quarantine as target
using (
    with staged as (
        select distinct on (quarantine_id) *
        from stg_quarantine
        order by quarantine_id, quarantined_at desc
    ),

    final as (
        select staged.* replace (cast(record as json) as record), $run_id as run_id
        from staged
    )

    select * from final
) as source
on target.quarantine_id = source.quarantine_id
when not matched then insert by name;
