"""A bad feed or page costs only itself: every input that once stopped the whole run, beside the
healthy sample feeds, in one `feedhouse run` (the real CLI, against a real Prefect server). The run
exits 0, every healthy article loads, every bad item has its row and its reason; a second run adds
nothing and refetches nothing that failed for good."""

from __future__ import annotations

import io
import json
import logging

import pytest

from .conftest import query, run_cli, scalar, table_counts
from .fault_server import TRIGGERS, rss, serve_faults

pytestmark = pytest.mark.server

CONTENT = ("fct_articles", "fct_feed_entries", "raw_pages", "dim_sites", "dim_authors", "dim_tags",
           "bridge_article_tags", "dim_feeds", "fetch_state")


@pytest.fixture(scope="module")
def isolated(tmp_path_factory, sample_hosts, prefect_server):
    from flows.sample_site import render_feed_list

    tmp = tmp_path_factory.mktemp("isolated")
    db = tmp / "isolated.ducklake"
    with serve_faults() as (base, faults):
        leaked = tmp / "leaked-feed.xml"  # a local file that a confused parser would read and follow
        leaked.write_text(rss(base, [{"title": "Bocor", "link": f"{base}/pages/ok?leaked=1", "guid": "leak"}]))
        faults.local_feed_path = str(leaked)
        feeds = tmp / "feeds.toml"
        feeds.write_text(render_feed_list(sample_hosts)
                         + "".join(f'\n[[feeds]]\nurl = "{base}/triggers/{case}"\n' for case in TRIGGERS))
        env = prefect_server.client_env(FEEDHOUSE_REQUEST_DEADLINE_S="3", FEEDHOUSE_READ_TIMEOUT_S="2",
                                        FEEDHOUSE_EXTRACT_TIME_LIMIT_S="3")
        first = run_cli(["run", "--feeds", str(feeds), "--db", str(db), "--json"], env)
        counts = table_counts(db) if first.returncode == 0 else {}
        hits_first = list(faults.hits)
        second = run_cli(["run", "--all", "--feeds", str(feeds), "--db", str(db), "--json"], env)
        yield {"db": db, "base": base, "first": first, "second": second, "counts": counts,
               "hits_first": hits_first, "hits_second": faults.hits[len(hits_first):]}


def _summary(done) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_run_completes_and_loads_every_healthy_article(isolated):
    done = isolated["first"]
    assert done.returncode == 0, done.stderr[-3000:]
    summary = _summary(done)
    assert summary["feeds_polled"] == 4 + len(TRIGGERS)
    db = isolated["db"]
    sites = dict(query(db, "select s.site_name, count(*) from fct_articles a join dim_sites s using (site_id) "
                           "where s.domain not like '127.0.0.1:%' or s.site_name is not null group by 1"))
    assert sites["Pesan Rahbar"] == 8 and sites["Jakarta Ledger"] == 7
    assert scalar(db, "select count(*) from v_articles_full where 'Warta Nusantara (RSS)' in feeds") == 9
    # the good links beside the bad ones loaded too
    for case in ("bad-port", "ttl-inf", "max-age-inf", "ancient-date"):
        assert scalar(db, "select count(*) from fct_articles where canonical_url like ?", [f"%trigger={case}"]) == 1, case


def _poll(db, case: str) -> dict:
    rows = query(db, "select p.error, p.is_unexpected, f.status, f.poll_interval_s, f.next_poll_at is not null "
                     "from fct_feed_polls p join dim_feeds f using (feed_id) where f.url like ? "
                     "order by p.polled_at limit 1", [f"%/triggers/{case}"])
    assert len(rows) == 1, case
    return dict(zip(("error", "is_unexpected", "status", "interval", "scheduled"), rows[0], strict=True))


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("retry-after-superscript", "HTTP 503"),
        ("local-path-body", "not a feed"),
        ("dev-zero-body", "not a feed"),
        ("drip-headers", "download took longer than 3s"),
    ],
)
def test_a_bad_feed_is_its_own_poll_error(isolated, case, error):
    poll = _poll(isolated["db"], case)
    assert poll["error"] and error in poll["error"]
    assert poll["scheduled"] and 300 <= poll["interval"] <= 86400


@pytest.mark.parametrize("case", ["ttl-inf", "max-age-inf", "ancient-date", "bad-port"])
def test_nonsense_hints_and_dates_are_ignored_not_fatal(isolated, case):
    poll = _poll(isolated["db"], case)
    assert poll["error"] is None and poll["status"] == "active"
    assert 300 <= poll["interval"] <= 86400


def test_a_local_path_in_a_feed_body_is_never_opened(isolated):
    assert scalar(isolated["db"], "select count(*) from fct_articles where canonical_url like '%leaked=1'") == 0
    assert scalar(isolated["db"], "select count(*) from fct_feed_entries where entry_url like '%leaked=1'") == 0


@pytest.mark.parametrize(
    ("path", "stage", "reason"),
    [
        ("/triggers/tab-location-page", "fetch", "invalid redirect Location"),
        ("/triggers/heavy-page-body", "extract", "extraction exceeded 3 s"),
    ],
)
def test_a_bad_page_is_its_own_quarantine_row(isolated, path, stage, reason):
    rows = query(isolated["db"], "select stage, reason from quarantine where source_url like ?", [f"%{path}"])
    assert len(rows) == 1, rows
    assert rows[0][0] == stage and reason in rows[0][1]
    assert query(isolated["db"], "select status from fetch_state where canonical_url like ?", [f"%{path}"]) == [("failed",)]


def test_a_link_with_a_port_that_is_no_port_is_its_feeds_reject_not_a_fetch(isolated):
    """``http://localhost:99999/x`` is no URL: the feed's entry is refused when the feed is read
    (one parse-stage row naming the link), and nothing is queued for fetching."""
    rows = query(isolated["db"], "select stage, reason from quarantine where reason like '%localhost:99999/x%'")
    assert rows == [("parse", "entry has no usable http(s) link (link='http://localhost:99999/x')")], rows
    assert scalar(isolated["db"], "select count(*) from fetch_state where canonical_url like '%:99999%'") == 0


def test_a_page_declaring_a_non_text_charset_loads(isolated):
    text = scalar(isolated["db"], "select text from fct_articles where canonical_url like '%/triggers/punycode-page-body'")
    assert "kawasan pesisir" in text


def test_a_second_run_adds_nothing_and_refetches_nothing_that_failed_for_good(isolated):
    done = isolated["second"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert _summary(done)["articles_new"] == 0
    after = table_counts(isolated["db"])
    assert {t: after[t] for t in CONTENT} == {t: isolated["counts"][t] for t in CONTENT}
    refetched = [h for h in isolated["hits_second"] if h in ("/triggers/tab-location-page", "/triggers/heavy-page-body",
                                                             "/triggers/punycode-page-body", "/pages/ok")]
    assert refetched == []


@pytest.fixture
def run_log():
    """Everything the run logs, tracebacks included, whichever test first set Prefect's logging up
    (its first setup replaces the root logger's handlers, so pytest's own capture cannot be trusted)."""
    from prefect.logging.configuration import PROCESS_LOGGING_CONFIG, setup_logging

    if not PROCESS_LOGGING_CONFIG:
        setup_logging()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def test_an_unexpected_exception_at_a_boundary_costs_only_its_item(tmp_path, sample_feed_list, monkeypatch, run_log):
    """Bugs we have not met yet: an exception while interpreting one feed, and while fetching one
    page, each become that item's row with the exception's class, message and stage; the run loads
    the rest and counts them."""
    import flows.fetch
    import flows.poll
    from flows.ingest import ingest

    real_interpret, real_fetch = flows.poll.interpret_poll, flows.fetch.fetch_page

    def interpret(resp, *args, **kwargs):
        if resp.feed_url.endswith("/rss/internasional.xml"):
            raise RuntimeError("parser bug on this feed")
        return real_interpret(resp, *args, **kwargs)

    def fetch_page(client, candidate, *args, **kwargs):
        if "turnamen-sepak-bola" in candidate.entry.canonical_url:
            raise ValueError("fetcher bug on this page")
        return real_fetch(client, candidate, *args, **kwargs)

    monkeypatch.setattr(flows.poll, "interpret_poll", interpret)
    monkeypatch.setattr(flows.fetch, "fetch_page", fetch_page)
    db = tmp_path / "bugs.ducklake"
    summary = ingest(feeds=str(sample_feed_list), db=str(db))
    assert summary["unexpected_errors"] == 2
    assert summary["articles_new"] == 23  # all but the one page
    polls = query(db, "select error, is_unexpected from fct_feed_polls where feed_url like '%/rss/internasional.xml'")
    assert polls == [("unexpected error in parse: RuntimeError: parser bug on this feed", True)]
    rows = query(db, "select stage, reason, is_unexpected from quarantine where is_unexpected")
    assert sorted(rows) == [
        ("fetch", "unexpected error in fetch: ValueError: fetcher bug on this page", True),
        ("parse", "unexpected error in parse: RuntimeError: parser bug on this feed", True),
    ]
    assert query(db, "select unexpected_errors from etl_runs") == [(2,)]
    for bug in ("RuntimeError: parser bug on this feed", "ValueError: fetcher bug on this page"):
        assert run_log.getvalue().count(f"\n{bug}") == 1  # logged once each, as a traceback's last line
