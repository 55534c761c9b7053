"""Feed lists: the TOML file an operator keeps (``[[feeds]] url = "…"``), and OPML, the
format feed readers import and export.

A TOML list may also carry a ``[settings]`` table overriding defaults from
:mod:`transforms.settings` (for example ``allow_hosts = ["127.0.0.1"]``).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator


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


class _Feed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    name: str | None = None
    language: str | None = None
    tags: list[str] | str = []

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.strip().lower().startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL with its scheme, got {url!r}")
        return url.strip()


def _setting(value: Any, info: ValidationInfo) -> Any:
    """A setting's value must convert to its type (what ``Settings.from_env`` will do)."""
    from transforms.settings import Settings

    if value is not None:
        try:
            Settings.from_env({}, {info.field_name: ",".join(map(str, value)) if isinstance(value, list) else value})
        except (ValueError, TypeError) as exc:
            raise ValueError(str(exc)) from None
    return value


def _settings_model() -> type[BaseModel]:
    from dataclasses import fields

    from transforms.settings import Settings

    return create_model("Settings", __config__=ConfigDict(extra="forbid"),
                        __validators__={"typed": field_validator("*")(_setting)},
                        **{f.name: (Any, None) for f in fields(Settings)})


class _FeedList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feeds: list[_Feed] = Field(min_length=1)
    settings: _settings_model() = None  # type: ignore[valid-type]


@functools.lru_cache(maxsize=1)  # the CLI checks the list, then its flow reads it: one parse (20k feeds: 0.5 s)
def parse_feed_list_text(text: str) -> FeedList:
    """Parse a feed list in TOML or OPML (detected from the content). Every problem in a TOML
    list is reported, one line each with its line number: unknown tables and keys (a
    ``[[feed]]`` typo), URLs without a scheme, unknown or ill-typed settings."""
    if text.lstrip().startswith("<"):
        return parse_opml(text)
    _utf8(text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FeedListError(f"not valid TOML: {exc}") from exc
    try:
        parsed = _FeedList.model_validate(doc)
    except ValidationError as exc:
        lines = _Lines(text)
        # a union field (tags: a list or one string) fails once per branch: say each thing once
        problems = dict.fromkeys(_problem(err, lines) for err in exc.errors())
        raise FeedListError("\n".join(problems)) from None
    specs = [_spec(i, f.url, f.name, f.language, f.tags) for i, f in enumerate(parsed.feeds, start=1)]
    given = parsed.settings.model_dump(exclude_unset=True) if parsed.settings else {}
    settings = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in given.items()}
    return FeedList(_dedup(specs), settings)


def _problem(err: dict, lines: _Lines) -> str:
    """One readable line for one validation error: ``line N: where: what``."""
    loc = [str(part) for part in err["loc"]]
    if err["type"] == "extra_forbidden" and len(loc) == 1:
        hint = " (did you mean [[feeds]]?)" if loc[0].rstrip("s") == "feed" or loc[0].startswith("feed") else ""
        return f"line {lines.table(loc[0])}: unknown table or key {loc[0]!r}{hint}; a feed list has [[feeds]] and [settings]"
    if loc[0] == "feeds" and len(loc) >= 2 and loc[1].isdigit():
        index, key = int(loc[1]), (loc[2] if len(loc) > 2 else None)
        where = f"feeds[{index + 1}]" + (f".{key}" if key else "")
        line = lines.key("feeds", index, key) if key else lines.table("feeds", index)
        what = f"unknown key {key!r}" if err["type"] == "extra_forbidden" else _message(err)
        return f"line {line}: {where}: {what}"
    if loc[0] == "settings" and len(loc) > 1:
        what = "unknown setting" if err["type"] == "extra_forbidden" else _message(err)
        return f"line {lines.key('settings', 0, loc[1])}: [settings] {loc[1]}: {what}"
    if loc[0] == "feeds":
        return "line 1: the feed list has no [[feeds]] entries"
    return f"line 1: {'.'.join(loc)}: {_message(err)}"


def _message(err: dict) -> str:
    return err["msg"].removeprefix("Value error, ")


class _Lines:
    """Where tables and keys are in a TOML text (line numbers for error messages)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str):
        self.tables: dict[str, list[int]] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        current, index = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header:
                current = header.group(2)
                self.tables.setdefault(current, []).append(number)
                index = len(self.tables[current]) - 1
                continue
            key = self._KEY.match(line)
            if key:
                self.keys.setdefault((current, index, key.group(1)), number)
                if not current:
                    self.tables.setdefault(key.group(1), []).append(number)

    def table(self, name: str, index: int = 0) -> int:
        found = self.tables.get(name, [])
        return found[index] if index < len(found) else 1

    def key(self, table: str, index: int, key: str) -> int:
        return self.keys.get((table, index, key)) or self.table(table, index)


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
