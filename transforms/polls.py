"""A feed poll's response → what the feed said (:class:`PolledFeed`) → the poll's row.

Three immutable steps: the network step returns a :class:`PollResponse`; :func:`interpret_poll`
parses it into a :class:`PolledFeed` (entries, hints, rejects); once selection knows which entries
are new, :func:`poll_row` builds the ``stg_feed_polls`` row, whole, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from transforms.feeds import FeedEntry, parse_feed
from transforms.ids import bytes_hash, stable_id
from transforms.quarantine import quarantine_row, unexpected_reason
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
    is_unexpected: bool = False  # ``error`` is an exception caught at the poll boundary
    elapsed_ms: int = 0
    previous_etag: str | None = None
    previous_last_modified: str | None = None
    previous_body_hash: str | None = None
    previous_state: PollState = field(default_factory=PollState)
    headers: dict[str, str] = field(default_factory=dict)  # cache-control, expires, retry-after
    discovered_from: str | None = None  # the HTML page whose <link rel=alternate> led here


@dataclass(frozen=True)
class EntryCandidate:
    """A feed entry with a usable link: a candidate article."""

    feed_id: int
    article_id: int
    entry: FeedEntry
    feed_language: str | None
    seen_at: datetime


@dataclass(frozen=True)
class PolledFeed:
    """What one poll found out about one feed: everything its poll row needs except which of its
    entries are new (selection's answer), plus its entry candidates and rejects."""

    response: PollResponse  # without its body
    is_not_modified: bool
    body_bytes: int
    body_hash: str | None  # of this poll's body, or the previous one when unchanged or broken
    error: str | None = None
    is_unexpected: bool = False
    is_hard_failure: bool = False
    parse_warning: str | None = None
    feed_title: str | None = None
    site_url: str | None = None
    feed_language: str | None = None
    entries_seen: int = 0
    hint_seconds: tuple[int | None, ...] = ()
    retry_after_s: int | None = None
    candidates: tuple[EntryCandidate, ...] = ()
    quarantine: tuple[dict, ...] = ()

    @property
    def feed_id(self) -> int:
        return self.response.feed_id

    @property
    def is_refused(self) -> bool:
        """Refused by our own SSRF policy before any request: a setting to change, not a failure."""
        return (self.error or "").startswith("refused:")


def interpret_poll(resp: PollResponse, run_id: str, settings: Settings | None = None) -> PolledFeed:
    """Parse a poll's body (unless unchanged or failed) into entry candidates and rejects."""
    settings = settings or Settings()
    body_hash = bytes_hash(resp.body) if resp.body is not None else None
    not_modified = resp.status == 304 or (body_hash is not None and body_hash == resp.previous_body_hash)
    base = dict(
        response=_without_body(resp),
        is_not_modified=not_modified,
        body_bytes=len(resp.body or b""),
        body_hash=body_hash or resp.previous_body_hash,
        feed_language=resp.language_hint,
        hint_seconds=(max_age_seconds(resp.headers), header_delay_seconds(resp.headers, resp.polled_at, "expires")),
        retry_after_s=header_delay_seconds(resp.headers, resp.polled_at, "retry-after"),
    )
    if resp.error:
        return failed_poll(resp, run_id, resp.error, stage="poll", is_unexpected=resp.is_unexpected, **base)
    if not_modified or resp.body is None:
        return PolledFeed(**base)
    parsed = parse_feed(resp.body, resp.content_type, settings, base_url=resp.final_url or resp.feed_url,
                        content_location=resp.headers.get("content-location"))
    if parsed.error:
        base["body_hash"] = resp.previous_body_hash  # retry a broken feed next time
        return failed_poll(resp, run_id, parsed.error, stage="parse", parse_warning=parsed.bozo_reason,
                           record_extra={"body_head": resp.body[:500].decode("utf-8", "replace")}, **base)
    language = resp.language_hint or parsed.language
    candidates, rejects = [], []
    for entry in parsed.entries:
        if entry.canonical_url is None:
            rejects.append(quarantine_row(
                "parse", resp.feed_url, f"entry has no usable http(s) link (link={entry.link!r})",
                {"feed_url": resp.feed_url, "entry_id": entry.entry_id, "title": entry.title, "link": entry.link},
                run_id=run_id, at=resp.polled_at, feed_id=resp.feed_id,
            ))
            continue
        candidates.append(EntryCandidate(resp.feed_id, stable_id(entry.canonical_url), entry, language, resp.polled_at))
    base["hint_seconds"] += (ttl_seconds(parsed.ttl), sy_seconds(parsed.sy_update_period, parsed.sy_update_frequency))
    return PolledFeed(
        **base | {"feed_language": language},
        parse_warning=parsed.bozo_reason,
        feed_title=parsed.title,
        site_url=parsed.site_url,
        entries_seen=len(parsed.entries),
        candidates=tuple(candidates),
        quarantine=tuple(rejects),
    )


def failed_poll(
    resp: PollResponse,
    run_id: str,
    reason: str,
    *,
    stage: str,
    is_unexpected: bool = False,
    record_extra: dict | None = None,
    **fields,
) -> PolledFeed:
    """A poll that produced no entries, with its poll-error quarantine row. A parse failure or
    an unexpected error is a hard failure (the feed backs off, then dies); a network failure is
    hard unless it is transient."""
    fields.setdefault("response", _without_body(resp))
    fields.setdefault("is_not_modified", False)
    fields.setdefault("body_bytes", len(resp.body or b""))
    fields.setdefault("body_hash", resp.previous_body_hash)
    retryable = stage == "poll" and resp.is_retryable and not is_unexpected
    row = quarantine_row(
        stage, resp.feed_url, reason,
        {"feed_url": resp.feed_url, "http_status": resp.status, **(record_extra or {})},
        run_id=run_id, at=resp.polled_at, feed_id=resp.feed_id,
        is_retryable=retryable, is_unexpected=is_unexpected,
    )
    return PolledFeed(error=reason, is_unexpected=is_unexpected, is_hard_failure=not retryable,
                      quarantine=(row,), **fields)


def unexpected_poll(resp: PollResponse, run_id: str, stage: str, exc: BaseException) -> PolledFeed:
    """The outcome of a poll whose interpretation raised: the feed's poll error, nothing else."""
    return failed_poll(resp, run_id, unexpected_reason(stage, exc), stage=stage, is_unexpected=True)


def poll_row(polled: PolledFeed, run_id: str, entries_new: int, entries_deferred: int, settings: Settings) -> dict:
    """The poll's ``stg_feed_polls`` row, with the feed's next state and schedule."""
    resp = polled.response
    seen = polled.entries_seen
    failed = polled.error is not None
    ratio = 0.0 if polled.is_not_modified else (entries_new / seen if seen else None)
    state = next_poll(
        resp.previous_state,
        now=resp.polled_at,
        http_status=resp.status,
        failed=failed,
        is_hard_failure=polled.is_hard_failure,
        moved=resp.moved_to is not None,
        new_ratio=None if failed else ratio,
        hint_seconds=list(polled.hint_seconds),
        retry_after_s=polled.retry_after_s,
        settings=settings,
        jitter_seed=resp.feed_id,
        refused=polled.is_refused,
    )
    return {
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
        "is_not_modified": polled.is_not_modified,
        "entries_seen": seen,
        "entries_new": entries_new,
        "entries_deferred": entries_deferred,
        "bytes": polled.body_bytes,
        "duration_ms": resp.elapsed_ms,
        "error": polled.error,
        "is_unexpected": polled.is_unexpected,
        "parse_warning": polled.parse_warning,
        # state to store: a 304 keeps what we had unless the server sent new validators
        "etag": resp.etag or resp.previous_etag,
        "last_modified": resp.last_modified or resp.previous_last_modified,
        "body_hash": polled.body_hash,
        "feed_title": polled.feed_title,
        "site_url": polled.site_url,
        "feed_language": polled.feed_language,
        "discovered_from": resp.discovered_from,
        "status": state.status,
        "consecutive_failures": state.consecutive_failures,
        "poll_interval_s": state.poll_interval_s,
        "next_poll_at": state.next_poll_at,
    }


def _without_body(resp: PollResponse) -> PollResponse:
    """The response minus its body: a run keeps thousands of these until the load."""
    if resp.body is None:
        return resp
    from dataclasses import replace

    return replace(resp, body=None)
