"""Network step 1: fetch every due feed (conditional GET), no parsing here.

An HTML page configured as a feed is followed to the feed it advertises with
``<link rel="alternate">`` (recorded as ``discovered_from``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from flows.concurrency import HostGate, map_polite
from flows.httpclient import FetchResult, fetch
from transforms.feedlist import FeedSpec
from transforms.feeds import discover_feed_url, looks_like_html
from transforms.ids import stable_id
from transforms.polls import PollResponse
from transforms.schedule import PollState
from transforms.settings import Settings
from transforms.ssrf import AllowList

FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, */*;q=0.5"
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
    state: PollState = PollState()
    next_poll_at: datetime | None = None

    def is_due(self, now: datetime) -> bool:
        """Due when never polled or its time has come; ``gone`` feeds only when forced."""
        if self.state.status == "gone":
            return False
        return self.next_poll_at is None or self.next_poll_at <= now


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
                state=PollState(
                    status=s.get("status") or "active",
                    consecutive_failures=s.get("consecutive_failures") or 0,
                    poll_interval_s=s.get("poll_interval_s"),
                ),
                next_poll_at=s.get("next_poll_at"),
            )
        )
    return out


def _get(client: httpx.Client, url: str, settings: Settings, etag=None, last_modified=None) -> FetchResult:
    return fetch(
        client,
        url,
        max_bytes=settings.max_feed_bytes,
        deadline_s=settings.request_deadline_s,
        max_redirects=settings.max_redirects,
        accept=FEED_ACCEPT,
        etag=etag,
        last_modified=last_modified,
        allow=AllowList.parse(settings.allow_hosts),
    )


def poll_one(client: httpx.Client, feed: FeedToPoll, settings: Settings) -> PollResponse:
    """Conditional GET of one feed (following an HTML page to its advertised feed)."""
    polled_at = datetime.now(UTC)
    r = _get(client, feed.url, settings, feed.etag, feed.last_modified)
    moved_to = r.permanent_redirect_to
    discovered_from = None
    if r.error is None and r.body and looks_like_html(r.body, r.content_type):
        found = discover_feed_url(r.body, r.final_url)
        if found and found != r.final_url:
            discovered_from, moved_to = r.final_url, found
            elapsed = r.elapsed_ms
            r = _get(client, found, settings)
            r.elapsed_ms += elapsed
            moved_to = r.permanent_redirect_to or found
    kept = ("cache-control", "expires", "retry-after", "content-location")
    headers = {k: v for k, v in r.headers.items() if k in kept}
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
        moved_to=moved_to,
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
        previous_state=feed.state,
        headers=headers,
        discovered_from=discovered_from,
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
