-- fts_terms: the full-text index's postings: how often each stemmed term occurs in each article.
-- Terms are stemmed with the article's own language's Snowball stemmer (Indonesian, English, …).
-- Files are kept sorted by term, so a search reads only the postings of its terms.
-- grain: (term, article_id).
create table if not exists fts_terms (
    term        varchar not null,
    article_id  bigint not null,   -- -> fct_articles
    tf          integer not null   -- occurrences in the article (term frequency)
);

alter table fts_terms set sorted by (term);
