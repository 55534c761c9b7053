"""Feed lists: the TOML file an operator keeps (``[[feeds]] url = "…"``), and OPML, the
format feed readers import and export.

A TOML list may also carry a ``[settings]`` table overriding defaults from
:mod:`transforms.settings` (for example ``allow_hosts = ["127.0.0.1"]``).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from lxml import etree


class FeedListError(ValueError):
    """The feed list cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class FeedSpec:
    """One configured feed."""

    url: str
    name: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class FeedList:
    feeds: tuple[FeedSpec, ...]
    settings: dict = field(default_factory=dict)


def _spec(i: int, url: str, name: object, language: object, tags: object) -> FeedSpec:
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        raise FeedListError(f"feeds[{i}]: url must be an http(s) URL, got {url!r}")
    if isinstance(tags, str):
        tags = [t for t in (s.strip() for s in tags.split(",")) if t]
    if not isinstance(tags, list) or not all(isinstance(t, str | int | float) for t in tags):
        raise FeedListError(f"feeds[{i}]: tags must be a list of strings or one comma-separated string, "
                            f"got {tags!r:.200}")
    return FeedSpec(url=url, name=_text_field(i, "name", name), language=_text_field(i, "language", language),
                    tags=tuple(str(t) for t in tags))


def _text_field(i: int, key: str, value: object) -> str | None:
    """A TOML value can be a number, a list or a table; a feed's name or language is text."""
    if value is None or isinstance(value, str):
        return value or None
    raise FeedListError(f"feeds[{i}]: {key} must be a string, got {value!r:.200}")


def _dedup(specs: list[FeedSpec]) -> tuple[FeedSpec, ...]:
    seen: dict[str, FeedSpec] = {}
    for spec in specs:
        seen.setdefault(spec.url, spec)
    return tuple(seen.values())


def parse_feed_list(text: str) -> list[FeedSpec]:
    """Parse a TOML feed list; duplicate URLs are merged (first one wins)."""
    return list(parse_feed_list_text(text).feeds)


def parse_feed_list_text(text: str) -> FeedList:
    """Parse a feed list in TOML or OPML (detected from the content)."""
    if text.lstrip().startswith("<"):
        return parse_opml(text)
    _utf8(text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FeedListError(f"feed list is not valid TOML: {exc}") from exc
    entries = doc.get("feeds")
    if not isinstance(entries, list) or not entries:
        raise FeedListError("feed list has no [[feeds]] entries")
    specs = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise FeedListError(f"feeds[{i}] is not a table")
        specs.append(_spec(i, str(entry.get("url", "")), entry.get("name"),
                           entry.get("language"), entry.get("tags", [])))
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise FeedListError("[settings] must be a table")
    settings = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in settings.items()}
    return FeedList(_dedup(specs), settings)


def parse_opml(text: str) -> FeedList:
    """Feeds from an OPML document: every ``<outline>`` with an ``xmlUrl``; the names of
    enclosing outlines (folders) become tags."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(_utf8(text), parser)
    except etree.XMLSyntaxError as exc:
        raise FeedListError(f"OPML is not well-formed XML: {exc}") from exc
    if root.tag != "opml":
        raise FeedListError(f"not an OPML document (root element <{root.tag}>)")
    specs: list[FeedSpec] = []

    def walk(node, folders: tuple[str, ...]):
        for child in node.findall("outline"):
            url = child.get("xmlUrl") or child.get("xmlurl")
            label = child.get("title") or child.get("text")
            if url:
                cats = [c.strip().strip("/") for c in (child.get("category") or "").split(",")]
                tags = list(dict.fromkeys([*folders, *(c for c in cats if c)]))
                name = label if label and label != url else None
                specs.append(_spec(len(specs) + 1, url, name, child.get("language"), tags))
            else:
                walk(child, folders + ((label,) if label else ()))

    body = root.find("body")
    if body is None:
        raise FeedListError("OPML has no <body>")
    walk(body, ())
    if not specs:
        raise FeedListError("OPML lists no feeds (no outline has an xmlUrl)")
    return FeedList(_dedup(specs))


def _utf8(text: str) -> bytes:
    """``text`` as UTF-8. A lone surrogate (text decoded with ``surrogateescape``) is no
    character: a URL holding one could never be hashed into a feed id, nor a name stored."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FeedListError(f"feed list is not valid text: {exc}") from exc


def to_opml(feeds: list[FeedSpec] | tuple[FeedSpec, ...], title: str = "feedhouse feeds") -> str:
    """An OPML 2.0 document listing ``feeds`` (tags go to the ``category`` attribute)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_esc(title)}</title></head>",
        "  <body>",
    ]
    for f in feeds:
        attrs = {"type": "rss", "text": f.name or f.url, "title": f.name or f.url, "xmlUrl": f.url}
        if f.language:
            attrs["language"] = f.language
        if f.tags:
            attrs["category"] = ",".join(f.tags)
        lines.append("    <outline " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def to_toml(feed_list: FeedList) -> str:
    """A TOML feed list (JSON string escapes are valid TOML basic strings)."""
    out = []
    if feed_list.settings:
        out.append("[settings]")
        out += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in feed_list.settings.items()]
        out.append("")
    for f in feed_list.feeds:
        out.append("[[feeds]]")
        out.append(f"url = {json.dumps(f.url)}")
        if f.name:
            out.append(f"name = {json.dumps(f.name, ensure_ascii=False)}")
        if f.language:
            out.append(f"language = {json.dumps(f.language)}")
        if f.tags:
            out.append(f"tags = {json.dumps(list(f.tags), ensure_ascii=False)}")
        out.append("")
    return "\n".join(out)


def merge(base: FeedList, extra: FeedList) -> FeedList:
    """``base`` plus the feeds of ``extra`` it does not have yet."""
    return FeedList(_dedup([*base.feeds, *extra.feeds]), base.settings)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
