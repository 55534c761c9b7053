-- stg_postings (temporary, this load only): the run's articles tokenized for the full-text
-- index once, each word stemmed in its article's language, with the article's length in indexed
-- terms (BM25's document length) and language; fts_terms and fts_docs read it.
-- grain: (term, article_id).
create or replace temp table stg_postings as

with articles as (
    select distinct on (article_id) article_id, title, description, text, language
    from stg_articles
    order by article_id, fetched_at desc
),

words as (
    select
        article_id,
        language,
        unnest(fts_tokens(concat_ws(' ', title, description, text))) as word
    from articles
),

term_counts as (
    select
        stem(word, fts_stemmer(words.language)) as term,
        article_id,
        language,
        cast(count(*) as integer) as tf
    from words
    where word <> ''
      and not exists (
          select 1 from fts_stopwords as stop where stop.word = words.word and stop.language = words.language
      )
    group by all
),

final as (
    select term, article_id, tf, cast(sum(tf) over (partition by article_id) as integer) as len, language
    from term_counts
)

select * from final;
