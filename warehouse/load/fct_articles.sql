-- fct_articles: the run's articles; new ones are inserted, refetched or re-extracted ones
-- replaced (a publication time already known is kept when the new extraction found none).
-- grain: article_id.
merge into fct_articles as target
using (
    with staged as (
        select distinct on (article_id) * exclude (site_domain, site_name, author_name)
        from stg_articles
        order by article_id, fetched_at desc
    ),

    final as (
        select
            staged.* replace (
                coalesce(staged.published_at, existing.published_at) as published_at,
                coalesce(staged.published_date_id, existing.published_date_id) as published_date_id
            ),
            coalesce(existing.first_loaded_at, $now) as first_loaded_at,
            $now as updated_at,
            $run_id as run_id
        from staged
        left join fct_articles as existing on existing.article_id = staged.article_id
    )

    select * from final
) as source
on target.article_id = source.article_id
when matched then update by name
when not matched then insert by name;
