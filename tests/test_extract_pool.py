"""The supervised extraction pool: a page that is too slow, hangs its worker or kills it costs
only itself; the other pages of the chunk are extracted as usual."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime

import pytest

from flows.extract_pool import ExtractionPool
from transforms.articles import PageInput
from transforms.settings import Settings

from .fault_server import INDONESIAN_PARAGRAPH, heavy_page, page_html

GOOD = page_html("Judul uji", [INDONESIAN_PARAGRAPH] * 3).encode()


def _pages(n: int) -> list[PageInput]:
    return [PageInput(f"http://x.test/{i}", f"http://x.test/{i}", GOOD, "text/html", datetime.now(UTC),
                      http_status=200) for i in range(n)]


@pytest.fixture
def pool_factory():
    pools = []

    def make(**settings) -> ExtractionPool:
        pool = ExtractionPool(settings.pop("workers", 2), Settings(**settings))
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.shutdown()


def _wait_ready(pool: ExtractionPool) -> None:
    pool.submit(_pages(2), "warm").result(timeout=120)  # workers started and warmed up


def test_pages_over_the_time_limit_are_quarantined_and_the_rest_load(pool_factory):
    pool = pool_factory(extract_time_limit_s=0.5)  # the heavy page needs seconds of CPU; GOOD milliseconds
    _wait_ready(pool)
    heavy = PageInput("http://x.test/heavy", "http://x.test/heavy", heavy_page(), "text/html", datetime.now(UTC),
                      http_status=200)
    rows = pool.submit([heavy, *_pages(1), heavy], "run").result(timeout=120)
    assert [(r.quarantine or {}).get("reason") for r in rows] == ["extraction exceeded 0.5 s", None,
                                                                 "extraction exceeded 0.5 s"]
    assert rows[1].article is not None
    assert all(r.raw_page is not None and r.article is None for r in rows[::2])  # the bytes are kept
    assert pool.replaced == 0  # interrupted in the worker: nothing had to be killed


def test_the_time_limit_counts_cpu_not_a_busy_machines_wall_time(pool_factory):
    """A worker that gets no CPU for a while (here: stopped for 2 s, longer than the limit) has
    cost its page nothing, and the page loads when it runs again."""
    pool = pool_factory(extract_time_limit_s=1, workers=1)
    _wait_ready(pool)
    worker = pool._workers[0].proc.pid
    os.kill(worker, signal.SIGSTOP)
    future = pool.submit(_pages(1), "run")
    time.sleep(2)
    os.kill(worker, signal.SIGCONT)
    rows = future.result(timeout=120)
    assert rows[0].article is not None, rows[0].quarantine
    assert pool.replaced == 0


def test_pages_wait_for_workers_to_warm_up(pool_factory):
    """Pages handed over while the workers still start (imports, warm-up: seconds on a busy
    machine) are not charged for it."""
    pool = pool_factory(extract_time_limit_s=0.5)
    rows = pool.submit(_pages(4), "run").result(timeout=120)  # no _wait_ready
    assert all(r.article is not None for r in rows), [r.quarantine for r in rows]


def test_a_worker_stuck_on_a_page_is_killed_and_replaced(pool_factory):
    pool = pool_factory(extract_time_limit_s=1, workers=1)
    _wait_ready(pool)
    stuck = pool._workers[0].proc.pid
    os.kill(stuck, signal.SIGSTOP)  # stuck where no signal gets through (as in C code)
    started = time.monotonic()
    rows = pool.submit(_pages(3), "run").result(timeout=120)
    assert time.monotonic() - started < 30
    assert rows[0].quarantine["reason"] == "extraction exceeded 1 s"
    assert [r.article is not None for r in rows[1:]] == [True, True]  # the replacement did the rest
    assert pool.replaced == 1 and pool._workers[0].proc.pid != stuck


def test_a_worker_that_dies_costs_only_its_page(pool_factory):
    pool = pool_factory(workers=1)
    _wait_ready(pool)
    victim = pool._workers[0].proc.pid
    os.kill(victim, signal.SIGSTOP)
    future = pool.submit(_pages(3), "run")
    time.sleep(0.5)  # the first page is handed to the stopped worker
    os.kill(victim, signal.SIGKILL)
    rows = future.result(timeout=120)
    assert rows[0].quarantine["reason"] == "extraction worker died on this page (killed by signal 9)"
    assert rows[0].quarantine["is_unexpected"] is True
    assert [r.article is not None for r in rows[1:]] == [True, True]
    assert pool.replaced == 1
