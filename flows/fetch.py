"""Step 2: fetch article pages (HTML only; other types are refused unread), each page behind its
own boundary: whatever goes wrong with one page becomes that page's fetch error."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flows.concurrency import HostGate, map_polite
from flows.httpclient import PinnedClient, fetch
from flows.robots import RobotsCache
from transforms.pages import PageResponse, html_rejection
from transforms.polls import EntryCandidate
from transforms.quarantine import unexpected_reason
from transforms.settings import Settings
from transforms.ssrf import AllowList

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


def fetch_page(
    client: PinnedClient, candidate: EntryCandidate, settings: Settings, robots: RobotsCache
) -> PageResponse:
    """GET one article page, if robots.txt allows."""
    fetched_at = datetime.now(UTC)
    url = candidate.entry.link or candidate.entry.canonical_url
    if not robots.allowed(client, url):
        return PageResponse(candidate=candidate, fetched_at=fetched_at,
                            error="refused: disallowed by the site's robots.txt")
    r = fetch(
        client,
        url,
        max_bytes=settings.max_page_bytes,
        deadline_s=settings.request_deadline_s,
        max_redirects=settings.max_redirects,
        accept=PAGE_ACCEPT,
        accept_content=html_rejection,
        allow=AllowList.parse(settings.allow_hosts),
        keep_gzip=True,  # stored as is in raw_pages
    )
    return PageResponse(
        candidate=candidate,
        fetched_at=fetched_at,
        status=r.status,
        final_url=r.final_url,
        content_type=r.content_type,
        body=r.body,
        body_gzip=r.body_gzip,
        error=r.error,
        is_retryable=r.is_retryable,
    )


def fetch_isolated(
    client: PinnedClient, candidate: EntryCandidate, settings: Settings, robots: RobotsCache,
    log: logging.Logger,
) -> PageResponse:
    """The page's boundary: an exception becomes its fetch error (logged once, with traceback)."""
    try:
        return fetch_page(client, candidate, settings, robots)
    except Exception as exc:
        log.error("unexpected error fetching %s (isolated: only this page fails)",
                  candidate.entry.canonical_url, exc_info=True)
        return PageResponse(candidate=candidate, fetched_at=datetime.now(UTC),
                            error=unexpected_reason("fetch", exc), is_unexpected=True)


def fetch_pages(
    client: PinnedClient,
    candidates: list[EntryCandidate],
    settings: Settings,
    gate: HostGate,
    robots: RobotsCache,
    log: logging.Logger,
) -> list[PageResponse]:
    """Fetch a chunk of pages concurrently, at most ``per_host_concurrency`` per host."""
    return list(
        map_polite(
            candidates,
            lambda c: c.entry.link or c.entry.canonical_url,
            lambda c: fetch_isolated(client, c, settings, robots, log),
            workers=settings.page_concurrency,
            gate=gate,
        )
    )
