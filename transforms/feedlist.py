"""Feed lists: the TOML file an operator keeps (``[[feeds]] url = "…"``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field


class FeedListError(ValueError):
    """The feed list cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class FeedSpec:
    """One configured feed."""

    url: str
    name: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


def parse_feed_list(text: str) -> list[FeedSpec]:
    """Parse a TOML feed list; duplicate URLs are merged (first one wins)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FeedListError(f"feed list is not valid TOML: {exc}") from exc
    entries = doc.get("feeds")
    if not isinstance(entries, list) or not entries:
        raise FeedListError("feed list has no [[feeds]] entries")
    specs: list[FeedSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        url = str(entry.get("url", "")).strip() if isinstance(entry, dict) else ""
        if not url.lower().startswith(("http://", "https://")):
            raise FeedListError(f"feeds[{i}]: url must be an http(s) URL, got {url!r}")
        if url in seen:
            continue
        seen.add(url)
        tags = entry.get("tags", [])
        if isinstance(tags, str):
            tags = [tags]
        specs.append(
            FeedSpec(
                url=url,
                name=entry.get("name"),
                language=entry.get("language"),
                tags=tuple(str(t) for t in tags),
            )
        )
    return specs
