"""Step 1: poll every due feed (conditional GET) and interpret what it sent.

Each feed is polled and interpreted behind its own boundary: whatever one feed sends, or
whatever goes wrong with it, becomes that feed's poll error and costs no other feed. An HTML page
configured as a feed is followed to the feed it advertises with ``<link rel="alternate">``
(recorded as ``discovered_from``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from flows.concurrency import HostGate, map_polite
from flows.httpclient import FetchResult, PinnedClient, fetch
from transforms.feedlist import FeedSpec
from transforms.feeds import discover_feed_url, looks_like_html
from transforms.ids import stable_id
from transforms.polls import PolledFeed, PollResponse, interpret_poll, unexpected_poll
from transforms.quarantine import unexpected_reason
from transforms.schedule import PollState
from transforms.settings import Settings
from transforms.ssrf import AllowList
from transforms.urls import strip_userinfo, with_userinfo_of

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
    """Join the feed list with stored state (feed id = stable hash of the configured URL). The
    stored URL has no userinfo; the feed list's credentials are put back for the same origin."""
    out = []
    for spec in specs:
        feed_id = stable_id(spec.url)
        s = state.get(feed_id, {})
        out.append(
            FeedToPoll(
                spec=spec,
                feed_id=feed_id,
                url=with_userinfo_of(s["url"], spec.url) if s.get("url") else spec.url,
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


def _get(client: PinnedClient, url: str, settings: Settings, etag=None, last_modified=None) -> FetchResult:
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


def _discover(body: bytes, base_url: str) -> str | None:
    """The feed an HTML page advertises; None if none, or if its link cannot even be parsed."""
    try:
        return discover_feed_url(body, base_url)
    except ValueError:  # urljoin on a hostile href ("http://[::1/")
        return None


def poll_one(client: PinnedClient, feed: FeedToPoll, settings: Settings) -> PollResponse:
    """Conditional GET of one feed (following an HTML page to its advertised feed). The feed
    moves only when the fetch that would move it succeeded: a permanent redirect or an
    advertised feed that is refused or failing leaves the feed where it was. URLs in the
    response carry no userinfo (they are stored); requests keep the feed list's credentials."""
    polled_at = datetime.now(UTC)
    r = _get(client, feed.url, settings, feed.etag, feed.last_modified)
    moved_to = r.permanent_redirect_to
    discovered_from = None
    is_page = r.error is None and r.body and looks_like_html(r.body, r.content_type)
    found = _discover(r.body, r.final_url) if is_page else None
    if found and found != r.final_url:
        elapsed, page = r.elapsed_ms, r.final_url
        r = _get(client, with_userinfo_of(found, feed.url), settings)
        r.elapsed_ms += elapsed
        if r.error is None:
            discovered_from, moved_to = page, r.permanent_redirect_to or strip_userinfo(found)
        else:
            moved_to = None
    kept = ("cache-control", "expires", "retry-after", "content-location")
    headers = {k: v for k, v in r.headers.items() if k in kept}
    return PollResponse(
        feed_id=feed.feed_id,
        feed_url=strip_userinfo(feed.url),
        original_url=strip_userinfo(feed.spec.url),
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


def poll_and_interpret(
    client: PinnedClient, feed: FeedToPoll, run_id: str, settings: Settings, log: logging.Logger
) -> PolledFeed:
    """One feed's boundary: an exception while polling or interpreting it becomes its poll error
    (logged once, with the traceback) instead of the run's."""
    try:
        response = poll_one(client, feed, settings)
    except Exception as exc:
        log.error("unexpected error polling %s (isolated: only this feed fails)", feed.url, exc_info=True)
        response = _unreached(feed, unexpected_reason("poll", exc))
        return interpret_poll(response, run_id, settings)
    try:
        return interpret_poll(response, run_id, settings)
    except Exception as exc:
        log.error("unexpected error interpreting %s (isolated: only this feed fails)", feed.url, exc_info=True)
        return unexpected_poll(response, run_id, "parse", exc)


def _unreached(feed: FeedToPoll, reason: str) -> PollResponse:
    return PollResponse(
        feed_id=feed.feed_id, feed_url=feed.url, original_url=feed.spec.url, polled_at=datetime.now(UTC),
        name=feed.spec.name, tags=feed.spec.tags, language_hint=feed.spec.language, error=reason,
        is_unexpected=True, previous_etag=feed.etag, previous_last_modified=feed.last_modified,
        previous_body_hash=feed.last_body_hash, previous_state=feed.state,
    )


def poll_feeds(
    client: PinnedClient, feeds: list[FeedToPoll], run_id: str, settings: Settings, log: logging.Logger
) -> list[PolledFeed]:
    """Poll and interpret feeds concurrently, politely per host; results in input order."""
    gate = HostGate(settings.per_host_concurrency, settings.per_host_delay_s)
    return list(
        map_polite(
            feeds,
            lambda f: f.url,
            lambda f: poll_and_interpret(client, f, run_id, settings, log),
            workers=settings.feed_concurrency,
            gate=gate,
        )
    )
