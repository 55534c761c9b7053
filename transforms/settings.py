"""All tunable defaults in one place.

Every field can be overridden from the environment as ``FEEDHOUSE_<FIELD>`` (upper case),
e.g. ``FEEDHOUSE_CHUNK_SIZE=500``. The module is pure: callers pass the environment in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

USER_AGENT = "feedhouse/0.1 (+https://github.com/feedhouse/feedhouse; news-feed ETL)"


@dataclass(frozen=True)
class Settings:
    """Runtime knobs for one ingest run."""

    # HTTP
    user_agent: str = USER_AGENT
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    request_deadline_s: float = 30.0  # whole request, so a trickling server cannot hold us
    max_feed_bytes: int = 5 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    feed_concurrency: int = 8
    page_concurrency: int = 16
    per_host_concurrency: int = 4
    per_host_delay_s: float = 0.0
    allow_hosts: str = ""  # comma-separated hosts/IPs allowed despite being private/loopback

    respect_robots: bool = True  # robots.txt for article fetches
    max_robots_bytes: int = 512 * 1024

    # poll scheduling (seconds)
    default_poll_interval_s: int = 30 * 60
    min_poll_interval_s: int = 5 * 60
    max_poll_interval_s: int = 24 * 60 * 60
    dead_after_failures: int = 5  # consecutive hard failures before a feed is marked dead
    dead_poll_interval_s: int = 7 * 24 * 60 * 60  # dead feeds are still polled, rarely

    max_fetch_attempts: int = 5  # transient page failures are retried by this many runs
    # caps on one run's page work; what they hold back waits in the fetch queue for later runs
    max_entries_per_feed: int = 200  # new entries taken from one feed per run
    max_pages_per_run: int = 10_000  # pages fetched per run, all feeds together

    # batching
    chunk_size: int = 200  # articles fetched + extracted + staged per chunk
    feeds_per_task: int = 1_000  # feeds polled per task
    extract_workers: int = 0  # 0 = one per CPU core

    # field caps (feeds can carry absurdly long or entity-expanded fields)
    max_title_chars: int = 1_000
    max_summary_chars: int = 10_000
    max_text_chars: int = 500_000
    max_tag_chars: int = 100
    max_tags_per_article: int = 50

    # extraction
    min_words: int = 20
    extract_time_limit_s: float = 10.0  # CPU seconds per page; past it the page is quarantined, the worker replaced

    # stories: near-duplicates across sites
    story_window_days: float = 14.0  # a new article is compared with the articles seen this recently
    story_similarity: float = 0.5  # estimated share of the shorter text's 5-word shingles the two share

    # loader
    lock_timeout_s: float = 30.0  # how long a run waits for another run or load of the same warehouse
    queue_timeout_s: float = 6 * 60 * 60  # how long a run triggered by hand from a deployment queues
    scheduled_overlap: str = "skip"  # a scheduled run due during another run: skip | wait (queue)

    @property
    def hosts_per_chunk(self) -> int:
        """Hosts whose pages a chunk interleaves: enough to keep ``page_concurrency`` fetches in
        flight at ``per_host_concurrency`` each."""
        return -(-self.page_concurrency // max(1, self.per_host_concurrency))

    @classmethod
    def from_env(cls, env: Mapping[str, str], file_values: Mapping[str, object] | None = None) -> Settings:
        """Defaults, overridden by ``file_values`` (a feed list's ``[settings]`` table), overridden
        by ``FEEDHOUSE_*`` variables in ``env``. Unknown keys raise ``ValueError``."""
        known = {f.name: f for f in fields(cls)}
        unknown = set(file_values or {}) - set(known)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        overrides: dict[str, object] = {}
        for name in known:
            raw = env.get(f"FEEDHOUSE_{name.upper()}")
            if raw is None and file_values and name in file_values:
                raw = file_values[name]
            if raw is None:
                continue
            kind = type(getattr(cls, name))
            overrides[name] = _coerce(kind, raw)
        return cls(**overrides)


def _coerce(kind: type, raw: object) -> object:
    if kind is bool and isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return kind(raw)
