"""Extraction in supervised worker processes: each page behind its own boundary.

trafilatura is CPU-bound and holds the GIL, so pages are extracted in worker processes, started
once per process and reused for every chunk of a run. They are forked from a fork server that
imported and warmed up the extraction code once (``flows.extract_warm``): a worker, or its
replacement after a crash, starts in milliseconds instead of seconds of CPU, and the workers share
the loaded code's memory. Pages go to the workers one at
a time (a page costs milliseconds of extraction against microseconds of dispatch), which balances
uneven pages and lets the supervisor hold each page to its own limits:

- a page still extracting after ``extract_time_limit_s`` seconds of CPU is interrupted inside
  the worker (``SIGPROF``) and quarantined as ``extraction exceeded 10 s``. The limit counts CPU,
  not wall time: on a busy machine an ordinary page takes longer but costs no more, and must not
  be lost for it;
- a worker that does not answer within the limit plus a grace period (stuck in C code, which no
  signal interrupts) is killed and replaced, and its page is quarantined with the same reason;
- a worker that dies on a page (a crash in a C library, the kernel's OOM killer) is replaced, and
  that page alone is quarantined.

Every other page of the chunk is extracted as usual.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait

from transforms.articles import PageInput, PageRows, page_rows, raw_page_row, rejected_page
from transforms.settings import Settings


def worker_count(settings: Settings) -> int:
    return settings.extract_workers or os.cpu_count() or 1


class _PageTimeout(BaseException):
    """Raised in a worker by SIGALRM; a BaseException so no ``except Exception`` swallows it."""


def _on_alarm(signum, frame):
    raise _PageTimeout


_READY = "ready"  # a worker's first message: warmed up, its page clock may start
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) the process has used, from /proc; None where there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14 and 15
    except (OSError, IndexError, ValueError):
        return None


_WARM_MODULE = "flows.extract_warm"


def _context():
    """A fork server's context: the parent runs threads, so it must never fork itself; the fork
    server is a fresh single-threaded process that imports ``_WARM_MODULE`` once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([_WARM_MODULE])
    return ctx


def _worker_main(conn: Connection, settings: Settings) -> None:
    """A worker: warm up with this run's settings (cheap: the fork server loaded everything; a
    full warm-up only if its preload failed), then extract pages until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    signal.signal(signal.SIGPROF, _on_alarm)
    from flows.extract_warm import warm_up

    warm_up(settings)
    conn.send(_READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        run_id, page = message
        conn.send(_extract_one(page, run_id, settings))


def _extract_one(page: PageInput, run_id: str, settings: Settings) -> PageRows:
    limit = settings.extract_time_limit_s
    signal.setitimer(signal.ITIMER_PROF, limit)  # CPU time of this process, user + system
    try:
        return page_rows(page, run_id, settings, datetime.now(UTC))
    except _PageTimeout:
        return timed_out(page, run_id, settings)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def timed_out(page: PageInput, run_id: str, settings: Settings) -> PageRows:
    return _stopped(page, run_id, f"extraction exceeded {settings.extract_time_limit_s:g} s")


def _stopped(page: PageInput, run_id: str, reason: str, is_unexpected: bool = False) -> PageRows:
    """A page whose extraction was stopped: quarantined, its bytes kept like any other reject's."""
    raw = raw_page_row(page) if page.http_status is not None else None
    return rejected_page(page, run_id, reason, datetime.now(UTC), raw_page=raw, is_unexpected=is_unexpected)


@dataclass
class _Job:
    pages: list[PageInput]
    run_id: str
    future: Future
    results: list[PageRows | None] = field(default_factory=list)
    left: int = 0


class _Worker:
    def __init__(self, ctx, settings: Settings):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings), daemon=True,
                                name="feedhouse-extract")
        self.proc.start()
        child.close()
        self.task: tuple[_Job, int] | None = None
        self.ready = False  # warmed up: pages go only to ready workers, so warm-up is not page time
        self.started = 0.0  # wall clock at dispatch
        self.cpu_at_start: float | None = None  # the worker's CPU seconds at dispatch (None: no /proc)
        self.cpu_seen = 0.0
        self.progress_at = 0.0  # wall clock when its CPU time last grew

    def dispatched(self, task: tuple[_Job, int]) -> None:
        self.task, self.started = task, time.monotonic()
        self.cpu_at_start = self.cpu_seen = _cpu_seconds(self.proc.pid)
        self.progress_at = self.started

    def over(self, limit: float) -> bool:
        """Has the current page cost more than ``limit`` seconds of the worker's CPU, or has the
        worker used no CPU at all for ``limit`` seconds (stopped, or blocked in C: an extraction
        never waits)? Wall time is only a fallback where /proc is missing: on a busy machine an
        ordinary page takes many times its CPU in wall time."""
        now = time.monotonic()
        cpu = _cpu_seconds(self.proc.pid) if self.cpu_at_start is not None else None
        if cpu is None:
            return now - self.started > limit
        if cpu > self.cpu_seen:
            self.cpu_seen, self.progress_at = cpu, now
        return cpu - self.cpu_at_start > limit or now - self.progress_at > limit

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, ValueError):
            pass
        self.proc.join(5)
        self.conn.close()


class ExtractionPool:
    """``submit(pages, run_id)`` → a future of their :class:`PageRows`, in input order."""

    def __init__(self, workers: int, settings: Settings):
        self.size = workers
        self.settings = settings
        self._hard_limit = settings.extract_time_limit_s + max(5.0, settings.extract_time_limit_s)
        self._ctx = _context()
        self._lock = threading.Lock()
        self._queue: deque[tuple[_Job, int]] = deque()
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._closed = False
        self.replaced = 0  # workers killed or died and replaced (for the run summary)
        self._deaths_in_a_row = 0  # workers that died with no page extracted since: a broken setup
        self._workers = [_Worker(self._ctx, settings) for _ in range(workers)]
        self._thread = threading.Thread(target=self._supervise, name="extract-supervisor", daemon=True)
        self._thread.start()

    def submit(self, pages: list[PageInput], run_id: str) -> Future:
        job = _Job(list(pages), run_id, Future(), [None] * len(pages), len(pages))
        if not pages:
            job.future.set_result([])
            return job.future
        with self._lock:
            if self._closed:
                raise RuntimeError("extraction pool is shut down")
            self._queue.extend((job, i) for i in range(len(pages)))
        self._wake_w.send_bytes(b".")
        return job.future

    def shutdown(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake_w.send_bytes(b".")
        self._thread.join(30)
        for w in self._workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 10
        for w in self._workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.kill()
        for job, _ in list(self._queue):
            if not job.future.done():
                job.future.set_exception(RuntimeError("extraction pool shut down"))

    # -- the supervisor thread: the only code that talks to the workers

    def _supervise(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closed:
                        return
                self._dispatch()
                busy = [w for w in self._workers if w.task is not None]
                warming = [w for w in self._workers if not w.ready]
                ready = wait([self._wake_r] + [w.conn for w in busy + warming], 1.0 if busy else 60.0)
                if self._wake_r in ready:
                    while self._wake_r.poll():
                        self._wake_r.recv_bytes()
                for w in warming:
                    if w.conn in ready:
                        self._warmed(w)
                for w in busy:
                    if w.conn in ready:
                        self._collect(w)
                    elif w.over(self._hard_limit):
                        self._replace(w, timed_out(*self._page_of(w), self.settings))
        except BaseException as exc:  # a bug here must fail the waiting chunks, not hang them
            with self._lock:
                self._closed = True
                pending = {id(job): job for job, _ in self._queue}
                pending.update({id(w.task[0]): w.task[0] for w in self._workers if w.task})
            for job in pending.values():
                if not job.future.done():
                    job.future.set_exception(exc)

    def _page_of(self, w: _Worker) -> tuple[PageInput, str]:
        job, index = w.task
        return job.pages[index], job.run_id

    def _warmed(self, w: _Worker) -> None:
        """A warming worker spoke: it is ready, or it died warming up (replaced, no page lost)."""
        try:
            w.ready = w.conn.recv() == _READY
        except (EOFError, OSError):
            w.kill()
            self._deaths_in_a_row += 1
            if self._deaths_in_a_row > 3 * self.size:
                raise RuntimeError(f"extraction workers die while starting ({self._deaths_in_a_row} in a row, "
                                   f"the last with exit code {w.proc.exitcode})") from None
            self._workers[self._workers.index(w)] = _Worker(self._ctx, self.settings)
            self.replaced += 1

    def _dispatch(self) -> None:
        for w in self._workers:
            if w.task is not None or not w.ready:
                continue
            with self._lock:
                if not self._queue:
                    return
                job, index = self._queue.popleft()
            w.dispatched((job, index))
            try:
                w.conn.send((job.run_id, job.pages[index]))
            except (OSError, EOFError, ValueError):
                self._replace(w, self._died(w))

    def _collect(self, w: _Worker) -> None:
        try:
            rows = w.conn.recv()
        except (EOFError, OSError):
            self._replace(w, self._died(w))
            return
        self._deaths_in_a_row = 0
        self._finish(w, rows)

    def _died(self, w: _Worker) -> PageRows:
        w.proc.join(2)
        page, run_id = self._page_of(w)
        code = w.proc.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return _stopped(page, run_id, f"extraction worker died on this page ({how})", is_unexpected=True)

    def _replace(self, w: _Worker, rows: PageRows) -> None:
        w.kill()
        self._deaths_in_a_row += 1
        if self._deaths_in_a_row > 3 * self.size:  # not the pages: the workers cannot run at all
            raise RuntimeError(f"extraction workers keep dying ({self._deaths_in_a_row} in a row, the last: "
                               f"{rows.quarantine['reason'] if rows.quarantine else '?'})")
        self._finish(w, rows)
        self._workers[self._workers.index(w)] = _Worker(self._ctx, self.settings)
        self.replaced += 1

    def _finish(self, w: _Worker, rows: PageRows) -> None:
        job, index = w.task
        w.task = None
        job.results[index] = rows
        job.left -= 1
        if job.left == 0 and not job.future.done():
            job.future.set_result(job.results)


_pool: ExtractionPool | None = None


def pool_for(settings: Settings) -> ExtractionPool:
    """This process's pool (started on first use, resized if the settings changed)."""
    global _pool
    workers = worker_count(settings)
    if _pool is None or _pool.size != workers or _pool.settings != settings:
        shutdown()
        _pool = ExtractionPool(workers, settings)
    return _pool


def prestart(settings: Settings) -> None:
    """Start the workers now; they warm up in the background while the first pages download."""
    pool_for(settings)


def extract(pages: list[PageInput], run_id: str, settings: Settings) -> list[PageRows]:
    """Extract pages on all cores, each behind its boundary; rows in input order."""
    return pool_for(settings).submit(pages, run_id).result()


def shutdown() -> None:
    """Stop the workers and their fork server (a run's last chunk is extracted; the load does not
    need them)."""
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None
        _stop_fork_server()


def _stop_fork_server() -> None:
    """Stop the fork server and reap it. The workers are its children, reaped by it: only once it
    is reaped here do their CPU seconds count in this process's ``RUSAGE_CHILDREN`` (the run
    summary's ``extraction_workers``, and a benchmark's measure of the whole run). The next pool
    starts a new one. (``_stop`` is the standard library's own way to stop it, private but
    present since Python 3.8.)"""
    from multiprocessing import forkserver

    try:
        forkserver._forkserver._stop()
    except (AttributeError, OSError):  # already gone: nothing of it left to count
        pass


atexit.register(shutdown)
