"""A feed poll, whatever the server sent, becomes a poll row, entry rows, fetch-queue rows and
quarantine rows that all meet their contracts; nothing raises."""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from transforms.ids import bytes_hash
from transforms.polls import PolledFeed, PollResponse, interpret_poll, poll_row
from transforms.schedule import MAX_HINT_S, PollState
from transforms.select import candidates_from_queue, entry_rows, queue_rows, select_articles
from transforms.settings import Settings

from . import assert_rows, examples
from .strategies import (
    CHARSETS,
    CONTENT_TYPES,
    EDGE_DATES,
    EDGE_NUMBERS,
    feed_bodies,
    json_feed_bodies,
    moments,
    no_surrogates,
    run_settings,
    text_without_surrogates,
    urls,
)

RUN_ID = "20260101T000000-fuzz"


def header_urls() -> st.SearchStrategy[str]:
    """A URL as the HTTP client reports it (a header, a redirect, a page's link): no lone surrogates."""
    return urls().map(no_surrogates)


@st.composite
def headers(draw) -> dict[str, str]:
    """Caching, retry and location headers, each present or not, each any value."""
    found = {}
    choices = {
        "cache-control": st.one_of(
            st.sampled_from(EDGE_NUMBERS).map(lambda v: f"max-age={v}"),
            st.sampled_from(EDGE_NUMBERS).map(lambda v: f"no-cache, s-maxage={v}, max-age=60"),
            st.sampled_from(["no-store", "private", "max-age", "max-age=", ",,,", "MAX-AGE=60"]),
            text_without_surrogates(40)),
        "expires": st.one_of(st.sampled_from(EDGE_DATES + EDGE_NUMBERS), text_without_surrogates(40)),
        "retry-after": st.one_of(st.sampled_from(EDGE_NUMBERS + EDGE_DATES), text_without_surrogates(40)),
        "content-location": st.one_of(header_urls(), st.sampled_from(["/feed.xml", "../x", "//evil.example/f"])),
        "location": header_urls(),
    }
    for name, values in choices.items():
        if draw(st.booleans()):
            found[name] = draw(values)
    return found


def content_types() -> st.SearchStrategy[str | None]:
    with_charset = st.tuples(st.sampled_from([c for c in CONTENT_TYPES if c]), st.sampled_from(CHARSETS)).map(
        lambda t: f"{t[0].split(';')[0]}; charset={t[1]}")
    return st.one_of(st.sampled_from(CONTENT_TYPES), with_charset, text_without_surrogates(40))


def poll_states() -> st.SearchStrategy[PollState]:
    return st.builds(
        PollState,
        status=st.sampled_from(["active", "moved", "backing-off", "dead", "gone"]),
        consecutive_failures=st.integers(0, 400),
        poll_interval_s=st.one_of(st.none(), st.integers(1, 2**31 - 1)),
    )


@st.composite
def poll_responses(draw, bodies: st.SearchStrategy[bytes] = feed_bodies()) -> PollResponse:
    """A poll's response: any body, status, headers and stored state; sometimes a failed or
    unchanged poll."""
    body = None if draw(st.integers(0, 7)) == 0 else draw(bodies)
    unchanged = body is not None and draw(st.integers(0, 7)) == 0
    previous_hash = bytes_hash(body) if unchanged else draw(st.sampled_from([None, "0" * 64]))
    error = None if draw(st.integers(0, 7)) else draw(st.sampled_from(["HTTP 500 Internal Server Error",
                                                                     "timeout (ReadTimeout)", "\x00\n"]))
    feed_url = draw(st.sampled_from(["http://127.0.0.1:8702/rss.xml", "https://news.example/feed?token=x",
                                     "http://[::1]:8080/a.xml"]))
    return PollResponse(
        feed_id=draw(st.integers(-(2**63), 2**63 - 1)),
        feed_url=feed_url,
        original_url=draw(st.sampled_from([feed_url, "http://127.0.0.1:8702/old.xml"])),
        polled_at=draw(moments()),
        name=draw(st.one_of(st.none(), text_without_surrogates())),
        tags=tuple(draw(st.lists(text_without_surrogates(10), max_size=3))),
        language_hint=draw(st.one_of(st.none(), st.sampled_from(["id", "en-us", "EN", ""]), text_without_surrogates(10))),
        status=draw(st.sampled_from([200] * 8 + [None, 203, 304, 410, 500, 999, -1])),
        final_url=draw(st.one_of(st.none(), st.just(feed_url), header_urls())),
        moved_to=draw(st.one_of(st.none(), header_urls())),
        etag=draw(st.one_of(st.none(), text_without_surrogates())),
        last_modified=draw(st.one_of(st.none(), st.sampled_from(EDGE_DATES), text_without_surrogates())),
        content_type=draw(content_types()),
        body=body,
        error=error,
        is_retryable=draw(st.booleans()),
        is_unexpected=error is not None and draw(st.booleans()),
        elapsed_ms=draw(st.integers(0, 2**31 - 1)),
        previous_etag=draw(st.one_of(st.none(), text_without_surrogates())),
        previous_last_modified=draw(st.one_of(st.none(), text_without_surrogates())),
        previous_body_hash=previous_hash,
        previous_state=draw(poll_states()),
        headers=draw(headers()),
        discovered_from=draw(st.one_of(st.none(), header_urls())),
    )


def check_poll(resp: PollResponse, run_settings: Settings, data: st.DataObject) -> PolledFeed:
    """interpret_poll, then everything the run builds from its result, checked against the
    contracts: the poll row, entry rows, fetch-queue rows and quarantine rows."""
    polled = interpret_poll(resp, RUN_ID, run_settings)
    now = resp.polled_at
    found = len(polled.candidates)
    event("poll failed" if polled.error else "3+ candidates" if found >= 3 else f"{found} candidates")

    assert polled.is_unexpected == (resp.error is not None and resp.is_unexpected)
    assert polled.error is None or polled.quarantine, "a failed poll says why in the quarantine"
    assert polled.error is not None or polled.entries_seen == len(polled.candidates) + len(polled.quarantine)
    for hint in (*polled.hint_seconds, polled.retry_after_s):
        assert hint is None or (isinstance(hint, int) and 0 <= hint <= MAX_HINT_S)
    assert polled.response.body is None

    ids = sorted({c.article_id for c in polled.candidates})
    settled = data.draw(st.sets(st.sampled_from(ids))) if ids else set()
    queued = [candidates_from_queue(row, now) for row in data.draw(st.sampled_from([[], QUEUED]))]
    selection = select_articles(polled.candidates, settled, queued,
                                max_entries_per_feed=run_settings.max_entries_per_feed,
                                max_pages_per_run=run_settings.max_pages_per_run)
    row = poll_row(polled, RUN_ID, selection.new_per_feed.get(polled.feed_id, 0),
                   selection.deferred_per_feed.get(polled.feed_id, 0), run_settings)
    assert_rows("stg_feed_polls", [row], run_settings, now)
    assert row["next_poll_at"] is None or row["next_poll_at"] > now
    assert_rows("stg_feed_entries", entry_rows(list(polled.candidates) + list(selection.fetch)), run_settings, now,
                unique_grain=True)
    queue = queue_rows(selection, now)
    assert_rows("stg_fetch_queue", queue, run_settings, now)
    for queued_row in queue:  # a retry or re-extraction sees the inputs of the first attempt
        again = candidates_from_queue(queued_row, now)[0]
        first = next(c for c in (*selection.fetch, *selection.deferred) if c.article_id == again.article_id)
        assert again.entry == first.entry
    assert_rows("stg_quarantine", list(polled.quarantine), run_settings, now)
    return polled


# Fetch-queue rows of another feed (what ``queued_entries`` reads back from ``fetch_state``).
QUEUED = [
    {"article_id": 7, "canonical_url": "http://127.0.0.1:8703/news/1.html", "feed_id": 99,
     "entry_url": "http://127.0.0.1:8703/news/1.html?utm_source=rss", "entry_id": None, "entry_title": "Satu",
     "entry_summary": None, "entry_author": None, "entry_published_at": None, "entry_categories": None,
     "feed_language": "en"},
    {"article_id": 8, "canonical_url": "http://127.0.0.1:8703/news/2.html", "feed_id": 99,
     "entry_url": "http://127.0.0.1:8703/news/2.html", "entry_id": "2", "entry_title": None,
     "entry_summary": "Dua", "entry_author": "Ani", "entry_published_at": None, "entry_categories": ["x"],
     "feed_language": None},
]


@examples(200)
@given(resp=poll_responses(), run_settings=run_settings(), data=st.data())
def test_any_feed_poll_yields_rows_that_meet_their_contracts(resp, run_settings, data):
    check_poll(resp, run_settings, data)


@examples(150)
@given(resp=poll_responses(json_feed_bodies()), run_settings=run_settings(), data=st.data())
def test_any_json_feed_yields_rows_that_meet_their_contracts(resp, run_settings, data):
    check_poll(resp, run_settings, data)


@examples(200)
@given(resp=poll_responses(st.sampled_from([b"", b" ", b"<rss/>", b"{}"])), run_settings=run_settings(),
       data=st.data())
def test_any_headers_and_stored_state_give_a_valid_schedule(resp, run_settings, data):
    check_poll(resp, run_settings, data)
