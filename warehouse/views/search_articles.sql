-- search_articles(q [, lang := 'id']): articles matching the words of q, ranked by BM25 (k1 = 1.2,
-- b = 0.75, as DuckDB's fts extension), over title, description and text. Query words are
-- stemmed as each language's articles were (or only lang's, which also restricts the articles;
-- a DuckLake macro cannot default to NULL, so '' means every language).
-- Scores come from the postings of the query's terms alone (each carries its document's length
-- and language): no join with fts_docs per match, and the logarithm once per term, not per row.
-- Join fct_articles or v_articles for anything else about the hits.
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

-- BM25 per posting is weight * tf / (tf + k + m * len), with the term's idf and the collection's
-- average length folded into weight, k and m
term_weights as (
    select
        document_frequency.term,
        log((stats.docs - document_frequency.df + 0.5) / (document_frequency.df + 0.5) + 1) * 2.2 as weight,
        1.2 * 0.25 as k,
        1.2 * 0.75 / stats.avgdl as m
    from document_frequency
    cross join stats
),

scores as (
    select
        postings.article_id,
        any_value(postings.language) as language,
        sum(weights.weight * postings.tf / (postings.tf + weights.k + weights.m * postings.len)) as score
    from fts_terms as postings
    inner join term_weights as weights on weights.term = postings.term
    where postings.term in (select term from query_terms)
      and (lang = '' or postings.language = lang)
    group by postings.article_id
),

final as (
    select article_id, score, language
    from scores
)

select * from final
order by score desc;
