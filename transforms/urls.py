"""URL canonicalization and site identity."""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import courlan


def canonical_url(url: str) -> str | None:
    """Canonical form of an article URL, or None if it is not a usable http(s) URL.

    Lower-cases scheme and host, drops default ports, fragments and tracking parameters
    (``utm_*``, ``fbclid``, ``gclid`` …) with courlan, so the same article reached through
    different feeds collapses to one key. courlan's ``strict`` mode is not used: it keeps only
    a short list of known query keys, which would merge ``news.php?newsid=1`` and ``?newsid=2``.
    """
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    try:
        normalized = courlan.normalize_url(urldefrag(url).url, strict=False)
    except (ValueError, TypeError):
        return None
    if not urlsplit(normalized).hostname:
        return None
    return normalized


def site_domain(url: str) -> str:
    """The site an article belongs to: its host (with a non-default port), without ``www.``.

    Deliberately not trafilatura's ``hostname``: that reports ``blogspot.com`` for every
    Blogger blog, while each ``*.blogspot.com`` subdomain is a different site.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if parts.port and parts.port != default_port:
        return f"{host}:{parts.port}"
    return host
