"""The re-extract flow: rebuild articles from stored raw pages, without refetching.

Use it after a trafilatura upgrade or a normalization fix (bump
``transforms.extract.EXTRACTION_REVISION``): pages whose article was built by another
extractor version, or whose extraction was rejected, are extracted again, validated and merged.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from prefect import flow, runtime

from flows import tasks
from flows.report import Stopwatch
from flows.paths import DEFAULT_DB
from transforms.extract import EXTRACTOR_VERSION
from transforms.pages import PageBatch, page_input_from_raw
from transforms.settings import Settings
from warehouse import staging
from warehouse.db import open_for_reading
from warehouse.state import raw_pages_to_reextract


@tasks.step(name="read-raw-pages")
def read_raw_pages(db: str, after_page_id: int | None, settings: Settings, force: bool) -> list[dict]:
    """The next chunk of stored pages to re-extract."""
    with open_for_reading(db, settings.lock_timeout_s) as con:
        return raw_pages_to_reextract(
            con, after_page_id=after_page_id, limit=settings.chunk_size,
            extractor_version=EXTRACTOR_VERSION, force=force,
        )


@flow(name="re-extract", log_prints=True)
def reextract(db: str = DEFAULT_DB, force: bool = False) -> dict:
    """Re-extract stored raw pages into ``fct_articles`` (all of them with ``force``)."""
    settings = Settings.from_env(os.environ)
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    clock = Stopwatch()
    run = staging.new_run_dir(
        db, run_id,
        {"flow_name": "re-extract", "started_at": datetime.now(UTC).isoformat(),
         "parameters": {"db": db, "force": force}},
    )
    pages = 0
    try:
        after, index = None, 0
        while True:
            t = time.monotonic()
            rows = read_raw_pages(db, after, settings, force)
            if not rows:
                break
            if index == 0:
                tasks.prewarm(settings)  # only when there is something to re-extract
            after = rows[-1]["page_id"]
            batch = PageBatch([page_input_from_raw(r) for r in rows], [], [])
            t = clock.add("read", t)
            results = tasks.extract_chunk(batch, settings)
            t = clock.add("extract", t)
            tasks.stage_chunk(run, index, batch, results)
            clock.add("validate+stage", t)
            pages += len(rows)
            index += 1
        tasks.release_workers()
        t = time.monotonic()
        loaded = tasks.load(db, run, {"seconds": round(clock.total, 3)}, settings)
        clock.add("load", t)
    finally:
        staging.release(run)
        tasks.release_workers()
    summary = {
        "flow": "re-extract",
        "run_id": run_id,
        "pages_read": pages,
        "articles_new": loaded.articles_new,
        "articles_updated": loaded.articles_updated,
        "rows_quarantined": loaded.quarantined,
        "seconds": round(clock.total, 2),
        "stage_seconds": {k: round(v, 2) for k, v in clock.seconds.items()},
        "cpu_seconds": clock.cpu(),
    }
    tasks.publish_report(summary)
    return summary
