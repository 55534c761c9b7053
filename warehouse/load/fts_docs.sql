-- fts_docs: the run's articles as full-text documents (length in indexed terms, for BM25).
-- grain: article_id.
merge into fts_docs as target
using (
    with lengths as (
        select article_id, any_value(len) as len
        from stg_postings
        group by article_id
    ),

    final as (
        select distinct on (staged.article_id)
            staged.article_id, coalesce(lengths.len, 0) as len, staged.language, staged.published_at,
            staged.site_id
        from stg_articles as staged
        left join lengths on lengths.article_id = staged.article_id
        order by staged.article_id, staged.fetched_at desc
    )

    select * from final
) as source
on target.article_id = source.article_id
when matched then update by name
when not matched then insert by name;
