"""How a URL is read for an HTTP request: one reading shared by the SSRF check, the connection
pool and the request line, so the host that is checked is exactly the host that is connected to.

The reading is RFC 3986 with the WHATWG percent-encoding sets and IDNA 2008 host names (the
reading of httpx, which feedhouse fetched with before, so stored URLs keep their form). It is
strict where a lax reading would be a hazard: a control character anywhere (``urlsplit`` would
silently drop a tab) or an A-label that does not decode makes the URL invalid.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin

import idna

MAX_URL_LENGTH = 65536
DEFAULT_PORTS = {"http": 80, "https": 443}

_URL = re.compile(
    r"(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):)?"
    r"(?://(?P<authority>[^/?#]*))?"
    r"(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?"
    r"(?:#(?P<fragment>.*))?",
    re.DOTALL,
)
# userinfo runs to the last "@"; the host is a bracketed IPv6 literal or runs to ":"
_AUTHORITY = re.compile(r"(?:(?P<userinfo>.*)@)?(?P<host>\[.*\]|[^:@]*):?(?P<port>.*)", re.DOTALL)
_IPV4_LIKE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_PERCENT_ESCAPE = re.compile(r"%[A-Fa-f0-9]{2}")

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_SUB_DELIMS = "!$&'()*+,;="


def _printable_except(excluded: tuple[int, ...]) -> str:
    return "".join(chr(i) for i in range(0x20, 0x7F) if i not in excluded)


# https://url.spec.whatwg.org/#percent-encoded-bytes
_QUERY_SAFE = _printable_except((0x20, 0x22, 0x23, 0x3C, 0x3E))
_PATH_SAFE = _printable_except((0x20, 0x22, 0x23, 0x3C, 0x3E, 0x3F, 0x60, 0x7B, 0x7D))
_FRAGMENT_SAFE = _printable_except((0x20, 0x22, 0x3C, 0x3E, 0x60))
_USERINFO_SAFE = _printable_except((0x20, 0x22, 0x23, 0x3C, 0x3E, 0x3F, 0x60, 0x7B, 0x7D, 0x2F, 0x3B, 0x3D,
                                    0x40, 0x5B, 0x5C, 0x5D, 0x5E, 0x7C))
_HOST_SAFE = _SUB_DELIMS + '"`{}%|\\'


class InvalidURL(ValueError):
    """A URL (or a redirect's Location) that no request can be made from."""


@dataclass(frozen=True, slots=True)
class RequestURL:
    """A URL as it is requested: lower-case scheme, lower-case ASCII host (IDNA A-labels; an
    IPv6 literal without brackets), the port if not the scheme's default, and a percent-encoded
    path and query. ``str()`` is the normalized URL, credentials and fragment included."""

    scheme: str
    userinfo: str
    host: str
    port: int | None
    path: str
    query: str | None
    fragment: str | None

    @property
    def effective_port(self) -> int | None:
        return self.port if self.port is not None else DEFAULT_PORTS.get(self.scheme)

    @property
    def request_target(self) -> str:
        """What goes on the request line: path and query, never the fragment."""
        path = self.path or "/"
        return path if self.query is None else f"{path}?{self.query}"

    @property
    def authorization(self) -> str | None:
        """The ``Authorization`` header the URL's credentials ask for (HTTP Basic), if any."""
        if not self.userinfo:
            return None
        username, _, password = self.userinfo.partition(":")
        pair = f"{unquote(username)}:{unquote(password)}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        authority = "".join([f"{self.userinfo}@" if self.userinfo else "", host,
                             f":{self.port}" if self.port is not None else ""])
        return "".join([f"{self.scheme}:" if self.scheme else "", f"//{authority}" if authority else "", self.path,
                        f"?{self.query}" if self.query is not None else "",
                        f"#{self.fragment}" if self.fragment is not None else ""])


def parse_url(url: str) -> RequestURL:
    """Read ``url`` (absolute, or a reference to resolve with :func:`join_url`); raises
    :class:`InvalidURL`, or ``idna.IDNAError`` for an A-label that does not decode."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL("URL too long")
    _reject_control_characters(url)
    parts = _URL.match(url)
    authority = _AUTHORITY.match(parts["authority"] or "")
    scheme = (parts["scheme"] or "").lower()
    userinfo = _quote(authority["userinfo"] or "", _USERINFO_SAFE)
    host = _encode_host(authority["host"] or "")
    port = _port(authority["port"], scheme)
    path = parts["path"] or ""
    has_authority = bool(userinfo or host or port is not None)
    _validate_path(path, has_scheme=bool(scheme), has_authority=has_authority)
    if scheme or has_authority:
        path = _remove_dot_segments(path)
    query, fragment = parts["query"], parts["fragment"]
    return RequestURL(
        scheme=scheme,
        userinfo=userinfo,
        host=host,
        port=port,
        path=_quote(path, _PATH_SAFE),
        query=None if query is None else _quote(query, _QUERY_SAFE),
        fragment=None if fragment is None else _quote(fragment, _FRAGMENT_SAFE),
    )


def join_url(base: RequestURL, reference: str) -> RequestURL:
    """``reference`` (a redirect's Location, say) resolved against ``base``; the reference is
    read first, so a Location that is itself invalid fails as such."""
    relative = parse_url(reference)
    try:
        joined = urljoin(str(base), str(relative))
    except ValueError as exc:  # urlsplit on a malformed netloc
        raise InvalidURL(str(exc)) from exc
    return parse_url(joined)


def _reject_control_characters(url: str) -> None:
    """A tab, newline or other ASCII control character makes a URL invalid: parsers disagree
    about them (``urlsplit`` drops tabs and newlines), so the checked URL could differ from the
    fetched one."""
    if url.isprintable() or not any(char.isascii() and not char.isprintable() for char in url):
        return
    char = next(char for char in url if char.isascii() and not char.isprintable())
    raise InvalidURL(f"Invalid non-printable ASCII character in URL, {char!r} at position {url.find(char)}.")


def _encode_host(host: str) -> str:
    """The host as connected to and pinned: IPv4 and bracketed IPv6 literals validated, ASCII
    names lower-cased (each ``xn--`` label must decode), other names IDNA 2008 encoded."""
    if not host:
        return ""
    if _IPV4_LIKE.fullmatch(host):
        if not all(_is_octet(part) for part in host.split(".")):
            raise InvalidURL(f"Invalid IPv4 address: {host!r}")
        return host
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ipaddress.AddressValueError:
            raise InvalidURL(f"Invalid IPv6 address: {host!r}") from None
        return host[1:-1].lower()
    if host.isascii():
        name = host.lower()
        for label in name.split("."):
            if label.startswith("xn--"):
                idna.decode(label)  # IDNAError: a malformed A-label is no name
        return _quote(name, _HOST_SAFE)
    try:
        return idna.encode(host.lower()).decode("ascii")
    except idna.IDNAError:
        raise InvalidURL(f"Invalid IDNA hostname: {host!r}") from None


def _is_octet(digits: str) -> bool:
    """0-255 without leading zeros (``010`` could be read as octal), as ``ipaddress`` has it;
    checked by hand because this runs on every request."""
    return (digits == "0" or not digits.startswith("0")) and len(digits) <= 3 and int(digits) <= 255


def _port(port: str | None, scheme: str) -> int | None:
    """The port as a number, None when absent or the scheme's default. Only ASCII digits: ``int``
    would also take ``+80``, `` 80`` and other scripts' digits."""
    if not port:
        return None
    if not (port.isascii() and port.isdigit()):
        raise InvalidURL(f"Invalid port: {port!r}")
    number = int(port)
    return None if number == DEFAULT_PORTS.get(scheme) else number


def _validate_path(path: str, *, has_scheme: bool, has_authority: bool) -> None:
    """RFC 3986 section 3.3: what a path may start with, given what precedes it."""
    if has_authority and path and not path.startswith("/"):
        raise InvalidURL("For absolute URLs, path must be empty or begin with '/'")
    if not has_scheme and not has_authority:
        if path.startswith("//"):
            raise InvalidURL("Relative URLs cannot have a path starting with '//'")
        if path.startswith(":"):
            raise InvalidURL("Relative URLs cannot have a path starting with ':'")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: ``/a/./b/../c`` is ``/a/c``."""
    if "." not in path:
        return path
    segments = path.split("/")
    if "." not in segments and ".." not in segments:
        return path
    out: list[str] = []
    for segment in segments:
        if segment == "..":
            if out and out != [""]:
                out.pop()
        elif segment != ".":
            out.append(segment)
    return "/".join(out)


def _quote(text: str, safe: str) -> str:
    """Percent-encode what ``safe`` does not allow, keeping existing ``%XX`` escapes."""
    allowed = _UNRESERVED + safe
    if not text.rstrip(allowed):
        return text
    out: list[str] = []
    position = 0
    for escape in _PERCENT_ESCAPE.finditer(text):
        out.append(_percent_encode(text[position:escape.start()], allowed))
        out.append(escape.group())
        position = escape.end()
    out.append(_percent_encode(text[position:], allowed))
    return "".join(out)


def _percent_encode(text: str, allowed: str) -> str:
    return "".join(char if char in allowed else "".join(f"%{b:02X}" for b in char.encode()) for char in text)
