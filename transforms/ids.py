"""Stable surrogate keys.

Keys are derived from natural keys with SHA-256 so that every run, on every machine, gives the
same id to the same article, feed, site, author or tag. That makes loads idempotent without a
lookup round-trip to the warehouse.
"""

from __future__ import annotations

import hashlib


def stable_id(*parts: str) -> int:
    """Return a signed 64-bit id for the natural key ``parts`` (DuckDB BIGINT-safe)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def content_hash(text: str) -> str:
    """Hex SHA-256 of ``text``: used to notice changed bodies and duplicate content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bytes_hash(body: bytes) -> str:
    """Hex SHA-256 of raw bytes (feed bodies, raw pages)."""
    return hashlib.sha256(body).hexdigest()
