-- fts_docs: the full-text index's documents: each article's indexed length and language.
-- grain: article_id.
create table if not exists fts_docs (
    article_id    bigint not null,   -- -> fct_articles
    len           integer not null,  -- indexed terms in title + description + text (BM25's document length)
    language      varchar,
    published_at  timestamptz,
    site_id       bigint
);
