-- fts_terms: the postings of the run's articles, with their documents' lengths and languages,
-- sorted by term (the table's sort key).
-- grain: (term, article_id).
insert into fts_terms by name
select term, article_id, tf, len, language from stg_postings
order by term;
