"""Extraction in a process pool: trafilatura is CPU-bound and holds the GIL."""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from transforms.articles import ArticleResult, PageInput, process_page
from transforms.pages import stored_body
from transforms.settings import Settings

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def worker_count(settings: Settings) -> int:
    return settings.extract_workers or os.cpu_count() or 1


def _pool_for(workers: int) -> ProcessPoolExecutor:
    # One pool per process, reused for every chunk of a run, shut down after the run's last
    # chunk (flows.tasks.release_workers). "spawn": the parent has Prefect's threads running,
    # and forking threads is unsafe.
    global _pool, _pool_size
    if _pool is None or _pool_size != workers:
        shutdown()
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        _pool_size = workers
    return _pool


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)


_WARM_UP_PAGE = (
    b"<html><head><title>Pemanasan</title><meta name='author' content='Redaksi'></head><body>"
    b"<article><h1>Pemanasan</h1><p>" + b"Kalimat ini memanaskan pengekstrak sebelum halaman pertama tiba. " * 8
    + b"</p></article></body></html>"
)


def _warm_up() -> None:
    """Load trafilatura's lazy modules and the language model in a fresh worker."""
    from datetime import UTC, datetime

    process_page(PageInput("http://warm.up/", "http://warm.up/", _WARM_UP_PAGE, "text/html", datetime.now(UTC)))


def prestart(settings: Settings) -> None:
    """Start the workers and warm them up in the background; returns at once."""
    workers = worker_count(settings)
    pool = _pool_for(workers)
    for _ in range(workers):
        pool.submit(_warm_up)


def _process_many(pages: list[PageInput], settings: Settings, compress: list[bool] | None):
    results = [process_page(page, settings) for page in pages]
    # hashing and gzipping the raw bytes here keeps that CPU off the fetching process
    bodies = [stored_body(p.body, c) for p, c in zip(pages, compress, strict=True)] if compress is not None else []
    return results, bodies


def _map(pages: list[PageInput], settings: Settings, compress: list[bool] | None):
    if not pages:
        return [], []
    workers = worker_count(settings)
    pool = _pool_for(workers)
    # a few slices per worker balances uneven pages without paying per-page IPC
    slices = max(1, min(len(pages), workers * 4))
    size = -(-len(pages) // slices)
    starts = range(0, len(pages), size)
    parts = [pages[i : i + size] for i in starts]
    flags = [compress[i : i + size] if compress is not None else None for i in starts]
    results: list[ArticleResult] = []
    bodies: list[dict] = []
    for part_results, part_bodies in pool.map(_process_many, parts, [settings] * len(parts), flags):
        results.extend(part_results)
        bodies.extend(part_bodies)
    return results, bodies


def extract_pages(pages: list[PageInput], settings: Settings) -> list[ArticleResult]:
    """Extract a chunk of pages on all cores; results in input order."""
    return _map(pages, settings, None)[0]


def extract_fetched(
    pages: list[PageInput], settings: Settings, compress: list[bool]
) -> tuple[list[ArticleResult], list[dict]]:
    """Like :func:`extract_pages`, plus each page's stored-body columns (see
    :func:`transforms.pages.stored_body`; gzip only where ``compress``), both in input order."""
    return _map(pages, settings, compress)
