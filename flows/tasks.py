"""The pipeline's Prefect tasks: each is one step that can be retried or re-run alone.

Tasks are thin: network I/O lives in flows.poll/flows.fetch, parsing and normalization in
transforms, validation in flows.validation, DuckDB in warehouse. Tasks run per batch of feeds or
per chunk of articles, never per article, and large arguments are ``quote()``d past Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import extract_pool
from flows.checkpoints import checkpoint
from flows.concurrency import HostGate
from flows.fetch import fetch_pages
from flows.httpclient import PinnedClient, make_client
from flows.poll import FeedToPoll, feeds_to_poll, poll_feeds
from flows.robots import RobotsCache
from flows.run import Run, logger
from transforms.contracts import bound_values
from transforms.feedlist import FeedList, FeedSpec, parse_feed_list_text
from transforms.pages import fetch_reject, page_input
from transforms.polls import EntryCandidate, PolledFeed, poll_row
from transforms.select import Selection, candidates_from_queue, entry_rows, queue_rows, select_articles
from transforms.settings import Settings
from transforms.urls import host_key, redact_url
from warehouse import staging
from warehouse.db import load_lock
from warehouse.load import LoadStats, load_run
from warehouse.state import queued_entries, read_feed_state, settled_article_ids, story_candidates

step = task(cache_policy=NO_CACHE, log_prints=False)


@step(name="read-feed-list")
def read_feed_list(path: str) -> FeedList:
    """Read and parse the feed list (TOML or OPML)."""
    return parse_feed_list_text(Path(path).read_text(encoding="utf-8"))


@step(name="recover-staged-runs")
def recover_staged_runs(run: Run) -> list[LoadStats]:
    """Load runs that were staged but never loaded (crash, failed load)."""
    pending = staging.pending_runs(run.wh.staging_root, exclude=run.run_id)
    out = []
    for staged in pending:
        logger().warning("loading staged run %s left by an earlier run", staged.run_id)
        with load_lock(run.wh, run.settings.lock_timeout_s):
            out.append(load_run(run.cursor(), staged, run.settings, status="recovered"))
    return out


@step(name="read-feed-state")
def read_state(
    run: Run,
    specs: list[FeedSpec] | tuple[FeedSpec, ...],
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
    from transforms.ids import stable_id

    state = read_feed_state(run.cursor(), [stable_id(s.url) for s in specs])
    feeds = sorted(feeds_to_poll(specs, state), key=lambda f: host_key(f.url))  # host by host: keep-alive pays
    if statuses:
        feeds = [f for f in feeds if f.state.status in statuses and f.feed_id in state]
    now = datetime.now(UTC)
    forced = all_feeds or bool(feed_urls) or bool(statuses)
    due = feeds if forced else [f for f in feeds if f.is_due(now)]
    if len(due) < len(feeds):
        logger().info("%d of %d feeds are not due yet (use --all to poll them anyway)", len(feeds) - len(due), len(feeds))
    return due


_per_run: dict[str, tuple[PinnedClient, RobotsCache, HostGate]] = {}


def run_resources(run_id: str, settings: Settings) -> tuple[PinnedClient, RobotsCache, HostGate]:
    """This process's pooled HTTP client for the run (keep-alive across chunks and tasks), its
    robots.txt cache, and its per-host gate for page fetches (chunks in flight together share
    each host's ``per_host_concurrency``). A worker process keeps only its latest run's."""
    if run_id not in _per_run:
        for old in list(_per_run):
            forget_run(old)
        _per_run[run_id] = (make_client(settings), RobotsCache(settings),
                            HostGate(settings.per_host_concurrency, settings.per_host_delay_s))
    return _per_run[run_id]


def forget_run(run_id: str) -> None:
    """Close the run's HTTP client and drop its robots.txt cache."""
    resources = _per_run.pop(run_id, None)
    if resources:
        resources[0].close()


@step(name="poll-feeds")
def poll(feeds: list[FeedToPoll], run_id: str, settings: Settings) -> list[PolledFeed]:
    """Conditional GET and interpretation of a batch of feeds, each behind its own boundary."""
    client, _, _ = run_resources(run_id, settings)
    log = logger()
    polled = poll_feeds(client, feeds, run_id, settings, log)
    for p in polled:
        if p.error:
            log.warning("feed %s: %s", redact_url(p.response.feed_url), p.error)
        elif p.parse_warning:
            log.warning("feed %s is malformed but usable: %s", redact_url(p.response.feed_url), p.parse_warning)
    return polled


@step(name="select-articles")
def select(run: Run, polled: list[PolledFeed]) -> Selection:
    """New articles of the polled feeds (dedup by canonical URL, minus what the warehouse has
    settled), then due pages from the fetch queue, within the run's caps."""
    candidates = [c for p in polled for c in p.candidates]
    now = datetime.now(UTC)
    con = run.cursor()
    settled = settled_article_ids(con, sorted({c.article_id for c in candidates}))
    queued = [candidates_from_queue(row, now) for row in queued_entries(con, now, run.settings.max_pages_per_run)]
    selection = select_articles(candidates, settled, queued, max_entries_per_feed=run.settings.max_entries_per_feed,
                                max_pages_per_run=run.settings.max_pages_per_run,
                                hosts_at_once=run.settings.hosts_per_chunk)
    if selection.queued_taken:
        logger().info("fetching %d page(s) from the queue (deferred earlier, or retried after a transient failure)",
                      selection.queued_taken)
    if selection.deferred:
        logger().warning("%d new article(s) over the caps (%d per feed, %d per run) wait for the next run",
                         len(selection.deferred), run.settings.max_entries_per_feed, run.settings.max_pages_per_run)
    return selection


@dataclass
class ChunkRows:
    """One chunk's rows, complete: built where the pages were fetched and extracted."""

    articles: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    raw_pages: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    signatures: dict[int, bytes] = field(default_factory=dict)  # article_id → MinHash signature
    unexpected: int = 0

    def add(self, page) -> None:
        """One extracted page's rows."""
        if page.article is not None:
            self.articles.append(page.article)
            self.tags.extend(page.tags)
            self.signatures[page.article_id] = page.signature
        if page.raw_page is not None:
            self.raw_pages.append(page.raw_page)
        if page.quarantine is not None:
            self.quarantine.append(page.quarantine)
            self.unexpected += page.quarantine["is_unexpected"]


@step(name="fetch-and-extract")
def process_chunk(candidates: list[EntryCandidate], run_id: str, settings: Settings) -> ChunkRows:
    """Fetch a chunk of pages, then extract each in the supervised worker pool: every page
    behind its own boundary. Runs in the flow process or on a Dask worker alike."""
    client, robots, gate = run_resources(run_id, settings)
    log = logger()
    responses = fetch_pages(client, candidates, settings, gate, robots, log)
    checkpoint("fetch")
    rows = ChunkRows()
    inputs = []
    for r in responses:
        page = page_input(r)
        if page is None:
            rows.quarantine.append(fetch_reject(r, run_id))
            rows.unexpected += r.is_unexpected
            log.warning("fetch %s: %s", redact_url(r.candidate.entry.canonical_url), r.error or "empty body")
        else:
            inputs.append(page)
    for page in extract_pool.extract(inputs, run_id, settings):
        rows.add(page)
        if page.quarantine is not None:
            log.warning("extract %s: %s", redact_url(page.quarantine["source_url"]), page.quarantine["reason"])
            if page.traceback:
                log.error("unexpected error extracting %s (isolated: only this page fails)\n%s",
                          redact_url(page.quarantine["source_url"]), page.traceback)
    checkpoint("extract")
    return rows


def assign_stories(run: Run, rows: ChunkRows) -> None:
    """Give each article of the chunk its ``story_id``: matched against the recent window of the
    stories index (looked up by the chunk's band keys) and against the run's earlier articles."""
    from datetime import timedelta

    from transforms.stories import Member, assign, band_keys

    order = sorted(rows.articles, key=lambda a: (a["fetched_at"], a["article_id"]))
    keys = [k for a in order for k in band_keys(rows.signatures[a["article_id"]])]
    since = datetime.now(UTC) - timedelta(days=run.settings.story_window_days)
    for key, article_id, story_id, sig in story_candidates(run.cursor(), keys, since):
        run.stories.add([key], Member(article_id, story_id, bytes(sig)))
    stories = assign([(a["article_id"], rows.signatures[a["article_id"]]) for a in order], run.stories,
                     run.settings.story_similarity)
    for article in rows.articles:
        article["story_id"] = stories[article["article_id"]]


def story_rows(rows: ChunkRows, valid_ids: set[int]) -> tuple[list[dict], list[dict]]:
    """``stg_story_members`` and ``stg_story_bands`` rows of the chunk's valid articles."""
    from transforms.stories import band_keys

    members, bands = [], []
    for a in rows.articles:
        if a["article_id"] in valid_ids:
            sig = rows.signatures[a["article_id"]]
            members.append({"article_id": a["article_id"], "story_id": a["story_id"], "site_id": a["site_id"],
                            "seen_at": a["fetched_at"], "signature": sig})
            bands += [{"band_key": k, "article_id": a["article_id"], "seen_at": a["fetched_at"]} for k in band_keys(sig)]
    return members, bands


@step(name="validate-and-stage-chunk")
def stage_chunk(run: Run, index: int, rows: ChunkRows) -> dict[str, int]:
    """Assign the chunk's articles their stories, GX-validate its articles and tags, and write
    the chunk to staging atomically."""
    from flows.validation import validate_rows  # pandas + GX: only runs that stage rows need them

    at = datetime.now(UTC)
    parameters = bound_values(run.settings, at)
    assign_stories(run, rows)
    articles, invalid = validate_rows("stg_articles", rows.articles, run.run_id, at, parameters, run.validations)
    valid_ids = set(articles.column("article_id").to_pylist())
    tags, bad_tags = validate_rows("stg_article_tags", [t for t in rows.tags if t["article_id"] in valid_ids],
                                   run.run_id, at, parameters, run.validations)
    for q in invalid:
        logger().warning("validate %s: %s", redact_url(q["source_url"]), q["reason"])
    members, bands = story_rows(rows, valid_ids)
    staging.write_chunk(run.staged, index, {
        "stg_raw_pages": staging.to_table("stg_raw_pages", rows.raw_pages),
        "stg_articles": articles,
        "stg_article_tags": tags,
        "stg_story_members": staging.to_table("stg_story_members", members),
        "stg_story_bands": staging.to_table("stg_story_bands", bands),
        "stg_quarantine": staging.to_table("stg_quarantine", rows.quarantine + invalid + bad_tags),
    })
    return {"articles": articles.num_rows, "unexpected": rows.unexpected}


def run_chunks(run: Run, runner, task, chunks, parameters) -> dict[str, int]:
    """The chunk pipeline: ``task`` turns each chunk into its rows on the runner (at most a few
    chunks in flight), and each chunk is validated and staged here as soon as it is ready, in
    order. Returns the staged totals."""
    from flows.pipeline import in_order, window_for
    from prefect.utilities.annotations import quote

    totals = {"articles": 0, "unexpected": 0}
    for index, rows in in_order(runner, task, chunks, parameters, window=window_for(runner)):
        for key, value in stage_chunk(quote(run), index, quote(rows)).items():
            totals[key] += value
    return totals


@step(name="stage-polls")
def stage_polls(run: Run, polled: list[PolledFeed], selection: Selection) -> dict[str, int]:
    """Build each poll's row (now that selection knows its new entries), validate the feed
    entries, and stage the poll tables and the fetch queue. Written after every chunk: a run that
    dies earlier leaves its feeds due, and they are polled again at once."""
    from flows.validation import validate_rows

    at = datetime.now(UTC)
    polls = [poll_row(p, run.run_id, selection.new_per_feed.get(p.feed_id, 0),
                      selection.deferred_per_feed.get(p.feed_id, 0), run.settings) for p in polled]
    candidates = [c for p in polled for c in p.candidates]
    listed = [c for listings in selection.listings.values() for c in listings]
    entries, invalid = validate_rows("stg_feed_entries", entry_rows(candidates + listed),
                                     run.run_id, at, bound_values(run.settings, at), run.validations)
    rejects = [q for p in polled for q in p.quarantine] + invalid
    for name, table in {
        "stg_feed_polls": staging.to_table("stg_feed_polls", polls),
        "stg_feed_entries": entries,
        "stg_fetch_queue": staging.to_table("stg_fetch_queue", queue_rows(selection, at)),
        "stg_quarantine": staging.to_table("stg_quarantine", rejects),
    }.items():
        staging.write_table(run.staged.path, name, table)
    return {
        "feeds_polled": len(polls),
        "feeds_not_modified": sum(p["is_not_modified"] for p in polls),
        "feeds_failed": sum(p["error"] is not None for p in polls),
        "entries_seen": sum(p["entries_seen"] for p in polls),
        "unexpected": sum(p["is_unexpected"] for p in polls),
    }


@step(name="load-warehouse")
def load(run: Run, counts: dict) -> LoadStats:
    """Mark the run completely staged, then load it in one commit."""
    manifest = run.staged.manifest()
    manifest.update(complete=True, counts=counts)
    run.staged.write_manifest(manifest)
    with load_lock(run.wh, run.settings.lock_timeout_s):
        return load_run(run.cursor(), run.staged, run.settings, before_commit=lambda: checkpoint("load"))


@step(name="publish-data-docs")
def publish_data_docs(run: Run) -> str | None:
    """The run's validation results as great-expectations Data Docs (one page per suite); the
    path of the site's index, or None when the run validated nothing. Never fails the run."""
    from expectations.datadocs import publish

    try:
        index = publish(run.wh.quality_root, run.run_id, run.validations)
    except Exception as exc:
        logger().warning("could not build the Data Docs: %s", exc)
        return None
    return str(index) if index else None


@step(name="publish-report")
def publish_report(summary: dict, tables: dict[str, list[dict]] | None = None) -> None:
    """The run's summary as a Prefect markdown artifact, and its tables (new articles per site,
    feeds failing and why, quarantine by stage and reason) as Prefect table artifacts; in the log
    too. A report that cannot be published never fails a run that loaded its data."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from flows.report import summary_markdown

    flow = summary["flow"]
    try:
        create_markdown_artifact(markdown=summary_markdown(summary, tables or {}), key=f"{flow}-summary",
                                 description="feeds polled, articles loaded, quarantined, seconds per stage")
        for title, rows in (tables or {}).items():
            if rows:
                create_table_artifact(table=[{k: _plain(v) for k, v in r.items()} for r in rows],
                                      key=f"{flow}-{title.replace(' ', '-')}", description=title)
    except Exception as exc:
        logger().warning("could not publish the run report artifacts: %s", exc)
    logger().info("run summary: %s", {k: v for k, v in summary.items() if k != "stage_seconds"})


def _plain(value):
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def release_workers() -> None:
    """Stop the extraction workers once a run has extracted everything: the load does not need
    them, a run's peak memory is then the larger of extraction and load, not their sum, and their
    CPU time is counted in the run summary."""
    extract_pool.shutdown()


def prewarm(settings: Settings) -> None:
    """Get extraction and validation ready while the first pages download: start the extraction
    workers (their imports and models) and, in a background thread, great-expectations."""
    from flows.validation import prewarm_validation

    extract_pool.prestart(settings)
    prewarm_validation()
