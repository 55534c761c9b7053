-- v_articles: analyst-facing articles with their dimensions joined in.
-- grain: one row per article (fct_articles.article_id).
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

article_tags as (
    select
        bridge_article_tags.article_id,
        list(dim_tags.tag order by dim_tags.tag) as tags
    from bridge_article_tags
    inner join dim_tags on dim_tags.tag_id = bridge_article_tags.tag_id
    group by bridge_article_tags.article_id
),

article_feeds as (
    select
        fct_feed_entries.article_id,
        list(distinct coalesce(dim_feeds.name, dim_feeds.title, dim_feeds.url)) as feeds
    from fct_feed_entries
    inner join dim_feeds on dim_feeds.feed_id = fct_feed_entries.feed_id
    group by fct_feed_entries.article_id
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
        coalesce(article_tags.tags, []) as tags,
        coalesce(article_feeds.feeds, []) as feeds,
        articles.description,
        articles.text,
        articles.fetched_at,
        articles.content_hash
    from articles
    left join sites on sites.site_id = articles.site_id
    left join authors on authors.author_id = articles.author_id
    left join dates on dates.date_id = articles.published_date_id
    left join article_tags on article_tags.article_id = articles.article_id
    left join article_feeds on article_feeds.article_id = articles.article_id
)

select * from final;
