"""A small HTTP/1.1 server on 127.0.0.1: the demo's sample sites, the tests' servers, the benchmark's.

One server listens on one port (one port = one host, which is what feedhouse's per-host limits
see). It serves a directory of static files the way a real web server does, so that feedhouse's
conditional GETs and decompression are exercised: ``ETag`` and ``Last-Modified`` on every file,
``304 Not Modified`` for a matching ``If-None-Match`` or ``If-Modified-Since``, gzip when the
client asks. In text files, ``{{name}}`` becomes the ``127.0.0.1:port`` registered as token
``name`` and ``{{host}}`` the server's own, so pages link to whatever ports the servers got.

Routes take over paths that no static file can play (the tests' faults): a key matches its exact
path, or every path below it when it ends with ``/``; the longest match wins.

It counts requests and accepted TCP connections (fewer connections than requests is keep-alive at
work) and records who asked for what. Every wait is bounded: an idle keep-alive connection is
dropped after ``IDLE_TIMEOUT_S`` and ``stop()`` shuts every open connection down, so a stop
never hangs on a client.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
IDLE_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
NOT_FOUND = b"<html><body><h1>404 Not Found</h1></body></html>"
_TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/rss+xml; charset=UTF-8",
}
_BINARY_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}
_TOKEN = re.compile(rb"\{\{([\w-]+)\}\}")

Route = Callable[["Request"], None]


@dataclass(frozen=True)
class Seen:
    """One request as the server received it: what tests assert on (path without the query)."""

    path: str
    host: str | None
    authorization: str | None
    client: tuple[str, int]


@dataclass(frozen=True)
class StaticFile:
    """A file rendered for serving; cached until the file on disk changes."""

    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str
    mtime: int

    @property
    def last_modified(self) -> str:
        return formatdate(self.mtime, usegmt=True)


def content_type(path: Path, body: bytes) -> str:
    """By suffix; an XML document is Atom when its root is ``<feed``, RSS otherwise."""
    if path.suffix == ".xml" and b"<feed" in body[:400]:
        return "application/atom+xml; charset=UTF-8"
    return _TEXT_TYPES.get(path.suffix) or _BINARY_TYPES.get(path.suffix, "application/octet-stream")


def fill_tokens(body: bytes, tokens: Mapping[str, str]) -> bytes:
    """``{{name}}`` → ``tokens[name]``; unknown tokens stay as they are."""
    return _TOKEN.sub(lambda m: tokens.get(m[1].decode(), m[0].decode()).encode(), body)


def render(path: Path, tokens: Mapping[str, str]) -> StaticFile:
    """Read a file, fill in its host tokens (text files only), hash it and gzip it once."""
    body = path.read_bytes()
    text = path.suffix in _TEXT_TYPES
    if text:
        body = fill_tokens(body, tokens)
    return StaticFile(
        body=body,
        gzipped=gzip.compress(body, mtime=0) if text and body else None,
        content_type=content_type(path, body),
        etag='"' + hashlib.sha1(body).hexdigest()[:16] + '"',
        mtime=int(path.stat().st_mtime),
    )


def not_modified(headers, etag: str, mtime: int) -> bool:
    """Whether a conditional GET's validators match (``If-None-Match`` wins when both are sent)."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        return if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")]
    since = headers.get("If-Modified-Since")
    if not since:
        return False
    try:
        return mtime <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False


class Request(BaseHTTPRequestHandler):
    """One connection; handles its requests in turn (keep-alive). Routes get this object."""

    protocol_version = "HTTP/1.1"
    server_version = "feedhouse-local/1.0"
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True  # headers and body go out as two writes: no delayed-ACK stall
    server: _HTTPServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        pass

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>`` of this server (what pages and feeds link to)."""
        return self.server.owner.base_url

    @property
    def route_path(self) -> str:
        """The path without query or fragment: what routes and files are matched on."""
        return self.path.split("?", 1)[0].split("#", 1)[0]

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        owner = self.server.owner
        path = self.route_path
        owner.record(Seen(path, self.headers.get("Host"), self.headers.get("Authorization"), self.client_address))
        route = owner.route_for(path)
        if route is not None:
            route(self)
        else:
            self.send_static(path)

    def send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
             headers: Mapping[str, str] | None = None) -> None:
        """A complete response with a ``Content-Length``."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def raw(self, data: bytes) -> None:
        """Bytes straight onto the socket (a route that plays a broken server)."""
        self.wfile.write(data)
        self.wfile.flush()

    def drip(self, chunks: Iterable[bytes], pause_s: float = 0.2, limit_s: float = 8.0) -> None:
        """Play a slow server: chunk by chunk, ``pause_s`` apart, for at most ``limit_s``; the
        client giving up ends it early. The connection is closed afterwards."""
        deadline = time.monotonic() + limit_s
        try:
            for chunk in chunks:
                if time.monotonic() >= deadline:
                    break
                self.raw(chunk)
                time.sleep(pause_s)
        except OSError:
            pass
        self.close_connection = True

    def send_static(self, path: str) -> None:
        found = self.server.owner.static(path)
        if found is None:
            return self.send(HTTPStatus.NOT_FOUND, NOT_FOUND)
        validators = {"ETag": found.etag, "Last-Modified": found.last_modified}
        if not_modified(self.headers, found.etag, found.mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in validators.items():
                self.send_header(name, value)
            return self.end_headers()
        if found.gzipped is not None and "gzip" in self.headers.get("Accept-Encoding", ""):
            return self.send(HTTPStatus.OK, found.gzipped, found.content_type, {**validators, "Content-Encoding": "gzip"})
        return self.send(HTTPStatus.OK, found.body, found.content_type, validators)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: LocalServer):
        self.owner = owner
        super().__init__(address, Request)

    def process_request(self, request, client_address) -> None:
        self.owner.opened(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        self.owner.closed(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """Resets and broken pipes are routine here (clients give up on purpose): no traceback."""
        log.debug("local server: error serving %s", client_address, exc_info=True)


class LocalServer:
    """One 127.0.0.1 port serving ``root`` (static files) and ``routes``; a context manager."""

    def __init__(self, root: Path | None = None, *, routes: Mapping[str, Route] | None = None, port: int = 0,
                 tokens: dict[str, str] | None = None, tls: ssl.SSLContext | None = None):
        self.root = root.resolve() if root else None
        self.routes = dict(routes or {})
        self.tokens = tokens if tokens is not None else {}  # shared by a group of servers
        self.http = _HTTPServer((LOOPBACK, port), self)
        if tls is not None:
            self.http.socket = tls.wrap_socket(self.http.socket, server_side=True)
        self.port: int = self.http.server_address[1]
        self.host = f"{LOOPBACK}:{self.port}"
        self.base_url = f"{'https' if tls else 'http'}://{self.host}"
        self.requests = 0
        self.connections = 0
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cache: dict[Path, tuple[tuple[int, int], StaticFile]] = {}
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> LocalServer:
        self._thread = threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"localserver-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, shut every open connection down, close the socket; bounded."""
        if self._thread is not None:
            self.http.shutdown()
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None
        with self._lock:
            still_open = list(self._open)
        for sock in still_open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.http.server_close()

    def opened(self, sock: socket.socket) -> None:
        with self._lock:
            self.connections += 1
            self._open.add(sock)

    def closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.requests += 1
            self.seen.append(seen)

    def route_for(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        prefixes = [key for key in self.routes if key.endswith("/") and path.startswith(key)]
        return self.routes[max(prefixes, key=len)] if prefixes else None

    def preload(self) -> int:
        """Render every file under ``root`` now (rendering and gzip cost nothing per request
        afterwards: the benchmark does this before it measures); returns how many."""
        files = [p for p in self.root.rglob("*") if p.is_file()] if self.root else []
        for path in files:
            self.static("/" + path.relative_to(self.root).as_posix())
        return len(files)

    def static(self, path: str) -> StaticFile | None:
        """The rendered file for a URL path under ``root``, or None (outside it, or missing)."""
        if self.root is None:
            return None
        target = (self.root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))).resolve()
        if self.root not in target.parents or not target.is_file():
            return None
        stat = target.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(target)
        if cached is None or cached[0] != key:
            cached = (key, render(target, {**self.tokens, "host": self.host}))
            self._cache[target] = cached
        return cached[1]


def stop_all(servers: list[LocalServer]) -> None:
    """Stop servers side by side: each stop waits up to one poll interval."""
    threads = [threading.Thread(target=server.stop, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(STOP_TIMEOUT_S * 2)


@contextmanager
def serve_sites(roots: Mapping[str, Path], port_base: int | None = None) -> Iterator[dict[str, LocalServer]]:
    """One server per site directory, on free ports or on ``port_base + 1, + 2, …``; the token
    ``{{<site name>}}`` in any site's files becomes that site's host."""
    tokens: dict[str, str] = {}
    servers: dict[str, LocalServer] = {}
    try:
        for i, (name, root) in enumerate(roots.items(), start=1):
            servers[name] = LocalServer(root, port=0 if port_base is None else port_base + i, tokens=tokens)
            tokens[name] = servers[name].host
        for server in servers.values():
            server.start()
        yield servers
    finally:
        stop_all(list(servers.values()))
