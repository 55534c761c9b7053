"""One contract per staged table (transforms/contracts.py), and every copy of it agrees: the rows
each step builds, the Arrow schema staged, the great-expectations suite (and its readable file),
and the warehouse columns the loader writes by name."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from expectations.suites import SUITE_DIR, suite_text, validated_contracts
from flows.validation import BatchValidationError, validate_rows
from transforms import contracts
from transforms.articles import PageInput, page_rows, raw_page_row
from transforms.contracts import CONTRACTS, Column, bound_values
from transforms.feeds import FeedEntry
from transforms.polls import EntryCandidate, PollResponse, interpret_poll, poll_row
from transforms.quarantine import quarantine_row
from transforms.select import entry_rows, queue_rows, select_articles
from transforms.settings import Settings
from warehouse import staging

from .fault_server import INDONESIAN_PARAGRAPH, page_html, rss

NOW = datetime(2026, 1, 2, tzinfo=UTC)
PAGE = page_html("Judul", [INDONESIAN_PARAGRAPH] * 2).encode()


def _page(body: bytes = PAGE) -> PageInput:
    return PageInput("http://x.test/a", "http://x.test/a", body, "text/html", NOW, entry_title="Judul",
                     entry_categories=("Politik",),
                     feed_id=7, http_status=200)


def _candidate() -> EntryCandidate:
    entry = FeedEntry("g", "http://x.test/a", "http://x.test/a", "Judul", "Ringkas", NOW, "Budi", ("Politik",))
    return EntryCandidate(7, 1, entry, "id", NOW)


def test_the_suite_files_are_the_contracts_written_out():
    for contract in validated_contracts():
        assert (SUITE_DIR / f"{contract.name}.json").read_text(encoding="utf-8") == suite_text(contract), (
            f"expectations/{contract.name}.json is stale: run python -m expectations.suites")


def test_every_row_builder_builds_exactly_its_contracts_columns():
    rows = page_rows(_page(), "run", Settings(), NOW)
    polled = interpret_poll(PollResponse(7, "http://x.test/rss", "http://x.test/rss", NOW, status=200,
                                         body=rss("http://x.test", [{"title": "A", "link": "http://x.test/a"}]).encode()),
                            "run")
    selection = select_articles([_candidate()], set(), [], max_entries_per_feed=5, max_pages_per_run=5)
    from flows.tasks import ChunkRows, story_rows
    from transforms.stories import StoryIndex, assign

    article = {**rows.article, "story_id": assign([(rows.article_id, rows.signature)], StoryIndex())[rows.article_id]}
    members, bands = story_rows(ChunkRows(articles=[article], signatures={rows.article_id: rows.signature}),
                                {rows.article_id})
    built = {
        "stg_articles": article,  # the worker builds it; the story is the flow's to give (it needs the window)
        "stg_story_members": members[0],
        "stg_story_bands": bands[0],
        "stg_article_tags": rows.tags[0],
        "stg_raw_pages": raw_page_row(_page()),
        "stg_quarantine": quarantine_row("fetch", "http://x.test/a", "why", {}, run_id="run", at=NOW),
        "stg_feed_polls": poll_row(polled, "run", 1, 0, Settings()),
        "stg_feed_entries": entry_rows([_candidate()])[0],
        "stg_fetch_queue": queue_rows(selection, NOW)[0],
    }
    assert set(built) == set(CONTRACTS)
    for name, row in built.items():
        assert tuple(row) == CONTRACTS[name].column_names, name
        staging.to_table(name, [row])  # and Arrow takes it with the contract's types


def test_the_warehouse_has_a_column_for_every_staged_column_the_loader_writes(tmp_path):
    from warehouse.db import locate, open_migrated

    loaded_as = {"stg_articles": "fct_articles", "stg_raw_pages": "raw_pages", "stg_quarantine": "quarantine",
                 "stg_feed_entries": "fct_feed_entries", "stg_fetch_queue": "fetch_state"}
    staging_only = {"site_domain", "site_name", "author_name",  # go to dim_sites and dim_authors
                    "canonical_url", "entry_url", "seen_at", "is_deferred", "queued_at"}
    with open_migrated(locate(tmp_path / "c.ducklake")) as con:
        for staged, table in loaded_as.items():
            columns = {r[0] for r in con.execute(f"describe {table}").fetchall()}
            missing = set(CONTRACTS[staged].column_names) - columns - staging_only
            assert not missing, f"{staged} → {table}: {missing}"


def test_thresholds_come_from_the_settings_not_the_suite():
    """FEEDHOUSE_MIN_WORDS=5: a 15-word article passes extraction and validation alike."""
    short = page_html("Pendek", ["Pemerintah daerah menyatakan program perbaikan jalan pesisir akan dilanjutkan "
                                 "tahun depan setelah anggaran disetujui dewan."]).encode()
    for min_words, kept in ((5, 1), (20, 0)):
        settings = Settings(min_words=min_words)
        rows = page_rows(_page(short), "run", settings, NOW)
        assert (rows.article is not None) == bool(kept)
        if rows.article:
            article = {**rows.article, "story_id": rows.article_id}
            good, rejects = validate_rows("stg_articles", [article], "run", NOW, bound_values(settings, NOW))
            assert (good.num_rows, rejects) == (1, [])
            strict = bound_values(Settings(min_words=50), NOW)
            good, rejects = validate_rows("stg_articles", [article], "run", NOW, strict)
            assert good.num_rows == 0 and "column=word_count" in rejects[0]["reason"]


def test_schema_drift_stops_the_batch_with_a_message_that_names_the_columns(monkeypatch):
    row = {**page_rows(_page(), "run", Settings(), NOW).article, "story_id": 1}
    real = staging.to_table

    def drifted(name, rows):
        table = real(name, rows)
        return table.drop_columns(["title"]).append_column("headline", pa.array(["x"] * table.num_rows))

    monkeypatch.setattr(staging, "to_table", drifted)
    with pytest.raises(BatchValidationError, match=r"schema drift: missing columns \['title'\], unexpected columns \['headline'\]"):
        validate_rows("stg_articles", [row], "run", NOW, bound_values(Settings(), NOW))


def test_a_column_added_to_the_contract_and_a_migration_reaches_the_warehouse(tmp_path, monkeypatch):
    """All it takes to carry a new column end to end: declare it in the contract and add a
    migration; the staged schema, the suite and the loader follow by name."""
    import warehouse.db
    from flows import tasks
    from flows.run import Run
    from warehouse.db import locate
    from warehouse.load import load_run

    articles = CONTRACTS["stg_articles"]
    extended = contracts.Contract(articles.name, articles.grain,
                                  articles.columns + (Column("reading_minutes", "INTEGER", nullable=False, min=1),),
                                  validated=True)
    monkeypatch.setitem(CONTRACTS, "stg_articles", extended)
    migrations = tmp_path / "migrations"
    shutil.copytree(warehouse.db.MIGRATIONS_DIR, migrations)
    (migrations / "9999_fct_articles_reading_minutes.sql").write_text(
        "alter table fct_articles add column reading_minutes integer;\n")
    monkeypatch.setattr(warehouse.db, "MIGRATIONS_DIR", migrations)

    rows = page_rows(_page(), "run", Settings(), NOW)
    article = {**rows.article, "reading_minutes": max(1, rows.article["word_count"] // 200)}
    wh = locate(tmp_path / "w.ducklake")
    staged = staging.new_run_dir(wh.staging_root, "run-1", {"flow_name": "ingest"})
    run = Run("ingest", "run-1", wh, Settings(), staged)
    try:
        tasks.stage_chunk.fn(run, 0, tasks.ChunkRows(articles=[article], tags=list(rows.tags),
                                                     raw_pages=[rows.raw_page],
                                                     signatures={article["article_id"]: rows.signature}))
        bad = {**article, "article_id": article["article_id"] + 1, "canonical_url": "http://x.test/b",
               "reading_minutes": 0}
        tasks.stage_chunk.fn(run, 1, tasks.ChunkRows(articles=[bad], signatures={bad["article_id"]: rows.signature}))
        load_run(run.cursor(), staged, Settings())
        con = run.cursor()
        assert con.execute("select reading_minutes from fct_articles").fetchall() == [(article["reading_minutes"],)]
        assert "column=reading_minutes" in con.execute("select reason from quarantine").fetchall()[0][0]
    finally:
        run.close()
        staging.release(staged)
