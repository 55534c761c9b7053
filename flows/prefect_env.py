"""Prefect settings feedhouse needs, applied before Prefect is imported: importing the
``flows`` package applies them, so the CLI, ``from flows.ingest import ingest``, served and
work-pool deployments and the tests all run with the same ones. Values already set in the
environment win.

- ``PREFECT_HOME``: the checkout's ``.prefect/``, not ``~/.prefect``.
- No analytics or telemetry: the server's analytics, the client's (``DO_NOT_TRACK``) and Prefect
  Cloud's would each try to reach the internet.
- A cold ephemeral API server takes 15–25 s to start on 2 cores, while Prefect's own startup
  timeout is 20 s.
- The client's default of 5 retries with exponential backoff makes every API call take a minute
  to fail when the server is gone, so a run whose server died would hang for many minutes: 2
  retries bound that.
"""

from __future__ import annotations

import os

from flows.paths import PROJECT_ROOT

DEFAULTS = {
    "PREFECT_HOME": str(PROJECT_ROOT / ".prefect"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
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
