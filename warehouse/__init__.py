"""The warehouse: DDL and migrations, the staging area, load/merge, analyst views.

This package is the only code that opens the DuckDB file.
"""
