"""Fetched article pages → extraction inputs, raw-page rows and fetch-stage rejects."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime

from transforms.articles import PageInput
from transforms.ids import bytes_hash
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


@dataclass
class PageBatch:
    """One chunk of fetched pages: extraction inputs and their ``raw_pages`` rows (same order;
    the body columns are added by :func:`stored_body` in the extraction workers), and rejects."""

    inputs: list[PageInput]
    raw_pages: list[dict]
    quarantine: list[dict]


def _entry_record(c: EntryCandidate) -> dict:
    e = c.entry
    return {
        "article_id": c.article_id,
        "feed_id": c.feed_id,
        "link": e.link,
        "entry_id": e.entry_id,
        "title": e.title,
        "published_at": e.published_at.isoformat() if e.published_at else None,
        "author": e.author,
        "categories": list(e.categories),
        "feed_language": c.feed_language,
    }


def candidate_from_record(record: dict, seen_at: datetime) -> EntryCandidate | None:
    """Rebuild a feed entry from a fetch-stage quarantine record, to retry its page."""
    from transforms.feeds import FeedEntry
    from transforms.urls import canonical_url

    link = record.get("link")
    url = canonical_url(link) if link else None
    if url is None or record.get("feed_id") is None:
        return None
    published = record.get("published_at")
    entry = FeedEntry(
        entry_id=record.get("entry_id"),
        link=link,
        canonical_url=url,
        title=record.get("title"),
        summary=None,
        published_at=datetime.fromisoformat(published) if published else None,
        author=record.get("author"),
        categories=tuple(record.get("categories") or ()),
    )
    return EntryCandidate(
        feed_id=int(record["feed_id"]),
        article_id=int(record["article_id"]),
        entry=entry,
        feed_language=record.get("feed_language"),
        seen_at=seen_at,
    )


def prepare_pages(responses: list[PageResponse]) -> PageBatch:
    """Split responses into extraction inputs (+ their raw-page rows) and rejects."""
    batch = PageBatch([], [], [])
    for r in responses:
        c = r.candidate
        url = c.entry.canonical_url
        if r.error or not r.body:
            reason = r.error or "empty response body"
            batch.quarantine.append(
                quarantine_row("fetch", url, reason,
                               {**_entry_record(c), "http_status": r.status, "final_url": r.final_url},
                               at=r.fetched_at, is_retryable=r.is_retryable)
            )
            continue
        final_url = r.final_url or c.entry.link
        batch.raw_pages.append(
            {
                "page_id": c.article_id,
                "canonical_url": url,
                "final_url": final_url,
                "http_status": r.status or 200,
                "content_type": r.content_type,
                "fetched_at": r.fetched_at,
            }  # + stored_body(): computed beside extraction, in the worker processes
        )
        if r.body_gzip:
            batch.raw_pages[-1]["body_gzip"] = r.body_gzip  # the server's own gzip: no need to compress again
        batch.inputs.append(
            PageInput(
                canonical_url=url,
                url=final_url,
                body=r.body,
                content_type=r.content_type,
                fetched_at=r.fetched_at,
                entry_title=c.entry.title,
                entry_summary=c.entry.summary,
                entry_published_at=c.entry.published_at,
                entry_author=c.entry.author,
                entry_categories=c.entry.categories,
                feed_language=c.feed_language,
            )
        )
    return batch


def stored_body(body: bytes, compress: bool = True) -> dict:
    """The ``raw_pages`` columns that hold a page's bytes: hash, size and, with ``compress``,
    gzip (level 1: fast, and pages are kept, not shipped)."""
    stored = {"body_sha256": bytes_hash(body), "body_bytes": len(body)}
    if compress:
        stored["body_gzip"] = gzip.compress(body, compresslevel=1, mtime=0)
    return stored


def page_input_from_raw(row: dict) -> PageInput:
    """A stored raw page (``raw_pages`` + its entry) → an extraction input, no refetch."""
    return PageInput(
        canonical_url=row["canonical_url"],
        url=row["final_url"],
        body=gzip.decompress(row["body_gzip"]),
        content_type=row["content_type"],
        fetched_at=row["fetched_at"],
        entry_title=row.get("entry_title"),
        entry_published_at=row.get("entry_published_at"),
        entry_categories=tuple(row.get("tags") or ()),
        feed_language=row.get("feed_language"),
    )
