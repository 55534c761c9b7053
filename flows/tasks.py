"""The pipeline's Prefect tasks: each is one step that can be retried or re-run alone.

Tasks are thin: network I/O lives in flows.poll/flows.fetch, parsing and normalization in
transforms, validation in expectations, DuckDB in warehouse. Tasks run per feed batch or per
article chunk, never per article.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow as pa
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import extract_pool
from flows.checkpoints import checkpoint
from flows.concurrency import HostGate
from flows.fetch import fetch_pages
from flows.httpclient import make_client
from flows.poll import FeedToPoll, feeds_to_poll, poll_feeds
from flows.report import summary_markdown
from flows.robots import RobotsCache
from transforms.articles import split_results
from transforms.feedlist import FeedList, FeedSpec, parse_feed_list_file
from transforms.pages import PageBatch, candidate_from_record, prepare_pages
from transforms.polls import (
    EntryCandidate,
    PollOutcome,
    PollResponse,
    finalize_poll_row,
    interpret_poll,
)
from transforms.select import count_new_per_feed, entry_rows, new_articles
from transforms.settings import Settings
from transforms.urls import redact_url
from warehouse import staging
from warehouse.db import open_for_reading, open_migrated
from warehouse.load import LoadStats, load_run
from warehouse.publish import publish
from warehouse.staging import RunDir
from warehouse.state import known_article_ids, read_feed_state, retryable_entries

step = task(cache_policy=NO_CACHE, log_prints=False)


def _logger():
    try:
        return get_run_logger()
    except Exception:  # called outside a flow run (tests of a single step)
        return logging.getLogger("feedhouse")


@step(name="read-feed-list")
def read_feed_list(path: str) -> FeedList:
    """Read and parse the feed list (TOML or OPML)."""
    return parse_feed_list_file(Path(path).read_text(encoding="utf-8"))


@step(name="recover-staged-runs")
def recover_staged_runs(db: str, current_run_id: str, settings: Settings) -> list[LoadStats]:
    """Load runs that were staged but never loaded (crash, locked warehouse)."""
    pending = staging.pending_runs(db, exclude=current_run_id)
    if not pending:
        return []
    out = []
    with open_migrated(db, settings.lock_timeout_s) as con:
        for run in pending:
            _logger().warning("loading staged run %s left by an earlier run", run.run_id)
            out.append(load_run(con, run, status="recovered"))
        publish(con, db)
    return out


@step(name="read-feed-state")
def read_state(
    db: str,
    specs: list[FeedSpec] | tuple[FeedSpec, ...],
    settings: Settings,
    all_feeds: bool = False,
    feed_urls: list[str] | None = None,
    statuses: list[str] | None = None,
) -> list[FeedToPoll]:
    """Join the feed list with each feed's stored state and choose what to poll: the feeds
    that are due; every feed with ``all_feeds``; only ``feed_urls`` (added if not listed) or
    only feeds in ``statuses`` (e.g. dead, backing-off), due or not."""
    specs = list(specs)
    if feed_urls:
        listed = {s.url: s for s in specs}
        specs = [listed.get(url) or FeedSpec(url=url) for url in feed_urls]
    feeds = feeds_to_poll(specs, {})
    with open_for_reading(db, settings.lock_timeout_s) as con:
        state = read_feed_state(con, [f.feed_id for f in feeds])
    feeds = feeds_to_poll(specs, state)
    if statuses:
        feeds = [f for f in feeds if f.state.status in statuses and f.feed_id in state]
    now = datetime.now(UTC)
    forced = all_feeds or bool(feed_urls) or bool(statuses)
    due = feeds if forced else [f for f in feeds if f.is_due(now)]
    if len(due) < len(feeds):
        _logger().info("%d of %d feeds are not due yet (use --all to poll them anyway)",
                       len(feeds) - len(due), len(feeds))
    return due


@step(name="poll-feeds")
def poll(feeds: list[FeedToPoll], settings: Settings) -> list[PollResponse]:
    """Conditional GET of every feed (network only)."""
    with make_client(settings) as client:
        responses = poll_feeds(client, feeds, settings)
    log = _logger()
    for r in responses:
        if r.error:
            log.warning("poll %s failed: %s", redact_url(r.feed_url), r.error)
    return responses


@step(name="parse-feeds")
def parse(responses: list[PollResponse], run_id: str, settings: Settings) -> list[PollOutcome]:
    """Parse changed feed bodies into entry candidates (pure)."""
    outcomes = [interpret_poll(r, run_id, settings) for r in responses]
    log = _logger()
    for o in outcomes:
        row = o.poll_row
        if row["parse_warning"]:
            log.warning("feed %s is malformed but usable: %s", redact_url(row["feed_url"]), row["parse_warning"])
        if row["error"] and row["http_status"] and row["http_status"] < 400:
            log.warning("feed %s unusable: %s", redact_url(row["feed_url"]), row["error"])
    return outcomes


@dataclass
class Selection:
    """Articles to fetch this run: new entries plus transient failures being retried."""

    to_fetch: list[EntryCandidate]
    known: set[int]
    retried: list[EntryCandidate]


@step(name="select-new-entries")
def select_new(db: str, outcomes: list[PollOutcome], settings: Settings) -> Selection:
    """Dedup candidates by canonical URL and drop articles the warehouse already has; add
    pages whose earlier fetch failed transiently (retried even if their feed is unchanged)."""
    candidates = [c for o in outcomes for c in o.candidates]
    now = datetime.now(UTC)
    with open_for_reading(db, settings.lock_timeout_s) as con:
        known = known_article_ids(con, sorted({c.article_id for c in candidates}))
        records = retryable_entries(con, settings.max_fetch_attempts, settings.chunk_size * 5)
    new = new_articles(candidates, known)
    listed = {c.article_id for c in candidates}
    retries = [c for c in (candidate_from_record(r, now) for r in records) if c and c.article_id not in listed]
    if retries:
        _logger().info("retrying %d page(s) whose fetch failed transiently before", len(retries))
    return Selection(new + retries, known, retries)


_per_run: dict[str, tuple[httpx.Client, RobotsCache]] = {}


def _run_resources(run_id: str, settings: Settings) -> tuple[httpx.Client, RobotsCache]:
    """The run's pooled HTTP client (keep-alive across chunks) and robots.txt cache."""
    if run_id not in _per_run:
        _per_run[run_id] = (make_client(settings), RobotsCache(settings))
    return _per_run[run_id]


def forget_run(run_id: str) -> None:
    """Close the run's HTTP client and drop its robots.txt cache when the run ends."""
    resources = _per_run.pop(run_id, None)
    if resources:
        resources[0].close()


@step(name="fetch-pages")
def fetch_chunk(run_id: str, candidates: list[EntryCandidate], settings: Settings) -> PageBatch:
    """Fetch one chunk of article pages (network only)."""
    gate = HostGate(settings.per_host_concurrency, settings.per_host_delay_s)
    client, robots = _run_resources(run_id, settings)
    responses = fetch_pages(client, candidates, settings, gate, robots)
    batch = prepare_pages(responses)
    checkpoint("fetch")
    log = _logger()
    for q in batch.quarantine:
        log.warning("fetch %s: %s", redact_url(q["source_url"]), q["reason"])
    return batch


@step(name="extract-articles")
def extract_chunk(batch: PageBatch, settings: Settings) -> tuple[list, list[dict]]:
    """Extract and normalize one chunk in the process pool; returns the results and, for
    freshly fetched pages, their stored-body columns (hash, size, gzip), made in the pool too."""
    if batch.raw_pages:
        compress = ["body_gzip" not in row for row in batch.raw_pages]
        extracted = extract_pool.extract_fetched(batch.inputs, settings, compress)
    else:  # re-extraction from stored pages: the bodies are stored already
        extracted = extract_pool.extract_pages(batch.inputs, settings), []
    checkpoint("extract")
    return extracted


@step(name="validate-and-stage-chunk")
def stage_chunk(run: RunDir, index: int, batch: PageBatch, extracted: tuple[list, list[dict]]) -> None:
    """Validate a chunk's articles with GX and write the chunk to staging atomically."""
    from flows.validation import validate_rows  # pandas + GX: only runs that stage rows need them

    at = datetime.now(UTC)

    results, bodies = extracted
    raw_pages = [{**row, **body} for row, body in zip(batch.raw_pages, bodies, strict=True)]
    articles, tags, rejects = split_results(results, at)
    good, invalid = validate_rows("stg_articles", articles, at)
    valid_ids = set(good.column("article_id").to_pylist())
    tags = [t for t in tags if t["article_id"] in valid_ids]
    good_tags, bad_tags = validate_rows("stg_article_tags", tags, at)
    quarantine = batch.quarantine + rejects + invalid + bad_tags
    log = _logger()
    for q in rejects + invalid:
        log.warning("%s %s: %s", q["stage"], redact_url(q["source_url"]), q["reason"])
    staging.write_chunk(
        run,
        index,
        {
            "stg_raw_pages": staging.to_table("stg_raw_pages", raw_pages),
            "stg_articles": good,
            "stg_article_tags": good_tags,
            "stg_quarantine": staging.to_table("stg_quarantine", quarantine),
        },
    )


@dataclass
class PollTables:
    """A run's poll rows, validated feed entries and poll/parse rejects, ready to stage."""

    tables: dict[str, pa.Table]
    counts: dict[str, int]


@step(name="validate-feed-polls")
def check_polls(outcomes: list[PollOutcome], selection: Selection, settings: Settings) -> PollTables:
    """Build the poll rows (with per-feed new counts and next schedule) and GX-validate the feed
    entries. Runs beside the last chunk's extraction; written by :func:`stage_polls`."""
    from flows.validation import validate_rows  # pandas + GX: only runs that stage rows need them

    at = datetime.now(UTC)
    candidates = [c for o in outcomes for c in o.candidates]
    new_per_feed = count_new_per_feed(candidates, selection.known)
    polls = [finalize_poll_row(o, new_per_feed.get(o.poll_row["feed_id"], 0), settings) for o in outcomes]
    entries, invalid = validate_rows("stg_feed_entries", entry_rows(candidates + selection.retried), at)
    quarantine = [q for o in outcomes for q in o.quarantine] + invalid
    return PollTables(
        tables={
            "stg_feed_polls": staging.to_table("stg_feed_polls", polls),
            "stg_feed_entries": entries,
            "stg_quarantine": staging.to_table("stg_quarantine", quarantine),
        },
        counts={
            "feeds_polled": len(polls),
            "feeds_not_modified": sum(1 for p in polls if p["is_not_modified"]),
            "feeds_failed": sum(1 for p in polls if p["error"]),
            "entries_seen": sum(p["entries_seen"] for p in polls),
            "quarantined": len(quarantine),
        },
    )


@step(name="stage-feed-polls")
def stage_polls(run: RunDir, polls: PollTables) -> dict:
    """Write the poll tables into the run's staging directory, after every chunk: a run that
    crashes earlier leaves no poll rows, so its feeds stay due and are polled again at once."""
    for name, table in polls.tables.items():
        staging.write_table(run.path, name, table)
    return dict(polls.counts)


@step(name="load-warehouse")
def load(db: str, run: RunDir, counts: dict, settings: Settings) -> LoadStats:
    """Mark the run completely staged, then load it in one transaction."""
    manifest = run.manifest()
    manifest.update(complete=True, counts=counts)
    run.write_manifest(manifest)
    with open_migrated(db, settings.lock_timeout_s) as con:
        stats = load_run(con, run, before_commit=lambda: checkpoint("load"))
        publish(con, db)  # readers see this load from now on
        return stats


@step(name="publish-report")
def publish_report(summary: dict) -> None:
    """The run's summary as a Prefect markdown artifact (shown in the UI) and in the log."""
    from prefect.artifacts import create_markdown_artifact

    markdown = summary_markdown(summary)
    try:
        create_markdown_artifact(markdown=markdown, key=f"{summary.get('flow', 'ingest')}-summary",
                                 description="feeds polled, articles loaded, quarantined, seconds per stage")
    except Exception as exc:  # the report must never fail a run that loaded its data
        _logger().warning("could not publish the run report artifact: %s", exc)
    _logger().info("run summary: %s", {k: v for k, v in summary.items() if k != "stage_seconds"})


def release_workers() -> None:
    """Stop the extraction workers once a run has extracted everything: the load does not need
    them, and a run's peak memory is then the larger of extraction and load, not their sum. (A
    served deployment runs each flow run in its own process, so there is no pool to keep.)"""
    extract_pool.shutdown()


def prewarm(settings: Settings) -> None:
    """Get extraction and validation ready while the first pages download: start the extraction
    workers (their imports and models) and, in a background thread, great-expectations. Both take
    seconds of CPU that would otherwise stall the first chunk."""
    from flows.validation import prewarm_validation

    extract_pool.prestart(settings)
    prewarm_validation()
