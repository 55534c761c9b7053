-- dim_authors: authors of the run's articles, added once.
-- grain: author_id.
merge into dim_authors as target
using (
    with final as (
        select author_id, author_name as name, min(fetched_at) as first_seen_at
        from stg_articles
        where author_id is not null
        group by author_id, author_name
    )

    select * from final
) as source
on target.author_id = source.author_id
when not matched then insert by name;
