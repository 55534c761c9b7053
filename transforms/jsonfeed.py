"""JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/) → :class:`ParsedFeed`.

No maintained parser exists, and the format is small: a JSON object with a ``version`` URL and an
``items`` list. Everything else is optional and untrusted, so every field is type-checked (a
title that is a number or an object is no title) and capped like an RSS field; an item that is
not an object is skipped; nothing raises.
"""

from __future__ import annotations

import itertools
import json
import math
from urllib.parse import urljoin

from transforms.dates import parse_date_text
from transforms.feedmodel import FeedEntry, ParsedFeed, build_entry, cap, capped_warning, plain_field
from transforms.settings import Settings

_VERSION_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
_VERSIONS = {"1": "json1", "1.1": "json11"}
_MAX_INT_DIGITS = 100  # ids are coerced from numbers; longer integers are nobody's id
_MAX_AUTHORS = 20


def _bounded_int(digits: str) -> int | None:
    """``json`` integer hook: a number too long to be meaningful is dropped, not converted
    (Python refuses more than 4,300 digits, and the conversion is quadratic below that)."""
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else None


def _no_constant(_name: str) -> None:
    """``NaN`` and ``Infinity`` are not JSON; Python's parser accepts them, we read them as null."""
    return None


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _url(value: object, base: str | None) -> str | None:
    """A URL field, resolved against the feed's URL when relative."""
    url = _string(value)
    if url is None or not base:
        return url
    try:
        return urljoin(base, url.strip())
    except ValueError:  # "http://[::1" and other unparseable URLs
        return url


def _item_id(value: object) -> str | None:
    """The spec asks readers to coerce a numeric id to a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return _string(value)


def _author_names(container: dict) -> str | None:
    """``authors`` (1.1: a list of objects) or ``author`` (1.0: one object), as ``"A; B"``."""
    authors = container.get("authors")
    candidates = authors if isinstance(authors, list) else [container.get("author")]
    names = [
        name
        for author in itertools.islice(candidates, _MAX_AUTHORS)
        if isinstance(author, dict) and (name := _string(author.get("name")))
    ]
    if not names and isinstance(authors, list):
        author = container.get("author")
        if isinstance(author, dict) and (name := _string(author.get("name"))):
            names = [name]
    return "; ".join(names) or None


def _summary(item: dict) -> str | None:
    """``summary``, else the item's content (HTML or text): ``plain_field`` reduces it to text."""
    for key in ("summary", "content_html", "content_text"):
        value = _string(item.get(key))
        if value is not None:
            return value
    return None


def _entry(item: dict, feed_authors: str | None, base: str | None, settings: Settings,
           capped: list[str]) -> FeedEntry:
    published = None
    for key in ("date_published", "date_modified"):
        published = parse_date_text(cap(_string(item.get(key)), 200))
        if published is not None:
            break
    tags = item.get("tags")
    return build_entry(
        settings, capped,
        entry_id=_item_id(item.get("id")),
        link=_url(item.get("url"), base) or _url(item.get("external_url"), base),
        title=item.get("title"),
        summary=_summary(item),
        published_at=published,
        author=_author_names(item) or feed_authors,
        terms=tags if isinstance(tags, list) else (),
    )


def _version(doc: object) -> str | None:
    """``json1``/``json11`` (``json`` for a later version), None when ``doc`` is no JSON Feed."""
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str):
        return None
    for prefix in _VERSION_PREFIXES:
        if version.startswith(prefix):
            return _VERSIONS.get(version[len(prefix):].strip("/"), "json")
    return None


def parse_json_feed(text: str, settings: Settings, base: str | None = None) -> ParsedFeed:
    """Map a JSON Feed document onto :class:`ParsedFeed`; JSON that is not a JSON Feed gets
    ``error``. Item URLs resolve against ``base`` (the feed's URL) when relative."""
    try:
        doc = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; deep nesting recurses
        return ParsedFeed(error=f"not a feed: body is invalid JSON ({str(exc)[:200]})")
    version = _version(doc)
    if version is None:
        return ParsedFeed(error="not a feed: body is JSON, not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        return ParsedFeed(error="not a feed: JSON Feed without an items list")
    warnings: list[str] = []
    title = plain_field(doc.get("title"), settings.max_title_chars)
    if title is None:
        warnings.append("JSON Feed without a title")
    objects = [item for item in items if isinstance(item, dict)]
    if len(objects) < len(items):
        warnings.append(f"skipped {len(items) - len(objects)} JSON Feed item(s) that are not objects")
    capped: list[str] = []
    feed_authors = _author_names(doc)
    entries = tuple(_entry(item, feed_authors, base, settings, capped) for item in objects)
    if capped:
        warnings.append(capped_warning(capped))
    return ParsedFeed(
        title=title,
        site_url=cap(_url(doc.get("home_page_url"), base), 2_000),
        language=cap(_string(doc.get("language")), 35),
        version=version,
        entries=entries,
        bozo_reason="; ".join(warnings)[:1_000] or None,
    )
