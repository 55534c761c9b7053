"""The re-extract flow: rebuild articles from stored raw pages, without refetching.

Use it after a trafilatura upgrade or a normalization fix (bump
``transforms.extract.EXTRACTION_REVISION``): pages whose article was built by another extractor
version, or whose extraction was rejected, are extracted again from the same inputs as the first
time (the stored bytes and the feed entry kept in ``fetch_state``), validated and merged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prefect import flow
from prefect.utilities.annotations import quote

from flows import extract_pool, tasks
from flows.paths import DEFAULT_DB
from flows.pipeline import task_runner
from flows.run import Run, run_scope, summarize
from transforms.extract import EXTRACTOR_VERSION
from transforms.pages import stored_page_input
from transforms.settings import Settings
from warehouse.state import raw_pages_to_reextract


@tasks.step(name="extract-stored-pages")
def extract_stored(pages: list[dict], run_id: str, settings: Settings) -> tasks.ChunkRows:
    """Extract a chunk of stored pages in the supervised worker pool."""
    rows = tasks.ChunkRows()
    for page in extract_pool.extract([stored_page_input(p) for p in pages], run_id, settings):
        rows.add(page)
    return rows


def _stored_chunks(run: Run, force: bool) -> Iterator[list[dict]]:
    """The stored pages to re-extract, a chunk at a time (keyset by article_id)."""
    after = None
    while True:
        rows = raw_pages_to_reextract(run.cursor(), after_article_id=after, limit=run.settings.chunk_size,
                                      extractor_version=EXTRACTOR_VERSION, force=force)
        if not rows:
            return
        if after is None:
            tasks.prewarm(run.settings)  # only when there is something to re-extract
        after = rows[-1]["article_id"]
        yield rows


@flow(name="re-extract", log_prints=True)
def reextract(db: str = DEFAULT_DB, force: bool = False) -> dict:
    """Re-extract stored raw pages into ``fct_articles`` (all of them with ``force``)."""
    settings = Settings.from_env(os.environ)
    with run_scope("re-extract", db, {"db": db, "force": force}, settings) as run, task_runner(None) as runner:
        read = [0]

        def counted(chunks):
            for chunk in chunks:
                read[0] += len(chunk)
                yield chunk

        with run.clock.stage("read+extract+stage"):
            staged = tasks.run_chunks(run, runner, extract_stored, counted(_stored_chunks(run, force)),
                                      lambda chunk: {"pages": chunk, "run_id": run.run_id, "settings": settings})
            tasks.release_workers()
        with run.clock.stage("load"):
            loaded = tasks.load(quote(run), {"unexpected_errors": staged["unexpected"],
                                             "seconds": round(run.clock.total, 3)})
        docs = tasks.publish_data_docs(quote(run))
        summary = summarize(run, pages_read=read[0], data_docs=docs, articles_new=loaded.articles_new,
                            articles_updated=loaded.articles_updated, rows_quarantined=loaded.quarantined,
                            unexpected_errors=staged["unexpected"])
    tasks.publish_report(summary, loaded.tables)
    return summary
