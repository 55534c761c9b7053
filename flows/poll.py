"""Network step 1: fetch every due feed (conditional GET), no parsing here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from flows.concurrency import HostGate, map_polite
from flows.http import fetch
from transforms.feedlist import FeedSpec
from transforms.ids import stable_id
from transforms.polls import PollResponse
from transforms.settings import Settings

FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True)
class FeedToPoll:
    """A configured feed joined with its stored state."""

    spec: FeedSpec
    feed_id: int
    url: str  # where to poll: the stored URL if the feed moved
    etag: str | None = None
    last_modified: str | None = None
    last_body_hash: str | None = None


def feeds_to_poll(specs: list[FeedSpec], state: dict[int, dict]) -> list[FeedToPoll]:
    """Join the feed list with stored state (feed id = stable hash of the configured URL)."""
    out = []
    for spec in specs:
        feed_id = stable_id(spec.url)
        s = state.get(feed_id, {})
        out.append(
            FeedToPoll(
                spec=spec,
                feed_id=feed_id,
                url=s.get("url") or spec.url,
                etag=s.get("etag"),
                last_modified=s.get("last_modified"),
                last_body_hash=s.get("last_body_hash"),
            )
        )
    return out


def poll_one(client: httpx.Client, feed: FeedToPoll, settings: Settings) -> PollResponse:
    """Conditional GET of one feed."""
    polled_at = datetime.now(UTC)
    r = fetch(
        client,
        feed.url,
        max_bytes=settings.max_feed_bytes,
        deadline_s=settings.request_deadline_s,
        max_redirects=settings.max_redirects,
        accept=FEED_ACCEPT,
        etag=feed.etag,
        last_modified=feed.last_modified,
    )
    return PollResponse(
        feed_id=feed.feed_id,
        feed_url=feed.url,
        original_url=feed.spec.url,
        polled_at=polled_at,
        name=feed.spec.name,
        tags=feed.spec.tags,
        language_hint=feed.spec.language,
        status=r.status,
        final_url=r.final_url,
        moved_to=r.permanent_redirect_to,
        etag=r.headers.get("etag"),
        last_modified=r.headers.get("last-modified"),
        content_type=r.content_type,
        body=r.body,
        error=r.error,
        is_retryable=r.is_retryable,
        elapsed_ms=r.elapsed_ms,
        previous_etag=feed.etag,
        previous_last_modified=feed.last_modified,
        previous_body_hash=feed.last_body_hash,
    )


def poll_feeds(
    client: httpx.Client, feeds: list[FeedToPoll], settings: Settings
) -> list[PollResponse]:
    """Poll all feeds concurrently, politely per host; results in input order."""
    gate = HostGate(settings.per_host_concurrency, settings.per_host_delay_s)
    return list(
        map_polite(
            feeds,
            lambda f: f.url,
            lambda f: poll_one(client, f, settings),
            workers=settings.feed_concurrency,
            gate=gate,
        )
    )
