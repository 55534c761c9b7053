-- v_articles: analyst-facing articles with their dimensions joined in.
-- grain: one row per article (fct_articles.article_id).
-- Tags and feed names are in v_articles_full, not here: DuckDB plans a list subquery (correlated
-- or joined) as a join it runs even when the query does not select the list, which made a grouped
-- count through this view cost 7x the direct join at 1M articles (benchmarks/scale_load.py).
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
