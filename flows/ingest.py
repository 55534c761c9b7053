"""The ingest flow: poll → select → fetch → extract → validate → load.

This file only wires steps together; each step is a task in flows.tasks.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from prefect import flow, runtime
from prefect.utilities.annotations import quote

from flows import tasks
from flows.report import Stopwatch
from flows.paths import DEFAULT_DB, DEFAULT_FEEDS
from transforms.settings import Settings
from warehouse import staging


def _run_id() -> str:
    return str(runtime.flow_run.id or uuid.uuid4())


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _validate_and_stage(run, index, pages, extraction) -> None:
    tasks.stage_chunk(run, index, quote(pages), quote(extraction.result()))


@flow(name="ingest", log_prints=True)
def ingest(
    feeds: str = DEFAULT_FEEDS,
    db: str = DEFAULT_DB,
    all_feeds: bool = False,
    feed_urls: list[str] | None = None,
    statuses: list[str] | None = None,
) -> dict:
    """One ingest run over the feed list ``feeds`` (TOML or OPML) into the DuckDB file ``db``.

    Polls the feeds that are due; ``all_feeds`` polls every one; ``feed_urls`` polls just
    those URLs; ``statuses`` (e.g. ``["dead", "backing-off"]``) polls the feeds in those states.
    """
    clock = Stopwatch()
    run_id = _run_id()
    run = staging.new_run_dir(
        db, run_id,
        {"flow_name": "ingest", "started_at": datetime.now(UTC).isoformat(),
         "parameters": {"feeds": feeds, "db": db, "all_feeds": all_feeds,
                        "feed_urls": feed_urls, "statuses": statuses}},
    )
    try:
        t = time.monotonic()
        feed_list = tasks.read_feed_list(feeds)
        settings = Settings.from_env(os.environ, feed_list.settings)
        recovered = tasks.recover_staged_runs(db, run_id, settings)
        feed_state = tasks.read_state(db, feed_list.feeds, settings, all_feeds, feed_urls, statuses)
        t = clock.add("prepare", t)

        responses = tasks.poll(feed_state, settings)
        t = clock.add("poll", t)
        outcomes = tasks.parse(responses, run_id, settings)
        selection = tasks.select_new(db, outcomes, settings)
        if selection.to_fetch:
            tasks.prewarm(settings)  # worker start-up and the GX import overlap the first fetch
        t = clock.add("parse+select", t)

        # Chunk k is extracted in the process pool while chunk k+1 is fetched and chunk k-1
        # is validated and staged.
        previous = None
        for index, chunk in enumerate(_chunks(selection.to_fetch, settings.chunk_size)):
            pages = tasks.fetch_chunk(run_id, chunk, settings)
            t = clock.add("fetch", t)
            current = (index, pages, tasks.extract_chunk.submit(quote(pages), settings))
            if previous:
                _validate_and_stage(run, *previous)
                t = clock.add("extract+validate+stage", t)
            previous = current
        polls = tasks.check_polls(outcomes, quote(selection), settings)  # beside the last extraction
        t = clock.add("stage polls", t)
        if previous:
            _validate_and_stage(run, *previous)
            t = clock.add("extract+validate+stage", t)
        tasks.release_workers()  # their memory is not needed for the load
        counts = tasks.stage_polls(run, quote(polls))
        t = clock.add("stage polls", t)

        counts["seconds"] = round(clock.total, 3)
        loaded = tasks.load(db, run, counts, settings)
        clock.add("load", t)
    finally:
        staging.release(run)  # a failed load leaves the run staged for the next run
        tasks.forget_run(run_id)
        tasks.release_workers()

    summary = {
        "flow": "ingest",
        "run_id": run_id,
        "feeds_polled": counts["feeds_polled"],
        "feeds_not_modified": counts["feeds_not_modified"],
        "feeds_failed": counts["feeds_failed"],
        "entries_seen": counts["entries_seen"],
        "articles_new": loaded.articles_new,
        "articles_updated": loaded.articles_updated,
        "rows_quarantined": loaded.quarantined,
        "recovered_runs": len(recovered),
        "seconds": round(clock.total, 2),
        "stage_seconds": {k: round(v, 2) for k, v in clock.seconds.items()},
        "cpu_seconds": clock.cpu(),
    }
    tasks.publish_report(summary)
    return summary


@flow(name="backfill", log_prints=True)
def backfill(
    feeds: str = DEFAULT_FEEDS,
    db: str = DEFAULT_DB,
    statuses: list[str] | None = None,
) -> dict:
    """Re-poll now the feeds that are failing (``dead`` and ``backing-off`` by default)."""
    return ingest(feeds=feeds, db=db, statuses=statuses or ["dead", "backing-off"])
