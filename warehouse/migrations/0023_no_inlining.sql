-- Rows are written to Parquet at once, never inlined into the catalog: the maintenance flow
-- compacts small files anyway, and DuckLake 1.5.5 cannot flush the inlined rows of a table whose
-- columns changed since (ducklake_flush_inlined_data looks for the old schema's inlined table).
call wh.set_option('data_inlining_row_limit', 0);
