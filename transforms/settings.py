"""All tunable defaults in one place.

Every field can be overridden from the environment as ``FEEDHOUSE_<FIELD>`` (upper case),
e.g. ``FEEDHOUSE_CHUNK_SIZE=500``. The module is pure: callers pass the environment in.
"""

from __future__ import annotations

import dataclasses
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

    # batching
    chunk_size: int = 200  # articles fetched + extracted + staged per chunk
    extract_workers: int = 0  # 0 = one per CPU core

    # field caps (feeds can carry absurdly long or entity-expanded fields)
    max_title_chars: int = 1_000
    max_summary_chars: int = 10_000
    max_text_chars: int = 500_000
    max_tag_chars: int = 100
    max_tags_per_article: int = 50

    # extraction
    min_words: int = 20

    # loader
    lock_timeout_s: float = 30.0  # how long the loader waits for another DuckDB writer

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from defaults overridden by ``FEEDHOUSE_*`` variables in ``env``."""
        overrides: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"FEEDHOUSE_{f.name.upper()}")
            if raw is None:
                continue
            kind = type(getattr(cls, f.name))
            overrides[f.name] = kind(raw)
        return cls(**overrides)

    def replace(self, **changes: object) -> Settings:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)
