"""Which entries are new articles: dedup by canonical URL across and within feeds."""

from __future__ import annotations

from collections.abc import Iterable

from transforms.polls import EntryCandidate


def entry_rows(candidates: Iterable[EntryCandidate]) -> list[dict]:
    """``stg_feed_entries`` rows, one per (feed, article): duplicate GUIDs or the same link
    twice in one feed collapse to the first entry."""
    rows: dict[tuple[int, int], dict] = {}
    for c in candidates:
        key = (c.feed_id, c.article_id)
        if key in rows:
            continue
        rows[key] = {
            "feed_id": c.feed_id,
            "article_id": c.article_id,
            "canonical_url": c.entry.canonical_url,
            "entry_id": c.entry.entry_id,
            "entry_url": c.entry.link,
            "entry_title": c.entry.title,
            "entry_published_at": c.entry.published_at,
            "seen_at": c.seen_at,
        }
    return list(rows.values())


def unique_articles(candidates: Iterable[EntryCandidate]) -> dict[int, EntryCandidate]:
    """One candidate per article (the first feed to list it wins), in feed order."""
    found: dict[int, EntryCandidate] = {}
    for c in candidates:
        found.setdefault(c.article_id, c)
    return found


def new_articles(
    candidates: Iterable[EntryCandidate], known_ids: set[int]
) -> list[EntryCandidate]:
    """Articles to fetch: listed by some feed, not yet loaded nor permanently rejected."""
    return [c for aid, c in unique_articles(candidates).items() if aid not in known_ids]


def count_new_per_feed(
    candidates: Iterable[EntryCandidate], known_ids: set[int]
) -> dict[int, int]:
    """Per feed, how many of its entries point at an article we did not have."""
    counts: dict[int, int] = {}
    seen: set[tuple[int, int]] = set()
    for c in candidates:
        if (c.feed_id, c.article_id) in seen:
            continue
        seen.add((c.feed_id, c.article_id))
        if c.article_id not in known_ids:
            counts[c.feed_id] = counts.get(c.feed_id, 0) + 1
    return counts
