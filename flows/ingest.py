"""The ingest flow: poll → select → fetch + extract → validate + stage → load.

This file only wires steps together; each step is a task in flows.tasks.
"""

from __future__ import annotations

import os

from prefect import flow
from prefect.utilities.annotations import quote

from flows import tasks
from flows.paths import DEFAULT_DB, DEFAULT_FEEDS
from flows.pipeline import batches, in_order, task_runner, window_for
from flows.run import RunSkipped, cancelled, check_outcome, run_scope, summarize
from transforms.settings import Settings


@flow(name="ingest", log_prints=True)
def ingest(
    feeds: str = DEFAULT_FEEDS,
    db: str = DEFAULT_DB,
    all_feeds: bool = False,
    feed_urls: list[str] | None = None,
    statuses: list[str] | None = None,
    dask_address: str | None = None,
) -> dict:
    """One ingest run over the feed list ``feeds`` (TOML or OPML) into the warehouse ``db``.

    Polls the feeds that are due; ``all_feeds`` polls every one; ``feed_urls`` polls just
    those URLs; ``statuses`` (e.g. ``["dead", "backing-off"]``) polls the feeds in those states.
    ``dask_address`` (``tcp://host:8786``) runs polling, fetching and extraction on that Dask
    cluster; the load stays in this process.
    """
    feed_list = tasks.read_feed_list(feeds)
    settings = Settings.from_env(os.environ, feed_list.settings)
    # read here, not only by the CLI: a served deployment's runs take it from serve's environment
    dask_address = dask_address or os.environ.get("FEEDHOUSE_DASK_ADDRESS") or None
    parameters = {"feeds": feeds, "db": db, "all_feeds": all_feeds, "feed_urls": feed_urls,
                  "statuses": statuses, "dask_address": dask_address}
    try:
        with run_scope("ingest", db, parameters, settings) as run, task_runner(dask_address) as runner:
            context = {"run_id": run.run_id, "settings": settings}
            with run.clock.stage("prepare"):
                recovered = tasks.recover_staged_runs(quote(run))
                due = tasks.read_state(quote(run), quote(feed_list.feeds), all_feeds, feed_urls, statuses)
            with run.clock.stage("poll"):
                polled = [p for _, batch in in_order(runner, tasks.poll, batches(due, settings.feeds_per_task),
                                                     lambda b: {"feeds": b, **context}, window=window_for(runner))
                          for p in batch]
            with run.clock.stage("select"):
                selection = tasks.select(quote(run), quote(polled))
            with run.clock.stage("fetch+extract+stage"):
                if selection.fetch and not dask_address:
                    tasks.prewarm(settings)  # worker start-up and the GX import overlap the first fetch
                staged = tasks.run_chunks(run, runner, tasks.process_chunk, batches(list(selection.fetch), settings.chunk_size),
                                          lambda chunk: {"candidates": chunk, **context})
                tasks.release_workers()
            with run.clock.stage("stage polls"):
                polls = tasks.stage_polls(quote(run), quote(polled), quote(selection))
            unexpected = polls.pop("unexpected") + staged["unexpected"]
            with run.clock.stage("load"):
                loaded = tasks.load(quote(run), {**polls, "unexpected_errors": unexpected,
                                                 "seconds": round(run.clock.total, 3)})
            with run.clock.stage("data docs"):
                docs = tasks.publish_data_docs(quote(run))
            summary = summarize(
                run, **polls, articles_new=loaded.articles_new, articles_updated=loaded.articles_updated,
                articles_deferred=len(selection.deferred), rows_quarantined=loaded.quarantined,
                unexpected_errors=unexpected, recovered_runs=len(recovered), data_docs=docs,
            )
    except RunSkipped as skipped:  # a scheduled run while another run of the warehouse is in progress
        return cancelled(skipped)
    tasks.publish_report(summary, loaded.tables)
    return check_outcome(summary)


@flow(name="backfill", log_prints=True)
def backfill(
    feeds: str = DEFAULT_FEEDS,
    db: str = DEFAULT_DB,
    statuses: list[str] | None = None,
) -> dict:
    """Re-poll now the feeds that are failing (``dead`` and ``backing-off`` by default)."""
    return ingest(feeds=feeds, db=db, statuses=statuses or ["dead", "backing-off"])
