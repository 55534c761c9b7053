"""URL canonicalization and the URLs made safe to store and log: never raise, and keep their
promises (an http(s) URL with a host, no credentials, secrets masked)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hypothesis import given

from transforms.urls import MASK, canonical_url, is_secret_key, redact_url, site_domain, strip_userinfo

from . import examples

# The authority as an HTTP client reads it: from "//" to the path, query or fragment.
_AUTHORITY = re.compile(r"^(?:\s*[A-Za-z][A-Za-z0-9+.\-]*:)?//([^/?#]*)")
from .strategies import urls


@examples(300)
@given(url=urls())
def test_canonical_url_is_an_http_url_with_a_host_or_none(url):
    canonical = canonical_url(url)
    if canonical is None:
        return
    canonical.encode("utf-8")
    parts = urlsplit(canonical)
    assert parts.scheme in ("http", "https") and parts.hostname
    assert "@" not in parts.netloc and not parts.fragment
    assert canonical_url(canonical) == canonical  # the same article through another feed: the same key


@examples(300)
@given(url=urls())
def test_site_domain_is_a_lower_case_host_without_www(url):
    domain = site_domain(url)
    assert isinstance(domain, str) and domain == domain.lower() and not domain.startswith("www.")


@examples(300)
@given(url=urls())
def test_strip_userinfo_and_redact_url_leave_no_credentials(url):
    for safe in (strip_userinfo(url), redact_url(url)):
        authority = _AUTHORITY.match(safe)
        assert authority is None or "@" not in authority.group(1)
    rest, _, fragment = redact_url(url).partition("#")
    for part in (rest.partition("?")[2], fragment):
        for pair in part.split("&"):
            key, eq, value = pair.partition("=")
            assert not (eq and value and is_secret_key(key)) or value == MASK
