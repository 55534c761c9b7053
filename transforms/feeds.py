"""Feed parsing: raw feed bytes → typed entries. feedparser parses RSS and Atom,
:mod:`transforms.jsonfeed` parses JSON Feed; this module decodes the bytes first (so the
charset allow-list applies to feeds too), caps what comes back and turns it into
:class:`FeedEntry` records."""

from __future__ import annotations

import io
import re
from urllib.parse import urljoin

import feedparser

from transforms.charset import decode_feed
from transforms.dates import from_struct_time, parse_date_text
from transforms.feedmodel import FeedEntry, ParsedFeed, build_entry, cap, capped_warning, plain_field
from transforms.jsonfeed import parse_json_feed
from transforms.settings import Settings

__all__ = ["FeedEntry", "ParsedFeed", "discover_feed_url", "looks_like_html", "parse_feed"]

# An internal DTD subset is how entity-expansion attacks ("billion laughs") and external
# entities (XXE) get in; no legitimate news feed needs one.
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_SUBSET_OPEN_RE = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_SUBSET_CLOSE_RE = re.compile(rb"\]\s*>")
_XML_DECLARATION_RE = re.compile(r"<\?xml(?=[\s?])[^>]*>")
# The body reaches feedparser as UTF-8 under this declaration, alone on the first line: feedparser
# reads an encoding from the first line and would otherwise try whatever codec it names.
_UTF8_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
_CHARREF_RE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+))")
_FIRST_CHAR_RE = re.compile(r"\s*(\S)")
_JSON_TYPES = ("application/feed+json", "application/json")


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _entry(raw: dict, settings: Settings, capped: list[str]) -> FeedEntry:
    link = raw.get("link")
    if not link:
        for candidate in raw.get("links", []):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    published = from_struct_time(raw.get("published_parsed") or raw.get("updated_parsed"))
    if published is None:
        published = parse_date_text(cap(raw.get("published") or raw.get("updated"), 200))
    return build_entry(
        settings, capped,
        entry_id=raw.get("id"),
        link=link,
        title=raw.get("title"),
        summary=raw.get("summary"),
        published_at=published,
        author=raw.get("author"),
        terms=(tag.get("term") or tag.get("label") for tag in raw.get("tags", []) or []),
    )


def parse_feed(
    body: bytes,
    content_type: str | None = None,
    settings: Settings | None = None,
    base_url: str | None = None,
    content_location: str | None = None,
) -> ParsedFeed:
    """Parse a feed body (RSS, Atom or JSON Feed). Malformed feeds that still yield entries are
    used, with the parser's complaint kept in ``bozo_reason``; a body with no feed in it gets
    ``error``. Relative links resolve against ``content_location`` (the response's
    Content-Location header), else ``base_url`` (the URL the feed was fetched from), and any
    ``xml:base`` inside. Never raises."""
    settings = settings or Settings()
    if not body or not body.strip():
        return ParsedFeed(error="empty body")
    text, _encoding = decode_feed(body, content_type)
    first = _FIRST_CHAR_RE.match(text)
    if first is None:
        return ParsedFeed(error="empty body")
    base = _feed_base(base_url, content_location)
    mime = _mime(content_type)
    is_json_type = mime in _JSON_TYPES or mime.endswith("+json")
    if first.group(1) in "{[" or (is_json_type and first.group(1) != "<"):
        return parse_json_feed(text, settings, base)
    return _parse_xml(text, mime, settings, base)


def _feed_base(base_url: str | None, content_location: str | None) -> str | None:
    """Content-Location, itself relative to the request URL, names the document's own URL."""
    if content_location and base_url:
        try:
            return urljoin(base_url, content_location.strip())
        except ValueError:  # "http://[::1" and other unparseable URLs
            return base_url
    return content_location or base_url or None


def _parse_xml(text: str, mime: str, settings: Settings, base: str | None) -> ParsedFeed:
    warnings: list[str] = []
    data = _utf8_document(text)
    cleaned = _drop_internal_subset(data)
    if len(cleaned) != len(data):
        warnings.append("DOCTYPE internal subset removed (entity declarations are not trusted)")
    headers = {"content-type": f"{mime or 'application/xml'}; charset=utf-8"}
    if base:
        headers["content-location"] = base
    try:
        # Always a stream: given bytes, feedparser first tries them as a file path or URL, so a
        # server answering "/etc/passwd" or "/dev/zero" would have that file read.
        parsed = feedparser.parse(
            io.BytesIO(cleaned), response_headers=headers, resolve_relative_uris=False, sanitize_html=False,
        )
    except Exception as exc:  # feedparser's own bugs on broken XML, see below
        # Its strict parser unpacks a namespace URI with whitespace in it ("http://a\xa0b") into
        # too many parts (ValueError); its fallback parser meets a </category> outside the
        # element it expects (KeyError: 'tags'). Such a body is broken; say so instead of raising.
        return ParsedFeed(bozo_reason="; ".join(warnings) or None,
                          error=f"unparseable feed: feedparser raised {type(exc).__name__}: {str(exc)[:200]}")
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        warnings.append(f"{type(exc).__name__}: {exc}" if exc else "malformed feed")
    version = parsed.get("version") or None
    raw_entries = parsed.get("entries", [])
    capped: list[str] = []
    entries = tuple(_entry(raw, settings, capped) for raw in raw_entries)
    if capped:
        warnings.append(capped_warning(capped))
    bozo_reason = "; ".join(warnings)[:1_000] or None
    if not version and not raw_entries:
        head = text[:512].lstrip().lower()
        kind = "an HTML page" if "<html" in head or "<!doctype html" in head else "not a recognised feed format"
        return ParsedFeed(bozo_reason=bozo_reason, error=f"not a feed: body is {kind}")
    meta = parsed.get("feed", {})
    return ParsedFeed(
        title=plain_field(meta.get("title"), settings.max_title_chars),
        site_url=cap(meta.get("link"), 2_000),
        language=cap(meta.get("language"), 35),
        version=version,
        entries=entries,
        bozo_reason=bozo_reason,
        ttl=cap(meta.get("ttl"), 20),
        sy_update_period=cap(meta.get("sy_updateperiod"), 20),
        sy_update_frequency=cap(meta.get("sy_updatefrequency"), 20),
    )


def _utf8_document(text: str) -> bytes:
    """The decoded feed as UTF-8 under a UTF-8 declaration, with character references that name
    no character (surrogates, beyond U+10FFFF, NUL) replaced by U+FFFD: feedparser's fallback
    parser raises on them instead of reporting a malformed feed."""
    declaration = _XML_DECLARATION_RE.match(text)
    if declaration:
        text = text[declaration.end():]
    return _UTF8_DECLARATION + _CHARREF_RE.sub(_valid_charref, text.encode("utf-8", "replace"))


def _valid_charref(match: re.Match[bytes]) -> bytes:
    hex_digits, decimal_digits = match.group(1), match.group(2)
    digits = (hex_digits or decimal_digits).lstrip(b"0")
    if len(digits) <= 7:  # longer is out of range anyway, and int() of thousands of digits is slow
        code = int(digits or b"0", 16 if hex_digits else 10)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return match.group(0)
    return b"&#65533"  # decimal, so hex digits after the reference cannot extend it


def _drop_internal_subset(data: bytes) -> bytes:
    """``data`` without the first DOCTYPE that has an internal subset. Each ``<!DOCTYPE`` is
    matched only up to the next one and the subset's end is searched once, so a body of
    thousands of unterminated DOCTYPEs costs linear time (one regex over all of it was
    quadratic: 200 KB took 11 s)."""
    starts = [m.start() for m in _DOCTYPE_RE.finditer(data)]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        opening = _SUBSET_OPEN_RE.match(data, start, end)
        if opening is None:
            continue
        closing = _SUBSET_CLOSE_RE.search(data, opening.end())
        if closing is None:
            return data
        return data[:start] + data[closing.end():]
    return data


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """An HTML page rather than a feed (by Content-Type, else by its first bytes)."""
    if _mime(content_type) in ("text/html", "application/xhtml+xml"):
        return True
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def discover_feed_url(body: bytes, base_url: str) -> str | None:
    """The first ``<link rel="alternate">`` feed an HTML page advertises (absolute URL)."""
    from lxml import html as lxml_html

    try:
        doc = lxml_html.fromstring(body[:2_000_000])
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href:
            try:
                url = urljoin(base_url, href)
            except ValueError:  # "http://[::1": look at the page's next feed link
                continue
            if url.lower().startswith(("http://", "https://")):
                return url
    return None
