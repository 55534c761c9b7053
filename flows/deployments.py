"""Deployments: what ``feedhouse serve`` registers on the Prefect server.

| deployment | schedule | parameters |
|---|---|---|
| ``ingest/scheduled`` | cron (default every 15 min), at most one run at a time | feeds, db, all_feeds, feed_urls, statuses |
| ``re-extract/manual`` | none (trigger by hand) | db, force |
| ``backfill/manual`` | none (trigger by hand) | feeds, db, statuses |
"""

from __future__ import annotations

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

from flows.ingest import backfill, ingest
from flows.reextract import reextract

DEFAULT_CRON = "*/15 * * * *"


def build_deployments(
    feeds: str,
    db: str,
    cron: str = DEFAULT_CRON,
    overlap: str = "skip",
    retries: int = 2,
    retry_delay_s: int = 60,
):
    """The three deployments, ready for ``prefect.serve``.

    ``overlap``: what a scheduled run does while another ingest is still running: ``skip``
    (cancel the new one) or ``wait`` (queue it).
    """
    strategy = {"skip": ConcurrencyLimitStrategy.CANCEL_NEW, "wait": ConcurrencyLimitStrategy.ENQUEUE}[overlap]
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=strategy)
    return [
        ingest.with_options(retries=retries, retry_delay_seconds=retry_delay_s).to_deployment(
            name="scheduled",
            cron=cron,
            parameters={"feeds": feeds, "db": db},
            concurrency_limit=one_at_a_time,
            description="Poll due feeds, fetch new articles, extract, validate, load.",
            tags=["feedhouse"],
        ),
        reextract.to_deployment(
            name="manual",
            parameters={"db": db},
            concurrency_limit=1,
            description="Rebuild articles from stored raw pages without refetching.",
            tags=["feedhouse"],
        ),
        backfill.to_deployment(
            name="manual",
            parameters={"feeds": feeds, "db": db},
            concurrency_limit=one_at_a_time,
            description="Re-poll dead and backing-off feeds now.",
            tags=["feedhouse"],
        ),
    ]
