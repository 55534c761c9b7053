"""Hostile and broken input, end to end: one ingest run over a fault-injecting server on
127.0.0.1, then one assertion per case through SQL. The run must complete, record why each
case failed, and leave no partial rows. No traffic leaves 127.0.0.1: host names go through a
resolver hook that answers from a table or fails, so no DNS query is ever sent."""

from __future__ import annotations

import gzip
import socket
from datetime import timedelta

import pytest

from flows import httpclient as http
from flows.ingest import ingest

from .conftest import query, scalar
from .fault_server import FEED_CASES, serve_faults

FAKE_DNS = {"intranet.corp.test": ["10.1.2.3"]}


def fake_resolver(host: str, port: int) -> list[str]:
    if host in FAKE_DNS:
        return FAKE_DNS[host]
    raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known (test resolver): {host}")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "hostile.ducklake"
    with serve_faults() as (base, faults), pytest.MonkeyPatch.context() as mp:
        mp.setattr(http, "resolver", fake_resolver)
        for key, value in {
            "FEEDHOUSE_ALLOW_HOSTS": "127.0.0.1",
            "FEEDHOUSE_CONNECT_TIMEOUT_S": "1",
            "FEEDHOUSE_READ_TIMEOUT_S": "1",
            "FEEDHOUSE_REQUEST_DEADLINE_S": "3",
            "FEEDHOUSE_MAX_FEED_BYTES": str(1024 * 1024),
            "FEEDHOUSE_MAX_PAGE_BYTES": str(1024 * 1024),
        }.items():
            mp.setenv(key, value)
        feeds = tmp / "feeds.toml"
        urls = [f"{base}/feeds/{case}" for case in FEED_CASES] + ["http://feeds.unresolvable.test/rss"]
        feeds.write_text("".join(f'[[feeds]]\nurl = "{u}"\n\n' for u in urls))
        summary = ingest(feeds=str(feeds), db=str(db), all_feeds=True)
        yield {"db": db, "base": base, "summary": summary, "hits": list(faults.hits)}


def poll(hostile, case: str) -> dict:
    rows = query(
        hostile["db"],
        """
        select p.http_status, p.error, p.parse_warning, p.entries_seen, f.status, f.url,
               f.moved_from, f.discovered_from, f.next_poll_at, p.polled_at, f.consecutive_failures
        from fct_feed_polls p join dim_feeds f using (feed_id)
        where f.original_url like '%/' || ? or f.original_url = ?
        """,
        [case, case],
    )
    assert len(rows) == 1, case
    keys = ("http_status", "error", "parse_warning", "entries_seen", "status", "url", "moved_from",
            "discovered_from", "next_poll_at", "polled_at", "consecutive_failures")
    return dict(zip(keys, rows[0], strict=True))


def quarantined(hostile, url_suffix: str) -> list[tuple]:
    return query(
        hostile["db"],
        "select stage, reason, is_retryable from quarantine where source_url like '%' || ?",
        [url_suffix],
    )


def test_run_completes_and_polls_every_feed(hostile):
    assert hostile["summary"]["feeds_polled"] == len(FEED_CASES) + 1


@pytest.mark.parametrize(
    ("case", "reason", "retryable"),
    [
        ("read-timeout", "timeout (ReadTimeout)", True),
        ("trickle", "download took longer than 3s", False),
        ("connection-reset", "Error", True),
        ("server-error", "HTTP 500 Internal Server Error", True),
        ("unavailable", "HTTP 503 Service Unavailable", True),
        ("too-many-requests", "HTTP 429 Too Many Requests", True),
        ("not-found", "HTTP 404 Not Found", False),
        ("gone", "HTTP 410 Gone", False),
        ("oversized", "exceeds the 1048576-byte cap", False),
        ("oversized-chunked", "body exceeds 1048576 bytes", False),
        ("gzip-bomb", "compression bomb", False),
        ("empty", "empty body", False),
        ("json", "not a feed: body is JSON", False),
        ("html-without-feed", "not a feed: body is an HTML page", False),
        ("http://feeds.unresolvable.test/rss", "cannot resolve host feeds.unresolvable.test", True),
    ],
)
def test_feed_failures_are_poll_errors_with_reasons(hostile, case, reason, retryable):
    p = poll(hostile, case)
    assert p["error"] is not None and reason in p["error"]
    assert p["entries_seen"] == 0
    stage_rows = quarantined(hostile, case if case.startswith("http") else f"/feeds/{case}")
    assert len(stage_rows) == 1
    stage, q_reason, q_retryable = stage_rows[0]
    assert stage in ("poll", "parse") and reason in q_reason
    assert q_retryable is retryable


@pytest.mark.parametrize(("case", "at_least"), [("unavailable", 7200), ("too-many-requests", 3600)])
def test_retry_after_is_honoured(hostile, case, at_least):
    p = poll(hostile, case)
    assert p["status"] == "backing-off"
    assert p["next_poll_at"] - p["polled_at"] >= timedelta(seconds=at_least)


def test_gone_feed_is_not_scheduled(hostile):
    p = poll(hostile, "gone")
    assert p["status"] == "gone" and p["next_poll_at"] is None


def test_permanent_redirect_updates_the_feed_url(hostile):
    p = poll(hostile, "moved-permanently")
    assert p["error"] is None and p["entries_seen"] == 1
    assert p["url"].endswith("/feeds/good-moved-target")
    assert p["moved_from"].endswith("/feeds/moved-permanently")
    assert p["status"] == "moved"


def test_temporary_redirect_keeps_the_feed_url(hostile):
    p = poll(hostile, "moved-temporarily")
    assert p["error"] is None and p["entries_seen"] == 1
    assert p["url"].endswith("/feeds/moved-temporarily") and p["moved_from"] is None


def test_html_page_given_as_feed_is_followed_to_its_feed(hostile):
    p = poll(hostile, "html-with-alternate")
    assert p["error"] is None and p["entries_seen"] == 1
    assert p["url"].endswith("/feeds/good-discovered-target")
    assert p["discovered_from"].endswith("/feeds/html-with-alternate")


def test_json_feed_advertised_by_a_page_is_discovered_and_loaded(hostile):
    p = poll(hostile, "html-with-jsonfeed-alternate")
    assert p["error"] is None and p["entries_seen"] == 1
    assert p["url"].endswith("/feeds/good-jsonfeed-target")
    assert p["discovered_from"].endswith("/feeds/html-with-jsonfeed-alternate")
    rows = query(hostile["db"], "select title, url from fct_articles where canonical_url like '%/pages/ok?from=jsonfeed'")
    assert len(rows) == 1 and rows[0][0] == "Berita JSON Feed"
    assert rows[0][1] == f"{hostile['base']}/pages/ok?from=jsonfeed"  # the item's relative url, resolved


def test_relative_entry_links_resolve_against_the_feed_url(hostile):
    p = poll(hostile, "relative-links")
    assert p["error"] is None and p["entries_seen"] == 1
    assert scalar(hostile["db"], "select count(*) from fct_articles where url = ?",
                  [f"{hostile['base']}/pages/ok?from=relative"]) == 1


def test_feed_markup_reaches_the_warehouse_as_plain_text(hostile):
    db = hostile["db"]
    rows = query(db, "select a.title, a.description, d.name from fct_articles a left join dim_authors d using (author_id) "
                     "where a.canonical_url like '%/pages/ok?from=markup'")
    assert len(rows) == 1
    title, description, author = rows[0]
    assert title == "Judul" and author == "Dewi"
    assert description == "Ringkasan klik"
    for table, column in (("fct_articles", "title"), ("fct_articles", "description"),
                          ("fct_feed_entries", "entry_title"), ("dim_authors", "name")):
        for needle in ("<script", "<iframe", "onerror", "onmouseover", "javascript:", "<"):
            assert scalar(db, f"select count(*) from {table} where {column} like '%' || ? || '%'", [needle]) == 0, (table, needle)


@pytest.mark.parametrize(
    ("case", "warning"),
    [
        ("malformed", "not well-formed"),
        ("truncated", "Exception"),
        ("long-fields", "capped 1 over-long entry field(s): title"),
        ("billion-laughs", "internal subset removed"),
        ("xxe", "internal subset removed"),
    ],
)
def test_broken_but_usable_feeds_record_a_warning(hostile, case, warning):
    p = poll(hostile, case)
    assert p["parse_warning"] is not None and warning in p["parse_warning"]


def test_entity_expansion_and_xxe_never_reach_the_warehouse(hostile):
    db = hostile["db"]
    assert scalar(db, "select max(length(title)) from fct_articles") <= 1000
    assert scalar(db, "select max(length(entry_title)) from fct_feed_entries") <= 1000
    for table, column in (("fct_articles", "text"), ("fct_articles", "title"),
                          ("fct_feed_entries", "entry_title"), ("quarantine", "record")):
        assert scalar(db, f"select count(*) from {table} where {column}::varchar like '%root:x:0:0%'") == 0
        assert scalar(db, f"select count(*) from {table} where {column}::varchar like '%aaaaaaaaaaaaaaaaaaaa%'") == 0


def test_duplicate_guids_do_not_duplicate_rows(hostile):
    db = hostile["db"]
    assert scalar(db, "select count(*) from (select canonical_url from fct_articles group by 1 having count(*) > 1)") == 0
    entries = scalar(
        db,
        "select count(*) from fct_feed_entries e join dim_feeds f using (feed_id) "
        "where f.original_url like '%/feeds/duplicate-guids'",
    )
    assert entries == 2  # ?dup=1 listed twice collapses; ?dup=2 is its own article


def test_entry_without_a_link_is_quarantined(hostile):
    rows = query(hostile["db"], "select reason from quarantine where stage = 'parse' and json_extract_string(record, '$.title') = 'Tanpa tautan'")
    assert len(rows) == 1 and "no usable http(s) link" in rows[0][0]


@pytest.mark.parametrize(
    ("case", "stage", "reason"),
    [
        ("/pages/not-found", "fetch", "HTTP 404 Not Found"),
        ("/pages/server-error", "fetch", "HTTP 500 Internal Server Error"),
        ("/pages/pdf", "fetch", "not an HTML page: Content-Type application/pdf (body not downloaded)"),
        ("/pages/image", "fetch", "not an HTML page: Content-Type image/jpeg"),
        ("/pages/zip", "fetch", "not an HTML page: Content-Type application/zip"),
        ("/pages/huge", "fetch", "exceeds the 1048576-byte cap"),
        ("/pages/slow", "fetch", "timeout (ReadTimeout)"),
        ("/pages/redirect-to-metadata", "fetch", "refused: 169.254.169.254 resolves to link-local/metadata address"),
        ("169.254.169.254/latest/meta-data/", "fetch", "link-local/metadata address 169.254.169.254"),
        ("10.0.0.1/admin", "fetch", "private address 10.0.0.1"),
        ("127.0.0.2:%/pages/ok", "fetch", "loopback address 127.0.0.2"),
        ("[::1]:%/pages/ok", "fetch", "loopback address ::1"),
        ("intranet.corp.test/wiki", "fetch", "intranet.corp.test resolves to private address 10.1.2.3"),
        ("/private/secret.html", "fetch", "refused: disallowed by the site's robots.txt"),
        ("/pages/future-date", "validate", "expect_column_values_to_be_between(column=published_at)"),
        ("/pages/old-date", "validate", "expect_column_values_to_be_between(column=published_at)"),
    ],
)
def test_bad_article_links_are_quarantined(hostile, case, stage, reason):
    rows = quarantined(hostile, case)
    assert len(rows) == 1, rows
    assert rows[0][0] == stage and reason in rows[0][1]
    article = case.split("%")[-1]
    assert scalar(hostile["db"], "select count(*) from fct_articles where canonical_url like '%' || ?", [article]) == 0 \
        or "%" in case  # the 127.0.0.1 /pages/ok article is loaded via other feeds


def test_refused_links_were_never_requested(hostile):
    assert "/private/secret.html" not in hostile["hits"]
    assert all("meta-data" not in hit for hit in hostile["hits"])


@pytest.mark.parametrize("case", ["cp1252-declared-utf8", "utf8-declared-latin1", "bom-utf8"])
def test_lying_charsets_load_without_mojibake(hostile, case):
    text = scalar(hostile["db"], "select text from fct_articles where canonical_url like '%/pages/' || ?", [case])
    assert "“Kami akan terus bekerja,” kata Menteri" in text
    assert "Café Ria" in text and "1.000–2.000" in text
    assert "â€" not in text and "Ã©" not in text


def test_article_without_date_loads(hostile):
    rows = query(hostile["db"], "select published_at from fct_articles where canonical_url like '%/pages/no-date'")
    assert len(rows) == 1


def test_no_partial_rows(hostile):
    db = hostile["db"]
    orphans = {
        "entries without article": "select count(*) from fct_feed_entries e anti join fct_articles a using (article_id)",
        "entries without feed": "select count(*) from fct_feed_entries e anti join dim_feeds f using (feed_id)",
        "articles without site": "select count(*) from fct_articles a anti join dim_sites s using (site_id)",
        "articles without raw page": "select count(*) from fct_articles a anti join raw_pages r on r.article_id = a.article_id",
        "tags without article": "select count(*) from bridge_article_tags b anti join fct_articles a using (article_id)",
        "polls without feed": "select count(*) from fct_feed_polls p anti join dim_feeds f using (feed_id)",
    }
    assert {name: scalar(db, sql) for name, sql in orphans.items()} == dict.fromkeys(orphans, 0)
    assert query(db, "select status from etl_runs") == [("succeeded",)]


@pytest.mark.parametrize(
    ("encoded", "kept"),
    [
        (gzip.compress(b"<p>halaman</p>"), True),
        (gzip.compress(b"<p>satu</p>") + gzip.compress(b"<p>dua</p>"), False),  # two gzip members
        (gzip.compress(b"<p>halaman</p>") + b"\0\0garbage", False),  # trailing bytes
        (gzip.compress(b"<p>halaman</p>")[:-4], False),  # truncated: no end of stream
    ],
)
def test_gzip_bytes_are_kept_only_when_they_decompress_to_exactly_the_body(encoded, kept):
    decoder = http._BoundedDecoder("gzip", 1 << 20)
    decoder.feed(encoded)
    assert decoder.is_one_whole_gzip_member is kept
