"""Prefect settings feedhouse needs, applied before Prefect is imported.

A cold ephemeral API server takes 15–25 s to start on 2 cores, while Prefect's own startup
timeout is 20 s; analytics would try to reach the internet. The client's default of 5 retries
with exponential backoff makes every API call take a minute to fail when the server is gone, so
a run whose server died would hang for many minutes: 2 retries bound that. Values already set
in the environment win.
"""

from __future__ import annotations

import os

from flows.paths import PROJECT_ROOT

DEFAULTS = {
    "PREFECT_HOME": str(PROJECT_ROOT / ".prefect"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_API_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.5",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_CLIENT_MAX_RETRIES": "2",
}


def configure() -> None:
    """Set feedhouse's Prefect defaults in ``os.environ`` unless already set."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
