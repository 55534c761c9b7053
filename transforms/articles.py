"""One fetched page → one normalized article row (or a reason it cannot be one).

This is what the extraction process pool runs: decode, extract, normalize. Everything in it is
pure, so re-extracting from stored raw pages gives the same rows as the first run.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from transforms.authors import clean_author
from transforms.charset import decode_html
from transforms.dates import date_id, parse_date_text
from transforms.extract import EXTRACTOR_VERSION, extract_main
from transforms.ids import bytes_hash, content_hash, stable_id
from transforms.quarantine import quarantine_row, unexpected_reason
from transforms.settings import Settings
from transforms.text import count_words, plain_text
from transforms.urls import site_domain


@dataclass(frozen=True)
class PageInput:
    """A fetched page plus what its feed entry said about it: everything extraction needs."""

    canonical_url: str
    url: str  # final URL after redirects
    body: bytes
    content_type: str | None
    fetched_at: datetime
    entry_title: str | None = None
    entry_summary: str | None = None
    entry_published_at: datetime | None = None
    entry_author: str | None = None
    entry_categories: tuple[str, ...] = field(default_factory=tuple)
    feed_language: str | None = None
    feed_id: int | None = None
    # set for a page fetched this run, whose bytes go to raw_pages; None when re-extracting
    http_status: int | None = None
    body_gzip: bytes | None = None  # the body exactly as the server gzip-encoded it, if it did

    @property
    def article_id(self) -> int:
        return stable_id(self.canonical_url)


@dataclass(frozen=True)
class ArticleResult:
    """``article`` is a ``stg_articles`` row; when it is None, ``rejection`` says why."""

    canonical_url: str
    article: dict | None
    tags: tuple[dict, ...] = ()  # stg_article_tags rows
    rejection: str | None = None


@dataclass(frozen=True)
class PageRows:
    """Everything one page contributes to the staged tables, built whole where it is extracted:
    its article and tag rows, or the reason it has none, and its raw-page row."""

    article_id: int
    article: dict | None = None
    tags: tuple[dict, ...] = ()
    raw_page: dict | None = None
    quarantine: dict | None = None
    traceback: str | None = None  # of an unexpected error, for the run's log
    signature: bytes | None = None  # the article text's MinHash signature (transforms.stories)


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of ``text`` (py3langid); falls back to the feed's language ``hint``
    when the text is too short or the classifier is unsure."""
    hint_code = (hint or "").split("-")[0].lower() or None
    if len(text) < 40:
        return hint_code
    lang, prob = _identifier().classify(text[:1_000])  # enough for a confident answer; cost grows with length
    if prob < 0.5 and hint_code:
        return hint_code
    return lang


def _tags(page: PageInput, categories: tuple[str, ...], settings: Settings):
    tags: dict[str, str] = {}
    for source, values in (("feed", page.entry_categories), ("page", categories)):
        for value in values:
            tag = " ".join(value.split())[: settings.max_tag_chars]
            if tag and tag.lower() not in {t.lower() for t in tags}:
                tags[tag] = source
    return tuple(list(tags.items())[: settings.max_tags_per_article])


def process_page(page: PageInput, settings: Settings | None = None, steps: list[str] | None = None) -> ArticleResult:
    """Decode, extract and normalize one page. ``steps`` records the step in progress, so an
    error can say where it happened."""
    settings = settings or Settings()
    steps = steps if steps is not None else []
    steps.append("decode")
    html, _encoding = decode_html(page.body, page.content_type)
    steps.append("extract")
    feed_author = clean_author(page.entry_author)
    extracted = extract_main(html, page.url, need_title=not page.entry_title, need_author=feed_author is None,
                             need_date=page.entry_published_at is None, min_words=settings.min_words)
    steps.append("normalize")
    if extracted is None or not extracted.text:
        return ArticleResult(
            page.canonical_url, None,
            rejection="empty extraction: trafilatura found no main text on the page",
        )
    text = extracted.text[: settings.max_text_chars]
    words = count_words(text)
    if words < settings.min_words:
        return ArticleResult(
            page.canonical_url, None,
            rejection=f"empty extraction: only {words} words of main text (minimum {settings.min_words})",
        )
    published = page.entry_published_at or parse_date_text(extracted.date)
    # Entry fields are plain text from the feed parser; these may come from rows stored before it was.
    title = (plain_text(page.entry_title) or extracted.title or "").strip()[: settings.max_title_chars] or None
    description = plain_text(extracted.description) or plain_text(page.entry_summary)
    author = feed_author or clean_author(extracted.author)
    domain = site_domain(page.url)
    article = {
        "article_id": stable_id(page.canonical_url),
        "url": page.url,
        "canonical_url": page.canonical_url,
        "title": title,
        "description": description[: settings.max_summary_chars] if description else None,
        "text": text,
        "published_at": published,
        "published_date_id": date_id(published),
        "fetched_at": page.fetched_at,
        "site_id": stable_id(domain),
        "site_domain": domain,
        "site_name": (extracted.sitename or "").strip()[:200] or None,
        "author_id": stable_id(author) if author else None,
        "author_name": author,
        "language": detect_language(text, page.feed_language),
        "word_count": words,
        "content_hash": content_hash(text),
        "extractor_version": EXTRACTOR_VERSION,
    }
    tags = tuple(
        {"article_id": article["article_id"], "tag_id": stable_id(tag.lower()), "tag": tag, "source": source}
        for tag, source in _tags(page, extracted.categories + extracted.tags, settings)
    )
    return ArticleResult(page.canonical_url, article, tags=tags)


def page_rows(page: PageInput, run_id: str, settings: Settings, at: datetime) -> PageRows:
    """One page → its staged rows. Nothing the page contains can raise out of here: an exception
    in decoding, extraction or normalization becomes the page's quarantine row."""
    raw = raw_page_row(page) if page.http_status is not None else None
    steps: list[str] = []
    try:
        result = process_page(page, settings, steps)
    except Exception as exc:  # the page's own fault or a library bug: it costs only this page
        import traceback

        step = steps[-1] if steps else "extract"
        reason = unexpected_reason(f"extract ({step})", exc)
        return rejected_page(page, run_id, reason, at, raw_page=raw, is_unexpected=True,
                             traceback=traceback.format_exc())
    if result.article is None:
        return rejected_page(page, run_id, result.rejection or "no article", at, raw_page=raw)
    from transforms.stories import signature

    return PageRows(page.article_id, result.article, result.tags, raw, signature=signature(result.article["text"]))


def rejected_page(
    page: PageInput,
    run_id: str,
    reason: str,
    at: datetime,
    *,
    raw_page: dict | None = None,
    is_unexpected: bool = False,
    traceback: str | None = None,
) -> PageRows:
    """A page with no article: its extract-stage quarantine row (and its raw page, kept)."""
    row = quarantine_row(
        "extract", page.canonical_url, reason,
        {"article_id": page.article_id, "canonical_url": page.canonical_url, "final_url": page.url},
        run_id=run_id, at=at, article_id=page.article_id, feed_id=page.feed_id, is_unexpected=is_unexpected,
    )
    return PageRows(page.article_id, raw_page=raw_page, quarantine=row, traceback=traceback)


def raw_page_row(page: PageInput) -> dict:
    """The page's ``stg_raw_pages`` row: its bytes gzip-compressed (the server's own gzip when it
    sent exactly these bytes gzip-encoded; else level 1: fast, and pages are kept, not shipped)."""
    body_gzip = page.body_gzip or gzip.compress(page.body, compresslevel=1, mtime=0)
    return {
        "article_id": page.article_id,
        "canonical_url": page.canonical_url,
        "final_url": page.url,
        "http_status": page.http_status,
        "content_type": page.content_type,
        "fetched_at": page.fetched_at,
        "body_sha256": bytes_hash(page.body),
        "body_bytes": len(page.body),
        "body_gzip": body_gzip,
    }
