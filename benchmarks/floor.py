"""The extraction floor: trafilatura alone on pages already in memory, CPU seconds ÷ cores.

The floor is what a pipeline that did nothing but extract, perfectly parallel, would need in
wall time: ``trafilatura.extract`` with its defaults on every HTML page of the corpus. The same
pages through feedhouse's own extraction (``transforms.extract.extract_main``: precision,
tables, and the metadata searches) are measured too, for information: the difference is what
feedhouse asks of trafilatura beyond the defaults.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import trafilatura

from transforms.extract import extract_main

_PAGES: list[tuple[str, str]] = []  # (url, html), inherited by the forked workers


def trafilatura_defaults(html: str, url: str) -> object:
    return trafilatura.extract(html, url=url)


def feedhouse_options(html: str, url: str) -> object:
    return extract_main(html, url)


def _share(job: tuple[Callable[[str, str], object], int, int]) -> tuple[float, int]:
    """CPU seconds and pages with text for every ``step``-th page, after one warm-up call."""
    extract, start, step = job
    pages = _PAGES[start::step]
    if pages:
        extract(pages[0][1], pages[0][0])  # lazy imports and caches are not extraction
    began, found = time.process_time(), 0
    for url, html in pages:
        found += extract(html, url) is not None
    return time.process_time() - began, found


def extraction_floor(pages: list[tuple[str, str]], extract: Callable[[str, str], object], workers: int) -> dict:
    """Extract every page once on ``workers`` forked processes; the CPU they spent and the floor."""
    global _PAGES
    _PAGES = pages
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            shares = list(pool.map(_share, [(extract, i, workers) for i in range(workers)]))
    finally:
        _PAGES = []
    cpu = sum(s[0] for s in shares)
    return {"pages": len(pages), "with_text": sum(s[1] for s in shares), "cpu_s": round(cpu, 2),
            "ms_per_page": round(cpu / max(1, len(pages)) * 1000, 1), "floor_s": round(cpu / workers, 2)}
