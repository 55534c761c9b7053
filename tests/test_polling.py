"""Polling policy: schedule and states (pure), OPML round trip, retry of transient failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.ingest import ingest
from transforms.feedlist import FeedList, FeedSpec, append_feeds, parse_feed_list_text, parse_opml, to_opml
from transforms.schedule import PollState, header_delay_seconds, next_poll, sy_seconds, ttl_seconds
from transforms.settings import Settings

from .conftest import query
from .fault_server import serve_faults

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
S = Settings()


def _next(prev=PollState(), **kw):
    args = dict(now=NOW, http_status=200, failed=False, is_hard_failure=False, moved=False,
                new_ratio=None, hint_seconds=[], retry_after_s=None, settings=S, jitter_seed=1)
    args.update(kw)
    return next_poll(prev, **args)


def test_interval_adapts_to_how_much_is_new():
    base = PollState(poll_interval_s=3600)
    assert _next(base, new_ratio=0.8).poll_interval_s == 1800
    assert _next(base, new_ratio=0.0).poll_interval_s == 5400
    assert _next(base, new_ratio=0.2).poll_interval_s == 3600


def test_interval_is_bounded_and_honours_feed_hints():
    assert _next(PollState(poll_interval_s=400), new_ratio=1.0).poll_interval_s == S.min_poll_interval_s
    assert _next(PollState(poll_interval_s=80_000), new_ratio=0.0).poll_interval_s == S.max_poll_interval_s
    hinted = _next(PollState(poll_interval_s=600), hint_seconds=[ttl_seconds("60"), None])
    assert hinted.poll_interval_s == 3600  # <ttl>60</ttl>: not more often than hourly


def test_hint_parsers():
    assert ttl_seconds("15") == 900
    assert sy_seconds("hourly", "2") == 1800 and sy_seconds("daily", None) == 86400
    assert sy_seconds("fortnightly", "1") is None
    assert header_delay_seconds({"retry-after": "120"}, NOW, "retry-after") == 120
    later = (NOW + timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert header_delay_seconds({"expires": later}, NOW, "expires") == 7200


def test_failures_back_off_with_jitter_then_the_feed_dies_but_is_still_polled():
    state, intervals = PollState(), []
    for _ in range(S.dead_after_failures - 1):
        state = _next(state, failed=True, is_hard_failure=True, http_status=404)
        assert state.status == "backing-off"
        intervals.append(state.poll_interval_s)
    assert intervals == sorted(intervals) and intervals[0] < intervals[-1]
    dead = _next(state, failed=True, is_hard_failure=True, http_status=404)
    assert dead.status == "dead" and dead.next_poll_at == NOW + timedelta(seconds=S.dead_poll_interval_s)
    revived = _next(dead, http_status=200, new_ratio=0.5)
    assert revived.status == "active" and revived.consecutive_failures == 0


def test_transient_failures_never_kill_a_feed():
    state = PollState()
    for _ in range(S.dead_after_failures * 2):
        state = _next(state, failed=True, is_hard_failure=False, http_status=503)
    assert state.status == "backing-off"


def test_jitter_spreads_feeds_that_fail_together():
    times = {_next(failed=True, http_status=500, jitter_seed=seed).poll_interval_s for seed in range(20)}
    assert len(times) > 10


def test_gone_and_moved_states():
    assert _next(http_status=410, failed=True).status == "gone"
    assert _next(http_status=410, failed=True).next_poll_at is None
    assert _next(moved=True).status == "moved"


def test_opml_round_trip():
    feeds = FeedList((
        FeedSpec("https://a.example/rss", "A & B news", "id", ("portal", "id")),
        FeedSpec("https://b.example/atom.xml"),
    ))
    text = to_opml(feeds.feeds)
    assert parse_opml(text).feeds == feeds.feeds
    assert parse_feed_list_text(append_feeds("", feeds.feeds)[0]).feeds == feeds.feeds
    assert parse_feed_list_text(text).feeds == feeds.feeds  # --feeds accepts OPML directly


def test_opml_folders_become_tags():
    opml = """<?xml version="1.0"?>
<opml version="1.0"><head><title>Ekspor</title></head><body>
  <outline text="Indonesia"><outline text="Kompas" type="rss" xmlUrl="https://kompas.example/rss"/></outline>
  <outline text="Tech" title="Tech" type="rss" xmlUrl="https://tech.example/feed" category="/tech,/en"/>
</body></opml>"""
    feeds = parse_opml(opml).feeds
    assert [f.url for f in feeds] == ["https://kompas.example/rss", "https://tech.example/feed"]
    assert feeds[0].tags == ("Indonesia",) and feeds[1].tags == ("tech", "en")


def test_opml_external_entities_are_never_read(tmp_path):
    """An external entity in the body would splice a local file's outlines into the list."""
    leaked = tmp_path / "leaked.xml"
    leaked.write_text('<outline text="Leaked" type="rss" xmlUrl="https://leaked.example/rss"/>')
    opml = f"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file://{leaked}">]>
<opml version="1.0"><head><title>x</title></head><body>
  &xxe;
  <outline text="Kompas" type="rss" xmlUrl="https://kompas.example/rss"/>
</body></opml>"""
    assert [f.url for f in parse_opml(opml).feeds] == ["https://kompas.example/rss"]


def test_transient_page_failure_is_retried_even_when_the_feed_is_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDHOUSE_ALLOW_HOSTS", "127.0.0.1")
    db = tmp_path / "retry.ducklake"
    with serve_faults() as (base, _faults):
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(f'[[feeds]]\nurl = "{base}/feeds/flaky-listing"\n')
        first = ingest(feeds=str(feeds), db=str(db), all_feeds=True)
        assert first["articles_new"] == 0
        assert query(db, "select stage, is_retryable from quarantine") == [("fetch", True)]
        assert query(db, "select status, attempts from fetch_state") == [("retrying", 1)]
        assert query(db, "select rows_retryable, rows_resolved from v_quarantine_summary") == [(1, 0)]
        second = ingest(feeds=str(feeds), db=str(db), all_feeds=True)
    assert second["feeds_not_modified"] == 1  # same body: not parsed again
    assert second["articles_new"] == 1
    assert query(db, "select count(*) from fct_feed_entries") == [(1,)]
    assert query(db, "select status, attempts, last_error from fetch_state") == [("loaded", 2, None)]
    summary = query(db, "select rows_retryable, rows_resolved from v_quarantine_summary")
    assert summary == [(0, 1)]


@pytest.mark.parametrize("bad", ['[settings]\nnot_a_setting = 1\n[[feeds]]\nurl = "http://a.example/"\n'])
def test_unknown_settings_in_a_feed_list_are_rejected(bad):
    with pytest.raises(ValueError, match=r"line 2: \[settings\] not_a_setting: unknown setting"):
        parse_feed_list_text(bad)
    with pytest.raises(ValueError, match="unknown settings: not_a_setting"):
        Settings.from_env({}, {"not_a_setting": 1})


def test_host_gate_limits_concurrency_and_spaces_requests_per_host():
    import threading
    import time

    from flows.concurrency import HostGate, map_polite

    gate = HostGate(per_host=2, delay_s=0.1)
    lock, active, peak, starts = threading.Lock(), {}, {}, []

    def call(url):
        host = url.split("/")[2]
        with lock:
            active[host] = active.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), active[host])
            starts.append((host, time.monotonic()))
        time.sleep(0.3)  # long beside the 0.1 s spacing: a host's slots fill up
        with lock:
            active[host] -= 1
        return url

    urls = [f"http://a.example/{i}" for i in range(6)] + [f"http://b.example/{i}" for i in range(2)]
    assert list(map_polite(urls, lambda u: u, call, workers=8, gate=gate)) == urls
    assert peak == {"a.example": 2, "b.example": 2}  # each host at its limit of two, never more
    a_starts = sorted(t for host, t in starts if host == "a.example")
    assert all(b - a >= 0.09 for a, b in zip(a_starts, a_starts[1:]))


def test_entries_over_the_caps_wait_for_later_runs_and_are_never_dropped(sample_feed_list, db_path, monkeypatch):
    monkeypatch.setenv("FEEDHOUSE_MAX_PAGES_PER_RUN", "10")
    monkeypatch.setenv("FEEDHOUSE_MAX_ENTRIES_PER_FEED", "4")
    first = ingest(feeds=str(sample_feed_list), db=str(db_path))
    assert first["articles_deferred"] == 27 - 10  # 27 pages listed: 24 articles, a 404, a PDF, a video
    assert query(db_path, "select sum(entries_deferred) from fct_feed_polls") == [(17,)]
    assert query(db_path, "select count(*) from fetch_state where status = 'pending'") == [(17,)]
    loaded = [query(db_path, "select count(*) from fct_articles")[0][0]]
    for _ in range(3):  # the feeds are not due again: only the queue is fetched
        summary = ingest(feeds=str(sample_feed_list), db=str(db_path))
        assert summary["feeds_polled"] == 0
        loaded.append(query(db_path, "select count(*) from fct_articles")[0][0])
    assert loaded[-1] == 24 and loaded == sorted(loaded)
    assert query(db_path, "select status, count(*) from fetch_state group by 1 order by 1") == [("failed", 3), ("loaded", 24)]
    assert query(db_path, "select count(*) from fct_feed_entries") == [(27,)]  # the entries came with their articles
