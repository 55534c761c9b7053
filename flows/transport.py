"""Pinned, deadline-bounded HTTP/1.1 connections on urllib3, pooled per origin.

:class:`PinnedClient` keeps one urllib3 connection pool per origin (scheme, host, port), so
taking a kept-alive connection costs the same whatever the number of hosts kept alive. Its
connections go only to the addresses pinned for their host name (:class:`PinTable`, filled by the
SSRF check) while the name stays the Host header, the TLS SNI and the name the certificate must
match. A :class:`Deadline` bounds a whole exchange: every connect and read gets at most the time
left, and the client's :class:`_Watchdog` shuts the socket down when the time is up, which stops
a server dripping its headers a byte at a time as surely as a stalled one.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ClosedPoolError, ConnectTimeoutError, NewConnectionError
from urllib3.response import BaseHTTPResponse
from urllib3.util import Retry, Timeout
from urllib3.util.connection import create_connection

from flows.httpurl import RequestURL

NO_RETRIES = Retry(total=False, redirect=False)  # every failure is the caller's to judge, once


class PinTable:
    """The addresses each host name is connected to, fixed by the first look-up of that name
    for the client's life (one run). A name that resolved to a checked public address and
    later resolves to 127.0.0.1 (DNS rebinding) is still connected to the checked address, and
    every pooled connection to a host goes to the same addresses. The SSRF verdicts on those
    addresses are kept too (:meth:`verdict`). Thread-safe: a name is looked up once even when
    many fetch threads ask for it at the same moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._addresses: dict[str, tuple[str, ...]] = {}
        self._verdicts: dict[Hashable, str | None] = {}

    def get(self, host: str) -> tuple[str, ...]:
        """The pinned addresses of ``host``; none if it was never checked."""
        return self._addresses.get(host.lower(), ())

    def resolve(self, host: str, look_up: Callable[[], Iterable[str]]) -> tuple[str, ...]:
        """The pinned addresses of ``host``, from ``look_up()`` the first time (not pinned if
        it raises)."""
        host = host.lower()
        pinned = self._addresses.get(host)
        if pinned is not None:
            return pinned
        with self._lock:
            name_lock = self._name_locks.setdefault(host, threading.Lock())
        with name_lock:
            if host not in self._addresses:
                self._addresses[host] = tuple(look_up())
            return self._addresses[host]

    def verdict(self, key: Hashable, judge: Callable[[], str | None]) -> str | None:
        """``judge()``'s answer for ``key`` (a host, port and allow-list), remembered: a refusal
        depends only on addresses, which are pinned, so every later fetch of the host skips the
        look-up and the address checks. An answer is remembered only once ``judge`` returns."""
        try:
            return self._verdicts[key]
        except KeyError:
            pass
        answer = self._verdicts[key] = judge()
        return answer


class Unpinned(Exception):
    """A connection was asked for a host no SSRF check pinned (a bug, refused all the same)."""


def _unpinned(host: str) -> Unpinned:
    return Unpinned(f"refused: {host} was not checked before connecting (SSRF protection)")


# ---- the deadline of one exchange


class Deadline:
    """The whole-exchange deadline of one fetch. Connections the fetch uses are registered
    (:meth:`own`); when the time is up the watchdog :meth:`fire`-s, shutting down the sockets
    of those still owned by this fetch, and the fetch reports the deadline, not a network
    error."""

    __slots__ = ("at", "seconds", "fired", "finished", "_conns")

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.fired = False
        self.finished = False
        self._conns: list[_PinnedConnection] = []

    def left(self) -> float:
        return self.at - time.monotonic()

    def own(self, conn: _PinnedConnection) -> None:
        if conn not in self._conns:
            self._conns.append(conn)

    def fire(self) -> None:
        self.fired = True
        for conn in tuple(self._conns):
            conn.kill_for(self)

    def finish(self) -> None:
        self.finished = True
        self._conns = []


# The deadline of the fetch running in this thread: urllib3 does a request's socket I/O in the
# calling thread, so a connection learns whose exchange it serves from here.
_current = threading.local()


def current_deadline() -> Deadline | None:
    return getattr(_current, "deadline", None)


class _Watchdog:
    """One thread per client that fires deadlines when their time comes. Finished deadlines stay
    in the heap until they reach its top (no search to remove them), so a request costs one
    push, and the thread wakes about once per deadline length, not once per request."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def watch(self, deadline: Deadline) -> None:
        with self._cond:
            if self._stopped:
                raise RuntimeError("the HTTP client is closed")
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                due = self._pop_due(time.monotonic())
                if due:
                    self._cond.release()
                    try:
                        for deadline in due:
                            deadline.fire()
                    finally:
                        self._cond.acquire()
                    continue
                self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)

    def _pop_due(self, now: float) -> list[Deadline]:
        """Drop finished deadlines from the top of the heap; pop and return the expired ones."""
        due = []
        while self._heap and (self._heap[0][2].finished or self._heap[0][0] <= now):
            deadline = heapq.heappop(self._heap)[2]
            if not deadline.finished:
                due.append(deadline)
        return due


# ---- connections and pools


class _PinnedConnection(HTTPConnection):
    """Connects to the pinned addresses of its host, in turn, never to what the name resolves
    to now; ``host`` stays the name (Host header, SNI, certificate).

    A fetch owns the connection from its connect or request until the connection goes back to
    the pool or is closed; only the owner's deadline may shut its socket down. Ownership ends,
    under the same lock, before the socket is closed, so a shutdown never reaches a descriptor
    number another socket reuses. (A TLS handshake needs no shutdown: CPython bounds a whole
    handshake by the socket's timeout, which is capped at the time left.)"""

    def __init__(self, *args, pinned: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self._pinned = pinned
        self._guard = threading.Lock()
        self._owner: Deadline | None = None

    def _new_conn(self) -> socket.socket:
        deadline = current_deadline()
        failure: Exception | None = None
        for address in self._pinned:  # like socket.create_connection: the first that answers
            timeout = _time_for(self.timeout, deadline)
            if timeout is not None and timeout <= 0:
                raise ConnectTimeoutError(self, f"no time left to connect to {address} port {self.port}")
            try:
                sock = create_connection((address, self.port), timeout, source_address=self.source_address,
                                         socket_options=self.socket_options)
            except TimeoutError as exc:
                failure = ConnectTimeoutError(self, f"connecting to {address} port {self.port} timed out ({exc})")
            except OSError as exc:
                failure = NewConnectionError(self, f"cannot connect to {address} port {self.port}: {exc}")
            else:
                self._adopt()
                return sock
        raise failure or _unpinned(self.host)

    def request(self, *args, **kwargs) -> None:
        self._adopt()
        super().request(*args, **kwargs)

    def _adopt(self) -> None:
        """Serve the deadline of the fetch running in this thread."""
        deadline = current_deadline()
        if deadline is not None:
            with self._guard:
                self._owner = deadline
            deadline.own(self)

    def disown(self) -> None:
        """Back in the pool: no deadline may shut this connection down any more."""
        with self._guard:
            self._owner = None

    def kill_for(self, deadline: Deadline) -> None:
        """Shut the socket down (blocked reads and writes return at once) if ``deadline``'s fetch
        still owns this connection. The plain socket call leaves a TLS socket's state alone."""
        with self._guard:
            sock = self.sock
            if self._owner is deadline and sock is not None:
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:  # not connected yet, or a socket TLS wrapping detached
                    pass

    def close(self) -> None:
        self.disown()
        super().close()


def _time_for(timeout: float | None, deadline: Deadline | None) -> float | None:
    """``timeout``, or the time left until ``deadline`` when that is sooner."""
    if deadline is None:
        return timeout
    left = deadline.left()
    return left if timeout is None else min(timeout, left)


class _PinnedHTTPSConnection(_PinnedConnection, HTTPSConnection):
    """TLS over a pinned connection: SNI and certificate checks use ``host``, the name."""


class _Disowning(HTTPConnectionPool):
    """A pool whose connections are disowned by their fetch's deadline as they come back."""

    def _put_conn(self, conn: HTTPConnection | None) -> None:
        if isinstance(conn, _PinnedConnection):
            conn.disown()
        super()._put_conn(conn)


class _Pool(_Disowning):
    ConnectionCls = _PinnedConnection


class _HTTPSPool(_Disowning, HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class PinnedClient:
    """HTTP/1.1 client for fetch threads: one pool per origin (the ``origins`` most recently
    used are kept, with up to ``per_host`` idle connections each), connections pinned by
    ``pins``, a deadline watchdog. Thread-safe; :meth:`close` closes every connection."""

    def __init__(
        self,
        pins: PinTable,
        *,
        headers: dict[str, str],
        connect_s: float,
        read_s: float,
        ssl_context: ssl.SSLContext,
        per_host: int,
        origins: int,
    ):
        self.pins = pins
        self.headers = dict(headers)
        self._connect_s = connect_s
        self._read_s = read_s
        self._ssl_context = ssl_context
        self._per_host = max(1, per_host)
        self._origins = max(1, origins)
        self._lock = threading.Lock()
        self._pools: OrderedDict[tuple[str, str, int | None], HTTPConnectionPool] = OrderedDict()
        self._watchdog = _Watchdog()
        self._closed = False

    def start(self, seconds: float) -> tuple[Deadline, Deadline | None]:
        """A deadline for the fetch about to run in this thread; returns it and the one it
        replaces, for :meth:`end`."""
        deadline = Deadline(seconds)
        self._watchdog.watch(deadline)
        outer = current_deadline()
        _current.deadline = deadline
        return deadline, outer

    @staticmethod
    def end(deadline: Deadline, outer: Deadline | None) -> None:
        deadline.finish()
        _current.deadline = outer

    def open(self, target: RequestURL, headers: dict[str, str], deadline: Deadline) -> BaseHTTPResponse:
        """Send a GET for ``target`` and read its status line and headers; the body is left to
        the caller, who must read it or :func:`discard` the response. No retries, no redirects,
        no decoding: every read and connect gets at most the time left."""
        left = max(deadline.left(), 0.001)  # urllib3 refuses 0: an expired deadline times out at once
        timeout = Timeout(connect=min(self._connect_s, left), read=min(self._read_s, left))
        try:
            return self._urlopen(target, headers, timeout)
        except ClosedPoolError:  # evicted by another thread just now: a fresh pool
            return self._urlopen(target, headers, timeout)

    def _urlopen(self, target: RequestURL, headers: dict[str, str], timeout: Timeout) -> BaseHTTPResponse:
        return self._pool(target).urlopen(
            "GET", target.request_target, headers=headers, retries=NO_RETRIES, redirect=False,
            assert_same_host=False, timeout=timeout, release_conn=False, preload_content=False,
            decode_content=False,
        )

    def _pool(self, target: RequestURL) -> HTTPConnectionPool:
        """The origin's pool (least recently used origins beyond ``origins`` are closed)."""
        key = (target.scheme, target.host, target.port)
        evicted = None
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None:
                self._pools.move_to_end(key)
                return pool
            if self._closed:
                raise ClosedPoolError(None, "the HTTP client is closed")
            pool = self._new_pool(target)
            self._pools[key] = pool
            if len(self._pools) > self._origins:
                evicted = self._pools.popitem(last=False)[1]
        if evicted is not None:
            evicted.close()
        return pool

    def _new_pool(self, target: RequestURL) -> HTTPConnectionPool:
        pinned = self.pins.get(target.host)
        if not pinned:
            raise _unpinned(target.host)
        common = {"host": target.host, "port": target.effective_port, "maxsize": self._per_host, "block": False,
                  "retries": NO_RETRIES, "pinned": pinned}
        if target.scheme == "https":
            return _HTTPSPool(ssl_context=self._ssl_context, **common)
        return _Pool(**common)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()
        self._watchdog.stop()

    def __enter__(self) -> PinnedClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def discard(response: BaseHTTPResponse) -> None:
    """Close the response's connection (its unread body is not worth reading) and give the
    pool its slot back; the next request there opens a new connection."""
    response.close()
    response.release_conn()
