-- fts_terms: the postings of re-loaded articles (re-extracted, refetched) go before theirs are
-- added again. Runs only when a load rewrites articles the warehouse had: it reads every posting.
-- grain: (term, article_id).
delete from fts_terms
where article_id in (
    select staged.article_id
    from stg_articles as staged
    semi join fts_docs as docs on docs.article_id = staged.article_id
);
