"""A command run in its own process group and measured as the machine sees it.

Wall time from spawn to exit; CPU from ``wait4()``, which adds every descendant the process
reaped (the extraction pool); peak memory as the highest sum of RSS over the live process tree,
sampled from ``/proc`` every 0.2 s (psutil is not in the lock, and ``ru_maxrss`` only knows the
largest single process). Whatever the command leaves running in its group is killed and reported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and its live descendants, from ``/proc/<pid>/task/*/children``."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                todo.extend(int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split())
        except OSError:
            continue
    return found


def rss_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process tree, reaped children included."""
    total = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


@dataclass
class Measurement:
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_kb: int
    processes: int
    timed_out: bool
    left_running: bool
    stdout: str
    stderr_path: Path

    def summary(self) -> dict | None:
        """The last JSON object on stdout (``feedhouse run --json``)."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    continue
        return None

    def tail(self, lines: int = 20) -> str:
        text = self.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join("      | " + line[:300] for line in text[-lines:])


def _kill_group(pgid: int, sig: int = signal.SIGKILL) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False


def measure(cmd: list[str], env: dict[str, str], log_prefix: Path, timeout_s: float, cwd: Path | None = None) -> Measurement:
    """Run ``cmd`` to completion (killed after ``timeout_s``) and measure it; output to ``log_prefix.*``."""
    stdout_path, stderr_path = Path(f"{log_prefix}.stdout"), Path(f"{log_prefix}.stderr")
    stop = threading.Event()
    peak = {"rss": 0, "processes": 0}
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)

        def sample() -> None:
            while not stop.wait(0.2):
                pids = tree(proc.pid)
                peak["rss"] = max(peak["rss"], sum(rss_kb(p) for p in pids))
                peak["processes"] = max(peak["processes"], len(pids))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout_s, _kill_group, (proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: nothing of it may outlive the benchmark
            _kill_group(proc.pid)
            raise
        finally:
            timer.cancel()
            stop.set()
            sampler.join(5)
    wall = time.monotonic() - started
    grace = time.monotonic() + 3  # multiprocessing's resource tracker exits on its own, just after its parent
    while _kill_group(proc.pid, 0) and time.monotonic() < grace:
        time.sleep(0.1)
    return Measurement(
        returncode=os.waitstatus_to_exitcode(status), wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_kb=peak["rss"], processes=peak["processes"], timed_out=wall >= timeout_s,
        left_running=_kill_group(proc.pid), stdout=stdout_path.read_text(encoding="utf-8", errors="replace"),
        stderr_path=stderr_path,
    )
