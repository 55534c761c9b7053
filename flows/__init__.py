"""Prefect flows, the network I/O they orchestrate, and the ``feedhouse`` CLI."""
