"""robots.txt for article fetches: fetched once per host per run, parsed with protego."""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

import httpx
from protego import Protego

from flows.httpclient import fetch
from transforms.settings import Settings
from transforms.ssrf import AllowList

log = logging.getLogger(__name__)


class RobotsCache:
    """``allowed(client, url)`` for our User-Agent; one robots.txt fetch per host while the
    cache lives (one run), thread-safe."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._parsed: dict[str, Protego | None] = {}

    def _robots(self, client: httpx.Client, origin: str) -> Protego | None:
        with self._lock:
            host_lock = self._host_locks.setdefault(origin, threading.Lock())
        with host_lock:
            if origin in self._parsed:
                return self._parsed[origin]
            r = fetch(
                client,
                origin + "/robots.txt",
                max_bytes=self._settings.max_robots_bytes,
                deadline_s=min(10.0, self._settings.request_deadline_s),
                max_redirects=self._settings.max_redirects,
                accept="text/plain",
                allow=AllowList.parse(self._settings.allow_hosts),
            )
            parsed = None
            if r.error is None and r.status == 200 and r.body is not None:
                parsed = Protego.parse(r.body.decode("utf-8", "replace"))
            elif r.status is not None and 400 <= r.status < 500:
                parsed = None  # no robots.txt: everything allowed
            else:
                log.info("robots.txt of %s unavailable (%s); allowing", origin, r.error)
            self._parsed[origin] = parsed
            return parsed

    def allowed(self, client: httpx.Client, url: str) -> bool:
        if not self._settings.respect_robots:
            return True
        parts = urlsplit(url)
        robots = self._robots(client, f"{parts.scheme}://{parts.netloc}")
        return True if robots is None else robots.can_fetch(url, self._settings.user_agent)
