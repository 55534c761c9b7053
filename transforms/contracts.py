"""The contract of every staged table, declared once.

A staged table is what one run hands to the loader (``warehouse/staging.py`` writes it as
Parquet). Its contract here is the only place that names its columns, their types, whether
they may be NULL and what values are allowed. Everything else is derived from it:

- the Arrow schema the staging area writes (``warehouse.staging``);
- the great-expectations suite that validates it (``expectations/<table>.json`` is generated
  from it by ``python -m expectations.suites`` and a test checks the file is current);
- the loader's SQL, which reads staged columns by name (``insert … by name``).

Bounds that an operator can tune name a :class:`~transforms.settings.Settings` field
(``Setting("min_words")``); the suites carry them as GX parameters that each validation fills in
from the run's settings, so ``FEEDHOUSE_MIN_WORDS=5`` moves the expectation too. ``Param`` names
a value computed at validation time (``published_at_max``: now + 2 days).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from transforms.settings import Settings


@dataclass(frozen=True)
class Setting:
    """A bound taken from the run's settings."""

    name: str


@dataclass(frozen=True)
class Param:
    """A bound computed when the batch is validated."""

    name: str


Bound = int | float | str | Setting | Param | None


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type: BIGINT, INTEGER, VARCHAR, BOOLEAN, TIMESTAMPTZ, BLOB, VARCHAR[]
    nullable: bool = True
    unique: bool = False
    min: Bound = None
    max: Bound = None
    min_length: Bound = None
    max_length: Bound = None
    regex: str | None = None
    values: tuple[str, ...] | None = None
    doc: str = ""


@dataclass(frozen=True)
class Contract:
    name: str
    grain: tuple[str, ...]  # the columns that identify a row
    columns: tuple[Column, ...]
    validated: bool = False  # checked row by row with great-expectations before staging
    doc: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def C(name: str, type_: str, **kw) -> Column:  # noqa: N802 (reads like a table definition)
    return Column(name, type_, **kw)


PUBLISHED_AT_MAX = Param("published_at_max")
LISTINGS = ("STRUCT(feed_id BIGINT, entry_id VARCHAR, entry_url VARCHAR, entry_title VARCHAR, "
            "entry_published_at TIMESTAMPTZ, seen_at TIMESTAMPTZ)[]")
URL_REGEX = r"^https?://"

CONTRACTS: dict[str, Contract] = {
    c.name: c
    for c in (
        Contract(
            "stg_feed_polls",
            grain=("poll_id",),
            doc="one row per feed polled this run, with the feed's next HTTP and schedule state",
            columns=(
                C("poll_id", "BIGINT", nullable=False), C("run_id", "VARCHAR", nullable=False),
                C("feed_id", "BIGINT", nullable=False), C("feed_url", "VARCHAR", nullable=False),
                C("original_url", "VARCHAR", nullable=False), C("final_url", "VARCHAR"),
                C("moved_to", "VARCHAR"), C("feed_name", "VARCHAR"), C("feed_tags", "VARCHAR[]"),
                C("polled_at", "TIMESTAMPTZ", nullable=False), C("http_status", "INTEGER"),
                C("is_not_modified", "BOOLEAN", nullable=False),
                C("entries_seen", "INTEGER", nullable=False), C("entries_new", "INTEGER", nullable=False),
                C("entries_deferred", "INTEGER", nullable=False), C("bytes", "BIGINT", nullable=False),
                C("duration_ms", "INTEGER", nullable=False), C("error", "VARCHAR"),
                C("is_unexpected", "BOOLEAN", nullable=False), C("parse_warning", "VARCHAR"),
                C("etag", "VARCHAR"), C("last_modified", "VARCHAR"), C("body_hash", "VARCHAR"),
                C("feed_title", "VARCHAR"), C("site_url", "VARCHAR"), C("feed_language", "VARCHAR"),
                C("discovered_from", "VARCHAR"), C("status", "VARCHAR", nullable=False),
                C("consecutive_failures", "INTEGER", nullable=False),
                C("poll_interval_s", "INTEGER", nullable=False), C("next_poll_at", "TIMESTAMPTZ"),
            ),
        ),
        Contract(
            "stg_feed_entries",
            grain=("feed_id", "article_id"),
            validated=True,
            doc="one row per (feed, article) listed by a feed this run",
            columns=(
                C("feed_id", "BIGINT", nullable=False), C("article_id", "BIGINT", nullable=False),
                C("canonical_url", "VARCHAR", nullable=False, regex=URL_REGEX),
                C("entry_id", "VARCHAR"), C("entry_url", "VARCHAR"),
                C("entry_title", "VARCHAR", max_length=Setting("max_title_chars")),
                C("entry_published_at", "TIMESTAMPTZ"), C("seen_at", "TIMESTAMPTZ", nullable=False),
            ),
        ),
        Contract(
            "stg_fetch_queue",
            grain=("article_id",),
            doc="one row per article chosen this run: fetched now, or deferred by a cap; what its "
                "extraction needs from the feed entry, so a retry or a re-extraction uses the same inputs",
            columns=(
                C("article_id", "BIGINT", nullable=False), C("canonical_url", "VARCHAR", nullable=False),
                C("feed_id", "BIGINT", nullable=False), C("entry_url", "VARCHAR", nullable=False),
                C("entry_id", "VARCHAR"), C("entry_title", "VARCHAR"), C("entry_summary", "VARCHAR"),
                C("entry_author", "VARCHAR"), C("entry_published_at", "TIMESTAMPTZ"),
                C("entry_categories", "VARCHAR[]"), C("feed_language", "VARCHAR"),
                C("listings", LISTINGS, nullable=False, doc="every feed entry listing the article"),
                C("is_deferred", "BOOLEAN", nullable=False), C("queued_at", "TIMESTAMPTZ", nullable=False),
            ),
        ),
        Contract(
            "stg_articles",
            grain=("article_id",),
            validated=True,
            doc="one row per article extracted this run",
            columns=(
                C("article_id", "BIGINT", nullable=False, unique=True),
                C("url", "VARCHAR", nullable=False, regex=URL_REGEX),
                C("canonical_url", "VARCHAR", nullable=False, unique=True),
                C("title", "VARCHAR", nullable=False, max_length=Setting("max_title_chars")),
                C("description", "VARCHAR", max_length=Setting("max_summary_chars")),
                C("text", "VARCHAR", nullable=False),
                C("published_at", "TIMESTAMPTZ", min="1990-01-01T00:00:00+00:00", max=PUBLISHED_AT_MAX),
                C("published_date_id", "INTEGER"),
                C("fetched_at", "TIMESTAMPTZ", nullable=False),
                C("site_id", "BIGINT", nullable=False), C("site_domain", "VARCHAR", nullable=False),
                C("site_name", "VARCHAR"), C("author_id", "BIGINT"), C("author_name", "VARCHAR"),
                C("language", "VARCHAR", regex=r"^[a-z]{2,3}$"),
                C("word_count", "INTEGER", nullable=False, min=Setting("min_words")),
                C("content_hash", "VARCHAR", nullable=False, regex=r"^[0-9a-f]{64}$"),
                C("extractor_version", "VARCHAR", nullable=False),
                C("story_id", "BIGINT", nullable=False),
            ),
        ),
        Contract(
            "stg_article_tags",
            grain=("article_id", "tag_id"),
            validated=True,
            doc="one row per (article, tag) extracted this run",
            columns=(
                C("article_id", "BIGINT", nullable=False), C("tag_id", "BIGINT", nullable=False),
                C("tag", "VARCHAR", nullable=False, min_length=1, max_length=Setting("max_tag_chars")),
                C("source", "VARCHAR", nullable=False, values=("feed", "page")),
            ),
        ),
        Contract(
            "stg_raw_pages",
            grain=("article_id",),
            doc="one row per page fetched this run: its bytes as gzip, for re-extraction",
            columns=(
                C("article_id", "BIGINT", nullable=False), C("canonical_url", "VARCHAR", nullable=False),
                C("final_url", "VARCHAR", nullable=False), C("http_status", "INTEGER", nullable=False),
                C("content_type", "VARCHAR"), C("fetched_at", "TIMESTAMPTZ", nullable=False),
                C("body_sha256", "VARCHAR", nullable=False), C("body_bytes", "INTEGER", nullable=False),
                C("body_gzip", "BLOB", nullable=False),
            ),
        ),
        Contract(
            "stg_story_members",
            grain=("article_id",),
            doc="one row per article of the run, with its story and MinHash signature (the stories index)",
            columns=(
                C("article_id", "BIGINT", nullable=False), C("story_id", "BIGINT", nullable=False),
                C("site_id", "BIGINT", nullable=False), C("seen_at", "TIMESTAMPTZ", nullable=False),
                C("signature", "BLOB", nullable=False),
            ),
        ),
        Contract(
            "stg_story_bands",
            grain=("band_key", "article_id"),
            doc="one row per LSH band of each article of the run (the stories index's lookup keys)",
            columns=(
                C("band_key", "BIGINT", nullable=False), C("article_id", "BIGINT", nullable=False),
                C("seen_at", "TIMESTAMPTZ", nullable=False),
            ),
        ),
        Contract(
            "stg_quarantine",
            grain=("quarantine_id",),
            doc="one row per input rejected this run, with the stage and a readable reason",
            columns=(
                C("quarantine_id", "BIGINT", nullable=False), C("stage", "VARCHAR", nullable=False),
                C("source_url", "VARCHAR"), C("article_id", "BIGINT"), C("feed_id", "BIGINT"),
                C("reason", "VARCHAR", nullable=False), C("record", "VARCHAR"),
                C("is_retryable", "BOOLEAN", nullable=False), C("is_unexpected", "BOOLEAN", nullable=False),
                C("quarantined_at", "TIMESTAMPTZ", nullable=False),
            ),
        ),
    )
}


def bound_values(settings: Settings, now: datetime | None = None) -> dict[str, object]:
    """Every ``Setting``/``Param`` bound's value for one validation, keyed by its name."""
    now = now or datetime.now(UTC)
    values: dict[str, object] = {"published_at_max": (now + timedelta(days=2)).isoformat()}
    for contract in CONTRACTS.values():
        for column in contract.columns:
            for bound in (column.min, column.max, column.min_length, column.max_length):
                if isinstance(bound, Setting):
                    values[bound.name] = getattr(settings, bound.name)
    return values


# The per-row checks a contract's great-expectations suite makes (see ``expectations.suites``):
# a row failing only these is quarantined at validation; anything else breaks staging or the load.
SUITE_CHECKS = frozenset({"null", "regex", "length", "range", "value"})
_INT_RANGES = {"BIGINT": (-(2**63), 2**63 - 1), "INTEGER": (-(2**31), 2**31 - 1)}


def violations(contract: Contract, row: dict, settings: Settings, now: datetime) -> list[str]:
    """Every way ``row`` breaks ``contract``, as readable messages (empty: the row conforms).

    Row by row, for the property tests of every entry point that emits rows (uniqueness, a
    property of a whole batch, is not checked here)."""
    return [f"{check}: {message}" for check, _column, message in _row_checks(contract, row, settings, now)]


def unvalidated_violations(contract: Contract, row: dict, settings: Settings, now: datetime) -> list[str]:
    """The violations validation would not quarantine: all of them for a table staged without
    validation; for a validated one, what its suite does not check row by row (a missing or
    extra column, a wrong type, a naive or non-UTC datetime, a lone surrogate) and a NULL in a
    column of the table's grain (the quarantine row of a rejected row is keyed by it)."""
    return [
        f"{check}: {message}"
        for check, column, message in _row_checks(contract, row, settings, now)
        if not (contract.validated and check in SUITE_CHECKS and not (check == "null" and column in contract.grain))
    ]


def _row_checks(contract: Contract, row: dict, settings: Settings, now: datetime) -> Iterator[tuple[str, str | None, str]]:
    """``(check, column, message)`` for each violation; ``check`` is in :data:`SUITE_CHECKS` when
    the suite makes it too."""
    missing = [c for c in contract.column_names if c not in row]
    extra = [c for c in row if c not in contract.column_names]
    if missing or extra:
        yield "columns", None, f"missing {missing}, unexpected {extra}"
    bounds = bound_values(settings, now)
    for column in contract.columns:
        if column.name not in row:
            continue
        value = row[column.name]
        if value is None:
            if not column.nullable:
                yield "null", column.name, f"{column.name} is NULL"
            continue
        problem = _type_problem(column.type, value)
        if problem:
            yield "type", column.name, f"{column.name} {problem}"
            continue
        for check, message in _bound_checks(column, value, bounds):
            yield check, column.name, message


def _type_problem(duckdb_type: str, value: object) -> str | None:
    """Why ``value`` cannot be stored as ``duckdb_type`` exactly (None when it can)."""
    if duckdb_type in _INT_RANGES:
        lo, hi = _INT_RANGES[duckdb_type]
        if not isinstance(value, int) or isinstance(value, bool):
            return f"is {type(value).__name__}, not an integer"
        return None if lo <= value <= hi else f"= {value} is out of {duckdb_type} range"
    if duckdb_type == "VARCHAR":
        return _text_problem(value)
    if duckdb_type.endswith("[]"):
        if not isinstance(value, list):
            return f"is {type(value).__name__}, not a list"
        item_type = duckdb_type[:-2]
        return next((f"item {problem}" for item in value
                     if item is not None and (problem := _type_problem(item_type, item))), None)
    if duckdb_type.startswith("STRUCT(") and duckdb_type.endswith(")"):
        if not isinstance(value, dict):
            return f"is {type(value).__name__}, not a struct"
        fields = _struct_fields(duckdb_type[len("STRUCT("):-1])
        if unknown := set(value) - set(fields):
            return f"has unknown fields {sorted(unknown)}"
        return next((f"field {name} {problem}" for name, field_type in fields.items()
                     if value.get(name) is not None and (problem := _type_problem(field_type, value[name]))), None)
    if duckdb_type == "BOOLEAN":
        return None if isinstance(value, bool) else f"is {type(value).__name__}, not a bool"
    if duckdb_type == "BLOB":
        return None if isinstance(value, bytes) else f"is {type(value).__name__}, not bytes"
    if duckdb_type == "TIMESTAMPTZ":
        if not isinstance(value, datetime):
            return f"is {type(value).__name__}, not a datetime"
        return None if value.utcoffset() == timedelta(0) else f"= {value!r} is not aware UTC"
    return f"has an unknown type {duckdb_type}"


def _struct_fields(body: str) -> dict[str, str]:
    """``a BIGINT, b STRUCT(c VARCHAR, d INTEGER)[]`` → {"a": "BIGINT", "b": "STRUCT(…)[]"}."""
    fields, depth, start = {}, 0, 0
    for i, char in enumerate(body + ","):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            name, field_type = body[start:i].strip().split(" ", 1)
            fields[name] = field_type.strip()
            start = i + 1
    return fields


def _text_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"is {type(value).__name__}, not a string"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate (not UTF-8: Parquet refuses it)"
    return None


def _bound_checks(column: Column, value, bounds: dict[str, object]) -> Iterator[tuple[str, str]]:
    """The regex, length, range and value-set checks of one non-NULL value of the right type."""

    def resolve(bound: Bound):
        bound = bounds[bound.name] if isinstance(bound, Setting | Param) else bound
        return datetime.fromisoformat(bound) if column.type == "TIMESTAMPTZ" and isinstance(bound, str) else bound

    name = column.name
    if column.regex and not re.search(column.regex, value):
        yield "regex", f"{name} = {value!r:.80} does not match {column.regex}"
    if column.min_length is not None and len(value) < resolve(column.min_length):
        yield "length", f"{name} is shorter than {resolve(column.min_length)} characters"
    if column.max_length is not None and len(value) > resolve(column.max_length):
        yield "length", f"{name} is longer than {resolve(column.max_length)} characters ({len(value)})"
    if column.min is not None and value < resolve(column.min):
        yield "range", f"{name} = {value} is below {resolve(column.min)}"
    if column.max is not None and value > resolve(column.max):
        yield "range", f"{name} = {value} is above {resolve(column.max)}"
    if column.values and value not in column.values:
        yield "value", f"{name} = {value!r:.80} is not one of {column.values}"
