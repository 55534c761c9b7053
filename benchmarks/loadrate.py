"""How fast ``warehouse.load.load_run`` loads articles into a DuckLake warehouse.

Synthetic ``stg_articles`` rows are staged the way a run stages them (a run directory under the
warehouse's staging root, one Parquet chunk per ``chunk_size`` articles, a complete manifest)
and loaded into a freshly migrated warehouse; only ``load_run`` is timed. Loading the same ids
again measures the update path. Every row has its own generated text of a few KB: repeated texts
would flatter the compressed storage.
"""

from __future__ import annotations

import random
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.corpus import Writer
from transforms.ids import content_hash, stable_id
from transforms.settings import Settings
from warehouse import staging
from warehouse.db import Warehouse, load_lock, locate, open_migrated
from warehouse.load import load_run


def synthetic_articles(count: int, seed: int, start: int = 0, words: tuple[int, int] = (300, 900)) -> Iterator[dict]:
    """``stg_articles`` rows spread over 50 sites and 300 authors, Indonesian and English, numbered
    from ``start`` (the number makes the URL and so the id), each text of ``words`` words."""
    rng = random.Random(f"loadrate:{seed}:{start}")
    writers = {lang: Writer(rng, lang) for lang in ("id", "en")}
    authors = [writers["id"].person() for _ in range(300)]
    fetched = datetime.now(UTC)
    for i in range(start, start + count):
        language = "en" if i % 3 == 0 else "id"
        text = "\n\n".join(writers[language].body(rng.randint(*words)))
        site = f"127.0.0.1:{20000 + i % 50}"
        url = f"http://{site}/2025/09/artikel-{i}.html"
        author = authors[i * 7 % len(authors)] if i % 5 else None
        published = datetime(2025, 10, 1, tzinfo=UTC) - timedelta(minutes=i)
        yield {"article_id": stable_id(url), "url": url, "canonical_url": url, "title": f"Artikel {i}",
               "description": text[:160], "text": text, "published_at": published,
               "published_date_id": int(f"{published:%Y%m%d}"), "fetched_at": fetched, "site_id": stable_id(site),
               "site_domain": site, "site_name": f"Situs {site}", "author_id": stable_id(author) if author else None,
               "author_name": author, "language": language, "word_count": len(text.split()),
               "content_hash": content_hash(text), "extractor_version": "bench",
               "story_id": stable_id(url)}  # each article its own story, as an article no other resembles


def stage(root: Path, rows: int, chunk_size: int, seed: int, start: int = 0,
          words: tuple[int, int] = (300, 900)) -> staging.RunDir:
    """A completely staged run of ``rows`` synthetic articles under ``root``, as a run leaves it
    (no rows: a run in which nothing changed)."""
    run = staging.new_run_dir(root, f"bench-load-{uuid.uuid4()}",
                              {"flow_name": "bench-load", "started_at": datetime.now(UTC).isoformat(), "parameters": {}})
    articles = synthetic_articles(rows, seed, start, words)
    for index in range(-(-rows // chunk_size)):
        chunk = [row for _, row in zip(range(chunk_size), articles, strict=False)]
        staging.write_chunk(run, index, {"stg_articles": staging.to_table("stg_articles", chunk)})
    run.write_manifest({**run.manifest(), "complete": True, "counts": {"seconds": 0}})
    staging.release(run)
    return run


def load_rate(workdir: Path, rows: int, chunk_size: int = 200, seed: int = 1,
              say: Callable[[str], None] = print) -> dict[str, float]:
    """Rows per second of the insert (new ids) and of the update (the same ids again). The rows
    are staged once and copied into the warehouse's staging area for each load."""
    wh = locate(workdir / "loadrate" / "wh.ducklake")
    settings = Settings()
    with open_migrated(wh):  # migrating is not loading
        pass
    began = time.monotonic()
    staged = stage(workdir / "loadrate" / "staged", rows, chunk_size, seed)
    say(f"  staged {rows:,} articles in {chunk_size}-row chunks in {time.monotonic() - began:.1f}s (not counted)")
    rates = {}
    for label in ("insert", "update"):
        run = staging.RunDir(wh.staging_root / f"{staged.run_id}-{label}")
        shutil.copytree(staged.path, run.path)
        with open_migrated(wh) as con, load_lock(wh, settings.lock_timeout_s):
            began = time.monotonic()
            stats = load_run(con, run, settings)
            seconds = time.monotonic() - began
        loaded = stats.articles_new + stats.articles_updated
        rates[label] = round(loaded / seconds)
        say(f"  load {label}: {loaded:,} rows in {seconds:.2f}s → {rates[label]:,} rows/s")
    return rates
