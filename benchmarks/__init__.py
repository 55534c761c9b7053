"""Performance benchmarks for feedhouse (``make bench``); see benchmarks/README.md."""
