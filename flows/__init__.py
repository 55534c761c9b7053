"""Prefect flows, the network I/O they orchestrate, and the ``feedhouse`` CLI.

Importing this package applies feedhouse's Prefect settings (``flows/prefect_env.py``) before
anything imports Prefect, whatever the entry point.
"""

from flows.prefect_env import configure

configure()
