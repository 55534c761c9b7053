"""Process plumbing for the benchmarks: measured subprocesses, process trees, a Prefect server.

Everything here starts processes in their own process group and stops them by that group's id
in ``finally`` blocks, so an error or Ctrl-C leaves nothing running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")


def venv_bin(name: str) -> str:
    path = VENV_BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# /proc helpers (psutil is not in the locked environment)
# ---------------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads' children)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
        except OSError:
            continue
    return out


def tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants."""
    seen, stack = [], [pid]
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.append(p)
        stack.extend(children(p))
    return seen


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def cpu_s(pid: int) -> float:
    """user+system CPU seconds of one live process, including its reaped children."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime stime cutime cstime
    return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / CLK_TCK


def tree_cpu_s(pid: int) -> float:
    return sum(cpu_s(p) for p in tree(pid)) if pid else 0.0


def group_members(pgid: int) -> list[str]:
    """``pid: cmdline`` of live processes in process group ``pgid``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            out.append(f"{entry}: {cmd[:200]}")
        except (OSError, IndexError, ValueError):
            continue
    return out


def kill_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group of ``proc`` (started with start_new_session), then SIGKILL."""
    if proc.returncode is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------------------------------------
# measured subprocess
# ---------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    cmd: list[str]
    returncode: int | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0  # user+sys of the process and its reaped descendants (wait4 rusage)
    user_s: float = 0.0
    sys_s: float = 0.0
    maxrss_kb: int = 0  # ru_maxrss: the largest single process of the tree
    peak_tree_rss_kb: int = 0  # sampled: peak of the summed RSS of the live process tree
    peak_processes: int = 0
    timed_out: bool = False
    stdout: str = ""
    stdout_path: str = ""
    stderr_path: str = ""
    others_cpu_s: dict[str, float] = field(default_factory=dict)  # CPU of watched servers meanwhile
    stragglers: list[str] = field(default_factory=list)  # group members still alive after the exit
    peak_at_s: float = 0.0  # when the summed RSS peaked (seconds after start)
    rss_timeline: list[tuple[float, int]] = field(default_factory=list)  # (s, MB), about one point a second

    def json_summary(self) -> dict | None:
        """The last JSON object printed on stdout (``feedhouse run --json``)."""
        for line in reversed(self.stdout.splitlines()):
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                try:
                    return json.loads(line)
                except ValueError:
                    continue
        return None

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "stdout"}
        d["summary"] = self.json_summary()
        return d


def measure(
    cmd: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log_prefix: Path,
    timeout_s: float,
    watch: dict[str, int] | None = None,
    sample_s: float = 0.2,
    stdin_path: Path | None = None,
) -> Measurement:
    """Run ``cmd`` in its own process group; wall, CPU (wait4 rusage), peak RSS of the tree.

    ``watch`` maps a label to the pid of another process (a server) whose tree's CPU seconds
    during the run are reported in ``others_cpu_s``.
    """
    m = Measurement(cmd=cmd)
    out_path = Path(f"{log_prefix}.stdout")
    err_path = Path(f"{log_prefix}.stderr")
    m.stdout_path, m.stderr_path = str(out_path), str(err_path)
    watch = watch or {}
    before = {k: tree_cpu_s(p) for k, p in watch.items()}
    stop = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=stdin, start_new_session=True)

        def sampler():
            last_point = -1.0
            while not stop.is_set():
                pids = tree(proc.pid)
                total = sum(rss_kb(p) for p in pids)
                now = time.monotonic() - t0
                if total > m.peak_tree_rss_kb:
                    m.peak_tree_rss_kb, m.peak_at_s = total, round(now, 1)
                if now - last_point >= 1.0:
                    m.rss_timeline.append((round(now, 1), total // 1024))
                    last_point = now
                m.peak_processes = max(m.peak_processes, len(pids))
                stop.wait(sample_s)

        def killer():
            if not stop.wait(timeout_s):
                m.timed_out = True
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.killpg(proc.pid, sig)
                    except ProcessLookupError:
                        return
                    if stop.wait(10):
                        return

        threads = [threading.Thread(target=sampler, daemon=True), threading.Thread(target=killer, daemon=True)]
        for t in threads:
            t.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        except BaseException:
            kill_group(proc, grace=5)
            raise
        finally:
            stop.set()
            for t in threads:
                t.join(15)
            if stdin_path:
                stdin.close()
        m.wall_s = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        # stragglers left in the group (processes the child did not stop) must not outlive it
        grace = time.monotonic() + 3  # e.g. multiprocessing's resource tracker exits on its own
        while (members := group_members(proc.pid)) and time.monotonic() < grace:
            time.sleep(0.1)
        m.stragglers = members
        if m.stragglers:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    m.returncode = proc.returncode
    m.user_s, m.sys_s = ru.ru_utime, ru.ru_stime
    m.cpu_s = ru.ru_utime + ru.ru_stime
    m.maxrss_kb = ru.ru_maxrss
    m.others_cpu_s = {k: round(tree_cpu_s(p) - before[k], 3) for k, p in watch.items()}
    m.stdout = out_path.read_text(encoding="utf-8", errors="replace")
    return m


# ---------------------------------------------------------------------------------------------
# environments
# ---------------------------------------------------------------------------------------------


PYCACHE = PROJECT_ROOT / "benchmarks" / ".out" / "pycache"


def python_env(env: dict[str, str], pycache: Path | None) -> dict[str, str]:
    """Let Python cache bytecode under ``pycache`` (PYTHONPYCACHEPREFIX; .venv is not touched).

    With PYTHONDONTWRITEBYTECODE=1 and a venv installed without compiled bytecode, every process
    compiles prefect, great_expectations, pandas … from source at import time; a deployed
    service would not. ``pycache=None`` keeps the environment as it is."""
    env = dict(env)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def compile_bytecode(pycache: Path, timeout_s: float = 900) -> tuple[float, int]:
    """Byte-compile the stdlib, site-packages and feedhouse into ``pycache`` (no-op when current)."""
    paths = subprocess.run(
        [venv_bin("python"), "-c", "import sysconfig; p = sysconfig.get_paths(); print(p['stdlib']); print(p['purelib'])"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout.split()
    targets = [*paths, *(str(PROJECT_ROOT / d) for d in ("flows", "transforms", "warehouse", "expectations", "benchmarks"))]
    t0 = time.monotonic()
    proc = subprocess.run([venv_bin("python"), "-m", "compileall", "-q", "-j", "0", "-x", r"/(test|tests|idlelib|lib2to3)/", *targets],
                          env=python_env(dict(os.environ), pycache), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=timeout_s)
    return time.monotonic() - t0, proc.returncode


def base_env(prefect_home: Path, api_url: str | None, pycache: Path | None = None) -> dict[str, str]:
    """Environment for a feedhouse subprocess: the caller's, minus any Prefect profile or API
    settings, plus our Prefect home/API and the loopback allow-list. ``FEEDHOUSE_*`` knobs of
    the caller are kept (so the benchmark can compare settings)."""
    env = python_env({k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}, pycache)
    env.pop("FEEDHOUSE_DB", None)
    env.pop("FEEDHOUSE_FEEDS", None)
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
        FEEDHOUSE_ALLOW_HOSTS="127.0.0.1",
        GX_ANALYTICS_ENABLED="false",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        COLUMNS="200",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def feedhouse_overrides() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("FEEDHOUSE_") and k not in ("FEEDHOUSE_DB", "FEEDHOUSE_FEEDS")}


# ---------------------------------------------------------------------------------------------
# Prefect server
# ---------------------------------------------------------------------------------------------


class PrefectServer:
    """``prefect server start`` on 127.0.0.1 with a private PREFECT_HOME (pre-migrated)."""

    def __init__(self, home: Path, log_path: Path, startup_timeout_s: float = 240.0, pycache: Path | None = None):
        self.pycache = pycache
        self.home = Path(home)
        self.log_path = Path(log_path)
        self.startup_timeout_s = startup_timeout_s
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.startup_s = 0.0
        self.migrate_s = 0.0
        self._log = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc and self.proc.returncode is None else 0

    def env(self) -> dict[str, str]:
        env = python_env({k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}, self.pycache)
        env.update(
            PREFECT_HOME=str(self.home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_UI_ENABLED="false",
            PREFECT_UI_ENABLED="false",
            PREFECT_SERVER_LOGGING_LEVEL="WARNING",
            PREFECT_API_SERVICES_TRIGGERS_ENABLED="false",
            NO_COLOR="1",
        )
        return env

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        t0 = time.monotonic()
        migrate = subprocess.Popen([venv_bin("prefect"), "server", "database", "upgrade", "-y"], env=self.env(),
                                   stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, cwd=self.home)
        try:
            if migrate.wait(300) != 0:
                raise RuntimeError(f"prefect server database upgrade failed (see {self.log_path})")
        finally:
            kill_group(migrate)
        self.migrate_s = time.monotonic() - t0
        self.port = free_port()
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [venv_bin("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.port), "--no-ui",
             "--analytics-off"],
            env=self.env(), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, cwd=self.home,
        )
        import httpx

        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prefect server exited with {self.proc.returncode} (see {self.log_path})")
            try:
                r = httpx.get(f"{self.api_url}/health", timeout=2, trust_env=False)
                if r.status_code == 200:
                    self.startup_s = time.monotonic() - t0
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"prefect server not healthy after {self.startup_timeout_s:g}s (see {self.log_path})")

    def cpu_seconds(self) -> float:
        return tree_cpu_s(self.pid)

    def stop(self) -> None:
        if self.proc is not None:
            kill_group(self.proc, grace=15)
            self.proc = None
        if self._log:
            self._log.close()
            self._log = None
