"""Hypothesis strategies seeded with real material: the bundled sample feeds and pages, the JSON
Feed fixtures and the sample feed list, mutated byte-wise (flip, insert, delete, duplicate,
truncate, re-encode a range) and structurally (drop, duplicate and nest elements, swap
attributes, inject hint and date fields), plus edge values (huge, negative, non-ASCII digits,
``inf``/``NaN``/``1e400``, NUL and control characters, lone surrogates, very long lines)."""

from __future__ import annotations

import codecs
import copy
import json
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from flows.paths import SAMPLE_DIR
from transforms.settings import Settings

FIXTURES = Path(__file__).parent.parent / "fixtures"
SITES = {"blog": "127.0.0.1:8701", "portal": "127.0.0.1:8702", "english": "127.0.0.1:8703"}
MAX_PAGE_BYTES = 60_000  # trafilatura costs ~1 ms per KB: keep each page example fast


def _filled(path: Path) -> bytes:
    """A sample file with its ``{{site}}`` host tokens replaced by the sample servers' hosts."""
    data = path.read_bytes()
    for site, host in SITES.items():
        data = data.replace(b"{{%s}}" % site.encode(), host.encode())
    return data


@cache
def feed_seeds() -> tuple[bytes, ...]:
    xml = [_filled(p) for p in sorted(SAMPLE_DIR.glob("sites/**/*.xml"))]
    return (*xml, *(p.read_bytes() for p in sorted((FIXTURES / "feeds").glob("*.json"))))


@cache
def page_seeds() -> tuple[bytes, ...]:
    return tuple(_filled(p)[:MAX_PAGE_BYTES] for p in sorted(SAMPLE_DIR.glob("sites/**/*.html")))


@cache
def feed_list_seeds() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8") for p in (SAMPLE_DIR / "feeds.toml", *sorted(
        (FIXTURES / "feedlists").glob("*"))))


# ---- edge values

EDGE_NUMBERS = [
    "0", "1", "-1", "60", " 60 ", "+60", "1.5", "-0", "0x10", "1_000", "1e3", "1e400", "-1e400", "inf", "-inf",
    "Infinity", "NaN", "nan", "9" * 30, "9" * 400, "²", "٣", "١٢٣", "３０", "۵", "\u0e51", "1\x00", "\x00",
    "", " ", "\t\n", "60, 120", "=60", "1" * 13, str(2**63), str(-(2**63) - 1),
]
EDGE_DATES = [
    "Thu, 26 Nov 2015 17:00:00 +0700", "Sat, 31 Dec 9999 23:59:59 -1200", "Mon, 01 Jan 0001 00:00:00 +0100",
    "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 32 Foo 2015 99:99:99 +9999", "Wed, 18 Nov 2015 25:61:61 GMT",
    "2015-11-18T13:06:00.000+07:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59.999999-23:59", "10000-01-01T00:00:00Z", "2015-11-18T13:06:00+24:00", "2015-02-30",
    "Rabu, 18 November 2015 - 14:20 WIB", "Kamis, 19 Nov 2015 | 08:00 WITA", "19/11/2015 08:00 WIT",
    "18 Desember 2015", "kemarin", "yesterday", "1447858800", "-62135596800", "1e400", "٢٠١٥-١١-١٨",
    "２０１５年１１月１８日", "2015-11-18T13:06:00\x00", "Tue, 17 Nov 2015 13:06:00 +9999999999999999999",
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
    "Thu, 01 Jan 1970 00:00:00 -0000", "Mon, 01 Jan 10000 00:00:00 GMT", "Mon, 01 Jan 99999999999 00:00:00 GMT",
]
EDGE_TEXT = [
    "", " ", "\x00", "\x01\x07\x1b\x7f", "\ud800", "a\udfffb", "\ufeff", "\u202e", "\U0010ffff", "é", "Ω≈ç√",
    "<script>alert(1)</script>", "&lt;b&gt;x&lt;/b&gt;", "&amp;amp;", "<![CDATA[x]]>", "]]>", "&#xD800;",
    "&#0;", "&#1114112;", "x" * 5_000, "word " * 400, "\n" * 50, "Written By Unknown on Wednesday",
    "noreply@blogger.com", "Admin", "by  ;  ; ", "http://[::1", "javascript:alert(1)",
]
CHARSETS = [
    "utf-8", "UTF-8", "utf8", "latin-1", "iso-8859-1", "windows-1252", "cp1252", "windows-1251", "koi8-r",
    "shift_jis", "euc-jp", "gb2312", "big5", "euc-kr", "utf-16", "utf-16le", "utf-16be", "utf-32",
    "punycode", "idna", "utf-7", "unicode_escape", "rot13", "base64", "zlib", "x-unknown", "", "utf-8'",
    "a" * 200,
]
ENCODINGS = ["utf-8", "cp1252", "latin-1", "cp1251", "koi8-r", "shift_jis", "euc-jp", "gb18030", "big5",
             "euc-kr", "utf-16-le", "utf-16-be", "utf-32-le", "utf-7"]
CONTENT_TYPES = [
    None, "", "application/rss+xml", "application/atom+xml; charset=UTF-8", "application/xml", "text/xml",
    "application/json", "application/feed+json", "application/ld+json", "text/html", "text/html; charset=utf-8",
    "application/xhtml+xml", "text/plain", "application/octet-stream", ";charset=", "text/html; charset",
    "TEXT/HTML; CHARSET=\"KOI8-R\"", "text/html; charset='windows-1251'; charset=utf-8",
]
TOKENS = [
    b"&#xD800;", b"&#1114112;", b"&#" + b"9" * 400 + b";", b"&#0;", b"&#x0;", b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"<!DOCTYPE html>", b"]]>", b"<![CDATA[", b"\x00", b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b"\xe9", b"\x8f\xa1",
    b"<?xml version='1.0' encoding='punycode'?>", b"encoding='utf-16'", b"{", b"[", b"}", b"\\ud800", b"\\u0000",
    b'"version": "https://jsonfeed.org/version/1"', b"1" * 500, b"1e400", b"-1e400", b"NaN", b"Infinity",
    codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, b"&amp;", b"&lt;script&gt;",
    b"<script>", b"</script>", b"<style>", b"<!--", b"-->", b'xml:base="http://[::1"', b"<link>http://[::1/x</link>",
    b"<entry>", b"<item>", b"</item>", b"</category>", b"<category>", b"<", b">", b"&", b'"', b"'", b"\r\n",
    b"<meta charset=koi8-r>", b'<meta http-equiv="content-type" content="text/html; charset=punycode">',
    b"<html>", b"</body>", b"<body>", b"<p>", b"<table>", b"<td>" * 50, "²٣".encode(), b"x" * 20_000,
]


def text_without_surrogates(max_size: int = 30) -> st.SearchStrategy[str]:
    """Text as a header or an HTTP library hands it over (they never carry lone surrogates)."""
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=max_size)


def edge_text(samples: list[str], max_size: int = 30) -> st.SearchStrategy[str]:
    """An edge value, arbitrary text, or edge values glued together."""
    return st.one_of(
        st.sampled_from(samples),
        st.text(max_size=max_size),
        st.lists(st.sampled_from(samples + EDGE_NUMBERS[:12]), min_size=2, max_size=4).map(" ".join),
    )


def no_surrogates(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- byte-wise mutation


@st.composite
def mutated_bytes(draw, data: bytes, max_ops: int = 6) -> bytes:
    """``data`` after a few byte-wise mutations."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, max_ops))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "token", "insert", "delete", "duplicate", "truncate", "reencode"]))
        if op == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 256))]
        elif op == "duplicate":
            length = draw(st.integers(1, 512))
            data[at:at] = data[at:at + length] * draw(st.integers(1, 4))
        elif op == "truncate":
            data = data[:at] if draw(st.booleans()) else data[at:]
        else:  # one range in another encoding: mixed encodings in one body
            end = at + draw(st.integers(1, 2_000))
            chunk = bytes(data[at:end]).decode("utf-8", "replace")
            data[at:end] = chunk.encode(draw(st.sampled_from(ENCODINGS)), "replace")
    return bytes(data)


def reencoded(draw, data: bytes) -> bytes:
    """The whole text in another encoding, sometimes (a page or feed that is not UTF-8)."""
    if draw(st.integers(0, 3)):
        return data
    encoding = draw(st.sampled_from(ENCODINGS))
    return data.decode("utf-8", "replace").encode(encoding, "xmlcharrefreplace" if encoding != "utf-7" else "replace")


# ---- structural mutation (lxml trees)


def _mutate_tree(draw, root, edge_values: list[str]) -> None:
    """Drop, duplicate, nest, swap attributes of, or rewrite the text of random elements."""
    for _ in range(draw(st.integers(0, 5))):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = elements[draw(st.integers(0, len(elements) - 1))]
        parent = element.getparent()
        op = draw(st.sampled_from(["drop", "duplicate", "nest", "swap", "text", "attribute"]))
        if op == "drop" and parent is not None:
            parent.remove(element)
        elif op == "duplicate" and parent is not None:
            for _ in range(draw(st.integers(1, 20))):
                parent.insert(parent.index(element), copy.deepcopy(element))
        elif op == "nest" and parent is not None:
            position, inner = parent.index(element), element
            for _ in range(draw(st.integers(1, 300))):
                wrapper = etree.Element(element.tag if draw(st.booleans()) else "div")
                wrapper.append(inner)
                inner = wrapper
            parent.insert(position, inner)
        elif op == "swap":
            other = elements[draw(st.integers(0, len(elements) - 1))]
            a, b = dict(element.attrib), dict(other.attrib)
            element.attrib.clear(), other.attrib.clear()
            element.attrib.update(b), other.attrib.update(a)
        elif op == "text":
            element.text = _xml_safe(draw(st.sampled_from(edge_values)))
        elif element.attrib:
            name = draw(st.sampled_from(sorted(element.attrib)))
            element.set(name, _xml_safe(draw(st.sampled_from(edge_values))))


_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """lxml refuses control characters and surrogates in a tree; they go in byte-wise instead."""
    return _XML_UNSAFE.sub("\ufffd", text)


def _structurally_mutated_xml(draw, data: bytes) -> bytes:
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return data
    if root is None:
        return data
    _mutate_tree(draw, root, EDGE_TEXT + EDGE_DATES + EDGE_NUMBERS)
    return etree.tostring(root, encoding="utf-8", xml_declaration=draw(st.booleans()))


# ---- feeds

_CHANNEL_OPEN = re.compile(rb"<channel[^>]*>|<feed[^>]*>|<rdf:RDF[^>]*>")
_DATE_ELEMENT = re.compile(rb"<(pubDate|published|updated|dc:date|lastBuildDate)>[^<]*</\1>")
_JSON_DATE = re.compile(rb'"(date_published|date_modified)":\s*"[^"]*"')
_LINK = re.compile(rb"<(link)>[^<]*</link>|(href)=(?:'[^']*'|\"[^\"]*\")")
_JSON_URL = re.compile(rb'"(url|external_url|home_page_url)":\s*"[^"]*"')


def _xml_link(match: re.Match[bytes], url: str) -> bytes:
    if match.group(1):
        return b"<link>%s</link>" % _xml_bytes(url)
    return b'href="%s"' % _xml_bytes(url).replace(b'"', b"&quot;")


def _json_field(match: re.Match[bytes], value: str) -> bytes:
    return b'"%s": %s' % (match.group(1), json.dumps(value).encode())


def _inject_hints(draw, data: bytes) -> bytes:
    """``<ttl>`` and ``sy:updatePeriod``/``sy:updateFrequency`` after the channel (or feed) opens."""
    match = _CHANNEL_OPEN.search(data)
    if not match:
        return data
    hints = b""
    if draw(st.booleans()):
        hints += b"<ttl>%s</ttl>" % _xml_bytes(draw(edge_text(EDGE_NUMBERS)))
    if draw(st.booleans()):
        period = draw(st.one_of(st.sampled_from(["hourly", "daily", "weekly", "monthly", "yearly", " Daily "]),
                                edge_text(EDGE_NUMBERS)))
        sy = b' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
        hints += b"<sy:updatePeriod%s>%s</sy:updatePeriod>" % (sy, _xml_bytes(period))
        hints += b"<sy:updateFrequency%s>%s</sy:updateFrequency>" % (sy, _xml_bytes(draw(edge_text(EDGE_NUMBERS))))
    return data[:match.end()] + hints + data[match.end():]


def _xml_bytes(text: str) -> bytes:
    """Text for an XML element, lone surrogates included (as the bytes a broken encoder writes)."""
    return xml_escape(text).encode("utf-8", "surrogatepass")


def _replace_matches(draw, data: bytes, pattern: re.Pattern[bytes], values: st.SearchStrategy[str], render) -> bytes:
    """Sometimes, every match of ``pattern`` rendered with one of a few drawn values."""
    if not draw(st.booleans()):
        return data
    drawn = draw(st.lists(values, min_size=1, max_size=4))
    counter = iter(range(10**6))
    return pattern.sub(lambda m: render(m, drawn[next(counter) % len(drawn)]), data)


def _declare(draw, data: bytes) -> bytes:
    """An XML declaration naming some charset, true or not."""
    if not draw(st.integers(0, 3)) and data.startswith(b"<?xml"):
        end = data.find(b"?>")
        label = draw(st.sampled_from(CHARSETS))
        return b"<?xml version=\"1.0\" encoding=\"%s\"?>" % label.encode("ascii", "replace") + data[end + 2:]
    return data


@st.composite
def json_feed_bodies(draw) -> bytes:
    """A JSON Feed fixture with values replaced by edge values of every JSON type."""
    doc = json.loads(draw(st.sampled_from([s for s in feed_seeds() if s.lstrip().startswith(b"{")])))
    edge = st.one_of(
        st.sampled_from(EDGE_TEXT + EDGE_DATES), st.integers(-(2**70), 2**70), st.floats(), st.booleans(),
        st.none(), st.just([]), st.just({}), st.just([[[[]]]]), st.just({"name": 1}),
    )
    for _ in range(draw(st.integers(0, 4))):
        items = doc.get("items") if isinstance(doc.get("items"), list) else []
        target = doc if not items or draw(st.booleans()) else items[draw(st.integers(0, len(items) - 1))]
        if not isinstance(target, dict) or not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        op = draw(st.integers(0, 3))
        if op == 0:
            target[key] = draw(edge)
        elif op == 1:
            del target[key]
        elif op == 2 and items:
            items.extend(copy.deepcopy(items[: draw(st.integers(1, 3))]))
        else:
            target[key] = [target[key]] * draw(st.integers(0, 3))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


@st.composite
def xml_feed_bodies(draw) -> bytes:
    data = draw(st.sampled_from([s for s in feed_seeds() if s.lstrip().startswith(b"<")]))
    if draw(st.booleans()):
        data = _structurally_mutated_xml(draw, data)
    data = _inject_hints(draw, data)
    data = _replace_matches(draw, data, _DATE_ELEMENT, edge_text(EDGE_DATES),
                            lambda m, d: b"<%s>%s</%s>" % (m.group(1), _xml_bytes(d), m.group(1)))
    data = _replace_matches(draw, data, _LINK, st.one_of(urls(), st.sampled_from(sample_links())), _xml_link)
    data = _declare(draw, data)
    return reencoded(draw, data)


@st.composite
def feed_bodies(draw) -> bytes:
    """A feed body: mutated RSS/Atom/JSON Feed, or junk."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=2_000))
    if kind == 1:
        return draw(st.sampled_from(page_seeds()))  # an HTML page where a feed was expected
    if kind <= 3:  # JSON breaks at the first wrong byte: mutate it byte-wise only sometimes
        body = _replace_matches(draw, draw(json_feed_bodies()), _JSON_DATE, edge_text(EDGE_DATES), _json_field)
        body = _replace_matches(draw, body, _JSON_URL, urls(), _json_field)
        return draw(mutated_bytes(body, max_ops=2)) if kind == 3 else body
    return draw(mutated_bytes(draw(xml_feed_bodies())))


# ---- URLs

_HOSTS = ["example.com", "www.Example.COM.", "127.0.0.1:8701", "[::1]", "[::1", "xn--bcher-kva.example",
          "bücher.example", "", "a..b", "a" * 70 + ".example", "%41.example", "10.0.0.1", "[v1.x]", "@", "host\\"]
_PORTS = ["", ":80", ":443", ":0", ":8080", ":65535", ":65536", ":99999", ":-1", ":abc", ":²", ":"]
_USERINFO = ["", "user@", "user:pa%3Ass@", "a:b@c@", "u\\@", ":@", "ü:ö@"]
_PATHS = ["", "/", "/read/2015/11/18/x.html", "/a/../b/./c", "/%E2%82%AC", "/€", "/a b", "/" + "x" * 3_000,
          "//double", "/%00", "/\x00"]
_QUERIES = ["", "?", "?utm_source=rss&id=1", "?token=abc&x=1", "?X-Amz-Signature=s&client_secret=c",
            "?session_id=1&sid=2&page=3", "?a=1&&b", "?=x", "?fbclid=1&gclid=2", "?q=%ZZ", "?key"]
_FRAGMENTS = ["", "#", "#more", "#access_token=abc&x=1", "#comment-form"]


def urls() -> st.SearchStrategy[str]:
    """A URL assembled from edge parts, arbitrary text, or a link from a sample feed."""
    return st.one_of(st.text(max_size=60), st.sampled_from(sample_links()), *[assembled_urls()] * 3)


@st.composite
def assembled_urls(draw) -> str:
    scheme = draw(st.sampled_from(["http://", "https://", "HTTP://", "hTTps://", " http://", "ftp://",
                                   "javascript:", "//", "http:", "http:/", "file:///", ""]))
    parts = [draw(st.sampled_from(p)) for p in (_USERINFO, _HOSTS, _PORTS, _PATHS, _QUERIES, _FRAGMENTS)]
    url = scheme + "".join(parts)
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(url)))
        url = url[:at] + draw(st.sampled_from(EDGE_TEXT[:12] + ["@", "#", "?", "\\", "%", "[", "]", ":"])) + url[at:]
    return url


@cache
def sample_links() -> tuple[str, ...]:
    links = set()
    for seed in feed_seeds():
        links.update(m.decode() for m in re.findall(rb"https?://[^\s\"'<>&]+", seed))
    return tuple(sorted(links))


# ---- settings, times and poll state


def run_settings() -> st.SearchStrategy[Settings]:
    """The defaults, or tight caps (an operator can set any of them)."""
    tight = Settings(max_title_chars=8, max_summary_chars=12, max_tag_chars=3, max_tags_per_article=2,
                     min_words=1, max_entries_per_feed=1, max_pages_per_run=2, min_poll_interval_s=1,
                     max_poll_interval_s=60, default_poll_interval_s=30, dead_after_failures=1)
    return st.sampled_from([Settings(), tight])


def moments() -> st.SearchStrategy[datetime]:
    """An aware UTC instant a run could happen at."""
    return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def any_utc() -> st.SearchStrategy[datetime]:
    """Any aware UTC datetime (what a feed entry's date may be, once parsed)."""
    return st.datetimes(timezones=st.just(UTC))


def offsets() -> st.SearchStrategy[timezone]:
    return st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


def struct_times() -> st.SearchStrategy[time.struct_time]:
    field = st.one_of(st.integers(-5, 70), st.integers(-(2**70), 2**70))
    year = st.one_of(st.integers(1, 9999), st.integers(-(2**70), 2**70))
    return st.tuples(year, *[field] * 8).map(time.struct_time)


# ---- pages


_METADATA = [  # where trafilatura and htmldate look for a title, author, date, site name, tags, URL
    b'<meta property="article:published_time" content="%s">', b'<meta name="date" content="%s">',
    b'<meta name="author" content="%s">', b'<meta name="keywords" content="%s">', b'<meta property="article:tag" '
    b'content="%s">', b'<meta property="og:site_name" content="%s">', b'<meta property="og:title" content="%s">',
    b'<meta name="description" content="%s">', b'<link rel="canonical" href="%s">', b'<base href="%s">',
    b'<meta property="og:url" content="%s">', b'<time datetime="%s">%s</time>', b'<html lang="%s">',
    b'<script type="application/ld+json">%s</script>',
]


def _json_ld(draw) -> bytes:
    """A schema.org block with edge values of every JSON type where the metadata is read."""
    value = st.one_of(edge_text(EDGE_DATES + EDGE_TEXT), st.integers(-(2**70), 2**70), st.floats(), st.none(),
                      st.just([]), st.just({}), st.lists(st.fixed_dictionaries({"name": edge_text(EDGE_TEXT)})))
    doc = draw(st.dictionaries(st.sampled_from(["@type", "headline", "datePublished", "dateModified", "author",
                                                "publisher", "keywords", "articleSection", "name", "@graph"]),
                               value, max_size=6))
    text = json.dumps([doc] * draw(st.integers(1, 3)) if draw(st.booleans()) else doc)
    return text.encode("utf-8", "surrogatepass")[: draw(st.sampled_from([None, None, 40]))]


def _inject_metadata(draw, data: bytes) -> bytes:
    snippets = b""
    for template in draw(st.lists(st.sampled_from(_METADATA), max_size=4)):
        if b"ld+json" in template:
            snippets += template % _json_ld(draw)
        else:
            value = _xml_bytes(draw(edge_text(EDGE_DATES + EDGE_TEXT))).replace(b'"', b"&quot;")
            snippets += template.replace(b"%s", value)
    at = data.find(b"<head>")
    at = at + len(b"<head>") if at >= 0 else draw(st.integers(0, len(data)))
    return data[:at] + snippets + data[at:]


@st.composite
def page_bodies(draw) -> bytes:
    """A sample page, structurally and byte-wise mutated, with metadata injected, maybe
    re-encoded and re-declared; capped at MAX_PAGE_BYTES."""
    data = draw(st.sampled_from(page_seeds()))
    if draw(st.booleans()):
        root = lxml_html.fromstring(data)
        _mutate_tree(draw, root, EDGE_TEXT + EDGE_DATES)
        data = lxml_html.tostring(root, encoding="utf-8")
    if draw(st.booleans()):
        data = _inject_metadata(draw, data)
    if not draw(st.integers(0, 3)):
        label = draw(st.sampled_from(CHARSETS)).encode("ascii", "replace")
        data = re.sub(rb"charset=[\"']?[A-Za-z0-9_-]+", b"charset=" + label, data, count=1)
    data = reencoded(draw, data)
    return draw(mutated_bytes(data, max_ops=4))[:MAX_PAGE_BYTES]
