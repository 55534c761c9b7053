"""Fetched article pages → extraction inputs, or the fetch-stage reason there is none."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import UTC, datetime

from transforms.articles import PageInput
from transforms.polls import EntryCandidate
from transforms.quarantine import quarantine_row

HTML_TYPES = ("text/html", "application/xhtml+xml")


def html_rejection(content_type: str | None) -> str | None:
    """Why a response with this Content-Type is not an article page (None if it is).

    A missing Content-Type is given the benefit of the doubt; extraction will tell."""
    if not content_type:
        return None
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in HTML_TYPES:
        return None
    return f"not an HTML page: Content-Type {mime} (body not downloaded)"


@dataclass(frozen=True)
class PageResponse:
    """What the network step saw for one article URL."""

    candidate: EntryCandidate
    fetched_at: datetime
    status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    body: bytes | None = None
    body_gzip: bytes | None = None  # the body as the server gzip-encoded it, when it did
    error: str | None = None
    is_retryable: bool = False
    is_unexpected: bool = False  # ``error`` is an exception caught at the fetch boundary


def page_input(r: PageResponse) -> PageInput | None:
    """The extraction input of a fetched page; None when the fetch gave no body."""
    if r.error or not r.body:
        return None
    c = r.candidate
    return PageInput(
        canonical_url=c.entry.canonical_url,
        url=r.final_url or c.entry.link or c.entry.canonical_url,
        body=r.body,
        content_type=r.content_type,
        fetched_at=r.fetched_at,
        entry_title=c.entry.title,
        entry_summary=c.entry.summary,
        entry_published_at=c.entry.published_at,
        entry_author=c.entry.author,
        entry_categories=c.entry.categories,
        feed_language=c.feed_language,
        feed_id=c.feed_id,
        http_status=r.status or 200,
        body_gzip=r.body_gzip,
    )


def fetch_reject(r: PageResponse, run_id: str) -> dict:
    """The fetch-stage quarantine row of a page that could not be fetched."""
    c = r.candidate
    return quarantine_row(
        "fetch", c.entry.canonical_url, r.error or "empty response body",
        {"article_id": c.article_id, "feed_id": c.feed_id, "link": c.entry.link,
         "http_status": r.status, "final_url": r.final_url},
        run_id=run_id, at=r.fetched_at, article_id=c.article_id, feed_id=c.feed_id,
        is_retryable=r.is_retryable and not r.is_unexpected, is_unexpected=r.is_unexpected,
    )


def stored_page_input(row: dict) -> PageInput:
    """A stored raw page plus the feed entry it was fetched for (``raw_pages`` joined with
    ``fetch_state``) → the same extraction input the first extraction had, without a refetch."""
    return PageInput(
        canonical_url=row["canonical_url"],
        url=row["final_url"],
        body=gzip.decompress(row["body_gzip"]),
        content_type=row["content_type"],
        fetched_at=_utc(row["fetched_at"]),
        entry_title=row.get("entry_title"),
        entry_summary=row.get("entry_summary"),
        entry_published_at=_utc(row.get("entry_published_at")),
        entry_author=row.get("entry_author"),
        entry_categories=tuple(row.get("entry_categories") or ()),
        feed_language=row.get("feed_language"),
        feed_id=row.get("feed_id"),
    )


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None
