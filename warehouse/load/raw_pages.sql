-- raw_pages: the run's fetched pages; a refetched page replaces its stored bytes.
-- grain: article_id.
merge into raw_pages as target
using (
    with staged as (
        select distinct on (article_id) *
        from stg_raw_pages
        order by article_id, fetched_at desc
    ),

    final as (
        select *, $run_id as run_id
        from staged
    )

    select * from final
) as source
on target.article_id = source.article_id
when matched then update by name
when not matched then insert by name;
