"""robots.txt for article fetches: fetched once per host per run, parsed with protego."""

from __future__ import annotations

import logging
import threading

from protego import Protego

from flows.httpclient import PinnedClient, fetch
from transforms.settings import Settings
from transforms.ssrf import AllowList
from transforms.urls import origin, redact_url

log = logging.getLogger(__name__)


class RobotsCache:
    """``allowed(client, url)`` for our User-Agent; one robots.txt fetch per host while the
    cache lives (one run), thread-safe. Never raises: a robots.txt that cannot be fetched or
    parsed allows everything, and a URL too broken to have an origin is left to the fetch,
    which reports why."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._parsed: dict[str, Protego | None] = {}

    def _robots(self, client: PinnedClient, site: str) -> Protego | None:
        with self._lock:
            host_lock = self._host_locks.setdefault(site, threading.Lock())
        with host_lock:
            if site not in self._parsed:
                self._parsed[site] = self._fetch(client, site)
            return self._parsed[site]

    def _fetch(self, client: PinnedClient, site: str) -> Protego | None:
        r = fetch(
            client,
            site + "/robots.txt",
            max_bytes=self._settings.max_robots_bytes,
            deadline_s=min(10.0, self._settings.request_deadline_s),
            max_redirects=self._settings.max_redirects,
            accept="text/plain",
            allow=AllowList.parse(self._settings.allow_hosts),
        )
        if r.error is None and r.status == 200 and r.body is not None:
            try:
                return Protego.parse(r.body.decode("utf-8", "replace"))
            except Exception as exc:  # a third-party parser fed hostile bytes: never stop a run
                log.info("robots.txt of %s unreadable (%s: %s); allowing",
                         redact_url(site), type(exc).__name__, exc)
                return None
        if r.status is None or not 400 <= r.status < 500:  # 4xx: no robots.txt, everything allowed
            log.info("robots.txt of %s unavailable (%s); allowing", redact_url(site), r.error)
        return None

    def allowed(self, client: PinnedClient, url: str) -> bool:
        if not self._settings.respect_robots:
            return True
        site = origin(url)  # no userinfo: robots.txt of http://u:p@host/ is http://host/robots.txt
        if site is None:
            return True
        robots = self._robots(client, site)
        if robots is None:
            return True
        try:
            return robots.can_fetch(url, self._settings.user_agent)
        except Exception as exc:  # protego on a hostile URL: the fetch itself will judge it
            log.info("robots.txt check of %s failed (%s: %s); allowing",
                     redact_url(url), type(exc).__name__, exc)
            return True
