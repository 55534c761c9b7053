"""Feed parsing and decoding: what feedparser is given, relative links, charsets, plain-text
fields, JSON Feed, and the promise that ``parse_feed`` and ``decode_html`` never raise."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import transforms.charset
import transforms.feeds
from flows.paths import SAMPLE_DIR
from transforms.articles import PageInput, process_page
from transforms.charset import _TEXT_CODECS, decode_feed, decode_html, text_codec
from transforms.feeds import discover_feed_url, parse_feed
from transforms.polls import PollResponse, interpret_poll
from transforms.settings import Settings

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rss(title: str, items: list[tuple[str, str]], declaration: str = "", extra: str = "") -> str:
    """A small RSS 2.0 document; ``items`` are (title, link) pairs."""
    body = "".join(f"<item><title>{t}</title><link>{link}</link>{extra}</item>" for t, link in items)
    return (f"{declaration}<rss version=\"2.0\"><channel><title>{title}</title>"
            f"<link>http://news.example/</link><description>{title}</description>{body}</channel></rss>")


# ---- 1. feedparser is only ever given a stream

def test_feedparser_only_ever_receives_a_stream(monkeypatch):
    seen = []
    real_parse = transforms.feeds.feedparser.parse

    def spy(source, *args, **kwargs):
        seen.append(source)
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(transforms.feeds.feedparser, "parse", spy)
    parse_feed(rss("Kabar", [("Satu", "http://news.example/1")]).encode(), "application/rss+xml")
    parse_feed(b"/etc/passwd")
    assert len(seen) == 2 and all(hasattr(source, "read") for source in seen)


@pytest.mark.parametrize("scheme", ["", "file://"])
def test_body_naming_a_local_file_is_not_read(tmp_path, scheme):
    secret = tmp_path / "secret-feed.xml"
    secret.write_text(rss("Rahasia", [("Bocor", "http://secret.example/leak")]), encoding="utf-8")
    feed = parse_feed(f"{scheme}{secret}".encode(), "application/rss+xml")
    assert feed.entries == () and feed.error == "not a feed: body is not a recognised feed format"


def test_body_naming_a_url_is_not_fetched():
    feed = parse_feed(b"http://127.0.0.1:9/feed.xml", "application/rss+xml")  # port 9: discard
    assert feed.entries == () and feed.error


def test_body_naming_dev_zero_returns_promptly():
    """In a child process with a memory limit: if feedparser opened the path, it would read
    /dev/zero until the limit, not hang the test run."""
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
        "from transforms.feeds import parse_feed\n"
        "print(parse_feed(b'/dev/zero', 'application/rss+xml').error)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "not a feed: body is not a recognised feed format"
    assert time.monotonic() - started < 60


# ---- 2. relative links

RELATIVE_RSS = rss("Kabar", [("Satu", "/read/1.html"), ("Dua", "read/2.html")]).encode()


@pytest.mark.parametrize(
    ("base_url", "content_location", "expected"),
    [
        ("http://news.example/feeds/rss.xml", None,
         ["http://news.example/read/1.html", "http://news.example/feeds/read/2.html"]),
        ("http://news.example/feeds/rss.xml", "/mirror/rss.xml",  # relative to the request URL
         ["http://news.example/read/1.html", "http://news.example/mirror/read/2.html"]),
        ("http://news.example/feeds/rss.xml", "http://cdn.example/x/rss.xml",
         ["http://cdn.example/read/1.html", "http://cdn.example/x/read/2.html"]),
        (None, "http://cdn.example/x/rss.xml", ["http://cdn.example/read/1.html", "http://cdn.example/x/read/2.html"]),
    ],
)
def test_relative_rss_links_resolve_against_the_feed_url(base_url, content_location, expected):
    feed = parse_feed(RELATIVE_RSS, "application/rss+xml", base_url=base_url, content_location=content_location)
    assert [e.link for e in feed.entries] == expected
    assert [e.canonical_url for e in feed.entries] == expected


def test_relative_links_without_a_base_stay_relative():
    feed = parse_feed(RELATIVE_RSS, "application/rss+xml")
    assert [e.link for e in feed.entries] == ["/read/1.html", "read/2.html"]
    assert [e.canonical_url for e in feed.entries] == [None, None]


ATOM_WITH_XML_BASE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="%s">
  <title>Blog</title><id>tag:news.example,2015:blog</id><updated>2015-11-18T06:00:00Z</updated>
  <link rel="alternate" href="./"/>
  <entry><title>Satu</title><id>tag:news.example,2015:1</id><updated>2015-11-18T06:00:00Z</updated>
    <link rel="alternate" href="read/1.html"/></entry>
  <entry xml:base="http://cdn.example/posts/"><title>Dua</title><id>tag:news.example,2015:2</id>
    <updated>2015-11-18T06:00:00Z</updated><link href="read/2.html"/></entry>
  <entry><title>Tiga</title><id>tag:news.example,2015:3</id><updated>2015-11-18T06:00:00Z</updated>
    <link href="/read/3.html"/></entry>
</feed>"""


@pytest.mark.parametrize("xml_base", [b"http://news.example/blog/", b"/blog/"])
def test_atom_links_resolve_against_xml_base(xml_base):
    feed = parse_feed(ATOM_WITH_XML_BASE % xml_base, "application/atom+xml", base_url="http://news.example/atom.xml")
    assert feed.error is None and feed.site_url == "http://news.example/blog/"
    assert [e.link for e in feed.entries] == [
        "http://news.example/blog/read/1.html",
        "http://cdn.example/posts/read/2.html",  # the entry's own xml:base
        "http://news.example/read/3.html",
    ]
    assert [e.entry_id for e in feed.entries][0] == "tag:news.example,2015:1"  # ids are not URLs to resolve


def test_interpret_poll_resolves_links_against_the_final_url():
    resp = PollResponse(1, "http://news.example/rss", "http://news.example/rss", NOW, status=200,
                        final_url="http://news.example/feeds/v2/rss.xml", body=RELATIVE_RSS)
    assert [c.entry.canonical_url for c in interpret_poll(resp, "run").candidates] == [
        "http://news.example/read/1.html", "http://news.example/feeds/v2/read/2.html"]
    moved = PollResponse(1, "http://news.example/rss", "http://news.example/rss", NOW, status=200,
                         final_url="http://news.example/rss", body=RELATIVE_RSS,
                         headers={"content-location": "/mirror/rss.xml"})
    assert [c.entry.link for c in interpret_poll(moved, "run").candidates][1] == "http://news.example/mirror/read/2.html"


# ---- 3. charsets of feed bodies

CHARSET_FEEDS = [
    ("koi8_r", "Правительство утвердило бюджет на следующий год",
     ["Москва готовится к зиме", "В Петербурге открылась новая станция метро"]),
    ("shift_jis", "東京で新しい美術館が開館、初日に多くの来場者",
     ["大阪の商店街に観光客が戻る", "北海道で初雪を観測"]),
    ("big5", "台北市政府宣布明年將擴建捷運路線",
     ["高雄港貨運量創新高", "台中舉辦國際花卉博覽會"]),
    ("euc_kr", "서울시, 내년부터 대중교통 요금 인상 계획 발표",
     ["부산 국제영화제 개막", "제주도 관광객 꾸준히 증가"]),
    ("tis_620", "รัฐบาลประกาศมาตรการใหม่เพื่อกระตุ้นเศรษฐกิจ",
     ["กรุงเทพฯ เตรียมรับมือน้ำท่วม", "เชียงใหม่จัดเทศกาลลอยกระทง"]),
    ("cp1255", "הממשלה אישרה את התקציב החדש לשנה הבאה",
     ["ירושלים: נפתח מוזיאון חדש במרכז העיר", "תל אביב מתכוננת לחורף גשום"]),
]


def _undeclared(codec: str, title: str, items: list[str], declaration: str) -> bytes:
    return rss(title, [(t, f"http://news.example/{i}") for i, t in enumerate(items)], declaration).encode(codec)


@pytest.mark.parametrize("declaration", ["", '<?xml version="1.0"?>\n'])
@pytest.mark.parametrize(("codec", "title", "items"), CHARSET_FEEDS, ids=[c[0] for c in CHARSET_FEEDS])
def test_undeclared_charset_is_detected(codec, title, items, declaration):
    body = _undeclared(codec, title, items, declaration)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # a fixture that happened to be UTF-8 would prove nothing
    feed = parse_feed(body, "application/rss+xml")
    assert feed.error is None
    assert feed.title == title
    assert [e.title for e in feed.entries] == items


def test_no_detection_for_utf8_or_a_declared_charset(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("charset detection ran")

    monkeypatch.setattr(transforms.charset, "from_bytes", refuse)
    codec, title, items = CHARSET_FEEDS[0]
    assert parse_feed(_undeclared("utf-8", title, items, ""), "application/rss+xml").title == title
    assert parse_feed(_undeclared(codec, title, items, ""), "application/rss+xml; charset=KOI8-R").title == title
    declared = _undeclared(codec, title, items, '<?xml version="1.0" encoding="koi8-r"?>\n')
    assert parse_feed(declared, "application/rss+xml").title == title
    assert parse_feed(declared, None).title == title


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_wide_unicode_feeds_with_and_without_bom(encoding):
    _, title, items = CHARSET_FEEDS[0]
    feed = parse_feed(_undeclared(encoding, title, items, '<?xml version="1.0"?>'), "application/rss+xml")
    assert feed.title == title and [e.title for e in feed.entries] == items


def test_utf8_feed_declared_as_latin1_is_read_as_utf8():
    feed = parse_feed(rss("Café “Ria”", [("Menteri berkata", "http://news.example/1")],
                          '<?xml version="1.0" encoding="iso-8859-1"?>').encode("utf-8"),
                      "application/rss+xml; charset=windows-1252")
    assert feed.title == "Café “Ria”"


# ---- 4. only text charsets

NON_TEXT_CHARSETS = ["punycode", "rot13", "rot_13", "base64", "zlib", "unicode_escape", "raw_unicode_escape",
                     "idna", "hex", "uu", "bz2", "quopri", "utf-7", "undefined", "mbcs", "x-user-defined",
                     "string_escape", "utf_8_ignore", "", "charmap", "aliases", "."]


@pytest.mark.parametrize("charset", NON_TEXT_CHARSETS)
def test_non_text_charsets_are_ignored(charset):
    html = "<html><head><meta charset='%s'></head><body><p>Menteri “berkata” café -- ok</p></body></html>" % charset
    text, encoding = decode_html(html.encode("utf-8"), f"text/html; charset={charset}")
    assert "Menteri “berkata” café" in text and encoding == "utf-8"
    assert text_codec(charset) is None
    feed = rss("Café -- “Ria”", [("x", "http://news.example/1")], f'<?xml version="1.0" encoding="{charset}"?>')
    assert parse_feed(feed.encode("utf-8"), f"application/rss+xml; charset={charset}").title == "Café -- “Ria”"


def test_non_text_charset_falls_back_to_detection():
    codec, title, items = CHARSET_FEEDS[0]
    body = _undeclared(codec, title, items, '<?xml version="1.0" encoding="punycode"?>')
    assert parse_feed(body, "application/rss+xml; charset=rot13").title == title
    text, encoding = decode_html(f"<p>{title}</p>".encode(codec) * 20, "text/html; charset=punycode")
    assert title in text and encoding == "koi8-r"


def test_punycode_declared_page_decodes_fast():
    body = b"<html><body>" + b"a-b " * (512 * 1024) + b"\xe9</body></html>"  # 2 MiB, one non-ASCII byte
    started = time.monotonic()
    text, encoding = decode_html(body, "text/html; charset=punycode")
    assert time.monotonic() - started < 10  # Python's punycode codec would take many minutes
    assert encoding in _TEXT_CODECS and text.startswith("<html><body>a-b a-b")


@pytest.mark.parametrize(
    "label",
    ["UTF-8", "utf-16le", "UTF-32BE", "ISO-8859-1", "iso-8859-2", "ISO-8859-15", "windows-1250", "windows-1258",
     "KOI8-R", "koi8-u", "cp866", "IBM437", "Shift_JIS", "cp932", "EUC-JP", "ISO-2022-JP", "GB2312", "GBK",
     "GB18030", "Big5", "Big5-HKSCS", "EUC-KR", "cp949", "TIS-620", "windows-874", "macintosh", "x-mac-cyrillic",
     "us-ascii", "latin1"],
)
def test_text_charsets_are_allowed(label):
    codec = text_codec(label)
    assert codec in _TEXT_CODECS


def test_every_allowed_codec_is_a_text_encoding():
    assert all(codecs.lookup(name)._is_text_encoding for name in _TEXT_CODECS)
    assert not {"utf-7", "punycode", "idna", "raw-unicode-escape", "unicode-escape"} & _TEXT_CODECS


def test_utf16_label_on_bytes_without_nul_is_ignored():
    text, encoding = decode_html(b"<p>caf\xc3\xa9 ok</p>", "text/html; charset=utf-16")
    assert text == "<p>café ok</p>" and encoding == "utf-8"


def test_decode_feed_strips_the_bom():
    assert decode_feed(codecs.BOM_UTF8 + b"{}") == ("{}", "utf-8")


# ---- 5. plain text

HOSTILE_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Kabar &lt;i&gt;Uji&lt;/i&gt;</title><link>http://news.example/</link><description>uji</description>
<item><title>Skrip</title><link>http://news.example/1</link>
  <description>&lt;p&gt;Halo &lt;script&gt;alert(1)&lt;/script&gt;dunia&lt;/p&gt;</description></item>
<item><title>Bingkai</title><link>http://news.example/2</link>
  <description><![CDATA[Sebelum <iframe src="http://evil.test/">bingkai</iframe>sesudah]]></description></item>
<item><title>Gambar</title><link>http://news.example/3</link>
  <description><![CDATA[<img src="x" onerror="alert(1)">Foto banjir]]></description></item>
<item><title>Tautan</title><link>http://news.example/4</link>
  <description><![CDATA[<a href="javascript:alert(1)" onclick="steal()">Baca</a> selengkapnya]]></description></item>
<item><title>Entitas &amp;amp; &lt;b&gt;tebal&lt;/b&gt;</title><link>http://news.example/5</link>
  <description>Caf&amp;eacute; &amp;amp; teh&amp;nbsp;manis &amp;#8211; murah</description>
  <dc:creator>&lt;b onmouseover="alert(1)"&gt;Rina&lt;/b&gt; Wulandari</dc:creator></item>
<item><title>Ganda</title><link>http://news.example/6</link>
  <description>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Aman</description></item>
<item><title>CDATA</title><link>http://news.example/7</link>
  <description><![CDATA[<p>Paragraf satu</p><p>Paragraf <style>p{color:red}</style>dua</p>]]></description>
  <category><![CDATA[<b>Banjir</b>]]></category></item>
</channel></rss>"""


def test_hostile_summaries_become_plain_text():
    feed = parse_feed(HOSTILE_RSS, "application/rss+xml")
    assert feed.title == "Kabar Uji"
    assert [e.summary for e in feed.entries] == [
        "Halo dunia", "Sebelum sesudah", "Foto banjir", "Baca selengkapnya", "Café & teh manis – murah",
        "Aman", "Paragraf satu Paragraf dua",
    ]
    entry = feed.entries[4]
    assert entry.title == "Entitas & tebal" and entry.author == "Rina Wulandari"
    assert feed.entries[6].categories == ("Banjir",)
    for e in feed.entries:
        for value in (e.title, e.summary, e.author, *e.categories):
            for needle in ("<", ">", "script", "iframe", "onerror", "onmouseover", "javascript:", "alert"):
                assert needle not in (value or ""), (needle, value)


def test_page_description_becomes_plain_text():
    paragraph = ("Pemerintah daerah menyatakan bahwa program perbaikan jalan di kawasan pesisir akan "
                 "dilanjutkan tahun depan setelah anggaran disetujui oleh dewan kota. ")
    # trafilatura unescapes a meta description once and drops its tags; escaped twice, markup survives that
    html = ("<html><head><title>Jalan</title><meta name='description' content='&lt;b&gt;Jalan&lt;/b&gt; "
            "pesisir &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;diperbaiki &amp;amp; dilanjutkan'></head>"
            f"<body><article><h1>Jalan</h1><p>{paragraph * 3}</p><p>{paragraph}</p></article></body></html>")
    page = PageInput("http://news.example/jalan", "http://news.example/jalan", html.encode(), "text/html",
                     NOW, entry_title="<b>Jalan</b> pesisir")
    article = process_page(page).article
    assert article["description"] == "Jalan pesisir diperbaiki & dilanjutkan"
    assert article["title"] == "Jalan pesisir"


# ---- 6. JSON Feed

def _json_feed(name: str, base_url: str | None = None, content_type: str = "application/feed+json"):
    return parse_feed((FEEDS / name).read_bytes(), content_type, base_url=base_url)


def test_json_feed_1_0():
    feed = _json_feed("jsonfeed-1.0.json", base_url="https://warta-pesisir.example/feed.json")
    assert (feed.error, feed.bozo_reason, feed.version) == (None, None, "json1")
    assert (feed.title, feed.site_url, feed.language) == ("Warta Pesisir", "https://warta-pesisir.example/", None)
    first, second, third = feed.entries
    assert first.entry_id == "https://warta-pesisir.example/2015/11/jembatan-baru.html"
    assert first.link == "https://warta-pesisir.example/2015/11/jembatan-baru.html?utm_source=jsonfeed"
    assert first.canonical_url == "https://warta-pesisir.example/2015/11/jembatan-baru.html"
    assert first.title == "Jembatan baru di kawasan pesisir dibuka"
    assert first.summary == "Warga kini bisa menyeberang tanpa perahu."  # summary wins over content_html
    assert first.published_at == datetime(2015, 11, 18, 6, 6, tzinfo=UTC)
    assert first.author == "Dewi Lestari"
    assert first.categories == ("Nasional", "Infrastruktur")
    assert second.entry_id == "20151119"  # a numeric id is coerced to a string
    assert second.link == "https://kabar-lain.example/pasar-ikan"  # external_url when there is no url
    assert second.title is None
    assert second.summary == "Harga ikan di pasar tradisional turun setelah musim angin barat berakhir."
    assert second.published_at == datetime(2015, 11, 19, 2, 30, tzinfo=UTC)  # date_modified as fallback
    assert second.author == "Redaksi Warta Pesisir"  # the feed's author
    assert second.categories == ()
    assert third.link == "https://warta-pesisir.example/2015/11/catatan-redaksi.html"  # relative url resolved
    assert third.summary == "Terima kasih kepada pembaca."  # content_html as text, script dropped
    assert third.published_at is None


def test_json_feed_1_1():
    feed = _json_feed("jsonfeed-1.1.json", content_type="application/json")
    assert (feed.error, feed.bozo_reason, feed.version) == (None, None, "json11")
    assert feed.title == "Kabar Nusantara & Dunia" and feed.language == "id-ID"
    assert feed.site_url == "https://kabar-nusantara.example/"
    first, second = feed.entries
    assert first.entry_id == "kn-1001" and first.link == "https://kabar-nusantara.example/berita/1001-banjir-jakarta"
    assert first.summary == "Air mulai surut sejak Selasa malam. Relawan membantu warga."
    assert first.published_at == datetime(2015, 11, 17, 13, 15, tzinfo=UTC)  # date_published wins
    assert first.author == "Budi Santoso; Siti Rahmawati"
    assert first.categories == ("Jakarta", "Banjir")
    assert second.summary == "Karya dari 30 seniman dipamerkan di Jakarta."
    assert second.author == "Tim Kabar Nusantara"  # the feed's authors
    assert second.published_at == datetime(2015, 11, 16, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "content_type",
    [None, "application/feed+json", "application/json; charset=utf-8", "text/plain", "application/rss+xml",
     "application/vnd.example+json"],
)
def test_json_feed_is_recognised_by_type_or_first_byte(content_type):
    body = b" \n\t" + (FEEDS / "jsonfeed-1.1.json").read_bytes()
    assert parse_feed(body, content_type).version == "json11"
    assert parse_feed(codecs.BOM_UTF8 + body, content_type).version == "json11"


def test_json_content_type_on_an_rss_body_is_parsed_as_rss():
    feed = parse_feed(rss("Kabar", [("Satu", "http://news.example/1")]).encode(), "application/json")
    assert feed.error is None and feed.version == "rss20" and len(feed.entries) == 1


def _doc(items: object = None, **fields: object) -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Kabar", **fields}
    if items is not None:
        doc["items"] = items
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{", "not a feed: body is invalid JSON"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not a feed: body is invalid JSON"),
        (b"{'version': 'https://jsonfeed.org/version/1'}", "not a feed: body is invalid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not a feed: body is"),  # deep nesting
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "not a feed: body is invalid JSON"),
        (b"[]", "not a feed: body is JSON, not a JSON Feed"),
        (b'[{"version": "https://jsonfeed.org/version/1.1", "items": []}]', "not a feed: body is JSON, not a JSON Feed"),
        (b'{"items": []}', "not a feed: body is JSON, not a JSON Feed"),
        (b'{"status": "ok", "items": []}', "not a feed: body is JSON, not a JSON Feed"),
        (b'{"version": 1.1, "items": []}', "not a feed: body is JSON, not a JSON Feed"),
        (b'{"version": "https://example.com/version/1", "items": []}', "not a feed: body is JSON, not a JSON Feed"),
        (b'{"version": null, "items": []}', "not a feed: body is JSON, not a JSON Feed"),
        (_doc(), "not a feed: JSON Feed without an items list"),
        (_doc(items={"id": "1"}), "not a feed: JSON Feed without an items list"),
        (_doc(items="none"), "not a feed: JSON Feed without an items list"),
    ],
)
def test_malformed_json_is_an_error_not_an_exception(body, error):
    for content_type in ("application/feed+json", None):
        feed = parse_feed(body, content_type)
        assert feed.error and feed.error.startswith(error), feed.error
        assert feed.entries == ()


def test_json_that_is_not_a_json_feed_is_reported_as_json():
    """The hostile suite's ``json`` case: an API answer where a feed was expected."""
    feed = parse_feed(b'{"status": "ok", "items": []}', "application/json")
    assert "not a feed: body is JSON" in feed.error


def test_json_feed_with_no_items_and_no_title_is_an_empty_feed():
    feed = parse_feed(b'{"version": "https://jsonfeed.org/version/1", "items": []}', "application/json")
    assert feed.error is None and feed.entries == () and feed.version == "json1"
    assert feed.bozo_reason == "JSON Feed without a title"


def test_json_feed_items_that_are_not_objects_are_skipped():
    feed = parse_feed(_doc(items=[1, "x", None, [], {"id": "ok", "url": "https://a.example/1"}, True]))
    assert [e.entry_id for e in feed.entries] == ["ok"]
    assert feed.bozo_reason == "skipped 5 JSON Feed item(s) that are not objects"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"id": 5, "url": 7, "title": 3, "summary": ["x"], "tags": "Banjir", "authors": "Budi",
          "date_published": 1447826400},
         dict(entry_id="5", link=None, title=None, summary=None, categories=(), author=None, published_at=None)),
        ({"id": True, "url": ["https://a.example/1"], "external_url": "https://a.example/2", "title": {"x": 1}},
         dict(entry_id=None, link="https://a.example/2", title=None)),
        ({"id": 1.5, "tags": ["a", 1, None, {"b": 2}, "a", " ", "<b>c</b>"], "author": {"name": 5}},
         dict(entry_id="1.5", categories=("a", "c"), author=None)),
        ({"id": {"nested": "id"}, "authors": [{"name": "Budi"}, "Siti", {"name": None}, {"url": "x"}]},
         dict(entry_id=None, author="Budi")),
        ({"authors": [], "author": {"name": "Dewi"}}, dict(author="Dewi")),
        ({"id": "", "url": "  ", "title": "   ", "summary": "", "content_html": "<p></p>", "content_text": "teks"},
         dict(entry_id=None, link=None, title=None, summary=None)),
        ({"summary": " ", "content_text": "Teks <script>x</script> saja"}, dict(summary="Teks saja")),
        ({"date_published": "bukan tanggal", "date_modified": "2015-11-18T06:00:00Z"},
         dict(published_at=datetime(2015, 11, 18, 6, 0, tzinfo=UTC))),
        ({"date_published": "9999-99-99T99:99:99Z"}, dict(published_at=None)),
        ({"title": "bad \ud800 surrogate", "id": "\udfff"}, dict(title="bad ? surrogate", entry_id="?")),
        ({"url": "http://[::1/broken"}, dict(canonical_url=None)),
        ({"url": "javascript:alert(1)"}, dict(link="javascript:alert(1)", canonical_url=None)),
    ],
)
def test_json_feed_fields_of_the_wrong_type_are_ignored(item, expected):
    feed = parse_feed(_doc(items=[item]), "application/feed+json", base_url="https://a.example/feed.json")
    assert feed.error is None and len(feed.entries) == 1
    entry = feed.entries[0]
    assert {key: getattr(entry, key) for key in expected} == expected


@pytest.mark.parametrize(
    "number",
    [b"1" + b"0" * 5_000, b"1" + b"0" * 200, b"1e999", b"-1e999", b"NaN", b"Infinity", b"-Infinity", b"1e-999"],
)
def test_json_feed_huge_numbers(number):
    body = b'{"version": "https://jsonfeed.org/version/1.1", "title": %s, "items": [{"id": %s, "url": "https://a.example/1"}]}'
    feed = parse_feed(body % (number, number), "application/feed+json")
    assert feed.error is None and feed.title is None and len(feed.entries) == 1
    assert feed.entries[0].entry_id in (None, "0.0", "-0.0")  # too big, not finite, or underflow


def test_json_feed_fields_are_capped():
    small = Settings(max_title_chars=10, max_summary_chars=20, max_tags_per_article=2, max_tag_chars=3)
    item = {"id": "x" * 5_000, "url": "https://a.example/" + "p" * 5_000, "title": "Judul " * 10_000,
            "content_html": "<p>isi</p> " * 100_000, "tags": ["satu", "dua", "tiga"],
            "authors": [{"name": "N" * 300}] * 100}
    feed = parse_json_feed_body(_doc(items=[item], title="T" * 50), small)
    entry = feed.entries[0]
    assert feed.title == "T" * 10
    assert len(entry.entry_id) == 2_000 and len(entry.link) == 4_000
    assert len(entry.title) == 10 and len(entry.summary) == 20 and len(entry.author) == 200
    assert entry.categories == ("sat", "dua")
    assert feed.bozo_reason == "capped 4 over-long entry field(s): author, id, summary, title"


def parse_json_feed_body(body: bytes, settings: Settings):
    return parse_feed(body, "application/feed+json", settings)


def test_discovered_json_feed_is_loadable():
    page = (b'<html><head><link rel="alternate" type="application/rss+xml" href="http://[::1">'
            b'<link rel="alternate" type="application/feed+json" href="/feed.json"></head><body>Beranda</body></html>')
    url = discover_feed_url(page, "https://warta-pesisir.example/index.html")
    assert url == "https://warta-pesisir.example/feed.json"
    feed = parse_feed((FEEDS / "jsonfeed-1.0.json").read_bytes(), "application/feed+json", base_url=url)
    assert feed.error is None and len(feed.entries) == 3 and all(e.canonical_url for e in feed.entries)


# ---- 7. never raise

def test_out_of_range_character_references_become_replacement_characters():
    body = (b'<rss version="2.0"><channel><title>a &#1114112; b &#x110000; c &#55296; d &#xDFFF; e &#0;'
            b" f &#99999999999999999999999999; g &#x0000041;</title><item><title>t &#xD800</title>"
            b"<link>http://news.example/1</link></item></channel></rss>")
    feed = parse_feed(body, "application/rss+xml")
    assert feed.title == "a \ufffd b \ufffd c \ufffd d \ufffd e \ufffd f \ufffd g A"
    assert feed.entries[0].title == "t \ufffd"


def test_unterminated_doctypes_cost_linear_time():
    body = b"<!DOCTYPE a [" * 400_000  # 5 MB; one regex over it was quadratic (200 KB took 11 s)
    started = time.monotonic()
    feed = parse_feed(body, "application/rss+xml")
    assert feed.error and time.monotonic() - started < 20


def test_internal_subset_after_a_plain_doctype_is_removed():
    body = (b'<?xml version="1.0"?><!DOCTYPE x><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss version="2.0"><channel><title>&b;</title>'
            b"<item><title>&b;</title><link>http://news.example/1</link></item></channel></rss>")
    feed = parse_feed(body)
    assert "internal subset removed" in (feed.bozo_reason or "")
    assert "aaaaaaaaaa" not in (feed.title or "") + (feed.entries[0].title or "" if feed.entries else "")


@pytest.mark.parametrize(
    "body",
    [
        b"<item<category>n</item</category>",  # feedparser's fallback parser: KeyError 'tags'
        '<rss version="2.0" xmlns:a="http://a\u00a0b\u00a0c/"><channel><title>x</title><a:x>1</a:x>'
        "</channel></rss>".encode(),  # its strict parser: ValueError unpacking the namespace
    ],
)
def test_feedparser_failures_are_errors(body):
    feed = parse_feed(body, "application/rss+xml")
    assert feed.error.startswith("unparseable feed: feedparser raised ") and feed.entries == ()


def _seeds() -> list[bytes]:
    seeds = [path.read_bytes() for path in sorted(SAMPLE_DIR.glob("sites/*/**/*.xml"))]
    seeds += [(FEEDS / name).read_bytes() for name in ("jsonfeed-1.0.json", "jsonfeed-1.1.json")]
    seeds += [HOSTILE_RSS, ATOM_WITH_XML_BASE % b"/blog/", _undeclared(*CHARSET_FEEDS[1], "")]
    return seeds


_TOKENS = [
    b"&#xD800;", b"&#1114112;", b"&#" + b"9" * 5_000 + b";", b"&#0;", b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"]]>", b"<![CDATA[", b"\x00", b"<?xml version='1.0' encoding='punycode'?>", b"encoding='utf-16'",
    b"{", b"[", b'"version": "https://jsonfeed.org/version/1"', b"1" * 5_000, b"1e999", b"\\ud800",
    codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xe9", b"\x8f\xa1", b"&amp;", b"&lt;script&gt;", b"<script>",
    b'xml:base="http://[::1"', b"<link>http://[::1/x</link>", b"<entry>", b"<item>", b"</item>", b"<", b"&",
]
_CONTENT_TYPES = [None, "", "application/rss+xml", "application/json", "application/feed+json", "text/xml",
                  "text/html; charset=punycode", "application/xml; charset=koi8-r", "text/xml; charset=utf-16",
                  "application/atom+xml; charset=idna", "text/plain; charset=unicode_escape", ";charset="]
_BASES = [None, "", "http://news.example/feeds/rss.xml", "http://[::1", "javascript:alert(1)", "file:///etc/passwd"]


@st.composite
def mutated_feeds(draw) -> bytes:
    """A real feed with a few byte-wise mutations: inserted tokens and bytes, cuts, truncation."""
    data = bytearray(draw(st.sampled_from(_seeds())))
    for _ in range(draw(st.integers(0, 6))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.integers(0, 3))
        if operation == 0:
            data[position:position] = draw(st.sampled_from(_TOKENS))
        elif operation == 1:
            data[position:position] = draw(st.binary(max_size=8))
        elif operation == 2:
            del data[position:position + draw(st.integers(1, 64))]
        else:
            data = data[:position] if draw(st.booleans()) else data[position:]
    return bytes(data)


def _all_text(feed) -> list[str]:
    values = [feed.title, feed.site_url, feed.language, feed.version, feed.bozo_reason, feed.error, feed.ttl]
    for e in feed.entries:
        values += [e.entry_id, e.link, e.canonical_url, e.title, e.summary, e.author, *e.categories]
    return [v for v in values if v is not None]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    body=mutated_feeds(),
    content_type=st.one_of(st.sampled_from(_CONTENT_TYPES), st.text(max_size=40)),
    base_url=st.one_of(st.sampled_from(_BASES), st.text(max_size=30)),
    content_location=st.one_of(st.none(), st.sampled_from(_BASES), st.text(max_size=20)),
)
def test_parse_feed_never_raises(body, content_type, base_url, content_location):
    feed = parse_feed(body, content_type, base_url=base_url, content_location=content_location)
    assert feed.error is not None or feed.version is not None or feed.entries
    for value in _all_text(feed):
        value.encode("utf-8")  # no lone surrogates: Parquet would refuse the row
    for entry in feed.entries:
        for value in (entry.title, entry.summary, entry.author, *entry.categories):
            assert "<script" not in (value or "").lower()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(body=st.one_of(mutated_feeds(), st.binary(max_size=2_000)),
       content_type=st.one_of(st.none(), st.sampled_from(_CONTENT_TYPES), st.text(max_size=40)))
def test_decode_html_never_raises(body, content_type):
    text, encoding = decode_html(body, content_type)
    assert isinstance(text, str) and encoding in _TEXT_CODECS
