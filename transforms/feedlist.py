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


def _spec(i: int, url: str, name, language, tags) -> FeedSpec:
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        raise FeedListError(f"feeds[{i}]: url must be an http(s) URL, got {url!r}")
    if isinstance(tags, str):
        tags = [t for t in (s.strip() for s in tags.split(",")) if t]
    return FeedSpec(url=url, name=name or None, language=language or None,
                    tags=tuple(str(t) for t in tags or ()))


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
        root = etree.fromstring(text.encode("utf-8"), parser)
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


def append_feeds(text: str, feeds: list[FeedSpec] | tuple[FeedSpec, ...]) -> tuple[str, int]:
    """``text`` (a TOML feed list, possibly empty) with ``feeds`` it does not list yet appended as
    ``[[feeds]]`` tables; returns the new text and how many were added. Everything already in the
    file, comments and layout included, stays byte for byte; strings are TOML-escaped, so a control
    character in an OPML title cannot break the file."""
    import tomlkit

    listed = {f.url for f in parse_feed_list_text(text).feeds} if text.strip() else set()
    new = [f for f in _dedup(list(feeds)) if f.url not in listed]
    if not new:
        return text, 0
    tables = tomlkit.aot()
    for f in new:
        table = tomlkit.table()
        table["url"] = f.url
        for key, value in (("name", f.name), ("language", f.language), ("tags", list(f.tags))):
            if value:
                table[key] = value
        tables.append(table)
    appended = tomlkit.dumps({"feeds": tables}).replace("\n[[feeds]]", "\n\n[[feeds]]")
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + appended, len(new)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
