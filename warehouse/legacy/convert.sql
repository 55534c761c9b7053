-- Copy a feedhouse 0.1 warehouse (one DuckDB file, attached as `old`, at legacy migration 0014)
-- into a new DuckLake warehouse (current, in use). Run once, in one transaction, by
-- `feedhouse migrate --from`. The quarantine table of 0.1 was also the retry queue; its JSON
-- records are decoded here, once, into fetch_state's typed columns.

insert into etl_runs by name
select * from old.etl_runs;

insert into dim_feeds by name
select * from old.dim_feeds;

insert into dim_sites by name
select * from old.dim_sites;

insert into dim_authors by name
select * from old.dim_authors;

insert into dim_tags by name
select * from old.dim_tags;

insert into fct_articles by name
select * from old.fct_articles;

insert into bridge_article_tags by name
select * from old.bridge_article_tags;

insert into fct_feed_entries by name
select * from old.fct_feed_entries;

insert into fct_feed_polls by name
select *, 0 as entries_deferred, false as is_unexpected
from old.fct_feed_polls;

insert into raw_pages by name
select * exclude (page_id), page_id as article_id
from old.raw_pages;

-- One log line per 0.1 quarantine row (0.1 kept one row per stage, source and reason).
insert into quarantine by name
select
    quarantine_id,
    last_run_id as run_id,
    stage,
    source_url,
    try_cast(json_extract_string(record, '$.article_id') as bigint) as article_id,
    try_cast(json_extract_string(record, '$.feed_id') as bigint) as feed_id,
    reason,
    is_retryable,
    false as is_unexpected,
    record,
    last_quarantined_at as quarantined_at
from old.quarantine;

-- Loaded articles, with the feed entry that listed them first (what re-extraction needs).
insert into fetch_state by name
with first_entries as (
    select distinct on (entries.article_id)
        entries.article_id, entries.feed_id, entries.entry_url, entries.entry_id, entries.entry_title,
        entries.entry_published_at, feeds.language as feed_language
    from old.fct_feed_entries as entries
    left join old.dim_feeds as feeds on feeds.feed_id = entries.feed_id
    order by entries.article_id, entries.first_seen_at
),

feed_tags as (
    select bridge.article_id, list(tags.tag order by tags.tag) as entry_categories
    from old.bridge_article_tags as bridge
    inner join old.dim_tags as tags on tags.tag_id = bridge.tag_id
    where bridge.source = 'feed'
    group by bridge.article_id
),

final as (
    select
        articles.article_id,
        articles.canonical_url,
        first_entries.feed_id,
        coalesce(first_entries.entry_url, articles.url) as entry_url,
        first_entries.entry_id,
        first_entries.entry_title,
        first_entries.entry_published_at,
        feed_tags.entry_categories,
        first_entries.feed_language,
        'loaded' as status,
        1 as attempts,
        false as is_retryable,
        articles.first_loaded_at as first_queued_at,
        articles.fetched_at as last_attempt_at,
        articles.updated_at
    from old.fct_articles as articles
    left join first_entries on first_entries.article_id = articles.article_id
    left join feed_tags on feed_tags.article_id = articles.article_id
)

select * from final;

-- Pages that never became articles: failed for good, or still retried (a transient fetch
-- failure that had attempts left), with the entry their record kept.
insert into fetch_state by name
with rejects as (
    select distinct on (article_id) *
    from (
        select
            try_cast(json_extract_string(record, '$.article_id') as bigint) as article_id,
            *
        from old.quarantine
        where stage in ('fetch', 'extract', 'validate') and resolved_at is null
    )
    where article_id is not null
      and article_id not in (select article_id from old.fct_articles)
    order by article_id, last_quarantined_at desc
),

final as (
    select
        article_id,
        coalesce(json_extract_string(record, '$.canonical_url'), source_url) as canonical_url,
        try_cast(json_extract_string(record, '$.feed_id') as bigint) as feed_id,
        json_extract_string(record, '$.link') as entry_url,
        json_extract_string(record, '$.entry_id') as entry_id,
        json_extract_string(record, '$.title') as entry_title,
        json_extract_string(record, '$.author') as entry_author,
        try_cast(json_extract_string(record, '$.published_at') as timestamptz) as entry_published_at,
        cast(json_extract(record, '$.categories') as varchar[]) as entry_categories,
        json_extract_string(record, '$.feed_language') as feed_language,
        case when is_retryable and times_seen < $max_attempts then 'retrying' else 'failed' end as status,
        times_seen as attempts,
        is_retryable,
        stage as last_stage,
        reason as last_error,
        quarantined_at as first_queued_at,
        last_quarantined_at as last_attempt_at,
        last_quarantined_at as next_attempt_at,
        last_quarantined_at as updated_at
    from rejects
)

select * from final;
