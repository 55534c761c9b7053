-- dim_stories: the stories the run's articles belong to, recounted over all their articles.
-- grain: story_id.
merge into dim_stories as target
using (
    with touched as (  -- the run's stories, and the ones its rewritten articles leave
        select story_id from stg_articles
        union
        select known.story_id from story_members as known semi join stg_articles as staged using (article_id)
    ),

    members as (
        select articles.story_id, articles.article_id, articles.site_id, articles.title, articles.first_loaded_at
        from fct_articles as articles
        semi join touched on touched.story_id = articles.story_id
    ),

    final as (
        select
            story_id,
            min(first_loaded_at) as first_seen_at,
            story_id as first_article_id,  -- a story is named after the article that started it
            coalesce(any_value(site_id) filter (where article_id = story_id), min(site_id)) as first_site_id,
            coalesce(any_value(title) filter (where article_id = story_id), min(title)) as headline,
            cast(count(*) as integer) as articles,
            cast(count(distinct site_id) as integer) as sites,
            max(first_loaded_at) as last_seen_at
        from members
        group by story_id
    )

    select * from final
) as source
on target.story_id = source.story_id
when matched then update by name
when not matched then insert by name;
