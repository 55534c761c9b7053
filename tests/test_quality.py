"""The quality report people look at: each run's validation results as great-expectations Data
Docs, opened in a real headless browser (Debian's chromium; `.ci/run` installs it), and
`feedhouse quality`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest


from .conftest import ingest_sample, run_cli


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    """Headless Chromium that cannot leave the machine: every host name fails to resolve (the
    Data Docs pages reference CDN stylesheets), background services are off."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium is not installed (.ci/run installs Debian's chromium)"
    return subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
         f"--user-data-dir={profile}", "--virtual-time-budget=5000", *args],
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def docs(tmp_path_factory, sample_hosts):
    feeds, db, summary = ingest_sample(tmp_path_factory, sample_hosts, "q")
    return {"summary": summary, "db": db, "tmp": feeds.parent, "index": Path(summary["data_docs"])}


def test_a_run_writes_data_docs_with_a_page_per_suite(docs):
    index = docs["index"]
    assert index.name == "index.html" and index.exists()
    assert index.parent.parent == docs["db"].parent / "quality" / "q"
    pages = sorted(p.relative_to(index.parent).parts[1] for p in (index.parent / "validations").rglob("*.html"))
    assert pages == ["stg_article_tags", "stg_articles", "stg_feed_entries"]


def test_the_data_docs_open_in_a_browser_and_show_the_suites_and_their_counts(docs, tmp_path):
    dom = chromium("--dump-dom", docs["index"].as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for suite in ("stg_articles", "stg_article_tags", "stg_feed_entries"):
        assert suite in dom.stdout
    page = next((docs["index"].parent / "validations" / "stg_articles").rglob("*.html"))
    shown = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    text = re.sub(r"<[^>]+>", " ", shown.stdout)
    text = " ".join(text.split())
    assert "stg_articles" in text
    evaluated = re.search(r"Evaluated Expectations (\d+)", text)
    successful = re.search(r"Successful Expectations (\d+)", text)
    failed = re.search(r"Unsuccessful Expectations (\d+)", text)
    assert evaluated and successful and failed, text[:2000]
    assert int(evaluated.group(1)) == int(successful.group(1)) + int(failed.group(1)) > 0
    shot = tmp_path / "data-docs.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,900", page.as_uri(), profile=tmp_path / "profile")
    assert shot.exists() and shot.stat().st_size > 10_000


def test_feedhouse_quality_prints_the_reasons_and_where_the_data_docs_are(docs):
    done = run_cli(["quality", "--db", str(docs["db"])], dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "HTTP 404 Not Found" in done.stdout and "empty extraction" in done.stdout
    assert f"Data Docs: {docs['index']}" in done.stdout
