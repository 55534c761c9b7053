"""HTTP fetching with hard limits: timeouts, a whole-request deadline, size caps checked while
streaming, bounded decompression, manual redirects (each hop is recorded) and conditional GET.

Nothing a server or a feed sends makes :func:`fetch` raise: every failure is a
:class:`FetchResult` with a readable ``error``. Connections go only to the addresses
:func:`check_target` approved (:class:`PinTable`), so a name that resolves to a public address
when checked and to 127.0.0.1 when connecting (DNS rebinding) cannot reach the inside. The
deadline bounds every socket operation of a request, headers included (:mod:`flows.transport`).

feedparser and trafilatura never touch the network: this module fetches bytes, they parse them.
"""

from __future__ import annotations

import http
import http.client
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import certifi
from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import BaseHTTPResponse

from flows.httpurl import DEFAULT_PORTS, RequestURL, join_url, parse_url
from flows.transport import Deadline, PinnedClient, PinTable, Unpinned, discard
from transforms.settings import Settings
from transforms.ssrf import AllowList, ip_literal, refusal
from transforms.urls import strip_userinfo

REDIRECT_CODES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
ORIGINS_PER_WORKER = 4  # pools kept per fetch thread: polls go host by host, recent hosts stay warm
RELEASE_BYTES = 64 * 1024  # an unwanted body this small is read so its connection is kept
CHUNK_BYTES = 64 * 1024
# Failures worth retrying in a later run: the network or the server's HTTP framing broke.
TRANSIENT = (NewConnectionError, ProtocolError, SSLError, OSError, http.client.HTTPException)


class FetchError(Exception):
    """A fetch failed in a way that has a readable reason (never raised past this module)."""


class ResolveError(FetchError):
    """The host name did not resolve (often transient: retried by later runs)."""


class DeadlineExceeded(FetchError):
    """The request's whole-exchange deadline passed (a slow or trickling server)."""

    def __init__(self, deadline_s: float):
        super().__init__(f"download took longer than {deadline_s:g}s (server trickling?)")


@dataclass
class FetchResult:
    """Outcome of one GET. ``error`` is None on success (including 304). URLs carry no
    userinfo: they are stored and logged."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    body_gzip: bytes | None = None  # with keep_gzip: the body exactly as it came gzip-encoded
    error: str | None = None
    is_retryable: bool = False
    elapsed_ms: int = 0
    redirects: list[tuple[int, str]] = field(default_factory=list)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def permanent_redirect_to(self) -> str | None:
        """Where the URL permanently moved, if every hop was a permanent redirect and the fetch
        succeeded: a 301 to a refused or failing target must not move a feed there."""
        codes = [code for code, _ in self.redirects]
        if self.error is None and codes and all(code in PERMANENT_REDIRECTS for code in codes):
            return self.final_url
        return None


def system_resolve(host: str, port: int) -> list[str]:
    """Addresses of ``host`` from the system resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


# Tests replace this to simulate resolution failures without sending any DNS query.
resolver: Callable[[str, int], list[str]] = system_resolve


def _look_up(host: str, port: int) -> list[str]:
    """``resolver``'s answer; a name no resolver could ever accept is a permanent failure."""
    try:
        return list(resolver(host, port))
    except UnicodeError as exc:  # a label the IDNA codec rejects (too long, empty): never resolvable
        raise FetchError(f"refused: invalid host name {host!r} ({type(exc).__name__}: {exc})") from exc
    except OSError as exc:  # socket.gaierror included
        raise ResolveError(f"cannot resolve host {host}: {exc}") from exc


def check_target(url: str, allow: AllowList, pins: PinTable | None = None) -> str | None:
    """Why ``url`` must not be fetched (invalid URL, scheme, non-public host); None if ok.

    The URL is read as it will be requested (:mod:`flows.httpurl`: IDNA, port), and the
    addresses checked are pinned in ``pins``, so the connection goes to them and nowhere else.
    Raises :class:`ResolveError` (transient) or :class:`FetchError` when the host name cannot
    be looked up."""
    try:
        target = _read_url(url)
    except FetchError as exc:
        return str(exc)
    return _refusal(target, allow, pins or PinTable())


def _read_url(url: str) -> RequestURL:
    """``url`` as it will be requested; a URL that cannot be is a permanent :class:`FetchError`."""
    try:
        return parse_url(url)
    except (ValueError, TypeError) as exc:  # InvalidURL, and IDNAError (a UnicodeError) too
        raise FetchError(f"refused: invalid URL ({type(exc).__name__}: {exc})") from exc


def _refusal(target: RequestURL, allow: AllowList, pins: PinTable) -> str | None:
    """Why ``target`` must not be fetched; its host's addresses are looked up and pinned."""
    if target.scheme not in DEFAULT_PORTS:
        return f"refused: scheme {target.scheme!r} is not http(s)"
    host = target.host
    if not host:
        return "refused: URL has no host"
    port = target.effective_port
    if not 0 < port <= 65535:
        return f"refused: invalid URL (port {port} is out of range 1-65535)"
    return pins.verdict((host, port, allow), lambda: _judge(host, port, allow, pins))


def _judge(host: str, port: int, allow: AllowList, pins: PinTable) -> str | None:
    """Look ``host`` up (once per client: :class:`PinTable`) and judge its addresses."""
    literal = ip_literal(host)
    look_up = (lambda: [str(literal)]) if literal is not None else (lambda: _look_up(host, port))
    addresses = pins.resolve(host, look_up)
    return refusal(host, list(addresses), allow, port)


class _BoundedDecoder:
    """Decode a Content-Encoding stream without ever inflating past ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int):
        self.limit = limit
        self.size = 0
        encoding = encoding.strip().lower()
        self.is_gzip = encoding in ("gzip", "x-gzip")
        if self.is_gzip:
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
            self._raw_deflate_fallback = True
        elif encoding in ("", "identity"):
            self._z = None
        else:
            raise FetchError(f"unsupported content-encoding {encoding!r}")

    @property
    def is_one_whole_gzip_member(self) -> bool:
        """The stream was exactly one complete gzip member: ``gzip.decompress`` of the encoded
        bytes gives back exactly what :meth:`feed` returned."""
        return self.is_gzip and self._z.eof and not self._z.unused_data

    def feed(self, chunk: bytes) -> bytes:
        if self._z is None:
            out = chunk
        else:
            try:
                out = self._z.decompress(chunk, self.limit - self.size + 1)
            except zlib.error as exc:
                if getattr(self, "_raw_deflate_fallback", False) and self.size == 0:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
                    self._raw_deflate_fallback = False
                    return self.feed(chunk)
                raise FetchError(f"corrupt compressed body: {exc}") from exc
            if self._z.unconsumed_tail:
                raise FetchError(f"decompressed body exceeds {self.limit} bytes (compression bomb?)")
            if len(self._z.unused_data) > self.limit:  # bytes after the end of the stream
                raise FetchError(f"more than {self.limit} bytes after the end of the compressed body")
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(f"body exceeds {self.limit} bytes")
        return out


def make_client(settings: Settings, verify: ssl.SSLContext | bool = True) -> PinnedClient:
    """One pooled client per run; thread-safe, shared by all fetch threads. ``verify`` is for
    tests that serve HTTPS with their own certificate authority."""
    concurrency = max(settings.page_concurrency, settings.feed_concurrency)
    return PinnedClient(
        PinTable(),
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        connect_s=settings.connect_timeout_s,
        read_s=settings.read_timeout_s,
        ssl_context=_ssl_context(verify),
        per_host=settings.per_host_concurrency,
        origins=concurrency * ORIGINS_PER_WORKER,
    )


def _ssl_context(verify: ssl.SSLContext | bool) -> ssl.SSLContext:
    """``verify`` if it is a context; else certifi's certificate authorities (the ones feedhouse
    has always trusted, whatever the machine's store holds), unverified only for False."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    context = ssl.create_default_context(cafile=certifi.where())
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def fetch(
    client: PinnedClient,
    url: str,
    *,
    max_bytes: int,
    deadline_s: float,
    max_redirects: int = 5,
    accept: str = "*/*",
    etag: str | None = None,
    last_modified: str | None = None,
    accept_content: Callable[[str | None], str | None] | None = None,
    allow: AllowList | None = None,
    keep_gzip: bool = False,
) -> FetchResult:
    """GET ``url`` following redirects by hand; every hop passes :func:`check_target`. Never
    raises: whatever goes wrong is the result's ``error``, retryable only when transient
    (timeouts, network errors, DNS failures, 408/425/429/5xx).

    ``deadline_s`` bounds the whole exchange (look-ups aside): every connect, TLS handshake,
    read and write gets at most the time left. ``accept_content(content_type) -> str | None``
    may reject a response by its Content-Type before the body is read (returns the reason);
    the body is then never downloaded. ``keep_gzip`` also returns a gzip-encoded response's
    encoded bytes (``body_gzip``), so a caller that stores pages compressed need not compress
    them again. URLs in the result carry no userinfo; the request still sends it.
    """
    started = time.monotonic()
    result = FetchResult(url=strip_userinfo(url), final_url=strip_userinfo(url))
    allow = allow or AllowList()
    deadline: Deadline | None = None
    try:
        deadline, outer = client.start(deadline_s)
        headers = _request_headers(client, accept, etag, last_modified)
        target = _read_url(url)
        for hop in range(max_redirects + 1):
            if hop:
                result.final_url = strip_userinfo(str(target))
            refused = _refusal(target, allow, client.pins)
            if refused:
                result.error = refused
                return result
            if deadline.left() <= 0:
                raise DeadlineExceeded(deadline_s)
            response = client.open(target, _with_credentials(headers, target), deadline)
            try:
                target = _settle(response, target, result, accept_content, max_bytes, keep_gzip)
            except BaseException:
                discard(response)
                raise
            if deadline.fired:  # a shut-down socket reads as the end of the headers or body: cut short
                raise DeadlineExceeded(deadline_s)
            if target is None:
                return result
        result.error = f"too many redirects (more than {max_redirects})"
    except FetchError as exc:
        result.error = str(exc)
        result.is_retryable = isinstance(exc, ResolveError)
        result.body = result.body_gzip = None
    except Exception as exc:  # from the transport, or anything else a hostile URL or server causes
        result.error, result.is_retryable = _failure(exc, deadline)
        result.body = result.body_gzip = None
    finally:
        if deadline is not None:
            client.end(deadline, outer)
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result


def _settle(
    response: BaseHTTPResponse,
    target: RequestURL,
    result: FetchResult,
    accept_content: Callable[[str | None], str | None] | None,
    max_bytes: int,
    keep_gzip: bool,
) -> RequestURL | None:
    """Record one response in ``result``; returns where a redirect leads (None when done). The
    connection goes back to its pool unless the body left unread is large."""
    status = response.status
    result.status = status
    result.final_url = strip_userinfo(str(target))
    result.headers = _headers(response)
    location = result.headers.get("location")
    if status in REDIRECT_CODES and location is not None:
        following = _redirect_target(target, location)
        result.redirects.append((status, strip_userinfo(str(following))))
        _release(response)
        return following
    if status == 304:
        _release(response)
        return None
    if status >= 400:
        result.error = f"HTTP {status} {_reason(status)}".strip()
        result.is_retryable = status in (408, 425, 429) or status >= 500
        _release(response)
        return None
    reason = accept_content(result.content_type) if accept_content is not None else None
    if reason:
        result.error = reason
        _release(response)
        return None
    result.body, result.body_gzip = _read_body(response, max_bytes, keep_gzip)
    return None


def _request_headers(client: PinnedClient, accept: str, etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The client's headers, ``Accept`` and the validators. A validator that is not ASCII is
    left out: header bytes are read as Latin-1, so it was mangled on the way in and could only
    fail to match (or fail to encode)."""
    headers = {**client.headers, "Accept": accept}
    if etag and etag.isascii():
        headers["If-None-Match"] = etag
    if last_modified and last_modified.isascii():
        headers["If-Modified-Since"] = last_modified
    return headers


def _with_credentials(headers: dict[str, str], target: RequestURL) -> dict[str, str]:
    """``headers`` plus HTTP Basic credentials from the URL's userinfo, if it has any."""
    authorization = target.authorization
    return headers if authorization is None else {**headers, "Authorization": authorization}


def _headers(response: BaseHTTPResponse) -> dict[str, str]:
    """Response headers with lower-case names, repeated fields joined with ", "."""
    return {name.lower(): _header_text(value) for name, value in response.headers.itermerged()}


def _header_text(value: str) -> str:
    """A header value as the server meant it: http.client reads header bytes as Latin-1, so
    UTF-8 (a Location with a non-ASCII host or path, say) is read back as UTF-8."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _reason(status: int) -> str:
    """The standard reason phrase: what the server wrote after the code is not worth storing."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _redirect_target(base: RequestURL, location: str) -> RequestURL:
    """Where a redirect points, resolved against ``base``; an unreadable Location is a
    permanent :class:`FetchError`."""
    try:
        return join_url(base, location)
    except (ValueError, TypeError) as exc:  # InvalidURL, and IDNAError (a UnicodeError) too
        raise FetchError(f"invalid redirect Location ({type(exc).__name__}: {exc})") from exc


def _release(response: BaseHTTPResponse) -> None:
    """Read the rest of a small unread body (a 304, a redirect, an error page) so the connection
    goes back to the pool: without it every poll of a 304 would pay a new TCP (and TLS)
    handshake. A large or unsized body is not worth reading: that connection is closed."""
    declared = response.headers.get("content-length", "")
    if response.status == 304 or (declared.isdigit() and int(declared) <= RELEASE_BYTES):
        try:
            response.read(decode_content=False)  # the whole body: the pool gets the connection
        except TRANSIENT + (ReadTimeoutError,):
            discard(response)
            return
        response.release_conn()
    else:
        discard(response)


def _read_body(response: BaseHTTPResponse, max_bytes: int, keep_gzip: bool) -> tuple[bytes, bytes | None]:
    """The decoded body, never more than ``max_bytes`` (declared, received or inflated); with
    ``keep_gzip``, also the gzip bytes as received when they are exactly one whole member."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"Content-Length {declared} exceeds the {max_bytes}-byte cap")
    decoder = _BoundedDecoder(response.headers.get("content-encoding", ""), max_bytes)
    keep = keep_gzip and decoder.is_gzip
    parts: list[bytes] = []
    encoded: list[bytes] = []
    for chunk in response.stream(CHUNK_BYTES, decode_content=False):
        parts.append(decoder.feed(chunk))
        if keep:
            encoded.append(chunk)
    kept = b"".join(encoded) if keep and decoder.is_one_whole_gzip_member else None
    return b"".join(parts), kept


def _failure(exc: Exception, deadline: Deadline | None) -> tuple[str, bool]:
    """The error and whether it is retryable, for an exception from the transport. Once the
    deadline has passed, whatever broke the exchange (a capped timeout, the watchdog's
    shutdown) is the deadline."""
    expired = deadline is not None and (deadline.fired or deadline.left() <= 0)
    if expired and isinstance(exc, TRANSIENT + (ReadTimeoutError, ConnectTimeoutError)):
        return str(DeadlineExceeded(deadline.seconds)), False
    if isinstance(exc, ReadTimeoutError):
        return "timeout (ReadTimeout)", True
    if isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError):
        return "timeout (ConnectTimeout)", True
    if isinstance(exc, Unpinned):
        return str(exc), False
    return f"{type(exc).__name__}: {exc}"[:500], isinstance(exc, TRANSIENT)
