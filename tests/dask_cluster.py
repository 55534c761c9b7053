"""A real Dask cluster on 127.0.0.1: one `dask scheduler` and N `dask worker` processes (one
process, one thread each), started and stopped by the tests, each worker with its own
environment (the Prefect API to report task runs to, crash-test hooks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .prefect_server import free_port

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parent.parent


class DaskCluster:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def start(self, workers: int = 2, worker_env: list[dict] | None = None) -> DaskCluster:
        self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--dashboard-address", ":0"], self.env)
        for i in range(workers):
            self.add_worker({**self.env, **((worker_env or [{}] * workers)[i])})
        self.wait_for_workers(workers)
        return self

    def add_worker(self, env: dict[str, str]) -> subprocess.Popen:
        worker = self._spawn(["worker", self.address, "--nworkers", "1", "--nthreads", "1", "--host", "127.0.0.1",
                              "--dashboard-address", ":0", "--no-nanny"], env)
        self.workers.append(worker)
        return worker

    def _spawn(self, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "dask"), *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_for_workers(self, n: int, timeout_s: float = 120) -> None:
        from distributed import Client

        deadline = time.monotonic() + timeout_s
        with Client(self.address, timeout=timeout_s) as client:
            while len(client.scheduler_info()["workers"]) < n:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dask: {n} workers never joined {self.address}")
                time.sleep(0.2)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=30)
