-- search_articles(q [, lang := 'id']): articles matching the words of q, ranked by BM25 (k1 = 1.2,
-- b = 0.75, as DuckDB's fts extension), over title, description and text. Query words are
-- stemmed as each language's articles were (or only lang's, which also restricts the articles;
-- a DuckLake macro cannot default to NULL, so '' means every language).
-- grain: one row per matching article.
-- Needs the fts extension loaded for stem() (feedhouse sql and the DuckDB CLI init script do).
create or replace macro search_articles(q, lang := '') as table

with query_words as (
    select distinct word
    from (select unnest(fts_tokens(q)) as word)
    where word <> ''
),

query_terms as (
    select distinct stem(word, fts_stemmer(candidate)) as term
    from query_words
    cross join (select unnest(if(lang = '', ['id', 'en', 'xx'], [lang])) as candidate)
    where word not in (select word from fts_stopwords where lang = '' or language = lang)
),

stats as (
    select count(*) as docs, avg(len) as avgdl from fts_docs
),

document_frequency as (
    select term, count(*) as df
    from fts_terms
    where term in (select term from query_terms)
    group by term
),

scores as (
    select
        postings.article_id,
        sum(
            log(((stats.docs - document_frequency.df) + 0.5) / (document_frequency.df + 0.5) + 1)
            * postings.tf * 2.2 / (postings.tf + 1.2 * (0.25 + 0.75 * docs.len / stats.avgdl))
        ) as score
    from fts_terms as postings
    inner join document_frequency on document_frequency.term = postings.term
    inner join fts_docs as docs on docs.article_id = postings.article_id
    cross join stats
    where postings.term in (select term from query_terms)
      and (lang = '' or docs.language = lang)
    group by postings.article_id
),

final as (
    select scores.article_id, scores.score, docs.language, docs.published_at, docs.site_id
    from scores
    inner join fts_docs as docs on docs.article_id = scores.article_id
)

select * from final
order by score desc;
