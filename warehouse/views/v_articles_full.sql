-- v_articles_full: v_articles with each article's tags and the names of the feeds that listed it.
-- grain: one row per article (fct_articles.article_id).
-- The lists cost a pass over bridge_article_tags and fct_feed_entries per query, whether selected
-- or not: queries that need neither read v_articles.
create or replace view v_articles_full as

with articles as (
    select * from v_articles
),

final as (
    select
        articles.*,
        coalesce((
            select list(dim_tags.tag order by dim_tags.tag)
            from bridge_article_tags
            inner join dim_tags on dim_tags.tag_id = bridge_article_tags.tag_id
            where bridge_article_tags.article_id = articles.article_id
        ), []) as tags,
        coalesce((
            select list(distinct coalesce(dim_feeds.name, dim_feeds.title, dim_feeds.url))
            from fct_feed_entries
            inner join dim_feeds on dim_feeds.feed_id = fct_feed_entries.feed_id
            where fct_feed_entries.article_id = articles.article_id
        ), []) as feeds
    from articles
)

select * from final;
