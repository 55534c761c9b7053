"""URL canonicalization, site identity, and URLs made safe to store and log."""

from __future__ import annotations

import re
from urllib.parse import unquote, urldefrag, urlsplit

import courlan

from transforms.text import valid_text

# ``scheme://user:password@`` (userinfo runs to the last "@" before the path, query or fragment,
# backslashes included, as flows/httpurl.py reads it)
_USERINFO = re.compile(r"^(\s*[A-Za-z][A-Za-z0-9+.\-]*:)?//[^/?#]*@")

# Query keys whose values are credentials. A key also counts when its last word is one of
# SECRET_WORDS (``x-amz-signature``, ``client_secret``, ``auth_token``) or it starts with "session".
SECRET_KEYS = frozenset({
    "token", "key", "apikey", "sig", "signature", "password", "passwd", "pwd", "pass", "secret",
    "auth", "authorization", "accesstoken", "refreshtoken", "idtoken", "session", "sessionid", "sid",
    "jsessionid", "phpsessid", "credential", "credentials", "privatekey", "clientsecret",
})
SECRET_WORDS = frozenset({"token", "key", "sig", "signature", "password", "passwd", "pwd", "secret",
                          "auth", "credential", "credentials", "session", "sessionid"})
MASK = "***"


def canonical_url(url: str) -> str | None:
    """Canonical form of an article URL, or None if it is not a usable http(s) URL.

    Lower-cases scheme and host, drops userinfo, default ports, fragments and tracking parameters
    (``utm_*``, ``fbclid``, ``gclid`` …) with courlan, so the same article reached through
    different feeds collapses to one key. courlan's ``strict`` mode is not used: it keeps only
    a short list of known query keys, which would merge ``news.php?newsid=1`` and ``?newsid=2``.
    """
    url = strip_userinfo((url or "").strip())
    if not url.lower().startswith(("http://", "https://")) or valid_text(url) != url:
        return None  # not http(s), or a lone surrogate in it: no request can send it, no id hash it
    try:
        normalized = courlan.normalize_url(urldefrag(url).url, strict=False)
        parts = urlsplit(normalized)
        host, _port = parts.hostname, parts.port  # .port raises on "host:99999" and "host:1:2"
    except (ValueError, TypeError):
        return None
    return normalized if host else None


def site_domain(url: str) -> str:
    """The site an article belongs to: its host (with a non-default port), without ``www.``.

    Deliberately not trafilatura's ``hostname``: that reports ``blogspot.com`` for every
    Blogger blog, while each ``*.blogspot.com`` subdomain is a different site.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": an unbalanced bracket leaves no host to name
        return ""
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:  # "host:99999", "host:1:2": no port at all
        port = None
    if port and port != {"http": 80, "https": 443}.get(parts.scheme.lower()):
        return f"{host}:{port}"
    return host


def strip_userinfo(url: str) -> str:
    """``url`` without ``user:password@``. Credentials in a feed URL are the operator's secret:
    they are sent, but never stored, logged or published. Never raises."""
    if "@" not in url:  # the common case, and every fetch asks several times
        return url
    return _USERINFO.sub(r"\1//", url, count=1)


def host_key(url: str | None) -> str:
    """``host[:port]`` of ``url``, lower case, without userinfo: what politeness, connection
    reuse and fetch order group requests by, whatever credentials a URL carries. A URL too broken
    to parse is its own host, and a missing one is "" (its fetch reports why). Never raises."""
    if not url:
        return ""
    try:
        return urlsplit(strip_userinfo(url)).netloc.lower()
    except ValueError:
        return url


def with_userinfo_of(url: str, source: str) -> str:
    """``url`` with the ``user:password@`` of ``source`` when both name the same scheme, host and
    port and ``url`` carries none: a feed whose stored URL lost its credentials (they are never
    stored) gets them back from the feed list, but they never go to another origin."""
    try:
        target, given = urlsplit(url), urlsplit(source)
        same_origin = _origin_key(target.scheme, target.hostname, target.port) == _origin_key(
            given.scheme, given.hostname, given.port)
    except ValueError:  # a port out of range, an unbalanced "[": no credentials to add
        return url
    if "@" in target.netloc or "@" not in given.netloc or not same_origin:
        return url
    userinfo = given.netloc.rpartition("@")[0]
    return target._replace(netloc=f"{userinfo}@{target.netloc}").geturl()


def _origin_key(scheme: str, host: str | None, port: int | None) -> tuple[str, str | None, int | None]:
    scheme = scheme.lower()
    return scheme, host, port or {"http": 80, "https": 443}.get(scheme)


def origin(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, lower-cased and without userinfo (where robots.txt
    lives); None if ``url`` cannot be parsed."""
    try:
        parts = urlsplit(strip_userinfo(url))
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_secret_key(key: str) -> bool:
    """Whether a query key names a credential (see SECRET_KEYS), case-insensitively."""
    key = unquote(key).strip().lower()
    words = [w for w in re.split(r"[-_.\s]+", key) if w]
    return (
        "".join(words) in SECRET_KEYS
        or (bool(words) and words[-1] in SECRET_WORDS)
        or key.startswith("session")
    )


def _mask_pairs(text: str) -> str:
    pairs = text.split("&")
    for i, pair in enumerate(pairs):
        key, eq, value = pair.partition("=")
        if eq and value and is_secret_key(key):
            pairs[i] = f"{key}={MASK}"
    return "&".join(pairs)


def redact_url(url: str | None) -> str:
    """``url`` for a log message: no userinfo, and the values of secret-looking query (and
    fragment) keys replaced by ``***``; everything else as it was. Never raises."""
    if not url:
        return ""
    rest, hash_, fragment = strip_userinfo(url).partition("#")
    base, question, query = rest.partition("?")
    return base + question + _mask_pairs(query) + hash_ + _mask_pairs(fragment)
