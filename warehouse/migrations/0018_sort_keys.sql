-- Keys to sort new files by: a lookup of a few articles by id (a search's hits, a retry's page)
-- then reads the files and row groups that can hold them, once compaction has merged small files.
alter table fct_articles set sorted by (article_id);
alter table fetch_state set sorted by (article_id);
alter table raw_pages set sorted by (article_id);
