-- v_articles: analyst-facing articles with their dimensions joined in.
-- grain: one row per article (fct_articles.article_id).
-- Tags and feeds are correlated subqueries, not joined aggregates: a query that does not select
-- them does not pay for them (a grouped count through this view costs about what the direct join does).
create or replace view v_articles as

with articles as (
    select * from fct_articles
),

sites as (
    select * from dim_sites
),

authors as (
    select * from dim_authors
),

dates as (
    select * from dim_dates
),

final as (
    select
        articles.article_id,
        articles.title,
        articles.canonical_url,
        articles.published_at,
        dates.date as published_date,
        dates.year as published_year,
        dates.month as published_month,
        dates.iso_week as published_iso_week,
        sites.domain as site_domain,
        sites.site_name,
        authors.name as author_name,
        articles.language,
        articles.word_count,
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
        ), []) as feeds,
        articles.description,
        articles.text,
        articles.fetched_at,
        articles.content_hash,
        articles.story_id
    from articles
    left join sites on sites.site_id = articles.site_id
    left join authors on authors.author_id = articles.author_id
    left join dates on dates.date_id = articles.published_date_id
)

select * from final;
