"""Run many fetches at once while staying polite to each host."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from urllib.parse import urlsplit

from transforms.urls import strip_userinfo

T = TypeVar("T")
R = TypeVar("R")


class HostGate:
    """At most ``per_host`` requests in flight per host, and ``delay_s`` between starts."""

    def __init__(self, per_host: int, delay_s: float):
        self._per_host = max(1, per_host)
        self._delay_s = max(0.0, delay_s)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    def run(self, url: str, call: Callable[[], R]) -> R:
        host = _host(url)
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self._per_host))
        with slot:
            if self._delay_s:
                with self._lock:
                    now = time.monotonic()
                    start = max(now, self._next_start.get(host, now))
                    self._next_start[host] = start + self._delay_s
                time.sleep(max(0.0, start - now))
            return call()


def _host(url: str) -> str:
    """``host[:port]`` of ``url`` without userinfo (one gate per host, whatever credentials a
    URL carries); a URL too broken to parse is its own gate, and its fetch reports why."""
    try:
        return urlsplit(strip_userinfo(url)).netloc.lower()
    except ValueError:
        return url


def map_polite(
    items: Iterable[T],
    url_of: Callable[[T], str],
    call: Callable[[T], R],
    *,
    workers: int,
    gate: HostGate,
) -> Iterator[R]:
    """``call`` each item on a thread pool, gated per host; yields results in input order."""
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch") as pool:
        futures = [pool.submit(gate.run, url_of(item), lambda item=item: call(item)) for item in items]
        for future in futures:
            yield future.result()
