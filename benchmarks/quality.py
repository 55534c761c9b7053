"""Text quality on trafilatura's evaluation corpus: ``make bench-quality`` (= ``python -m
benchmarks.quality EVAL_DIR``).

Every page of the development set (``EVAL_DIR``: ``evaldata.json``, ``eval/``, ``cache/`` and
the scorer ``eval_common.py``, imported from there at run time, never copied) goes through

- feedhouse, as stored: ``transforms.articles.page_rows``, the function the extraction workers
  run on a fetched page's bytes (decode, extract, normalize, the minimum-words rule); the text
  scored is the ``stg_articles.text`` it returns, which is what ``fct_articles.text`` stores. A
  page it rejects scores as an empty text;
- plain ``trafilatura.extract`` with the corpus's canonical options (``EXTRACT_OPTS``: tables,
  no comments), as ``default``, ``favor_precision`` and ``fast``;

in one run, on forked processes, and prints precision, recall and F1 per extractor (snippets
matched by ``eval_common.count_item``) with the CPU seconds each took.

``--cross-page N`` adds the experiment of ``transforms.boilerplate``: feedhouse's texts, each
without the paragraphs that recur on at least N of its site's other pages in the set (pages
grouped by the site they were taken from, see ``site_of``).
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import ModuleType

from transforms.articles import PageInput, page_rows
from transforms.boilerplate import drop_recurring, recurring_paragraphs
from transforms.settings import Settings
from transforms.urls import site_domain

Counts = tuple[int, int, int, int]
_JOB: dict = {}  # what the forked workers inherit: the extractors, the pages, the scorer


def load_scorer(eval_dir: Path) -> ModuleType:
    """``eval_common`` from the development set's own folder."""
    sys.path.insert(0, str(eval_dir))
    try:
        return importlib.import_module("eval_common")
    finally:
        sys.path.remove(str(eval_dir))


def page_url(url: str, name: str) -> str:
    """The page's URL as a feed would give it; the corpus names a few pages without a scheme."""
    return url if url.startswith(("http://", "https://")) else f"http://127.0.0.1/{name}"


def site_of(url: str) -> str:
    """The site a corpus page was taken from: unwraps ``web.archive.org`` captures, the
    ``hard::<site>-<slug>`` names and a stray leading ``x`` before the scheme."""
    if archived := re.match(r"https?://web\.archive\.org/web/[^/]+/(.+)", url):
        url = archived.group(1)
    if url.startswith("hard::"):
        return url.removeprefix("hard::").split("-")[0]
    url = url.removeprefix("x")
    return site_domain(url if "://" in url else f"http://{url}")


def feedhouse_text(settings: Settings, body: bytes, url: str) -> str | None:
    """What feedhouse stores as the article's text, or None when it stores no article."""
    page = PageInput(url, url, body, "text/html", datetime.now(UTC))
    rows = page_rows(page, "bench-quality", settings, datetime.now(UTC))
    return rows.article["text"] if rows.article else None


def extractors(scorer: ModuleType, settings: Settings) -> dict[str, Callable[[bytes, str], str | None]]:
    import trafilatura

    def plain(**options):
        return lambda body, url: trafilatura.extract(body, **options, **scorer.EXTRACT_OPTS)

    return {
        "feedhouse (as stored)": partial(feedhouse_text, settings),
        "trafilatura default": plain(),
        "trafilatura favor_precision": plain(favor_precision=True),
        "trafilatura fast": plain(fast=True),
    }


def _share(job: tuple[int, int]) -> tuple[dict[str, list[Counts]], dict[str, float], dict[str, str | None]]:
    """Every ``step``-th page through every extractor: per extractor its counts, CPU seconds
    and (for feedhouse) its texts."""
    start, step = job
    scorer, fns, pages = _JOB["scorer"], _JOB["extractors"], _JOB["pages"][start::step]
    counts = {name: [] for name in fns}
    cpu = dict.fromkeys(fns, 0.0)
    texts: dict[str, str | None] = {}
    for url, name, body, item in pages:
        for extractor, fn in fns.items():
            began = time.process_time()
            result, count, _err = scorer.run_and_count(lambda b: fn(b, page_url(url, name)), body, item)
            cpu[extractor] += time.process_time() - began
            counts[extractor].append(count)
            if extractor.startswith("feedhouse"):
                texts[url] = result
    return counts, cpu, texts


def evaluate(eval_dir: Path, workers: int, limit: int | None, settings: Settings) -> dict:
    scorer = load_scorer(eval_dir)
    evaldata = scorer.load_evaldata(str(eval_dir))
    scorer.validate(evaldata)
    docs = scorer.read_corpus(str(eval_dir), evaldata)
    urls = sorted(evaldata)[:limit]
    fns = extractors(scorer, settings)
    for fn in fns.values():  # lazy imports and caches are not extraction: once, before the fork
        fn(docs[urls[0]][1], page_url(urls[0], evaldata[urls[0]]["file"]))
    _JOB.update(scorer=scorer, extractors=fns,
                pages=[(u, evaldata[u]["file"], docs[u][1], evaldata[u]) for u in urls])
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            shares = list(pool.map(_share, [(i, workers) for i in range(workers)]))
    finally:
        _JOB.clear()
    matrices = {name: scorer.ConfusionMatrix() for name in fns}
    cpu = dict.fromkeys(fns, 0.0)
    texts: dict[str, str | None] = {}
    for counts, seconds, found in shares:
        for name in fns:
            for c in counts[name]:
                matrices[name].add(c)
            cpu[name] += seconds[name]
        texts.update(found)
    return {"pages": len(urls), "matrices": matrices, "cpu": cpu, "texts": texts,
            "items": {u: evaldata[u] for u in urls}, "scorer": scorer}


def without_site_boilerplate(texts: dict[str, str | None], min_pages: int) -> tuple[dict[str, str | None], list[str]]:
    """One site's texts, each without the paragraphs found on at least ``min_pages`` of the
    site's *other* pages (as a new page would be filtered against the site's stored articles),
    and the paragraphs dropped (one entry per page they were dropped from)."""
    filtered: dict[str, str | None] = {}
    dropped: list[str] = []
    for url, text in texts.items():
        if text is not None and len(texts) > min_pages:
            recurring = recurring_paragraphs((t or "" for u, t in texts.items() if u != url), min_pages)
            kept = drop_recurring(text, recurring)
            dropped += [line for line in text.splitlines() if line not in kept.splitlines()]
            text = kept
        filtered[url] = text
    return filtered, dropped


def cross_page(result: dict, min_pages: int, name: str = "feedhouse + cross-page") -> dict:
    """Adds feedhouse's texts filtered site by site (``without_site_boilerplate``) to
    ``result``. Its CPU is feedhouse's plus the filter's."""
    began = time.process_time()
    sites: dict[str, dict[str, str | None]] = {}
    for url, text in result["texts"].items():
        sites.setdefault(site_of(url), {})[url] = text
    cm, dropped = result["scorer"].ConfusionMatrix(), 0
    for texts in sites.values():
        filtered, lines = without_site_boilerplate(texts, min_pages)
        dropped += len(lines)
        for url, text in filtered.items():
            cm.add(result["scorer"].count_item(result["items"][url], text))
    result["matrices"][name] = cm
    result["cpu"][name] = result["cpu"]["feedhouse (as stored)"] + time.process_time() - began
    sizes = [len(texts) for texts in sites.values()]
    result["cross_page"] = {
        "min_pages": min_pages, "sites": len(sites), "dropped": dropped,
        "sites_3plus": sum(n >= 3 for n in sizes), "sites_applicable": sum(n > min_pages for n in sizes),
    }
    return result


def sample_cross_page(min_pages: int, settings: Settings, say=print) -> None:
    """The experiment on the bundled sample's article pages (``flows/sample/sites``), which has
    no snippets to score: what it would drop, site by site, for a reader to judge."""
    from flows.paths import SAMPLE_DIR

    for site_dir in sorted(p for p in (SAMPLE_DIR / "sites").iterdir() if p.is_dir()):
        host = f"{{{{{site_dir.name}}}}}"
        texts = {}
        for path in sorted(site_dir.rglob("*.html")):
            if path.name == "index.html":
                continue
            url = f"http://127.0.0.1:9/{path.relative_to(site_dir)}"
            texts[url] = feedhouse_text(settings, path.read_bytes().replace(host.encode(), b"127.0.0.1:9"), url)
        _filtered, dropped = without_site_boilerplate(texts, min_pages)
        stored = sum(t is not None for t in texts.values())
        say(f"{site_dir.name}: {stored} articles stored of {len(texts)} pages; {len(dropped)} paragraphs dropped"
            f" (N={min_pages})")
        for line in sorted(set(dropped)):
            say(f"  {dropped.count(line)}x  {line[:100]}")


def report(result: dict, say=print) -> bool:
    """The table; True when feedhouse scores at least trafilatura's ``favor_precision``."""
    say(f"{'extractor':<30} {'precision':>9} {'recall':>7} {'F1':>7} {'CPU s':>7} {'ms/page':>8}")
    # feedhouse's rows first (as stored, then the cross-page experiment), trafilatura's after
    for name in sorted(result["matrices"], key=lambda n: not n.startswith("feedhouse")):
        p, r, _acc, f1 = result["matrices"][name].scores()
        cpu = result["cpu"][name]
        say(f"{name:<30} {p:>9.4f} {r:>7.4f} {f1:>7.4f} {cpu:>7.1f} {cpu / result['pages'] * 1000:>8.1f}")
    f1 = {name: cm.f1() for name, cm in result["matrices"].items()}
    if info := result.get("cross_page"):
        say(f"\ncross-page (N={info['min_pages']}): {info['sites']} sites, {info['sites_3plus']} with >= 3 pages, "
            f"{info['sites_applicable']} with > N pages (where the rule can apply); "
            f"{info['dropped']} paragraphs dropped")
    ok = f1["feedhouse (as stored)"] >= f1["trafilatura favor_precision"]
    say(f"\nfeedhouse F1 - favor_precision F1 {f1['feedhouse (as stored)'] - f1['trafilatura favor_precision']:+.4f}"
        f"  target>=0  {'PASS' if ok else 'MISS'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n\n")[0])
    ap.add_argument("eval_dir", type=Path, help="the development set (evaldata.json, eval/, cache/, eval_common.py)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="forked processes (default: one per core)")
    ap.add_argument("--limit", type=int, help="only the first N pages (a smoke run)")
    ap.add_argument("--cross-page", type=int, metavar="N", default=2,
                    help="add feedhouse + cross-page: drop paragraphs on >= N of the site's other pages "
                         "(default 2; 0 leaves the column out)")
    ap.add_argument("--sample", action="store_true",
                    help="instead: list what cross-page removal drops from the bundled sample's articles")
    args = ap.parse_args(argv)
    if args.sample:
        sample_cross_page(args.cross_page or 2, Settings.from_env(os.environ))
        return 0
    eval_dir = args.eval_dir.resolve()
    if not (eval_dir / "evaldata.json").is_file():
        ap.error(f"{eval_dir}: no evaldata.json (set EVAL_DIR to the development set)")
    print(f"development set {eval_dir}; {args.workers} processes; load average {os.getloadavg()[0]:.2f}", flush=True)
    began = time.monotonic()
    result = evaluate(eval_dir, args.workers, args.limit, Settings.from_env(os.environ))
    if args.cross_page:
        cross_page(result, args.cross_page)
    print(f"{result['pages']} pages in {time.monotonic() - began:.0f}s wall; "
          f"load average at the end {os.getloadavg()[0]:.2f}\n")
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())
