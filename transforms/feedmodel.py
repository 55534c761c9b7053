"""What a parsed feed is, whatever its format: :class:`ParsedFeed` and its :class:`FeedEntry`
records, and the capping every field goes through on its way in (RSS, Atom and JSON Feed alike).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from transforms.settings import Settings
from transforms.text import plain_text, valid_text
from transforms.urls import canonical_url


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, as the feed describes it. Title, summary, author and categories are
    plain text."""

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


def cap(value: object, limit: int, capped: list[str] | None = None, name: str = "") -> str | None:
    """``value`` as text, whitespace collapsed, cut at ``limit`` characters (noting ``name`` in
    ``capped`` when it was cut)."""
    if value is None:
        return None
    text = str(value)
    if len(text) > limit * 4:  # don't normalize megabytes of whitespace just to cut them
        text = text[: limit * 4]
    text = " ".join(valid_text(text).split())
    if len(text) > limit and capped is not None:
        capped.append(name)
    return text[:limit] or None


def plain_field(value: object, limit: int, capped: list[str] | None = None, name: str = "") -> str | None:
    """A displayed field (title, summary, author, tag): plain text of its markup, capped. The
    markup is cut first at a multiple of ``limit``, so megabytes of it are never parsed."""
    if not isinstance(value, str):
        return None
    return cap(plain_text(value[: limit * 8]), limit, capped, name)


def build_entry(
    settings: Settings,
    capped: list[str],
    *,
    entry_id: str | None,
    link: str | None,
    title: object,
    summary: object,
    published_at: datetime | None,
    author: object,
    terms: Iterable[object] = (),
) -> FeedEntry:
    """A :class:`FeedEntry` from one item's raw fields, every one capped; over-long ones are
    named in ``capped``."""
    link = cap(link, 4_000)
    categories: list[str] = []
    for term in terms:
        if len(categories) >= settings.max_tags_per_article:
            break
        tag = plain_field(term, settings.max_tag_chars)
        if tag and tag not in categories:
            categories.append(tag)
    return FeedEntry(
        entry_id=cap(entry_id, 2_000, capped, "id"),
        link=link,
        canonical_url=canonical_url(link) if link else None,
        title=plain_field(title, settings.max_title_chars, capped, "title"),
        summary=plain_field(summary, settings.max_summary_chars, capped, "summary"),
        published_at=published_at,
        author=plain_field(author, 200, capped, "author"),
        categories=tuple(categories),
    )


def capped_warning(capped: list[str]) -> str:
    """The parse warning for the fields :func:`cap` had to cut (``capped`` is not empty)."""
    return f"capped {len(capped)} over-long entry field(s): {', '.join(sorted(set(capped)))}"
