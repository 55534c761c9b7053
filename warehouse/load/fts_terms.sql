-- fts_terms: the postings of the run's articles, sorted by term (the table's sort key).
-- grain: (term, article_id).
insert into fts_terms by name
select term, article_id, tf from stg_postings
order by term;
