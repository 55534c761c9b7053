"""HTTP fetching with hard limits: timeouts, a whole-request deadline, size caps checked while
streaming, bounded decompression, manual redirects (each hop is recorded) and conditional GET.

Nothing a server or a feed sends makes :func:`fetch` raise: every failure is a
:class:`FetchResult` with a readable ``error``. Connections go only to the addresses
:func:`check_target` approved (:class:`PinTable`), so a name that resolves to a public address
when checked and to 127.0.0.1 when connecting (DNS rebinding) cannot reach the inside. The
deadline bounds every socket operation of a request, headers included (:func:`_within_deadline`).

feedparser and trafilatura never touch the network: this module fetches bytes, they parse them.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import httpcore
import httpx

from transforms.settings import Settings
from transforms.ssrf import AllowList, ip_literal, refusal
from transforms.urls import strip_userinfo

REDIRECT_CODES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
DEFAULT_PORTS = {"http": 80, "https": 443}

T = TypeVar("T")


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


class PinTable:
    """The addresses each host name is connected to, fixed by the first look-up of that name
    for the client's life (one run). A name that resolved to a checked public address and
    later resolves to 127.0.0.1 (DNS rebinding) is still connected to the checked address, and
    every pooled connection to a host goes to the same addresses. Thread-safe: a name is looked
    up once even when many fetch threads ask for it at the same moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._addresses: dict[str, tuple[str, ...]] = {}

    def get(self, host: str) -> tuple[str, ...]:
        """The pinned addresses of ``host``; none if it was never checked."""
        return self._addresses.get(host.lower(), ())

    def resolve(self, host: str, look_up: Callable[[], Iterable[str]]) -> tuple[str, ...]:
        """The pinned addresses of ``host``, from ``look_up()`` the first time (not pinned if
        it raises)."""
        host = host.lower()
        with self._lock:
            name_lock = self._name_locks.setdefault(host, threading.Lock())
        with name_lock:
            if host not in self._addresses:
                self._addresses[host] = tuple(look_up())
            return self._addresses[host]


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

    The URL is read as httpx will send it (IDNA, port), and the addresses checked are pinned
    in ``pins``, so the connection goes to them and nowhere else. Raises :class:`ResolveError`
    (transient) or :class:`FetchError` when the host name cannot be looked up."""
    try:
        target = httpx.URL(url)
        host = target.raw_host.decode("ascii").lower()
        _ = target.host  # IDNA-decodes the name: an invalid A-label (xn--) raises here, not in httpx
    except (httpx.InvalidURL, ValueError, TypeError) as exc:  # UnicodeError (IDNA) is a ValueError
        return f"refused: invalid URL ({type(exc).__name__}: {exc})"
    if target.scheme not in DEFAULT_PORTS:
        return f"refused: scheme {target.scheme!r} is not http(s)"
    if not host:
        return "refused: URL has no host"
    port = DEFAULT_PORTS[target.scheme] if target.port is None else target.port
    if not 0 < port <= 65535:
        return f"refused: invalid URL (port {port} is out of range 1-65535)"
    literal = ip_literal(host)
    look_up = (lambda: [str(literal)]) if literal is not None else (lambda: _look_up(host, port))
    addresses = (pins or PinTable()).resolve(host, look_up)
    return refusal(host, list(addresses), allow, port)


# The deadline of the fetch running in this thread, as (monotonic time, seconds). httpx's sync
# client does all of a request's socket I/O in the calling thread, so the network stream can
# read it, whichever thread opened the pooled connection.
_request = threading.local()


def _within_deadline(operation: Callable[[float | None], T], timeout: float | None) -> T:
    """Run one socket operation with its own timeout, or with the time left until this thread's
    fetch deadline when that is sooner; running out of that time is the deadline, not a timeout.
    Every read, write, connect and TLS handshake goes through here, so a server dripping its
    status line and headers a byte at a time is cut off at the deadline too."""
    deadline = getattr(_request, "deadline", None)
    if deadline is None:
        return operation(timeout)
    at, seconds = deadline
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded(seconds)
    if timeout is not None and timeout <= left:
        return operation(timeout)
    try:
        return operation(left)
    except httpcore.TimeoutException:
        raise DeadlineExceeded(seconds) from None


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation honours the fetch deadline."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _within_deadline(lambda t: self._stream.read(max_bytes, t), timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _within_deadline(lambda t: self._stream.write(buffer, t), timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = _within_deadline(lambda t: self._stream.start_tls(ssl_context, server_hostname, t), timeout)
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections to the pinned addresses of the host httpcore asks for, never to
    whatever the name resolves to now. httpcore still uses the name for the Host header, TLS
    SNI and certificate checks, and pools connections by origin (scheme, name, port)."""

    def __init__(self, pins: PinTable):
        self._pins = pins
        self._tcp = httpcore.SyncBackend()

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._pins.get(host)
        if not addresses:
            raise FetchError(f"refused: {host} was not checked before connecting (SSRF protection)")
        failure: Exception | None = None
        for address in addresses:  # like socket.create_connection: the first that answers
            try:
                stream = _within_deadline(
                    lambda t, a=address: self._tcp.connect_tcp(a, port, t, local_address, socket_options), timeout)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchError("refused: Unix sockets are never fetched")


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request building, exception mapping), with a connection pool
    whose connections go through :class:`_PinnedBackend`. httpx 0.28 takes no network backend,
    so the pool it built is replaced; the check makes a changed httpx fail loudly instead of
    silently connecting unpinned."""

    def __init__(self, pins: PinTable, *, verify: ssl.SSLContext | bool, limits: httpx.Limits):
        super().__init__(verify=verify, limits=limits, trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("httpx.HTTPTransport no longer keeps its pool in _pool: cannot pin connections")
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(pins),
        )


class PinnedClient(httpx.Client):
    """An httpx client that connects only to addresses :func:`check_target` approved."""

    def __init__(self, pins: PinTable, **kwargs):
        super().__init__(**kwargs)
        self.pins = pins


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
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s,
        read=settings.read_timeout_s,
        write=settings.read_timeout_s,
        pool=settings.request_deadline_s,
    )
    concurrency = max(settings.page_concurrency, settings.feed_concurrency)
    limits = httpx.Limits(
        max_connections=concurrency * 2,
        max_keepalive_connections=concurrency * 2,  # polls go host by host: one idle connection per recent host
    )
    pins = PinTable()
    return PinnedClient(
        pins,
        transport=_PinnedTransport(pins, verify=verify, limits=limits),
        timeout=timeout,
        follow_redirects=False,
        event_hooks={"response": [_readable_location]},
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        trust_env=False,  # never route through a proxy from the environment
    )


RELEASE_BYTES = 64 * 1024


def _release(response: httpx.Response) -> None:
    """Read the rest of a small unread body (a 304, a redirect, an error page) so the connection
    goes back to the pool: leaving ``client.stream()`` with a body unread closes the connection,
    and every poll of a 304 would pay a new TCP (and TLS) handshake. A large or unsized body is
    not worth reading: that connection is dropped."""
    declared = response.headers.get("content-length", "")
    if response.status_code == 304 or (declared.isdigit() and int(declared) <= RELEASE_BYTES):
        try:
            response.read()
        except httpx.HTTPError:
            pass


def _redirect_target(response: httpx.Response) -> str:
    """The absolute URL a redirect points to; a Location httpx cannot read is a FetchError."""
    try:
        target = response.url.join(response.headers["location"])
        _ = target.host  # IDNA-decodes the name, as httpx's redirect handling does
    except (httpx.InvalidURL, ValueError, TypeError) as exc:  # UnicodeError (IDNA) is a ValueError
        raise FetchError(f"invalid redirect Location ({type(exc).__name__}: {exc})") from exc
    return str(target)


def _readable_location(response: httpx.Response) -> None:
    """Response hook: httpx prepares a redirect's next request even when not following it, and
    raises RemoteProtocolError (which reads as transient) or a bare IDNA error on a Location it
    cannot read. Checked first, such a Location fails the fetch as what it is, permanently."""
    if response.has_redirect_location:
        _redirect_target(response)


def _pool_wait_within(timeout: httpx.Timeout, at: float, deadline_s: float) -> httpx.Timeout:
    """The client's timeouts, with the wait for a pooled connection cut to the time left."""
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded(deadline_s)
    pool = left if timeout.pool is None else min(timeout.pool, left)
    return httpx.Timeout(connect=timeout.connect, read=timeout.read, write=timeout.write, pool=pool)


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
    accept_content=None,
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
    at = started + deadline_s
    result = FetchResult(url=strip_userinfo(url), final_url=strip_userinfo(url))
    headers = {"Accept": accept}
    if etag and etag.isascii():  # httpx cannot send a non-ASCII validator (a server sent it)
        headers["If-None-Match"] = etag
    if last_modified and last_modified.isascii():
        headers["If-Modified-Since"] = last_modified
    current = url
    outer_deadline = getattr(_request, "deadline", None)
    _request.deadline = (at, deadline_s)
    try:
        for _hop in range(max_redirects + 1):
            result.final_url = strip_userinfo(current)
            refused = check_target(current, allow or AllowList(), client.pins)
            if refused:
                result.error = refused
                return result
            timeout = _pool_wait_within(client.timeout, at, deadline_s)
            with client.stream("GET", current, headers=headers, timeout=timeout) as response:
                result.status = response.status_code
                result.final_url = strip_userinfo(str(response.url))
                result.headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status_code in REDIRECT_CODES and "location" in response.headers:
                    current = _redirect_target(response)
                    result.redirects.append((response.status_code, strip_userinfo(current)))
                    _release(response)
                    continue
                if response.status_code == 304:
                    _release(response)
                    return result
                if response.status_code >= 400:
                    result.error = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                    result.is_retryable = response.status_code in (408, 425, 429) or response.status_code >= 500
                    _release(response)
                    return result
                if accept_content is not None:
                    reason = accept_content(result.content_type)
                    if reason:
                        result.error = reason
                        _release(response)
                        return result
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"Content-Length {declared} exceeds the {max_bytes}-byte cap")
                decoder = _BoundedDecoder(response.headers.get("content-encoding", ""), max_bytes)
                parts: list[bytes] = []
                encoded: list[bytes] = []
                keep = keep_gzip and decoder.is_gzip
                for chunk in response.iter_raw():
                    parts.append(decoder.feed(chunk))
                    if keep:
                        encoded.append(chunk)
                result.body = b"".join(parts)
                if keep and decoder.is_one_whole_gzip_member:
                    result.body_gzip = b"".join(encoded)
                return result
        result.error = f"too many redirects (more than {max_redirects})"
    except FetchError as exc:
        result.error = str(exc)
        result.is_retryable = isinstance(exc, ResolveError)
    except httpx.TimeoutException as exc:
        if time.monotonic() >= at:  # the pool wait ran out with the deadline
            result.error = str(DeadlineExceeded(deadline_s))
        else:
            result.error = f"timeout ({type(exc).__name__})"
            result.is_retryable = True
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:  # reset, refused, cut short
        result.error = f"{type(exc).__name__}: {exc}"[:500]
        result.is_retryable = True
    except Exception as exc:  # anything else a hostile URL or server can cause is permanent
        result.error = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        _request.deadline = outer_deadline
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result
