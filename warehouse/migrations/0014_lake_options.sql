-- DuckLake options for the whole warehouse (stored in its catalog).
-- Article text compresses 2.5x with zstd against 1.1x with the default snappy. Snapshots are
-- kept for time travel for 7 days, and files they no longer need are deleted 2 days after that
-- by the maintenance flow (never sooner: a reader's open transaction may still use them).
call wh.set_option('parquet_compression', 'zstd');
call wh.set_option('expire_older_than', '7 days');
call wh.set_option('delete_older_than', '2 days');
