"""Imported once by the extraction pool's fork server, before it forks any worker: it loads
what every worker needs (trafilatura and its lazy modules, lxml, the language model, the
MinHash code) by extracting one small page. Each worker is then a fork of this warm process, and
costs milliseconds to start instead of about two CPU seconds of imports and model loading."""

from __future__ import annotations

from datetime import UTC, datetime

from transforms.articles import PageInput, page_rows
from transforms.settings import Settings

WARM_UP_PAGE = (
    b"<html><head><title>Pemanasan</title><meta name='author' content='Redaksi'></head><body>"
    b"<article><h1>Pemanasan</h1><p>" + b"Kalimat ini memanaskan pengekstrak sebelum halaman pertama tiba. " * 8
    + b"</p></article></body></html>"
)


def warm_up(settings: Settings) -> None:
    """Extract one small page: every lazy import and cache on the extraction path is loaded."""
    page = PageInput("http://warm.up/", "http://warm.up/", WARM_UP_PAGE, "text/html", datetime.now(UTC))
    page_rows(page, "warm-up", settings, datetime.now(UTC))


warm_up(Settings())
