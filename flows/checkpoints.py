"""Crash-test hooks.

With ``FEEDHOUSE_PAUSE_AT=<name>`` and ``FEEDHOUSE_PAUSE_FILE=<path>`` set, the run writes the
file when it reaches checkpoint ``<name>`` and then waits (at most ``FEEDHOUSE_PAUSE_S``, default
120 s) so a test can ``kill -9`` it at exactly that point; ``FEEDHOUSE_PAUSE_SKIP=<n>`` passes
the first n arrivals (e.g. pause in the second chunk). Unset, a checkpoint costs nothing.
Checkpoints: ``fetch`` (a chunk fetched, not staged), ``extract`` (a chunk extracted, not
staged), ``load`` (inside the load transaction, before commit).
"""

from __future__ import annotations

import os
import time
from pathlib import Path


_arrivals: dict[str, int] = {}


def checkpoint(name: str) -> None:
    """Pause here if a crash test asked for it."""
    if os.environ.get("FEEDHOUSE_PAUSE_AT") != name:
        return
    _arrivals[name] = _arrivals.get(name, 0) + 1
    if _arrivals[name] <= int(os.environ.get("FEEDHOUSE_PAUSE_SKIP", "0")):
        return
    marker = os.environ.get("FEEDHOUSE_PAUSE_FILE")
    if marker:
        Path(marker).write_text(f"{name} {os.getpid()}\n")
    deadline = time.monotonic() + float(os.environ.get("FEEDHOUSE_PAUSE_S", "120"))
    while time.monotonic() < deadline:
        time.sleep(0.05)
