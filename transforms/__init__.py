"""Pure functions of the pipeline: parse, extract, normalize. No I/O, no Prefect, no DuckDB."""
