-- dim_sites: sites of the run's articles; a site's name is kept once known.
-- grain: site_id.
merge into dim_sites as target
using (
    with final as (
        select
            site_id,
            site_domain as domain,
            max(site_name) as site_name,
            min(fetched_at) as first_seen_at
        from stg_articles
        group by site_id, site_domain
    )

    select * from final
) as source
on target.site_id = source.site_id
when matched and source.site_name is not null then update set site_name = source.site_name
when not matched then insert by name;
