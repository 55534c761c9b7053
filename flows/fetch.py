"""Network step 2: fetch article pages (HTML only; other types are refused unread)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from flows.concurrency import HostGate, map_polite
from flows.httpclient import fetch
from flows.robots import RobotsCache
from transforms.pages import PageResponse, html_rejection
from transforms.polls import EntryCandidate
from transforms.settings import Settings
from transforms.ssrf import AllowList

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


def fetch_page(
    client: httpx.Client, candidate: EntryCandidate, settings: Settings, robots: RobotsCache
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


def fetch_pages(
    client: httpx.Client,
    candidates: list[EntryCandidate],
    settings: Settings,
    gate: HostGate,
    robots: RobotsCache,
) -> list[PageResponse]:
    """Fetch a chunk of pages concurrently, at most ``per_host_concurrency`` per host."""
    return list(
        map_polite(
            candidates,
            lambda c: c.entry.link or c.entry.canonical_url,
            lambda c: fetch_page(client, c, settings, robots),
            workers=settings.page_concurrency,
            gate=gate,
        )
    )
