"""Cross-page boilerplate: paragraphs that recur on many pages of one site.

A single-page extractor cannot tell a site's newsletter box, share bar or copyright line from
the article when the page's markup hides the difference; the site's other pages can. A paragraph
whose normalized text appears on at least ``min_pages`` of a site's pages is the site's, not the
article's, and can be dropped from each page's text.

Pure functions; the caller picks the site's pages (in the warehouse: its recent articles).
An experiment measured by ``make bench-quality`` (``--cross-page``), not part of the pipeline.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

# Shorter paragraphs ("Share", "Read more", "1", a byline) recur on every site by chance as
# often as by layout, and the extractor's own rules handle most of them.
MIN_PARAGRAPH_CHARS = 20


def paragraph_key(paragraph: str) -> bytes | None:
    """Identity of a paragraph across pages (case and whitespace ignored); None when it is too
    short to be told apart from a coincidence."""
    normalized = " ".join(paragraph.split()).casefold()
    if len(normalized) < MIN_PARAGRAPH_CHARS:
        return None
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest()


def page_keys(text: str) -> set[bytes]:
    """The distinct paragraph keys of one page's text (its lines: extracted text is one
    paragraph per line)."""
    return {key for line in text.splitlines() if (key := paragraph_key(line)) is not None}


def recurring_paragraphs(texts: Iterable[str], min_pages: int) -> frozenset[bytes]:
    """Keys of the paragraphs found on at least ``min_pages`` of ``texts`` (one site's pages);
    a paragraph repeated within one page counts once."""
    counts: Counter[bytes] = Counter()
    for text in texts:
        counts.update(page_keys(text))
    return frozenset(key for key, n in counts.items() if n >= min_pages)


def drop_recurring(text: str, recurring: frozenset[bytes]) -> str:
    """``text`` without its paragraphs in ``recurring``."""
    if not recurring:
        return text
    return "\n".join(line for line in text.splitlines() if paragraph_key(line) not in recurring)
