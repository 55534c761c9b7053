"""Main-text and metadata extraction with trafilatura."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import trafilatura
from trafilatura.settings import use_config

# Bump when extraction or normalization changes in a way that should re-extract old pages.
EXTRACTION_REVISION = "2"
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+fh{EXTRACTION_REVISION}"

# htmldate can return the time of day too; keep it, feeds without dates need it.
_DATE_PARAMS = {
    "extensive_search": True,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


@dataclass(frozen=True)
class Extracted:
    """What trafilatura found on a page (raw, before normalization)."""

    text: str
    title: str | None = None
    description: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)
    tags: tuple[str, ...] = field(default_factory=tuple)


@cache
def _config():
    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # no signals: we run inside pool workers
    return config


def _split(value: str | list[str] | None) -> tuple[str, ...]:
    if not value:
        return ()
    items = value if isinstance(value, list) else [value]
    parts = [" ".join(p.split()) for item in items for p in str(item).replace(";", ",").split(",")]
    return tuple(dict.fromkeys(p for p in parts if p))


def extraction_options() -> dict:
    """The keyword arguments feedhouse passes to ``trafilatura.bare_extraction`` besides the page
    and its URL: precision over recall, metadata, no comments, tables kept, the extensive date
    search. Public so that a comparison (the benchmark) can run trafilatura exactly as feedhouse does."""
    return {
        "with_metadata": True,
        "favor_precision": True,
        "include_comments": False,
        "include_tables": True,
        "date_extraction_params": _DATE_PARAMS,
        "config": _config(),
    }


def extract_main(html: str, url: str) -> Extracted | None:
    """Extract the article body and metadata; None when trafilatura finds no main text."""
    doc = trafilatura.bare_extraction(html, url=url, **extraction_options())
    if doc is None:
        return None
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (data.get("text") or "").strip()
    return Extracted(
        text=text,
        title=data.get("title"),
        description=data.get("description"),
        author=data.get("author"),
        date=data.get("date"),
        sitename=data.get("sitename"),
        categories=_split(data.get("categories")),
        tags=_split(data.get("tags")),
    )
