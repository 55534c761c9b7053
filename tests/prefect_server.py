"""A real ``prefect server start`` on 127.0.0.1 for deployment and crash tests.

Migrated once per test session (``prefect server database upgrade``), started with a private
PREFECT_HOME, stopped by its process group. Each further server copies the migrated database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
    )
    return env


class PrefectServer:
    """One server process. ``api_url`` for clients; ``stop()`` kills its process group."""

    _template: Path | None = None

    def __init__(self):
        self.home = Path(tempfile.mkdtemp(prefix="feedhouse-prefect-server-"))
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.proc: subprocess.Popen | None = None

    @classmethod
    def _migrated_db(cls) -> Path:
        if cls._template is None:
            home = Path(tempfile.mkdtemp(prefix="feedhouse-prefect-template-"))
            subprocess.run([str(BIN / "prefect"), "server", "database", "upgrade", "-y"],
                           env=base_env(home), check=True, capture_output=True, timeout=300)
            cls._template = home / "prefect.db"
        return cls._template

    def start(self, timeout_s: float = 120) -> PrefectServer:
        shutil.copy(self._migrated_db(), self.home / "prefect.db")
        self.log = open(self.home / "server.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=base_env(self.home), stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prefect server exited: {(self.home / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("prefect server did not become healthy in time")

    def client_env(self, **extra: str) -> dict[str, str]:
        """Environment for a process that talks to this server."""
        env = base_env(Path(tempfile.mkdtemp(prefix="feedhouse-prefect-client-")))
        env["PREFECT_API_URL"] = self.api_url
        env.update(extra)
        return env

    def api(self, method: str, path: str, **kw) -> httpx.Response:
        response = httpx.request(method, f"{self.api_url}{path}", timeout=10, **kw)
        response.raise_for_status()
        return response

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)
