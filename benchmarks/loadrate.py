"""DuckDB load rate of ``fct_articles`` through feedhouse's own loader (``warehouse.load.load_run``).

Synthetic ``stg_articles`` rows (realistic text lengths from the corpus sentence generator) are
staged exactly as the pipeline stages them — one Parquet chunk per ``chunk_size`` articles in a
run directory — and then loaded into a freshly migrated warehouse. Only ``load_run`` is timed
(reading the staged Parquet, the site/author upserts, the article upsert, the commit), not the
staging. A second load of the same ids measures the update (upsert-conflict) path.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.words import Writer


def _rows(n: int, seed: int, offset: int = 0):
    from transforms.ids import content_hash, stable_id

    rng = random.Random(f"loadrate:{seed}")
    sites = [f"127.0.0.1:{20000 + s}" for s in range(50)]
    authors = [Writer(rng, "id").person() for _ in range(300)]
    base = datetime(2025, 10, 1, tzinfo=UTC)
    fetched = datetime.now(UTC)
    for i in range(offset, offset + n):
        # a fresh body per row: repeated texts would flatter a compressing storage format
        lang = "id" if i % 3 else "en"
        text = "\n\n".join(Writer(rng, lang).body(rng.randint(300, 1175)))
        site = sites[i % len(sites)]
        author = authors[(i * 7) % len(authors)] if i % 5 else None
        url = f"http://{site}/read/2025/09/{i}/artikel-{i}.html"
        published = base - timedelta(minutes=i)
        yield {
            "article_id": stable_id(url), "url": url, "canonical_url": url,
            "title": f"Artikel sintetis nomor {i}", "description": text[:160], "text": text,
            "published_at": published, "published_date_id": int(published.strftime("%Y%m%d")),
            "fetched_at": fetched, "site_id": stable_id(site), "site_domain": site, "site_name": f"Situs {site}",
            "author_id": stable_id(author) if author else None, "author_name": author, "language": lang,
            "word_count": len(text.split()), "content_hash": content_hash(text),
            "extractor_version": "bench",
        }


def _stage(db: Path, rows: int, chunk_size: int, seed: int):
    from warehouse import staging

    run = staging.new_run_dir(db, f"bench-load-{uuid.uuid4()}", {"flow_name": "bench-load", "started_at": datetime.now(UTC).isoformat(), "parameters": {}})
    batch, index = [], 0
    for row in _rows(rows, seed):
        batch.append(row)
        if len(batch) == chunk_size:
            staging.write_chunk(run, index, {"stg_articles": staging.to_table("stg_articles", batch)})
            batch, index = [], index + 1
    if batch:
        staging.write_chunk(run, index, {"stg_articles": staging.to_table("stg_articles", batch)})
    manifest = run.manifest()
    manifest.update(complete=True, counts={"seconds": 0})
    run.write_manifest(manifest)
    return run


def load_rate(workdir: Path, rows: int = 100_000, chunk_size: int = 200, seed: int = 1, log=print,
              update: bool = True) -> dict:
    from warehouse import staging
    from warehouse.db import open_migrated
    from warehouse.load import load_run

    db = Path(workdir) / "loadrate" / "warehouse.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    with open_migrated(db):  # migrations are not part of the load
        pass
    out = {"rows": rows, "chunk_size": chunk_size}
    for label in ("insert", "update") if update else ("insert",):
        t0 = time.monotonic()
        run = _stage(db, rows, chunk_size, seed)
        stage_s = time.monotonic() - t0
        staged_mb = sum(p.stat().st_size for p in run.path.rglob("*.parquet")) / 1e6
        with open_migrated(db) as con:
            c0, t0 = time.process_time(), time.monotonic()
            stats = load_run(con, run)
            wall, cpu = time.monotonic() - t0, time.process_time() - c0
        staging.release(run)
        loaded = stats.articles_new + stats.articles_updated
        out[label] = {
            "rows_loaded": loaded, "articles_new": stats.articles_new, "articles_updated": stats.articles_updated,
            "seconds": round(wall, 3), "cpu_s": round(cpu, 3), "rows_per_s": round(loaded / wall) if wall else None,
            "staging_seconds": round(stage_s, 2), "staged_parquet_mb": round(staged_mb, 1),
        }
        log(f"  load {label}: {loaded} rows in {wall:.2f}s ({loaded / wall:,.0f} rows/s, CPU {cpu:.1f}s); "
            f"staging took {stage_s:.1f}s, {staged_mb:.0f} MB parquet in {-(-rows // chunk_size)} chunks")
    out["db_mb"] = round(db.stat().st_size / 1e6, 1)
    return out
