"""Feed parsing: raw feed bytes → typed entries. feedparser does the parsing; this module caps
what it returns and turns its loose dicts into :class:`FeedEntry` records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import feedparser

from transforms.dates import from_struct_time, parse_date_text
from transforms.settings import Settings
from transforms.urls import canonical_url

# An internal DTD subset is how entity-expansion attacks ("billion laughs") and external
# entities (XXE) get in; no legitimate news feed needs one.
_INTERNAL_SUBSET_RE = re.compile(rb"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, as the feed describes it."""

    entry_id: str | None
    link: str | None
    canonical_url: str | None
    title: str | None
    summary: str | None
    published_at: datetime | None
    author: str | None
    categories: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed body yielded. ``error`` is set when nothing usable came out of it."""

    title: str | None = None
    site_url: str | None = None
    language: str | None = None
    version: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    bozo_reason: str | None = None
    error: str | None = None
    ttl: str | None = None  # RSS <ttl>, minutes
    sy_update_period: str | None = None
    sy_update_frequency: str | None = None


def _cap(value: object, limit: int, capped: list[str] | None = None, name: str = "") -> str | None:
    if value is None:
        return None
    text = str(value)
    if len(text) > limit * 4:  # don't normalize megabytes of whitespace just to cut them
        text = text[: limit * 4]
    text = " ".join(text.split())
    if len(text) > limit and capped is not None:
        capped.append(name)
    return text[:limit] or None


def _entry(raw: dict, settings: Settings, capped: list[str]) -> FeedEntry:
    link = raw.get("link")
    if not link:
        for candidate in raw.get("links", []):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    link = _cap(link, 4_000)
    published = from_struct_time(raw.get("published_parsed") or raw.get("updated_parsed"))
    if published is None:
        published = parse_date_text(_cap(raw.get("published") or raw.get("updated"), 200))
    categories: list[str] = []
    for tag in raw.get("tags", []) or []:
        term = _cap(tag.get("term") or tag.get("label"), settings.max_tag_chars)
        if term and term not in categories:
            categories.append(term)
    return FeedEntry(
        entry_id=_cap(raw.get("id"), 2_000, capped, "id"),
        link=link,
        canonical_url=canonical_url(link) if link else None,
        title=_cap(raw.get("title"), settings.max_title_chars, capped, "title"),
        summary=_cap(raw.get("summary"), settings.max_summary_chars, capped, "summary"),
        published_at=published,
        author=_cap(raw.get("author"), 200, capped, "author"),
        categories=tuple(categories[: settings.max_tags_per_article]),
    )


def parse_feed(
    body: bytes,
    content_type: str | None = None,
    settings: Settings | None = None,
    base_url: str | None = None,
) -> ParsedFeed:
    """Parse a feed body. Malformed feeds that still yield entries are used, with the
    parser's complaint kept in ``bozo_reason``; a body with no feed in it gets ``error``."""
    settings = settings or Settings()
    if not body or not body.strip():
        return ParsedFeed(error="empty body")
    warnings: list[str] = []
    cleaned = _INTERNAL_SUBSET_RE.sub(b"", body, count=1)
    if cleaned is not body and len(cleaned) != len(body):
        warnings.append("DOCTYPE internal subset removed (entity declarations are not trusted)")
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(cleaned, response_headers=headers, sanitize_html=False)
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        warnings.append(f"{type(exc).__name__}: {exc}" if exc else "malformed feed")
    version = parsed.get("version") or None
    raw_entries = parsed.get("entries", [])
    capped: list[str] = []
    entries = tuple(_entry(raw, settings, capped) for raw in raw_entries)
    if capped:
        warnings.append(f"capped {len(capped)} over-long entry field(s): {', '.join(sorted(set(capped)))}")
    bozo_reason = "; ".join(warnings)[:1_000] or None
    if not version and not raw_entries:
        head = cleaned[:512].lstrip().lower()
        if head.startswith((b"{", b"[")):
            kind = "JSON"
        elif b"<html" in head or b"<!doctype html" in head:
            kind = "an HTML page"
        else:
            kind = "not a recognised feed format"
        return ParsedFeed(bozo_reason=bozo_reason, error=f"not a feed: body is {kind}")
    meta = parsed.get("feed", {})
    return ParsedFeed(
        title=_cap(meta.get("title"), settings.max_title_chars),
        site_url=_cap(meta.get("link"), 2_000),
        language=_cap(meta.get("language"), 35),
        version=version,
        entries=entries,
        bozo_reason=bozo_reason,
        ttl=_cap(meta.get("ttl"), 20),
        sy_update_period=_cap(meta.get("sy_updateperiod"), 20),
        sy_update_frequency=_cap(meta.get("sy_updatefrequency"), 20),
    )


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """An HTML page rather than a feed (by Content-Type, else by its first bytes)."""
    if content_type and content_type.split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        return True
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def discover_feed_url(body: bytes, base_url: str) -> str | None:
    """The first ``<link rel="alternate">`` feed an HTML page advertises (absolute URL)."""
    from urllib.parse import urljoin

    from lxml import html as lxml_html

    try:
        doc = lxml_html.fromstring(body[:2_000_000])
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href:
            url = urljoin(base_url, href)
            if url.lower().startswith(("http://", "https://")):
                return url
    return None
