-- bridge_article_tags: the run's (article, tag) pairs, added once.
-- grain: (article_id, tag_id).
merge into bridge_article_tags as target
using (
    with final as (
        select article_id, tag_id, min(source) as source
        from stg_article_tags
        group by article_id, tag_id
    )

    select * from final
) as source
on target.article_id = source.article_id and target.tag_id = source.tag_id
when not matched then insert by name;
