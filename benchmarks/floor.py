"""The extraction floor: trafilatura alone, in-process, on pages already in memory.

Same call and options as feedhouse's ``transforms.extract.extract_main`` (precision mode, metadata,
no comments, tables, extensive date search, no extraction timeout), but without fetching,
decoding, language detection, validation or loading. The floor is the summed CPU seconds of the
extraction calls divided by the number of cores: the wall time a perfectly parallel pipeline
that did nothing but extract would need.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

_PAGES: list[tuple[str, str]] = []  # (url, html); inherited by forked workers


def _options():
    try:
        from transforms.extract import _DATE_PARAMS, _config

        return _DATE_PARAMS, _config()
    except ImportError:  # feedhouse renamed them: fall back to the documented values
        from trafilatura.settings import use_config

        config = use_config()
        config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
        return {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}, config


def _extract(html: str, url: str, date_params, config):
    import trafilatura

    return trafilatura.bare_extraction(
        html, url=url, with_metadata=True, favor_precision=True, include_comments=False,
        include_tables=True, date_extraction_params=date_params, config=config,
    )


def _work(args: tuple[int, int]) -> tuple[float, int, int]:
    start, step = args
    date_params, config = _options()
    share = _PAGES[start::step]
    if not share:
        return 0.0, 0, 0
    _extract(share[0][1], share[0][0], date_params, config)  # warm-up: lazy imports, caches
    found = 0
    t0 = time.process_time()
    for url, html in share:
        if _extract(html, url, date_params, config) is not None:
            found += 1
    return time.process_time() - t0, len(share), found


def extraction_floor(pages: list[tuple[str, str]], workers: int) -> dict:
    """Extract every page once on ``workers`` forked processes; CPU seconds and the floor."""
    global _PAGES
    _PAGES = pages
    t0 = time.monotonic()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_work, [(i, workers) for i in range(workers)]))
    finally:
        _PAGES = []
    wall = time.monotonic() - t0
    cpu = sum(p[0] for p in parts)
    n = sum(p[1] for p in parts)
    return {
        "pages": n,
        "extracted": sum(p[2] for p in parts),
        "cpu_s": round(cpu, 3),
        "cpu_ms_per_page": round(cpu / max(1, n) * 1000, 2),
        "workers": workers,
        "floor_s": round(cpu / workers, 3),
        "wall_s": round(wall, 3),
    }
