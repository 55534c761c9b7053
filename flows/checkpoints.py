"""Crash-test hooks.

With ``FEEDHOUSE_PAUSE_AT=<name>`` and ``FEEDHOUSE_PAUSE_FILE=<path>`` set, the run writes the
file when it reaches checkpoint ``<name>`` and then waits (at most ``FEEDHOUSE_PAUSE_S``, default
120 s) so a test can ``kill -9`` it at exactly that point. Unset, a checkpoint costs nothing.
Checkpoints: ``fetch`` (a chunk fetched, not staged), ``extract`` (a chunk extracted, not
staged), ``load`` (inside the load transaction, before commit).
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def checkpoint(name: str) -> None:
    """Pause here if a crash test asked for it."""
    if os.environ.get("FEEDHOUSE_PAUSE_AT") != name:
        return
    marker = os.environ.get("FEEDHOUSE_PAUSE_FILE")
    if marker:
        Path(marker).write_text(f"{name} {os.getpid()}\n")
    deadline = time.monotonic() + float(os.environ.get("FEEDHOUSE_PAUSE_S", "120"))
    while time.monotonic() < deadline:
        time.sleep(0.05)
