"""A feed poll's response → the poll's row, its entries, and its rejects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from transforms.feeds import FeedEntry, parse_feed
from transforms.ids import bytes_hash, stable_id
from transforms.quarantine import quarantine_row
from transforms.schedule import (
    PollState,
    header_delay_seconds,
    max_age_seconds,
    next_poll,
    sy_seconds,
    ttl_seconds,
)
from transforms.settings import Settings


@dataclass(frozen=True)
class PollResponse:
    """What the network step saw for one feed, plus the feed's stored state."""

    feed_id: int
    feed_url: str  # URL requested
    original_url: str  # URL in the feed list
    polled_at: datetime
    name: str | None = None
    tags: tuple[str, ...] = ()
    language_hint: str | None = None
    status: int | None = None
    final_url: str | None = None
    moved_to: str | None = None  # set when every redirect hop was permanent
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    body: bytes | None = None
    error: str | None = None
    is_retryable: bool = False
    elapsed_ms: int = 0
    previous_etag: str | None = None
    previous_last_modified: str | None = None
    previous_body_hash: str | None = None
    previous_state: PollState = field(default_factory=PollState)
    headers: dict[str, str] = field(default_factory=dict)  # cache-control, expires, retry-after, content-location
    discovered_from: str | None = None  # the HTML page whose <link rel=alternate> led here


@dataclass(frozen=True)
class EntryCandidate:
    """A feed entry with a usable link: a candidate article."""

    feed_id: int
    article_id: int
    entry: FeedEntry
    feed_language: str | None
    seen_at: datetime


@dataclass
class PollOutcome:
    """``poll_row`` lacks ``entries_new`` and the next schedule until selection knows which
    entries are new (:func:`finalize_poll_row`)."""

    poll_row: dict
    candidates: list[EntryCandidate] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    previous_state: PollState = field(default_factory=PollState)
    hint_seconds: list[int | None] = field(default_factory=list)
    retry_after_s: int | None = None
    is_hard_failure: bool = False


def finalize_poll_row(outcome: PollOutcome, entries_new: int, settings: Settings) -> dict:
    """The poll's ``stg_feed_polls`` row with its new-entry count and the feed's next state."""
    row = dict(outcome.poll_row)
    row["entries_new"] = entries_new
    seen = row["entries_seen"]
    failed = row["error"] is not None
    ratio = 0.0 if row["is_not_modified"] else (entries_new / seen if seen else None)
    state = next_poll(
        outcome.previous_state,
        now=row["polled_at"],
        http_status=row["http_status"],
        failed=failed,
        is_hard_failure=outcome.is_hard_failure,
        moved=row["moved_to"] is not None,
        new_ratio=None if failed else ratio,
        hint_seconds=outcome.hint_seconds,
        retry_after_s=outcome.retry_after_s,
        settings=settings,
        jitter_seed=row["feed_id"],
    )
    row.update(
        status=state.status,
        consecutive_failures=state.consecutive_failures,
        poll_interval_s=state.poll_interval_s,
        next_poll_at=state.next_poll_at,
    )
    return row


def interpret_poll(resp: PollResponse, run_id: str, settings: Settings | None = None) -> PollOutcome:
    """Parse a poll's body (unless unchanged or failed) and build its rows."""
    settings = settings or Settings()
    body_hash = bytes_hash(resp.body) if resp.body is not None else None
    not_modified = resp.status == 304 or (
        body_hash is not None and body_hash == resp.previous_body_hash
    )
    row = {
        "poll_id": stable_id(run_id, str(resp.feed_id)),
        "run_id": run_id,
        "feed_id": resp.feed_id,
        "feed_url": resp.feed_url,
        "original_url": resp.original_url,
        "final_url": resp.final_url,
        "moved_to": resp.moved_to,
        "feed_name": resp.name,
        "feed_tags": list(resp.tags),
        "polled_at": resp.polled_at,
        "http_status": resp.status,
        "is_not_modified": not_modified,
        "entries_seen": 0,
        "entries_new": 0,
        "bytes": len(resp.body or b""),
        "duration_ms": resp.elapsed_ms,
        "error": resp.error,
        "parse_warning": None,
        # state to store: a 304 keeps what we had unless the server sent new validators
        "etag": resp.etag or resp.previous_etag,
        "last_modified": resp.last_modified or resp.previous_last_modified,
        "body_hash": body_hash or resp.previous_body_hash,
        "feed_title": None,
        "site_url": None,
        "feed_language": resp.language_hint,
        "discovered_from": resp.discovered_from,
    }
    outcome = PollOutcome(
        poll_row=row,
        previous_state=resp.previous_state,
        hint_seconds=[
            max_age_seconds(resp.headers),
            header_delay_seconds(resp.headers, resp.polled_at, "expires"),
        ],
        retry_after_s=header_delay_seconds(resp.headers, resp.polled_at, "retry-after"),
        is_hard_failure=resp.error is not None and not resp.is_retryable,
    )
    record = {"feed_id": resp.feed_id, "feed_url": resp.feed_url, "http_status": resp.status}
    if resp.error:
        outcome.quarantine.append(
            quarantine_row("poll", resp.feed_url, resp.error, record,
                           at=resp.polled_at, is_retryable=resp.is_retryable)
        )
        return outcome
    if not_modified or resp.body is None:
        return outcome
    parsed = parse_feed(resp.body, resp.content_type, settings,
                        base_url=resp.final_url or resp.feed_url,
                        content_location=resp.headers.get("content-location"))
    row["parse_warning"] = parsed.bozo_reason
    if parsed.error:
        row["error"] = parsed.error
        outcome.quarantine.append(
            quarantine_row("parse", resp.feed_url, parsed.error,
                           {**record, "body_head": resp.body[:500].decode("utf-8", "replace")},
                           at=resp.polled_at)
        )
        row["body_hash"] = resp.previous_body_hash  # retry a broken feed next time
        outcome.is_hard_failure = True
        return outcome
    outcome.hint_seconds += [ttl_seconds(parsed.ttl), sy_seconds(parsed.sy_update_period, parsed.sy_update_frequency)]
    row.update(
        feed_title=parsed.title,
        site_url=parsed.site_url,
        feed_language=resp.language_hint or parsed.language,
        entries_seen=len(parsed.entries),
    )
    language = resp.language_hint or parsed.language
    for entry in parsed.entries:
        if entry.canonical_url is None:
            outcome.quarantine.append(
                quarantine_row(
                    "parse", resp.feed_url,
                    f"entry has no usable http(s) link (link={entry.link!r})",
                    {**record, "entry_id": entry.entry_id, "title": entry.title, "link": entry.link},
                    at=resp.polled_at,
                )
            )
            continue
        outcome.candidates.append(
            EntryCandidate(
                feed_id=resp.feed_id,
                article_id=stable_id(entry.canonical_url),
                entry=entry,
                feed_language=language,
                seen_at=resp.polled_at,
            )
        )
    return outcome
