"""HTTP fetching with hard limits: timeouts, a whole-request deadline, size caps checked while
streaming, bounded decompression, manual redirects (each hop is recorded) and conditional GET.

feedparser and trafilatura never touch the network: this module fetches bytes, they parse them.
"""

from __future__ import annotations

import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from transforms.settings import Settings
from transforms.ssrf import AllowList, ip_literal, refusal

REDIRECT_CODES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}


class FetchError(Exception):
    """A fetch failed in a way that has a readable reason (never raised past this module)."""


class ResolveError(FetchError):
    """The host name did not resolve (often transient: retried by later runs)."""


@dataclass
class FetchResult:
    """Outcome of one GET. ``error`` is None on success (including 304)."""

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
        """Where the URL permanently moved, if every hop was a permanent redirect."""
        if self.redirects and all(code in PERMANENT_REDIRECTS for code, _ in self.redirects):
            return self.final_url
        return None


def system_resolve(host: str, port: int) -> list[str]:
    """Addresses of ``host`` from the system resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


# Tests replace this to simulate resolution failures without sending any DNS query.
resolver: Callable[[str, int], list[str]] = system_resolve


def check_target(url: str, allow: AllowList) -> str | None:
    """Why ``url`` must not be fetched (scheme, unresolvable or non-public host); None if ok."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"refused: scheme {parts.scheme!r} is not http(s)"
    host = parts.hostname
    if not host:
        return "refused: URL has no host"
    if host.lower().rstrip(".") in allow.hosts:
        return None
    literal = ip_literal(host)
    if literal is not None:
        return refusal(host, [str(literal)], allow)
    try:
        addresses = resolver(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise ResolveError(f"cannot resolve host {host}: {exc}") from exc
    return refusal(host, addresses, allow)


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


def make_client(settings: Settings) -> httpx.Client:
    """One pooled client per run; thread-safe, shared by all fetch threads."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s,
        read=settings.read_timeout_s,
        write=settings.read_timeout_s,
        pool=settings.request_deadline_s,
    )
    limits = httpx.Limits(
        max_connections=max(settings.page_concurrency, settings.feed_concurrency) * 2,
        max_keepalive_connections=settings.page_concurrency,
    )
    return httpx.Client(
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        trust_env=False,  # never route through a proxy from the environment
    )


def fetch(
    client: httpx.Client,
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
    """GET ``url`` following redirects by hand; every hop passes :func:`check_target`.

    ``accept_content(content_type) -> str | None`` may reject a response by its Content-Type
    before the body is read (returns the reason); the body is then never downloaded.
    ``keep_gzip`` also returns a gzip-encoded response's encoded bytes (``body_gzip``), so a
    caller that stores pages compressed need not compress them again.
    """
    started = time.monotonic()
    result = FetchResult(url=url, final_url=url)
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    try:
        for _hop in range(max_redirects + 1):
            refused = check_target(current, allow or AllowList())
            if refused:
                result.final_url = current
                result.error = refused
                return result
            with client.stream("GET", current, headers=headers) as response:
                result.status = response.status_code
                result.final_url = str(response.url)
                result.headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status_code in REDIRECT_CODES and "location" in response.headers:
                    target = str(response.url.join(response.headers["location"]))
                    result.redirects.append((response.status_code, target))
                    current = target
                    continue
                if response.status_code == 304:
                    return result
                if response.status_code >= 400:
                    result.error = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                    result.is_retryable = response.status_code in (408, 425, 429) or response.status_code >= 500
                    return result
                if accept_content is not None:
                    reason = accept_content(result.content_type)
                    if reason:
                        result.error = reason
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
                    if time.monotonic() - started > deadline_s:
                        raise FetchError(f"download took longer than {deadline_s:g}s (server trickling?)")
                result.body = b"".join(parts)
                if keep and decoder.is_one_whole_gzip_member:
                    result.body_gzip = b"".join(encoded)
                return result
        result.error = f"too many redirects (more than {max_redirects})"
    except FetchError as exc:
        result.error = str(exc)
        result.is_retryable = isinstance(exc, ResolveError)
    except httpx.TimeoutException as exc:
        result.error = f"timeout ({type(exc).__name__})"
        result.is_retryable = True
    except httpx.HTTPError as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:500]
        result.is_retryable = True
    finally:
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result
