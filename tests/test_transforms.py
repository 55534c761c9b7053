"""Pure transforms: URLs, authors, dates, charsets, feed parsing, dedup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from transforms.authors import clean_author
from transforms.charset import decode_html
from transforms.dates import parse_date_text
from transforms.feedlist import FeedListError, parse_feed_list
from transforms.feeds import parse_feed
from transforms.polls import PollResponse, interpret_poll
from transforms.select import entry_rows, select_articles
from transforms.text import count_words
from transforms.urls import canonical_url, site_domain


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://Example.COM:80/a.html?utm_source=rss&utm_medium=feed&id=3#top", "http://example.com/a.html?id=3"),
        ("https://news.example/read/x.html?fbclid=abc", "https://news.example/read/x.html"),
        ("http://portal.example/news.php?newsid=7&gclid=x", "http://portal.example/news.php?newsid=7"),
        ("ftp://example.com/file", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_canonical_url_strips_tracking_and_rejects_non_http(url, expected):
    assert canonical_url(url) == expected


def test_site_domain_keeps_blogger_subdomains_apart():
    assert site_domain("http://pesan-rahbar.blogspot.com/2015/11/x.html") == "pesan-rahbar.blogspot.com"
    assert site_domain("https://www.other.blogspot.com/p") == "other.blogspot.com"
    assert site_domain("http://127.0.0.1:8702/read/x.html") == "127.0.0.1:8702"
    assert site_domain("https://example.com:443/") == "example.com"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Diposting oleh Ahmad Fauzi", "Ahmad Fauzi"),
        ("Written By Unknown on Wednesday, 18 November 2015 | 13:06:00", None),
        ("Written By Siti Rahmawati on Friday, 20 November 2015 | 09:15:00", "Siti Rahmawati"),
        ("Admin", None),
        ("noreply@blogger.com", None),
        ("By Sarah Lim", "Sarah Lim"),
        ("Oleh: Rina Wulandari", "Rina Wulandari"),
        ("Unknown; Budi Santoso", "Budi Santoso"),
        (None, None),
    ],
)
def test_clean_author(raw, expected):
    assert clean_author(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rabu, 18 November 2015 - 14:20 WIB", datetime(2015, 11, 18, 7, 20, tzinfo=UTC)),
        ("Kamis, 19 Nov 2015 10:00 WITA", datetime(2015, 11, 19, 2, 0, tzinfo=UTC)),
        ("Jumat, 20 November 2015 21:00 WIT", datetime(2015, 11, 20, 12, 0, tzinfo=UTC)),
        ("2015-11-18T13:06:00+07:00", datetime(2015, 11, 18, 6, 6, tzinfo=UTC)),
        ("November 19, 2015 09:30 WIB", datetime(2015, 11, 19, 2, 30, tzinfo=UTC)),
        ("no date here", None),
    ],
)
def test_parse_date_text_handles_indonesian_zones(text, expected):
    assert parse_date_text(text) == expected


def test_decode_html_survives_lying_charsets():
    text = "<html><head><meta charset='utf-8'></head><body><p>Menteri “berkata” café</p></body></html>"
    cp1252_declared_utf8 = decode_html(text.encode("cp1252"), "text/html; charset=utf-8")[0]
    utf8_declared_latin1 = decode_html(text.encode("utf-8"), "text/html; charset=iso-8859-1")[0]
    with_bom = decode_html(b"\xef\xbb\xbf" + text.encode("utf-8"), "text/html; charset=windows-1252")[0]
    for decoded in (cp1252_declared_utf8, utf8_declared_latin1, with_bom):
        assert "“berkata” café" in decoded
        assert "â€" not in decoded  # the mojibake of a UTF-8 quote read as cp1252


def test_decode_html_keeps_declared_utf8_with_a_few_stray_bytes():
    text = "<html><head><meta charset='utf-8'></head><body><p>So schön – grüne Wiese, weiß, groß</p>" * 3
    body = text.encode("utf-8") + b"<p>ein verirrtes \xe9 Byte</p></body></html>"
    decoded, encoding = decode_html(body, "text/html")
    assert encoding == "utf-8"
    assert "So schön – grüne Wiese, weiß, groß" in decoded
    assert "verirrtes \ufffd Byte" in decoded


def test_count_words_counts_each_cjk_character_and_skips_lone_punctuation():
    assert count_words("Menteri berkata – hari ini") == 5
    assert count_words("“宝贝，我们在打一场无声的战役”") == 13
    assert count_words("子どもへの虐待 NHK News 2020年") == 7 + 2 + 1 + 1  # 2020 is a word, 年 another


def test_extracted_text_is_composed_unicode():
    from transforms.extract import extract_main

    decomposed = "Gru\u0308ße aus Ko\u0308ln: die Wiese ist gru\u0308n und der Himmel blau."
    html = f"<html><head><title>Ko\u0308ln</title></head><body><article><p>{decomposed}</p>" \
           f"<p>{decomposed}</p></article></body></html>"
    extracted = extract_main(html, "http://127.0.0.1:9/a")
    assert "Grüße aus Köln: die Wiese ist grün" in extracted.text
    assert "\u0308" not in extracted.text
    assert extracted.title == "Köln"


def _sample(path: str) -> bytes:
    from flows.paths import SAMPLE_DIR

    body = (SAMPLE_DIR / "sites" / path).read_bytes()
    for site in ("blog", "portal", "english"):
        body = body.replace(f"{{{{{site}}}}}".encode(), f"{site}.example".encode())
    return body


def test_parse_blogger_atom_feed():
    feed = parse_feed(_sample("blog/feeds/posts/default.xml"), "application/atom+xml")
    assert feed.error is None and feed.bozo_reason is None
    assert feed.version == "atom10" and len(feed.entries) == 8
    seed = next(e for e in feed.entries if "perancis-rusia" in (e.link or ""))
    assert seed.published_at == datetime(2015, 11, 18, 6, 6, tzinfo=UTC)
    assert seed.entry_id.startswith("tag:blogger.com,1999:blog-")
    assert seed.categories  # Blogger labels come from the feed, not the page
    assert clean_author(seed.author) is None  # <name>Unknown</name>


def test_parse_malformed_rss_keeps_entries_and_reason():
    feed = parse_feed(_sample("english/feed.xml"), "application/rss+xml")
    assert feed.error is None
    assert feed.bozo_reason and "not well-formed" in feed.bozo_reason
    assert len(feed.entries) == 8
    assert all(e.published_at is not None for e in feed.entries)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b'{"items": []}', "JSON"),
        (b"<!doctype html><html><body><p>hello</p></body></html>", "HTML page"),
    ],
)
def test_parse_feed_rejects_non_feeds(body, reason):
    feed = parse_feed(body)
    assert feed.error and reason in feed.error
    assert feed.entries == ()


def test_parse_feed_drops_internal_entity_declarations():
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        b"<rss version='2.0'><channel><title>&d;</title><item><title>&d;</title>"
        b"<link>http://example.com/a</link></item></channel></rss>"
    )
    feed = parse_feed(lol)
    assert feed.bozo_reason and "internal subset removed" in feed.bozo_reason
    assert len(feed.entries) == 1
    assert len(feed.entries[0].title or "") < 1_000


def test_dedup_across_feeds_by_canonical_url():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    main = interpret_poll(
        PollResponse(1, "http://portal.example/rss.xml", "http://portal.example/rss.xml", now,
                     status=200, body=_sample("portal/rss.xml")), "run")
    section = interpret_poll(
        PollResponse(2, "http://portal.example/rss/internasional.xml", "x", now,
                     status=200, body=_sample("portal/rss/internasional.xml")), "run")
    candidates = main.candidates + section.candidates
    rows = entry_rows(candidates)
    new = new_articles(candidates, settled=set())
    # the three section entries carry utm_* parameters but are the main feed's articles
    assert len(section.candidates) == 3
    assert {c.article_id for c in section.candidates} <= {c.article_id for c in main.candidates}
    assert len(new) == len(main.candidates)
    assert len(rows) == len(main.candidates) + 3
    assert new_articles(candidates, settled={c.article_id for c in main.candidates}) == []


def new_articles(candidates, settled):
    return list(select_articles(candidates, settled, [], max_entries_per_feed=1000, max_pages_per_run=1000).fetch)


def test_requests_are_grouped_by_host_without_credentials_and_a_broken_url_is_its_own_host():
    from transforms.urls import host_key

    assert host_key("https://user:secret@News.Example:8443/feed?x=1") == "news.example:8443"
    assert host_key("http://news.example/a") == host_key("http://NEWS.example/b") == "news.example"
    assert host_key("http://[::1/broken") == "http://[::1/broken"  # urlsplit raises; never here
    assert host_key(None) == host_key("") == ""


def test_the_pages_to_fetch_take_their_hosts_in_turns():
    from transforms.feedmodel import FeedEntry
    from transforms.polls import EntryCandidate
    from transforms.select import in_host_turns

    now = datetime(2026, 1, 1, tzinfo=UTC)
    links = ["http://a.example/1", "http://a.example/2", "http://a.example/3", "http://B.example/1",
             "http://b.example/2", "http://[::1/broken", "http://c.example/1"]
    candidates = [EntryCandidate(i, i, FeedEntry(str(i), u, u, "t", None, now, None, ()), "id", now)
                  for i, u in enumerate(links)]

    def order(hosts_at_once):
        return [c.entry.link.split("//")[1] for c in in_host_turns(candidates, hosts_at_once)]

    assert order(1) == [u.split("//")[1] for u in links]  # one host at a time: feed order
    # two hosts take turns; when one runs out, the next joins; each host's pages keep their order
    assert order(2) == ["a.example/1", "B.example/1", "a.example/2", "b.example/2", "a.example/3", "[::1/broken",
                        "c.example/1"]
    assert order(9) == ["a.example/1", "B.example/1", "[::1/broken", "c.example/1", "a.example/2", "b.example/2",
                        "a.example/3"]
    selection = select_articles(candidates, set(), [], max_entries_per_feed=9, max_pages_per_run=9, hosts_at_once=2)
    assert [c.entry.link.split("//")[1] for c in selection.fetch] == order(2)


def test_feed_list_validation():
    specs = parse_feed_list('[[feeds]]\nurl = "http://a.example/rss"\ntags = "x"\n[[feeds]]\nurl = "http://a.example/rss"\n')
    assert len(specs) == 1 and specs[0].tags == ("x",)
    with pytest.raises(FeedListError, match="must be an http"):
        parse_feed_list('[[feeds]]\nurl = "file:///etc/passwd"\n')
    with pytest.raises(FeedListError, match="no \\[\\[feeds\\]\\]"):
        parse_feed_list("title = 'x'\n")



def test_contract_violations_name_every_kind_and_only_unvalidated_ones_break_staging():
    from datetime import timedelta

    from transforms.contracts import CONTRACTS, unvalidated_violations, violations
    from transforms.settings import Settings

    now = datetime(2026, 1, 1, tzinfo=UTC)
    tag = {"article_id": 1, "tag_id": 2, "tag": "x" * 101, "source": "rss"}
    assert [v.split(":")[0] for v in violations(CONTRACTS["stg_article_tags"], tag, Settings(), now)] == [
        "length", "value"]
    assert unvalidated_violations(CONTRACTS["stg_article_tags"], tag, Settings(), now) == []  # quarantined
    broken = {**tag, "tag_id": None, "tag": "\ud800", "article_id": True, "extra": 1}
    assert unvalidated_violations(CONTRACTS["stg_article_tags"], broken, Settings(), now) == [
        "columns: missing [], unexpected ['extra']", "type: article_id is bool, not an integer",
        "null: tag_id is NULL", "type: tag holds a lone surrogate (not UTF-8: Parquet refuses it)",
    ]  # not the source outside its value set: its suite quarantines that row
    entry = {"feed_id": 1, "article_id": 2, "canonical_url": "ftp://x", "entry_id": None, "entry_url": None,
             "entry_title": None, "entry_published_at": None, "seen_at": now.replace(tzinfo=None)}
    assert violations(CONTRACTS["stg_feed_entries"], entry, Settings(), now) == [
        "regex: canonical_url = 'ftp://x' does not match ^https?://",
        "type: seen_at = datetime.datetime(2026, 1, 1, 0, 0) is not aware UTC"]
    late = now + timedelta(days=3)
    assert any(v.startswith("range: published_at") for v in violations(
        CONTRACTS["stg_articles"], {"published_at": late}, Settings(), now))


@pytest.mark.parametrize(
    ("precise", "balanced", "expected"),
    [
        ("May 19, 2020", "word " * 30, ("word " * 30).strip()),  # a date line only: balanced mode's body
        ("May 19, 2020", "menu " * 5, "May 19, 2020"),  # balanced mode finds no more: precision's kept
        ("", "Home News Video Subscribe " * 10, ""),  # nothing at all (a video page): no retry
        ("word " * 25, "other " * 40, ("word " * 25).strip()),  # enough words: precision's text
    ],
)
def test_short_precision_text_is_retried_in_balanced_mode(monkeypatch, precise, balanced, expected):
    from types import SimpleNamespace

    from transforms import extract

    def body(tree, url, *, favor_precision):
        return SimpleNamespace(text=precise if favor_precision else balanced)

    monkeypatch.setattr(extract, "_body", body)
    extracted = extract.extract_main("<html><body><p>x</p></body></html>", "http://127.0.0.1:9/a", min_words=20)
    assert extracted.text == expected
