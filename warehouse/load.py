"""Load a staged run into the warehouse: one commit, bulk, idempotent.

Each step is one SQL statement in ``warehouse/load/<target>.sql`` over ``stg_*`` views of all of
the run's staged Parquet files (DuckDB streams them; nothing is held in Python). Keys are stable
hashes and every step is a ``merge`` by the target's grain, so loading the same staged data again
changes nothing. The whole load is one DuckLake commit: readers see all of it or none of it.

The steps deduplicate staged rows with ``DISTINCT ON``, not a window function: with DuckDB 1.5.5
and DuckLake, a window function in a CTE of a ``MERGE`` source hangs the planner.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from transforms.contracts import CONTRACTS
from transforms.settings import Settings
from warehouse import staging
from warehouse.staging import RunDir

log = logging.getLogger(__name__)

LOAD_DIR = Path(__file__).parent / "load"
# Each step and the counts that make it worth running (the staged tables it reads; a step whose
# counts are all zero is skipped: every statement costs tens of milliseconds of catalog work, even
# over nothing). Dimensions before the facts that refer to them; fetch_state after the facts it
# summarizes; etl_runs always.
LOAD_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("raw_pages", ("stg_raw_pages",)),
    ("dim_sites", ("stg_articles",)),
    ("dim_authors", ("stg_articles",)),
    ("fts_terms_replaced", ("articles_rewritten",)),  # reads every posting: only when a load rewrites articles
    ("fct_articles", ("stg_articles",)),
    ("fts_postings", ("stg_articles",)),
    ("fts_terms", ("stg_articles",)),
    ("fts_docs", ("stg_articles",)),
    ("dim_stories", ("stg_articles",)),  # after fct_articles: it counts the stories' articles
    ("story_bands", ("stg_story_bands",)),  # before story_members: it adds keys of articles new to it
    ("story_members", ("stg_story_members",)),
    ("dim_tags", ("stg_article_tags",)),
    ("bridge_article_tags", ("stg_article_tags",)),
    ("quarantine", ("stg_quarantine",)),
    ("fct_feed_polls", ("stg_feed_polls",)),
    ("dim_feeds", ("stg_feed_polls",)),
    ("fct_feed_entries", ("stg_feed_entries",)),
    ("fetch_state", ("stg_fetch_queue", "stg_articles", "stg_quarantine")),
    ("etl_runs", ()),
)
_PARAM_RE = re.compile(r"\$([a-z_]+)")


@dataclass(frozen=True)
class LoadStats:
    """What one load changed, for the run summary."""

    run_id: str
    articles_new: int = 0
    articles_updated: int = 0
    quarantined: int = 0
    already_loaded: bool = False  # a leftover of a load that had committed: nothing to do
    tables: dict[str, list[dict]] = field(default_factory=dict)  # the run at a glance, for its report
    step_seconds: dict[str, float] = field(default_factory=dict)  # per load step (benchmarks, debug log)


REPORT_TABLES = {  # over the staged rows: what this run brought, never a scan of the warehouse
    "new articles per site": """
        select coalesce(max(site_name), site_domain) as site, count(*) as articles,
               count(distinct language) as languages
        from stg_articles group by site_domain order by articles desc, site limit 50""",
    "feeds failing": """
        select coalesce(feed_name, feed_title, feed_url) as feed, http_status, error, status
        from stg_feed_polls where error is not null order by feed limit 50""",
    "quarantine by stage and reason": """
        select stage, reason, count(*) as rows, count(*) filter (where is_retryable) as retryable,
               count(*) filter (where is_unexpected) as unexpected
        from stg_quarantine group by stage, reason order by rows desc, stage, reason limit 20""",
}


def report_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """The run's tables for people (its Prefect artifacts), from the staged views."""
    out = {}
    for title, sql in REPORT_TABLES.items():
        result = con.execute(sql)
        columns = [d[0] for d in result.description]
        out[title] = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    return out


def stage_views(con: duckdb.DuckDBPyConnection, run: RunDir) -> dict[str, int]:
    """A temp view ``stg_<table>`` per contract over the run's staged files (empty when none);
    returns each one's row count (from the Parquet footers, without a query)."""
    rows = {}
    for name, contract in CONTRACTS.items():
        files = staging.files(run, name)
        rows[name] = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        # temp views: relation.create_view() would create them in the warehouse's catalog (the
        # connection uses it), a commit of their own that outlives the staged files
        if rows[name]:
            paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            con.execute(f"create or replace temp view {name} as "
                        f"select * from read_parquet([{paths}], union_by_name = true)")
        else:
            columns = ", ".join(f"cast(null as {c.type}) as {c.name}" for c in contract.columns)
            con.execute(f"create or replace temp view {name} as select {columns} where false")
    return rows


def load_run(
    con: duckdb.DuckDBPyConnection,
    run: RunDir,
    settings: Settings,
    *,
    status: str | None = None,
    before_commit: Callable[[], None] | None = None,
) -> LoadStats:
    """Load everything staged in ``run`` in one commit, then delete the staging directory.

    ``status`` is written to ``etl_runs`` (default: ``succeeded`` for a completely staged run,
    ``recovered`` for a partial one left by a crash). ``before_commit`` runs inside the
    transaction just before it commits (crash tests). The caller holds the load lock.
    """
    if con.execute("select count(*) from etl_runs where run_id = ?", [run.run_id]).fetchall()[0][0]:
        log.info("run %s was loaded already; removing its staging directory", run.run_id)
        staging.remove(run)
        return LoadStats(run.run_id, already_loaded=True)
    manifest = run.manifest()
    complete = bool(manifest.get("complete"))
    counts = manifest.get("counts", {})
    rows = stage_views(con, run)
    staged, existing = con.execute(
        "select count(distinct s.article_id), count(distinct a.article_id) "
        "from stg_articles as s left join fct_articles as a on a.article_id = s.article_id"
    ).fetchall()[0] if rows["stg_articles"] else (0, 0)
    stats = LoadStats(run.run_id, articles_new=staged - existing, articles_updated=existing,
                      quarantined=rows["stg_quarantine"], tables=report_tables(con))
    now = datetime.now(UTC)
    params = {
        "run_id": run.run_id,
        "now": now,
        "complete": complete,
        "max_attempts": settings.max_fetch_attempts,
        "flow_name": manifest.get("flow_name", "ingest"),
        "started_at": manifest.get("started_at", now.isoformat()),
        "status": status or ("succeeded" if complete else "recovered"),
        "articles_new": stats.articles_new,
        "articles_updated": stats.articles_updated,
        "rows_quarantined": stats.quarantined,
        "parameters": json.dumps(manifest.get("parameters", {}), default=str),
        **{key: counts.get(key) for key in ("feeds_polled", "feeds_not_modified", "feeds_failed",
                                            "entries_seen", "unexpected_errors", "seconds")},
    }
    con.execute("begin transaction")
    try:
        rows["articles_rewritten"] = existing
        for step, sources in LOAD_STEPS:
            if sources and not any(rows[s] for s in sources):
                continue
            sql = (LOAD_DIR / f"{step}.sql").read_text()
            began = time.perf_counter()
            con.execute(sql, {k: params[k] for k in set(_PARAM_RE.findall(sql))})
            stats.step_seconds[step] = time.perf_counter() - began
        con.execute("call ducklake_set_commit_message(?, 'feedhouse', ?, extra_info => ?)",
                    ["wh", f"{params['flow_name']} run {run.run_id}", json.dumps({"run_id": run.run_id})])
        if before_commit is not None:
            before_commit()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    staging.remove(run)
    log.info("loaded staged run %s: %s new, %s updated, %s quarantined", run.run_id,
             stats.articles_new, stats.articles_updated, stats.quarantined)
    log.debug("load steps (s): %s", {k: round(v, 3) for k, v in stats.step_seconds.items()})
    return stats
