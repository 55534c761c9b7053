-- v_stories: stories across sites, readable without a join: the first publisher, the headline,
-- and every site and article of the story.
-- grain: one row per story (dim_stories.story_id).
create or replace view v_stories as

with stories as (
    select * from dim_stories
),

first_sites as (
    select site_id, coalesce(site_name, domain) as first_publisher from dim_sites
),

final as (
    select
        stories.story_id,
        stories.headline,
        first_sites.first_publisher,
        stories.first_seen_at,
        stories.last_seen_at,
        stories.articles,
        stories.sites,
        (
            select list(distinct coalesce(dim_sites.site_name, dim_sites.domain))
            from fct_articles
            inner join dim_sites on dim_sites.site_id = fct_articles.site_id
            where fct_articles.story_id = stories.story_id
        ) as site_names,
        (
            select list(fct_articles.title order by fct_articles.first_loaded_at)
            from fct_articles
            where fct_articles.story_id = stories.story_id
        ) as titles
    from stories
    left join first_sites on first_sites.site_id = stories.first_site_id
)

select * from final;
