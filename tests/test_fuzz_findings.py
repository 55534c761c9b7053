"""What `make fuzz` found, one named example each: every input here once made an entry point
raise or emit a row that breaks its table's contract (tests/properties, docs/quality.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.paths import SAMPLE_DIR
from transforms.articles import PageInput, page_rows
from transforms.feedlist import FeedListError, parse_feed_list_text, parse_opml
from transforms.schedule import max_age_seconds, sy_seconds, ttl_seconds
from transforms.settings import Settings
from transforms.urls import canonical_url, site_domain

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ARTICLE = (SAMPLE_DIR / "sites" / "english" / "news" / "2015" / "11" / "19" / "asean-leaders-gather-in-kuala-lumpur.html")

# ---- URLs


@pytest.mark.parametrize(("url", "domain"), [
    ("http://example.com:65536/x", "example.com"),  # ValueError: Port out of range 0-65535
    ("http://127.0.0.1:8701:80", "127.0.0.1"),  # ValueError: Port could not be cast to integer value
    ("http://www.example.com:²/", "example.com"),
    ("http://[example.com", ""),  # ValueError: Invalid IPv6 URL
])
def test_site_domain_of_a_url_whose_port_or_host_cannot_be_parsed(url, domain):
    assert site_domain(url) == domain


@pytest.mark.parametrize("url", ["http://127.0.0.1:8701:80", "http://example.com:65536/x", "http://[::1]:99999/"])
def test_canonical_url_refuses_a_port_that_is_no_port(url):
    assert canonical_url(url) is None  # was the URL itself: a key no request or site_domain can use


def test_canonical_url_refuses_a_lone_surrogate():
    # was "http://\ud800example.com": stable_id() of it raises UnicodeEncodeError, Parquet refuses it
    assert canonical_url("http://\ud800example.com") is None
    assert canonical_url("http://example.com/\udfff") is None


def test_page_at_a_url_with_a_port_that_is_no_port_is_not_an_unexpected_error():
    url = "http://127.0.0.1:8701:80"  # ValueError in normalize (site_domain): quarantined as unexpected
    page = PageInput(url, url, ARTICLE.read_bytes(), "text/html; charset=utf-8", NOW)
    rows = page_rows(page, "run", Settings(), NOW)
    assert rows.traceback is None and rows.quarantine is None
    assert rows.article["site_domain"] == "127.0.0.1"


# ---- feed lists


@pytest.mark.parametrize("text", [
    '<opml version="2.0"><body><outline xmlUrl="http://a.example/\ud800"/></body></opml>',  # UnicodeEncodeError
    '[[feeds]]\nurl = "http://a.example/\ud800"\n',  # parsed: a URL no feed id can be hashed from
])
def test_feed_list_with_a_lone_surrogate_is_a_feed_list_error(text):
    with pytest.raises(FeedListError, match="not valid text"):
        parse_feed_list_text(text)
    if text.startswith("<"):
        with pytest.raises(FeedListError):
            parse_opml(text)


@pytest.mark.parametrize(("line", "message"), [
    ("tags = 5", "tags: Input should be a valid list"),  # TypeError: 'int' object is not iterable
    ("tags = [{a = 1}]", "tags: Input should be a valid string"),  # a tag "{'a': 1}"
    ("language = 1", "language: Input should be a valid string"),  # FeedSpec(language=1)
    ("name = {x = 1}", "name: Input should be a valid string"),  # FeedSpec(name={'x': 1})
])
def test_toml_feed_entry_of_the_wrong_type_is_a_feed_list_error(line, message):
    with pytest.raises(FeedListError, match=f"line 3: feeds\\[1\\]\\.{message}"):
        parse_feed_list_text(f'[[feeds]]\nurl = "http://a.example/rss"\n{line}\n')


# ---- schedule hints


@pytest.mark.parametrize("digits", ["٣", "３０", "١٢٣", "๑"])
def test_hint_in_non_ascii_digits_is_no_hint(digits):
    # float() reads them: "<ttl>٣</ttl>" was 3 minutes, "max-age=３０" 30 seconds
    assert ttl_seconds(digits) is None
    assert max_age_seconds({"cache-control": f"max-age={digits}"}) is None
    assert sy_seconds("daily", digits) == 86_400  # no frequency: once a period
