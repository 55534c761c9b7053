"""Which articles a run fetches: dedup by canonical URL, drop what the warehouse settled, cap.

Two caps bound a run's page work: ``max_entries_per_feed`` new entries from any one feed, and
``max_pages_per_run`` pages in all. What a cap holds back is never dropped: it goes into the
fetch queue as *deferred* and later runs fetch it (after the fresh entries of their own polls).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from transforms.polls import EntryCandidate
from transforms.urls import host_key


@dataclass(frozen=True)
class Selection:
    """Articles to fetch this run and the ones held back by a cap."""

    fetch: tuple[EntryCandidate, ...]  # fresh entries and the queue's (deferred, retries), hosts taking turns
    deferred: tuple[EntryCandidate, ...]  # new this run, over a cap: queued for later runs
    new_per_feed: dict[int, int] = field(default_factory=dict)  # entries pointing at unknown articles
    deferred_per_feed: dict[int, int] = field(default_factory=dict)
    queued_taken: int = 0  # of ``fetch``, how many came from the queue
    # every feed entry listing each fetched or deferred article (all feeds, this run's and the queue's)
    listings: dict[int, tuple[EntryCandidate, ...]] = field(default_factory=dict)


def unique_articles(candidates: Iterable[EntryCandidate]) -> dict[int, EntryCandidate]:
    """One candidate per article (the first feed to list it wins), in feed order."""
    found: dict[int, EntryCandidate] = {}
    for c in candidates:
        found.setdefault(c.article_id, c)
    return found


def in_host_turns(candidates: Sequence[EntryCandidate], hosts_at_once: int) -> tuple[EntryCandidate, ...]:
    """The candidates with ``hosts_at_once`` hosts taking turns, each host's in their own order;
    when a host runs out, the next one (in first-seen order) joins.

    A feed's entries are all on one host, and a chunk is the next ``chunk_size`` candidates: in
    feed order, a chunk would fetch from one host, ``per_host_concurrency`` pages at a time, while
    the other fetch threads and the extraction workers wait. Enough hosts at once fill
    ``page_concurrency``; more would only cycle through more hosts than the client keeps
    connection pools for, and every page would open a new connection."""
    queues: dict[str, deque[EntryCandidate]] = {}
    for c in candidates:
        queues.setdefault(host_key(c.entry.link or c.entry.canonical_url), deque()).append(c)
    waiting = deque(queues.values())
    turns: deque[deque[EntryCandidate]] = deque()
    ordered = []
    while waiting or turns:
        while waiting and len(turns) < max(1, hosts_at_once):
            turns.append(waiting.popleft())
        queue = turns.popleft()
        ordered.append(queue.popleft())
        if queue:
            turns.append(queue)
    return tuple(ordered)


def select_articles(
    candidates: Iterable[EntryCandidate],
    settled: set[int],
    queued: Iterable[Sequence[EntryCandidate]],
    *,
    max_entries_per_feed: int,
    max_pages_per_run: int,
    hosts_at_once: int = 1,
) -> Selection:
    """``candidates``: this run's feed entries; ``settled``: article ids the warehouse will not
    fetch again (loaded, or failed for good); ``queued``: pending and retryable articles from the
    fetch queue, oldest first, each as its listings (the one it is fetched for first).
    ``fetch`` has ``hosts_at_once`` hosts taking turns (``in_host_turns``; 1 keeps feed order)."""
    candidates = list(candidates)
    fresh = [c for aid, c in unique_articles(candidates).items() if aid not in settled]
    taken, deferred, per_feed = [], [], {}
    for c in fresh:
        per_feed[c.feed_id] = per_feed.get(c.feed_id, 0) + 1
        over = per_feed[c.feed_id] > max_entries_per_feed or len(taken) >= max_pages_per_run
        (deferred if over else taken).append(c)
    fresh_ids = {c.article_id for c in fresh}
    room = max(0, max_pages_per_run - len(taken))
    from_queue = [listed for listed in queued if listed[0].article_id not in fresh_ids][:room]
    deferred_per_feed: dict[int, int] = {}
    for c in deferred:
        deferred_per_feed[c.feed_id] = deferred_per_feed.get(c.feed_id, 0) + 1
    listings: dict[int, dict[int, EntryCandidate]] = {}
    for c in [c for c in candidates if c.article_id not in settled] + [c for listed in queued for c in listed]:
        listings.setdefault(c.article_id, {}).setdefault(c.feed_id, c)
    chosen = {c.article_id for c in taken + deferred} | {listed[0].article_id for listed in from_queue}
    return Selection(
        fetch=in_host_turns(taken + [listed[0] for listed in from_queue], hosts_at_once),
        deferred=tuple(deferred),
        new_per_feed=count_new_per_feed(candidates, settled),
        deferred_per_feed=deferred_per_feed,
        queued_taken=len(from_queue),
        listings={aid: tuple(by_feed.values()) for aid, by_feed in listings.items() if aid in chosen},
    )


def count_new_per_feed(candidates: Iterable[EntryCandidate], settled: set[int]) -> dict[int, int]:
    """Per feed, how many of its entries point at an article the warehouse had not settled."""
    counts: dict[int, int] = {}
    for feed_id, article_id in {(c.feed_id, c.article_id) for c in candidates}:
        if article_id not in settled:
            counts[feed_id] = counts.get(feed_id, 0) + 1
    return counts


def entry_rows(candidates: Iterable[EntryCandidate]) -> list[dict]:
    """``stg_feed_entries`` rows, one per (feed, article): duplicate GUIDs or the same link
    twice in one feed collapse to the first entry."""
    rows: dict[tuple[int, int], dict] = {}
    for c in candidates:
        rows.setdefault((c.feed_id, c.article_id), {
            "feed_id": c.feed_id,
            "article_id": c.article_id,
            "canonical_url": c.entry.canonical_url,
            "entry_id": c.entry.entry_id,
            "entry_url": c.entry.link,
            "entry_title": c.entry.title,
            "entry_published_at": c.entry.published_at,
            "seen_at": c.seen_at,
        })
    return list(rows.values())


def queue_rows(selection: Selection, at: datetime) -> list[dict]:
    """``stg_fetch_queue`` rows: every article this run fetches or defers, with the feed entry
    its extraction uses (so a retry or a re-extraction sees the same inputs)."""
    rows = []
    for c, deferred in [(c, False) for c in selection.fetch] + [(c, True) for c in selection.deferred]:
        e = c.entry
        listings = [{"feed_id": other.feed_id, "entry_id": other.entry.entry_id, "entry_url": other.entry.link,
                     "entry_title": other.entry.title, "entry_published_at": other.entry.published_at,
                     "seen_at": other.seen_at} for other in selection.listings.get(c.article_id, (c,))]
        rows.append({
            "article_id": c.article_id,
            "canonical_url": e.canonical_url,
            "feed_id": c.feed_id,
            "entry_url": e.link or e.canonical_url,
            "entry_id": e.entry_id,
            "entry_title": e.title,
            "entry_summary": e.summary,
            "entry_author": e.author,
            "entry_published_at": e.published_at,
            "entry_categories": list(e.categories),
            "feed_language": c.feed_language,
            "listings": listings,
            "is_deferred": deferred,
            "queued_at": at,
        })
    return rows


def candidates_from_queue(row: dict, seen_at: datetime) -> list[EntryCandidate]:
    """A fetch-queue row (typed columns of ``fetch_state``) → the candidate it was queued as,
    then one per other feed entry that listed the article."""
    from transforms.feeds import FeedEntry

    primary = EntryCandidate(row["feed_id"], row["article_id"], FeedEntry(
        entry_id=row["entry_id"],
        link=row["entry_url"],
        canonical_url=row["canonical_url"],
        title=row["entry_title"],
        summary=row["entry_summary"],
        published_at=row["entry_published_at"],
        author=row["entry_author"],
        categories=tuple(row["entry_categories"] or ()),
    ), row["feed_language"], seen_at)
    others = [EntryCandidate(listed["feed_id"], row["article_id"], FeedEntry(
        entry_id=listed["entry_id"], link=listed["entry_url"], canonical_url=row["canonical_url"],
        title=listed["entry_title"], summary=None, published_at=listed["entry_published_at"], author=None,
    ), row["feed_language"], listed["seen_at"] or seen_at) for listed in row.get("listings") or ()
        if listed["feed_id"] != row["feed_id"]]
    return [primary, *others]
