"""The benchmark corpus: N news sites × M articles, one page template, Indonesian and English.

Pages are 30–150 KB like real news pages: inline CSS and scripts, navigation, a sidebar of
popular and latest links, related links, comments, ad configuration, and an article body of a
few hundred words from a small sentence grammar over real words (so trafilatura finds exactly
the body and py3langid names the language; the words are in ``words.toml``). About 4 % of the links are bad: a 404, a PDF, a page
with all the chrome but no article. Site ``i`` depends only on ``(seed, i)``, so a 4× corpus
begins with the 1× sites. Written once under ``benchmarks/.corpus/<key>/`` and reused; links use
``{{host}}``, which :mod:`flows.localserver` replaces with the site's ``127.0.0.1:port``.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

from flows.localserver import fill_tokens

VERSION = "5"
CORPUS_ROOT = Path(__file__).resolve().parent / ".corpus"
BAD_CASES = (("404", 0.012), ("pdf", 0.012), ("empty", 0.014))  # kind, share of the links
START = datetime(2025, 10, 1, 18, 0, tzinfo=timezone(timedelta(hours=7)))

WORDS = tomllib.loads((Path(__file__).with_name("words.toml")).read_text(encoding="utf-8"))


class Writer:
    """Text in one language from the word lists, driven by one seeded ``random.Random``."""

    def __init__(self, rng: random.Random, language: str):
        self.rng, self.language, self.words = rng, language, WORDS[language]

    def pick(self, key: str) -> str:
        return self.rng.choice(self.words[key])

    def person(self) -> str:
        return f"{self.pick('first')} {self.pick('last')}"

    def sentence(self) -> str:
        fields = {k: self.pick(k) for k in "Svoptcrm"} | {
            "Q": self.pick("q").capitalize(), "role": self.pick("role"), "up": self.pick("up"),
            "name": self.person(), "n": self.rng.randint(2, 45)}
        fields["s"] = fields["S"].replace("The ", "the ", 1)
        text = self.rng.choice(self.words["sentences"]).format(**fields)
        return text[0].upper() + text[1:]

    def headline(self) -> str:
        text = f"{self.pick('S')} {self.pick('v')} {self.pick('o')}"
        return text[0].upper() + text[1:]

    def body(self, words: int) -> list[str]:
        """Paragraphs of 2–5 sentences until about ``words`` words."""
        paragraphs: list[str] = []
        while sum(len(p.split()) for p in paragraphs) < words:
            paragraphs.append(" ".join(self.sentence() for _ in range(self.rng.randint(2, 5))))
        return paragraphs


def _filler(size: int, unit) -> str:
    """``unit()`` repeated until ``size`` characters: how pages grow to their target size."""
    parts, total = [], 0
    while total < size:
        parts.append(unit())
        total += len(parts[-1]) + 1
    return "\n".join(parts)


def _css(rng: random.Random) -> str:
    return (f".c{rng.randrange(10**6)} .item-{rng.randrange(999)}{{margin:0 0 {rng.randint(1, 40)}px;"
            f"color:#{rng.randrange(16**6):06x};font-size:{rng.randint(10, 30)}px;display:flex}}")


def _ad_script(rng: random.Random) -> str:
    return (f"googletag.cmd.push(function(){{googletag.defineSlot('/{rng.randrange(10**8)}/news',[{rng.choice([300, 728])},"
            f"{rng.choice([90, 250])}],'div-gpt-ad-{rng.randrange(10**12)}').addService(googletag.pubads());}});")


def _links(items: list[dict]) -> str:
    return "".join(f'<li><a href="http://{{{{host}}}}{o["path"]}">{escape(o["title"])}</a></li>' for o in items)


def page(site: dict, article: dict, others: list[dict], w: Writer) -> str:
    """One article page of about ``article["size"]`` bytes, half of the padding in the sidebar's
    link list and half in ad scripts; no paragraphs makes the "empty article" bad case."""
    rng, ui = w.rng, w.words["ui"]
    nav = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in w.words["sections"])
    comments = "".join(f'<li class="comment"><b>{w.person()}</b><p>{escape(w.pick("comments"))}</p></li>'
                       for _ in range(rng.randint(0, 8)))
    body = "".join(f"<p>{escape(p)}</p>" for p in article["paragraphs"])
    top = f"""<!DOCTYPE html>
<html lang="{site['language']}"><head><meta charset="utf-8"><title>{escape(article['title'])} - {escape(site['title'])}</title>
<meta name="description" content="{escape(article['summary'])}"><meta property="og:site_name" content="{escape(site['title'])}">
<meta name="author" content="{article['author']}"><meta property="article:published_time" content="{article['date'].isoformat()}">
<link rel="canonical" href="http://{{{{host}}}}{article['path']}"><style>{_filler(rng.randint(4000, 12000), lambda: _css(rng))}</style>
<script>window.__CONFIG__={{"site":"{site['name']}","section":"{article['section']}"}};</script></head>
<body><header class="masthead"><a class="logo" href="/">{escape(site['title'])}</a><nav class="nav"><ul>{nav}</ul></nav></header>
<div class="breadcrumb"><a href="/">{ui[0]}</a> › <a href="/{article['section'].lower()}/">{article['section']}</a></div>
<main><article class="post"><h1>{escape(article['title'])}</h1>
<p class="byline">{ui[5]} {article['author']} · <time datetime="{article['date'].isoformat()}">{article['date']:%d %b %Y %H:%M}</time></p>
<div class="post-body">{body}</div></article>
<section class="related"><h2>{ui[6]}</h2><ul>{_links(others[:5])}</ul></section>
<section class="comments"><h2>{ui[4]}</h2><ol>{comments}</ol></section></main>
<aside class="sidebar"><h2>{ui[1]}</h2><ol>{_links(others[5:12])}</ol><h2>{ui[2]}</h2><ul>
"""
    pad = max(0, article["size"] - len(top.encode()))
    latest = _filler(pad // 2, lambda: _links([rng.choice(others)]))
    ads = _filler(pad - len(latest), lambda: _ad_script(rng))
    return f"{top}{latest}</ul></aside>\n<footer><p>© 2025 {escape(site['title'])}</p></footer>\n<script>{ads}</script></body></html>\n"


FEEDS = {  # head, one entry, tail: str.format templates over the site's and each article's fields
    "rss": ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<channel><title>{title}</title><link>http://{{{{host}}}}/</link><description>{title}</description>"
            "<language>{language}</language>\n",
            "<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{rfc822}</pubDate>"
            "<dc:creator>{author}</dc:creator><category>{section}</category><description>{summary}</description></item>\n",
            "</channel></rss>\n"),
    "atom": ("<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'><id>http://{{{{host}}}}/</id>"
             "<title>{title}</title><updated>{updated}</updated>\n",
             "<entry><id>{link}</id><title>{title}</title><link rel='alternate' href='{link}'/><published>{iso}</published>"
             "<updated>{iso}</updated><author><name>{author}</name></author><summary>{summary}</summary></entry>\n",
             "</feed>\n"),
}


def feed(site: dict, articles: list[dict]) -> str:
    """The site's feed, RSS 2.0 or Atom, listing every article (the bad links too)."""
    head, entry, tail = FEEDS[site["format"]]
    entries = "".join(entry.format(title=escape(a["title"]), link=a["link"], rfc822=format_datetime(a["date"]),
                                   iso=a["date"].isoformat(), author=a["author"], section=a["section"],
                                   summary=escape(a["summary"])) for a in articles)
    return head.format(title=escape(site["title"]), language=site["language"], updated=START.isoformat()) + entries + tail


def _kind(rng: random.Random) -> str:
    draw = rng.random()
    for kind, share in BAD_CASES:
        if draw < share:
            return kind
        draw -= share
    return "ok"


def write_site(root: Path, i: int, seed: int, per_feed: int) -> tuple[dict, list[dict]]:
    """Generate site ``i`` into ``root/sites/<name>/``; returns its record and its articles'."""
    rng = random.Random(f"feedhouse-bench:{seed}:{i}")
    language = "en" if i % 3 == 2 else "id"
    w = Writer(rng, language)
    site = {"name": f"s{i:04d}", "language": language, "title": f"{w.pick('p')} {['Post', 'Kabar', 'Warta'][i % 3]} {i}",
            "feed_path": "/feed.xml", "format": "atom" if i % 2 else "rss"}
    articles = []
    for j in range(per_feed):
        kind = _kind(rng)
        paragraphs = w.body(rng.randint(300, 900)) if kind == "ok" else []
        title = f"{w.headline()} ({j})"
        date = START - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        path = f"/files/laporan-{j}.pdf" if kind == "pdf" else f"/{date:%Y/%m/%d}/artikel-{j}.html"
        articles.append({"kind": kind, "title": title, "path": path, "link": f"http://{{{{host}}}}{path}", "date": date,
                         "author": w.person(), "section": w.pick("sections"), "paragraphs": paragraphs,
                         "summary": (paragraphs or [w.sentence()])[0][:200], "size": int(rng.triangular(30, 150, 60) * 1024)})
    directory = root / "sites" / site["name"]
    for a in articles:
        target = directory / a["path"].lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if a["kind"] == "pdf":
            target.write_bytes(b"%PDF-1.4\n" + rng.randbytes(rng.randint(20_000, 200_000)) + b"\n%%EOF\n")
        elif a["kind"] != "404":
            target.write_text(page(site, a, rng.sample(articles, min(len(articles), 18)), w), encoding="utf-8")
    (directory / "feed.xml").write_text(feed(site, articles), encoding="utf-8")
    (directory / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return site, [{"site": site["name"], "path": a["path"], "kind": a["kind"], "words": sum(len(p.split()) for p in a["paragraphs"])}
                  for a in articles]


@dataclass
class Corpus:
    root: Path
    sites: list[dict]
    articles: list[dict]

    def site_dirs(self) -> dict[str, Path]:
        return {s["name"]: self.root / "sites" / s["name"] for s in self.sites}

    def feed_list(self, hosts: dict[str, str]) -> str:
        """A feedhouse feed list (TOML) for the sites served at ``hosts``."""
        return "".join(f'[[feeds]]\nurl = "http://{hosts[s["name"]]}{s["feed_path"]}"\nlanguage = "{s["language"]}"\n\n'
                       for s in self.sites)

    def urls(self, hosts: dict[str, str]) -> list[str]:
        """Every link the feeds list, the bad ones too."""
        return [f"http://{hosts[a['site']]}{a['path']}" for a in self.articles]

    def pages(self, hosts: dict[str, str]) -> list[tuple[str, str]]:
        """``(url, html)`` of every HTML page, rendered as served: what an extractor is given."""
        dirs = self.site_dirs()
        return [(f"http://{hosts[a['site']]}{a['path']}",
                 fill_tokens((dirs[a["site"]] / a["path"].lstrip("/")).read_bytes(), {"host": hosts[a["site"]]}).decode())
                for a in self.articles if a["kind"] in ("ok", "empty")]

    def stats(self) -> str:
        kinds = {k: sum(a["kind"] == k for a in self.articles) for k in ("ok", *(b[0] for b in BAD_CASES))}
        sizes = [p.stat().st_size for p in (self.root / "sites").rglob("*.html")]
        words = [a["words"] for a in self.articles if a["kind"] == "ok"]
        return (f"{len(self.sites)} sites, {len(self.articles)} links {kinds}, {sum(sizes) / 1e6:.0f} MB HTML, "
                f"page KB min/median/max {min(sizes) // 1024}/{int(statistics.median(sizes)) // 1024}/{max(sizes) // 1024}, "
                f"words min/median/max {min(words)}/{int(statistics.median(words))}/{max(words)}")


def ensure_corpus(sites: int, per_feed: int, seed: int = 1) -> Corpus:
    """The corpus for these parameters, generated on first use."""
    root = CORPUS_ROOT / f"v{VERSION}-{sites}x{per_feed}-seed{seed}"
    manifest = root / "manifest.json"
    if not manifest.exists():
        shutil.rmtree(root, ignore_errors=True)
        built = [write_site(root, i, seed, per_feed) for i in range(sites)]
        manifest.write_text(json.dumps({"sites": [b[0] for b in built], "articles": [a for b in built for a in b[1]]}))
    data = json.loads(manifest.read_text())
    return Corpus(root, data["sites"], data["articles"])
