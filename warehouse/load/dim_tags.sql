-- dim_tags: tags of the run's articles, added once.
-- grain: tag_id.
merge into dim_tags as target
using (
    with final as (
        select tag_id, min(tag) as tag, $now as first_seen_at
        from stg_article_tags
        group by tag_id
    )

    select * from final
) as source
on target.tag_id = source.tag_id
when not matched then insert by name;
