"""Deterministic benchmark corpus: N feeds × M articles of realistic news pages.

Every feed is one site with its own template, served on its own 127.0.0.1 port by
:mod:`benchmarks.server` (one port = one host, so per-host politeness limits behave as they would
with real sites). Templates:

* ``blog``    — a Blogger-like blog (Indonesian), Atom feed at ``/feeds/posts/default.xml``
* ``portal``  — an Indonesian news portal, RSS 2.0 at ``/rss.xml`` (links carry ``utm_*`` params)
* ``english`` — an English news site, RSS 2.0 or Atom at ``/feed.xml``

Pages are 30–150 KB: inline CSS and scripts, navigation, sidebars, comment sections, related
links and an article body of 300–1200 words from :mod:`benchmarks.words`. A few percent are
bad cases: links that 404, PDF links, pages whose article body is empty, and zero-byte pages.
Absolute URLs use the token ``{{host}}``, replaced by ``127.0.0.1:<port>`` when served.

The corpus is written once under ``benchmarks/.corpus/<params-hash>/`` and reused. Site ``i`` is
generated from ``random.Random(f"...:{seed}:{i}")`` alone, so a scale-4 corpus starts with the
same sites as the scale-1 one.

Run ``python -m benchmarks.corpus --feeds 20 --per-feed 100`` to build one and print its stats.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import random
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from benchmarks.words import Writer

GENERATOR_VERSION = "4"
HOST = "{{host}}"
CORPUS_ROOT = Path(__file__).resolve().parent / ".corpus"
TEMPLATES = ("blog", "portal", "english")
WIB = timezone(timedelta(hours=7))
BASE_DATE = datetime(2025, 10, 1, 18, 0, tzinfo=WIB)

# share of bad cases (cumulative thresholds on one random draw per article)
P_404, P_PDF, P_EMPTY, P_BLANK = 0.012, 0.022, 0.032, 0.037

esc = html.escape


@dataclass(frozen=True)
class CorpusParams:
    feeds: int = 20
    per_feed: int = 100
    seed: int = 1
    scale: int = 1  # multiplies the number of feeds (sites); articles per feed stay the same

    @property
    def total_feeds(self) -> int:
        return self.feeds * self.scale

    @property
    def total_articles(self) -> int:
        return self.total_feeds * self.per_feed

    def key(self) -> str:
        blob = json.dumps({**asdict(self), "version": GENERATOR_VERSION}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass
class Corpus:
    root: Path
    params: CorpusParams
    manifest: dict

    @property
    def sites(self) -> list[dict]:
        return self.manifest["sites"]

    @property
    def articles(self) -> list[dict]:
        return self.manifest["articles"]

    def site_dir(self, name: str) -> Path:
        return self.root / "sites" / name

    def feed_list_toml(self, hosts: dict[str, str]) -> str:
        """A feedhouse feed list (TOML) with each site's real ``127.0.0.1:port``."""
        out = ["# benchmark corpus feed list (generated)", ""]
        for s in self.sites:
            out += [
                "[[feeds]]",
                f'url = "http://{hosts[s["name"]]}{s["feed_path"]}"',
                f"name = {json.dumps(s['title'], ensure_ascii=False)}",
                f'language = "{s["language"]}"',
                f'tags = ["bench", "{s["template"]}"]',
                "",
            ]
        return "\n".join(out)

    def article_urls(self, hosts: dict[str, str]) -> list[str]:
        """Every link the feeds list (including the bad ones), in feed order."""
        return [a["link"].replace(HOST, hosts[a["site"]]) for a in self.articles]

    def html_pages(self, hosts: dict[str, str]):
        """``(url, html)`` of every HTML page that exists (what an extractor would see)."""
        for a in self.articles:
            if a["kind"] in ("ok", "empty"):
                host = hosts[a["site"]]
                data = (self.site_dir(a["site"]) / a["path"].lstrip("/")).read_text(encoding="utf-8")
                yield f"http://{host}{a['path']}", data.replace(HOST, host)

    def stats(self) -> dict:
        kinds: dict[str, int] = {}
        for a in self.articles:
            kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
        sizes = [a["bytes"] for a in self.articles if a["kind"] in ("ok", "empty")]
        words = [a["words"] for a in self.articles if a["kind"] == "ok"]
        templates: dict[str, int] = {}
        for s in self.sites:
            templates[s["template"]] = templates.get(s["template"], 0) + 1
        return {
            "sites": len(self.sites),
            "templates": templates,
            "articles": len(self.articles),
            "kinds": kinds,
            "html_mb": round(sum(sizes) / 1e6, 1),
            "page_kb_min_median_max": [round(min(sizes) / 1024), round(statistics.median(sizes) / 1024),
                                       round(max(sizes) / 1024)] if sizes else [],
            "words_min_median_max": [min(words), int(statistics.median(words)), max(words)] if words else [],
        }


# ---------------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------------

_CSS_SELECTORS = [
    "body", ".container", ".header", ".masthead", ".nav", ".nav li", ".nav a", ".breadcrumb",
    ".article", ".article h1", ".article p", ".byline", ".share", ".share a", ".tags", ".tags a",
    ".sidebar", ".widget", ".widget h2", ".widget ul", ".widget li", ".popular li", ".related",
    ".related li", ".comments", ".comment", ".comment .meta", ".footer", ".footer a", ".ads",
    ".ticker", ".search input", ".search button", ".pager", ".label", ".archive", ".thumb img",
    ".caption", ".newsletter", ".cookie", ".rail", ".markets td", ".video", ".overlay", ".modal",
]
_CSS_PROPS = [
    "margin:0 0 {n}px", "padding:{n}px {m}px", "font-size:{n}px", "line-height:1.{n}",
    "color:#{hex}", "background:#{hex}", "border-bottom:1px solid #{hex}", "display:flex",
    "display:block", "display:none", "font-weight:{w}", "text-transform:uppercase", "gap:{n}px",
    "max-width:{k}px", "border-radius:{n}px", "position:relative", "overflow:hidden",
    "white-space:nowrap", "text-decoration:none", "letter-spacing:.{n}px", "width:{p}%",
]


def _css(rng: random.Random, size: int) -> str:
    rules = []
    total = 0
    while total < size:
        sel = rng.choice(_CSS_SELECTORS)
        if rng.random() < 0.3:
            sel += f"--{rng.choice(['alt', 'wide', 'dark', 'compact', 'v2', 'mobile'])}"
        props = ";".join(
            p.format(n=rng.randint(1, 40), m=rng.randint(1, 40), hex=f"{rng.randrange(16**6):06x}",
                     w=rng.choice([400, 600, 700, 800]), k=rng.choice([320, 640, 960, 1140, 1200]),
                     p=rng.randint(10, 100))
            for p in rng.sample(_CSS_PROPS, rng.randint(2, 6))
        )
        rule = f"{sel}{{{props}}}"
        if rng.random() < 0.08:
            rule = f"@media (max-width:{rng.choice([600, 768, 900, 1024])}px){{{rule}}}"
        rules.append(rule)
        total += len(rule) + 1
    return "\n".join(rules)


_JS_WORDS = ["init", "render", "track", "load", "queue", "slot", "widget", "lazy", "consent", "push",
             "config", "observe", "scroll", "resize", "share", "count", "refresh", "bid", "ready"]


def _js(rng: random.Random, size: int) -> str:
    parts = ["(function(w,d){'use strict';var q=w.__q=w.__q||[];"]
    total = len(parts[0])
    while total < size:
        name = rng.choice(_JS_WORDS) + rng.choice(_JS_WORDS).title() + str(rng.randint(0, 99))
        a, b = rng.sample("abcdefghijklmnopqrstuvwxyz", 2)
        body = rng.choice([
            f"function {name}({a},{b}){{return {a}&&{a}[{b}]?{a}[{b}]:null}}",
            f"function {name}({a}){{q.push(['{name}',{a},Date.now()]);return q.length}}",
            f"var {name}=function({a},{b}){{for(var i=0;i<{a}.length;i++){{if({a}[i].id==={b})return {a}[i]}}return null}};",
            f"w.{name}=function({a}){{var e=d.createElement('div');e.className='{name.lower()}';{a}.appendChild(e);return e}};",
            f"d.addEventListener('{rng.choice(['scroll', 'load', 'click', 'resize'])}',function({a}){{{name}&&{name}({a},{rng.randint(1, 999)})}},{{passive:true}});",
        ])
        parts.append(body)
        total += len(body)
    parts.append("})(window,document);")
    return "".join(parts)


def _fill(budget: int, unit) -> str:
    out, total = [], 0
    while total < budget:
        s = unit()
        out.append(s)
        total += len(s)
    return "\n".join(out)


def _slugify(text: str) -> str:
    keep = []
    for ch in text.lower():
        if ch.isalnum() and ch.isascii():
            keep.append(ch)
        elif keep and keep[-1] != "-":
            keep.append("-")
    return "".join(keep).strip("-")[:80] or "artikel"


def _pdf_bytes(rng: random.Random, title: str) -> bytes:
    stream = f"BT /F1 18 Tf 72 720 Td ({title[:60]}) Tj ET".encode("latin-1", "replace")
    pad = b"% " + b"0" * rng.randint(1000, 40000) + b"\n"
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
        + f"4 0 obj << /Length {len(stream)} >> stream\n".encode() + stream + b"\nendstream endobj\n"
        + pad + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


# ---------------------------------------------------------------------------------------------
# sites
# ---------------------------------------------------------------------------------------------

_BLOG_NAMES = ["Pesan", "Catatan", "Kabar", "Jejak", "Suara", "Cahaya", "Warta", "Serambi", "Lentera"]
_BLOG_NAMES2 = ["Rahbar", "Nusantara", "Kampung", "Umat", "Rakyat", "Pesisir", "Pelangi", "Senja"]
_PORTAL_NAMES = ["Warta", "Kabar", "Berita", "Harian", "Suara", "Detak", "Lintas", "Info"]
_PORTAL_NAMES2 = ["Nusantara", "Kota", "Rakyat", "Merdeka", "Khatulistiwa", "Pertiwi", "Terkini"]
_EN_NAMES = ["Jakarta", "Borneo", "Java", "Sumatra", "Archipelago", "Equator", "Nusantara", "Bali"]
_EN_NAMES2 = ["Ledger", "Post", "Herald", "Times", "Chronicle", "Observer", "Tribune", "Courier"]


def _site_meta(i: int, rng: random.Random) -> dict:
    template = TEMPLATES[i % len(TEMPLATES)]
    if template == "blog":
        title = f"{rng.choice(_BLOG_NAMES)} {rng.choice(_BLOG_NAMES2)}"
        return {"template": "blog", "language": "id", "title": title, "feed_path": "/feeds/posts/default.xml",
                "feed_format": "atom"}
    if template == "portal":
        title = f"{rng.choice(_PORTAL_NAMES)} {rng.choice(_PORTAL_NAMES2)}"
        return {"template": "portal", "language": "id", "title": title, "feed_path": "/rss.xml",
                "feed_format": "rss"}
    title = f"The {rng.choice(_EN_NAMES)} {rng.choice(_EN_NAMES2)}"
    fmt = "rss" if (i // len(TEMPLATES)) % 2 == 0 else "atom"
    return {"template": "english", "language": "en", "title": title, "feed_path": "/feed.xml", "feed_format": fmt}


def _articles(i: int, site: dict, per_feed: int, rng: random.Random, w: Writer) -> list[dict]:
    arts = []
    slugs: set[str] = set()
    minutes = sorted((rng.randint(0, 60 * 24 * 90) for _ in range(per_feed)))
    for j in range(per_feed):
        title = w.headline()
        slug = _slugify(title)
        while slug in slugs:
            slug = f"{slug}-{rng.randint(2, 999)}"
        slugs.add(slug)
        date = (BASE_DATE - timedelta(minutes=minutes[j])).replace(second=0, microsecond=0)
        r = rng.random()
        kind = "404" if r < P_404 else "pdf" if r < P_PDF else "empty" if r < P_EMPTY else "blank" if r < P_BLANK else "ok"
        words = rng.randint(300, 1175)  # the last sentence may overshoot by a few words
        paras = w.body(words) if kind == "ok" else [w.paragraph(2)]
        section = w.section()
        t = site["template"]
        if kind == "pdf":
            path = f"/files/{slug}.pdf"
        elif kind == "404":
            path = {"blog": f"/{date:%Y/%m}/{slug}-dihapus.html",
                    "portal": f"/read/{date:%Y/%m/%d}/{i * 100000 + j}/{slug}-dihapus.html",
                    "english": f"/{section}/{date:%Y/%m/%d}/{slug}-removed.html"}[t]
        else:
            path = {"blog": f"/{date:%Y/%m}/{slug}.html",
                    "portal": f"/read/{date:%Y/%m/%d}/{i * 100000 + j}/{slug}.html",
                    "english": f"/{section}/{date:%Y/%m/%d}/{slug}.html"}[t]
        link = f"http://{HOST}{path}"
        if t == "portal" and kind != "pdf":
            link += "?utm_source=rss&utm_medium=feed&utm_campaign=terkini"
        arts.append({
            "index": j, "kind": kind, "title": title, "slug": slug, "path": path, "link": link,
            "date": date, "author": w.person(), "section": section,
            "tags": w.tags(rng.randint(2, 5)), "paras": paras,
            "words": sum(len(p.split()) for p in paras) if kind == "ok" else 0,
            "target": int(rng.triangular(30, 150, 60) * 1024),
            "comments": rng.randint(0, 12),
            "post_id": str(rng.randrange(10**18, 10**19)),
        })
    return arts


def _summary(a: dict, limit: int = 280) -> str:
    text = a["paras"][0]
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + "…"


# --- blog (Blogger-like) ---------------------------------------------------------------------


def _blog_page(site: dict, a: dict, others: list[dict], rng: random.Random, w: Writer) -> str:
    url = f"http://{HOST}{a['path']}"
    t = esc(a["title"])
    desc = esc(_summary(a, 150))
    if a["kind"] == "empty":
        body_html = "<div class='video-embed'><iframe allowfullscreen='allowfullscreen' height='315' src='' width='560'></iframe></div>"
    else:
        chunks = []
        for k, p in enumerate(a["paras"]):
            chunks.append(f'<div style="text-align: justify;">{esc(p)}</div>\n<div style="text-align: justify;"><br /></div>')
            if k == 1 and rng.random() < 0.5:
                chunks.append(f'<div class="separator" style="clear: both; text-align: center;"><a href="http://{HOST}/images/{a["slug"]}.jpg" style="margin-left: 1em; margin-right: 1em;"><img border="0" height="360" src="http://{HOST}/images/{a["slug"]}.jpg" width="640" /></a></div>')
        body_html = '<div dir="ltr" style="text-align: left;" trbidi="on">\n' + "\n".join(chunks) + "\n</div>"
    labels = ", ".join(f"<a href='http://{HOST}/search/label/{esc(tag)}' rel='tag'>{esc(tag)}</a>" for tag in a["tags"])
    related = "\n".join(f"<li><a href='http://{HOST}{o['path']}'>{esc(o['title'])}</a></li>" for o in others[:5])
    popular = "\n".join(f"<li><div class='item-title'><a href='http://{HOST}{o['path']}'>{esc(o['title'])}</a></div></li>" for o in others[5:12])
    head = f"""<!DOCTYPE html>
<html class='v2' dir='ltr' xmlns='http://www.w3.org/1999/xhtml' xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data' xmlns:expr='http://www.google.com/2005/gml/expr'>
<head>
<meta content='width=1100' name='viewport'/>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<meta content='blogger' name='generator'/>
<link href='http://{HOST}/favicon.ico' rel='icon' type='image/x-icon'/>
<link href='{url}' rel='canonical'/>
<link rel="alternate" type="application/atom+xml" title="{esc(site['title'])} - Atom" href="http://{HOST}/feeds/posts/default.xml" />
<meta content='{url}' property='og:url'/>
<meta content='{esc(site['title'])}' property='og:site_name'/>
<meta content='{t}' property='og:title'/>
<meta content='{desc}' property='og:description'/>
<title>{t} | {esc(site['title'])}</title>
<meta content='{desc}' name='description'/>
<style id='page-skin-1' type='text/css'><!--
{site['css']}
--></style>
<script type='text/javascript'>
//<![CDATA[
{site['js']}
//]]>
</script>
</head>
<body class='loading'>
<div class='navbar section' id='navbar'><div class='widget Navbar' data-version='1' id='Navbar1'><div id="navbar-iframe-container"></div></div></div>
<div class='content'><div class='content-outer'><div class='content-inner'>
<header><div class='header-outer'><div class='region-inner header-inner'>
<div class='header section' id='header'><div class='widget Header' data-version='1' id='Header1'>
<div id='header-inner'><div class='titlewrapper'><h1 class='title'><a href='http://{HOST}/'>{esc(site['title'])}</a></h1></div>
<div class='descriptionwrapper'><p class='description'><span>{esc(site['tagline'])}</span></p></div></div>
</div></div></div></div></header>
<div class='tabs-outer'><div class='region-inner tabs-inner'><div class='tabs section' id='crosscol'><div class='widget PageList' data-version='1' id='PageList1'><div class='widget-content'><ul>
<li class='selected'><a href='http://{HOST}/'>Home</a></li>
{''.join(f"<li><a href='http://{HOST}/search/label/{esc(s)}'>{esc(s)}</a></li>" for s in site['sections'])}
<li><a href='http://{HOST}/p/tentang-kami.html'>Tentang Kami</a></li>
</ul></div></div></div></div></div>
<div class='main-outer'><div class='region-inner main-inner'><div class='columns fauxcolumns'><div class='columns-inner'>
<div class='column-center-outer'><div class='column-center-inner'>
<div class='main section' id='main'><div class='widget Blog' data-version='1' id='Blog1'>
<div class='breadcrumbs'><span><a href='http://{HOST}/'>Home</a></span> &#187; <span><a href='http://{HOST}/search/label/{esc(a['tags'][0])}'>{esc(a['tags'][0])}</a></span> &#187; <span>{t}</span></div>
<div class='blog-posts hfeed'><div class='date-outer'>
<h2 class='date-header'><span>{a['date']:%A, %d %B %Y}</span></h2>
<div class='date-posts'><div class='post-outer'>
<div class='post hentry' itemprop='blogPost' itemscope='itemscope' itemtype='http://schema.org/BlogPosting'>
<meta content='{a['post_id']}' itemprop='postId'/>
<a name='{a['post_id']}'></a>
<h3 class='post-title entry-title' itemprop='name'>
{t}
</h3>
<div class='post-header'><div class='post-header-line-1'><span class='post-author vcard'>Written By <span class='fn' itemprop='author' itemscope='itemscope' itemtype='http://schema.org/Person'><span itemprop='name'>{esc(a['author'])}</span></span></span> on <abbr class='published' itemprop='datePublished' title='{a['date'].isoformat()}'>{a['date']:%A, %d %B %Y}</abbr> | <span class='post-timestamp'>{a['date']:%H:%M:%S}</span></div></div>
<div class='post-body entry-content' id='post-body-{a['post_id']}' itemprop='description articleBody'>
{body_html}
<div style='clear: both;'></div>
</div>
<div class='post-footer'>
<div class='post-share-buttons goog-inline-block'><strong>Share this post :</strong>
<a class='goog-inline-block share-button sb-email' href='https://www.blogger.com/share-post.g?blogID=1234567890&amp;postID={a['post_id']}&amp;target=email' target='_blank' title='Email This'><span class='share-button-link-text'>Email This</span></a><a class='goog-inline-block share-button sb-twitter' href='https://twitter.com/intent/tweet?url={url}' target='_blank' title='Share to Twitter'><span class='share-button-link-text'>Share to Twitter</span></a><a class='goog-inline-block share-button sb-facebook' href='https://www.facebook.com/sharer/sharer.php?u={url}' target='_blank' title='Share to Facebook'><span class='share-button-link-text'>Share to Facebook</span></a>
</div>
<div class='post-footer-line post-footer-line-1'><span class='post-labels'>Labels: {labels}</span></div>
</div>
</div>
"""
    n_comments = a["comments"]

    def comment():
        cid = rng.randrange(10**17, 10**18)
        return (f"<dt class='comment-author' id='c{cid}'><a name='c{cid}'></a><a href='https://www.blogger.com/profile/{cid}' rel='nofollow'>{esc(w.person())}</a> said...</dt>\n"
                f"<dd class='comment-body' id='Blog1_cmt-{cid}'><p>{esc(w.comment())}</p></dd>\n"
                f"<dd class='comment-footer'><span class='comment-timestamp'><a href='{url}?showComment={cid}#c{cid}' title='comment permalink'>{a['date'] + timedelta(hours=rng.randint(1, 72)):%d %B %Y %H.%M}</a></span></dd>")

    def archive_item():
        o = rng.choice(others) if others else a
        return f"<li><a class='post-count-link' href='http://{HOST}{o['path']}'>{esc(o['title'])}</a></li>"

    def widget_script():
        return (f"<script type='text/javascript'>window['__wavt'] = 'AOuZoY{rng.randrange(16**12):012x}';_WidgetManager._Init('//www.blogger.com/rearrange?blogID=1234567890','//{HOST}/','1234567890');"
                f"_WidgetManager._RegisterWidget('_BlogView', new _WidgetInfo('Blog{rng.randint(1, 99)}', 'main', document.getElementById('Blog1'), {{'cmtInteractionsEnabled': false, 'lazyImages': true, 'postId': '{a['post_id']}', 'title': '{esc(site['title'])}', 'feedLinks': '\\x3clink rel\\x3d\\x22alternate\\x22 href\\x3d\\x22http://{HOST}/feeds/posts/default\\x22 /\\x3e'}}, 'displayModeFull'));</script>")

    tail_fixed = f"""<div class='comments' id='comments'><a name='comments'></a>
<h4>{n_comments} comments:</h4>
<div id='Blog1_comments-block-wrapper'><dl class='avatar-comment-indent' id='comments-block'>
@@COMMENTS@@
</dl></div>
<div class='comment-form'><a name='comment-form'></a><p class='comment-note'>mohon gunakan nama dan email yang valid</p>
<iframe allowtransparency='true' class='blogger-iframe-colorize blogger-comment-from-post' frameborder='0' height='410' id='comment-editor' name='comment-editor' src='' width='100%'></iframe></div>
</div>
<div class='related-posts' id='related-posts'><h4>Terkait Berita:</h4><ul>
{related}
</ul></div>
</div></div></div></div>
<div class='blog-pager' id='blog-pager'>
<span id='blog-pager-newer-link'><a class='blog-pager-newer-link' href='http://{HOST}{others[0]['path'] if others else a['path']}' title='Newer Post'>Newer Post</a></span>
<span id='blog-pager-older-link'><a class='blog-pager-older-link' href='http://{HOST}{others[-1]['path'] if others else a['path']}' title='Older Post'>Older Post</a></span>
<a class='home-link' href='http://{HOST}/'>Home</a></div>
<div class='post-feeds'><div class='feed-links'>Subscribe to: <a class='feed-link' href='http://{HOST}/feeds/posts/default.xml' target='_blank' type='application/atom+xml'>Post Comments (Atom)</a></div></div>
</div></div></div></div>
<div class='column-right-outer'><div class='column-right-inner'><aside>
<div class='sidebar section' id='sidebar-right-1'>
<div class='widget HTML' data-version='1' id='HTML1'><h2 class='title'>Cari Artikel</h2><div class='widget-content'><form action='http://{HOST}/search' method='get'><input name='q' placeholder='Cari di blog ini...' type='text'/><input type='submit' value='Cari'/></form></div></div>
<div class='widget PopularPosts' data-version='1' id='PopularPosts1'><h2>Popular Posts</h2><div class='widget-content popular-posts'><ul>
{popular}
</ul></div></div>
<div class='widget BlogArchive' data-version='1' id='BlogArchive1'><h2>Blog Archive</h2><div class='widget-content'><div id='ArchiveList'>
<ul class='hierarchy'><li class='archivedate expanded'><a class='post-count-link' href='http://{HOST}/{a['date']:%Y}/'>{a['date']:%Y}</a>
<ul class='posts'>
@@ARCHIVE@@
</ul></li></ul></div></div></div>
<div class='widget Label' data-version='1' id='Label1'><h2>Labels</h2><div class='widget-content list-label-widget-content'><ul>
{''.join(f"<li><a dir='ltr' href='http://{HOST}/search/label/{esc(tag)}'>{esc(tag)}</a><span dir='ltr'>({rng.randint(1, 60)})</span></li>" for tag in site['all_tags'])}
</ul></div></div>
</div></aside></div></div>
</div></div></div></div>
<footer><div class='footer-outer'><div class='region-inner footer-inner'>
<div class='footer-credits'>Copyright &#169; {a['date']:%Y} <a href='http://{HOST}/'>{esc(site['title'])}</a>. Powered by <a href='https://www.blogger.com' target='_blank'>Blogger</a>.</div>
</div></div></footer>
</div></div></div>
@@SCRIPTS@@
</body>
</html>
"""
    base = len(head) + len(tail_fixed)
    budget = max(0, a["target"] - base)
    comments = "\n".join(comment() for _ in range(n_comments))
    budget -= len(comments)
    archive = _fill(int(budget * 0.6), archive_item) if budget > 0 else ""
    scripts = _fill(budget - len(archive), widget_script) if budget - len(archive) > 0 else ""
    return head + tail_fixed.replace("@@COMMENTS@@", comments).replace("@@ARCHIVE@@", archive).replace("@@SCRIPTS@@", scripts)


# --- portal (Indonesian news portal) ---------------------------------------------------------


def _portal_page(site: dict, a: dict, others: list[dict], rng: random.Random, w: Writer) -> str:
    canon = f"http://{HOST}{a['path']}"
    t = esc(a["title"])
    desc = esc(_summary(a, 160))
    art_id = a["path"].split("/")[5]
    date_id = f"{['Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu', 'Minggu'][a['date'].weekday()]}, {a['date']:%d/%m/%Y %H:%M} WIB"
    if a["kind"] == "empty":
        body = f'<div class="read__video"><div class="video-player" data-video-id="{rng.randrange(10**8)}"></div><p class="read__photo-ket">Video: {t}</p></div>'
    else:
        ps = []
        for k, p in enumerate(a["paras"]):
            ps.append(f"<p>{esc(p)}</p>")
            if k == 1:
                ps.append('<div class="inline-related baca-juga"><strong>Baca Juga:</strong><ul>'
                          + "".join(f'<li><a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a></li>' for o in others[:3])
                          + "</ul></div>")
            if k > 2 and k % 4 == 0 and rng.random() < 0.5:
                ps.append(f"<h2>{esc(w.subheading())}</h2>")
            if k == 3:
                ps.append('<div class="ads-slot ads-inread">ADVERTISEMENT</div>')
        body = "\n".join(ps)
    tags_html = ", ".join(f'<a href="http://{HOST}/tag/{_slugify(tag)}/" rel="tag">{esc(tag)}</a>' for tag in a["tags"])
    ld = json.dumps({
        "@context": "https://schema.org", "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canon}, "headline": a["title"],
        "datePublished": a["date"].isoformat(), "dateModified": a["date"].isoformat(),
        "author": {"@type": "Person", "name": a["author"]},
        "publisher": {"@type": "Organization", "name": site["title"], "logo": {"@type": "ImageObject", "url": f"http://{HOST}/images/logo.png"}},
        "description": _summary(a, 160),
    }, ensure_ascii=False)
    nav = "".join(f'<li><a href="http://{HOST}/{_slugify(s)}/">{esc(s)}</a></li>' for s in site["sections"])
    head = f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} - {esc(site['title'])}</title>
<meta name="description" content="{desc}">
<link rel="canonical" href="{canon}">
<link rel="alternate" type="application/rss+xml" title="{esc(site['title'])} - Berita Terkini" href="http://{HOST}/rss.xml">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{esc(site['title'])}">
<meta property="og:locale" content="id_ID">
<meta property="og:url" content="{canon}">
<meta property="og:title" content="{t}">
<meta property="og:description" content="{desc}">
<meta property="og:image" content="http://{HOST}/images/default-share.png">
<meta property="article:published_time" content="{a['date'].isoformat()}">
<meta property="article:section" content="{esc(a['section'])}">
{''.join(f'<meta property="article:tag" content="{esc(tag)}">' for tag in a['tags'])}
<meta name="author" content="{esc(a['author'])}">
<meta name="keywords" content="{esc(', '.join(a['tags']))}">
<script type="application/ld+json">{ld}</script>
<style>
{site['css']}
</style>
<script>
{site['js']}
</script>
</head>
<body class="page-read">
<div class="topbar"><div class="container"><span>{esc(rng.choice(['Jakarta', 'Surabaya', 'Medan']))}, {rng.randint(24, 34)}&#176;C</span><span><a href="http://{HOST}/indeks/">Indeks Berita</a> &#183; <a href="http://{HOST}/rss.xml">RSS</a></span></div></div>
<header class="masthead"><div class="container">
<a class="logo" href="http://{HOST}/">{esc(site['title'])}</a>
<form class="search-form" action="http://{HOST}/cari/" method="get" role="search"><input type="search" name="q" placeholder="Cari berita..."><button type="submit">Cari</button></form>
</div>
<nav class="main-nav" aria-label="Kanal"><div class="container"><ul><li><a href="http://{HOST}/">Beranda</a></li>{nav}</ul></div></nav>
</header>
<div class="ticker-bar" role="marquee"><span class="label">Breaking News</span><ul>{''.join(f'<li><a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a></li>' for o in others[3:8])}</ul></div>
<div class="container">
<nav class="breadcrumb" aria-label="breadcrumb"><a href="http://{HOST}/">Beranda</a> &#8250; <a href="http://{HOST}/{_slugify(a['section'])}/">{esc(a['section'])}</a> &#8250; <span>{t}</span></nav>
<div class="layout">
<main class="main-col">
<article class="read" id="artikel-{art_id}">
<div class="read__head">
<div class="read__kanal"><a href="http://{HOST}/{_slugify(a['section'])}/">{esc(a['section'])}</a></div>
<h1 class="read__title">{t}</h1>
<div class="read__byline">
<span class="read__reporter">Reporter: <a href="http://{HOST}/reporter/{_slugify(a['author'])}/" rel="author">{esc(a['author'])}</a></span>
<span class="read__editor">Editor: {esc(w.person())}</span>
<time class="read__date" datetime="{a['date'].isoformat()}">{date_id}</time>
</div>
<div class="share-bar"><a class="fb" href="https://www.facebook.com/sharer/sharer.php?u={canon}">Facebook</a><a class="tw" href="https://twitter.com/intent/tweet?url={canon}">Twitter</a><a class="wa" href="whatsapp://send?text={canon}">WhatsApp</a></div>
</div>
<figure class="read__photo"><img src="http://{HOST}/images/{a['slug']}.jpg" alt="{t}" width="780" height="439"><figcaption class="read__photo-ket">{esc(_summary(a, 90))} (Foto: {esc(site['title'])}/{esc(w.person())})</figcaption></figure>
<div class="read__content" itemprop="articleBody">
{body}
</div>
<div class="tag-list"><strong>Tag:</strong> {tags_html}</div>
</article>
<div class="ads-slot ads-728x90">ADVERTISEMENT</div>
<section class="comments-section" id="komentar">
<h3 class="box-title">Komentar ({a['comments']})</h3>
<div class="comment-area">
<p class="comment-rules">Komentar yang mengandung SARA, fitnah, dan kata-kata kasar akan dihapus oleh redaksi.</p>
<ul class="comment-list">
@@COMMENTS@@
</ul>
<form action="http://{HOST}/komentar/kirim" method="post"><input type="hidden" name="artikel" value="{art_id}"><input type="text" name="nama" placeholder="Nama"><textarea name="isi" placeholder="Tulis komentar"></textarea><button type="submit">Kirim</button></form>
</div>
</section>
<section class="berita-terkait"><h3 class="box-title">Berita Terkait</h3><ul class="news-list">
{''.join(f'<li><a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a> <span class="date">{o["date"]:%d/%m/%Y}</span></li>' for o in others[:6])}
</ul></section>
<section class="berita-terkini"><h3 class="box-title">Berita Terkini</h3><ul class="news-list">
@@LATEST@@
</ul></section>
</main>
<aside class="sidebar" aria-label="Sidebar">
<div class="ads-slot ads-300x250">ADVERTISEMENT</div>
<section class="widget-popular"><h3 class="box-title">Terpopuler</h3><ol class="popular-list">
{''.join(f'<li><a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a></li>' for o in others[6:16])}
</ol></section>
<div class="ads-slot ads-300x600">ADVERTISEMENT</div>
</aside>
</div>
</div>
<footer class="site-footer"><div class="container">
<div class="footer-logo">{esc(site['title'])}</div>
<ul class="footer-sections">{''.join(f'<li><a href="http://{HOST}/{_slugify(s)}/">{esc(s)}</a> <a class="index-link" href="http://{HOST}/indeks/{_slugify(s)}/">Index &#187;</a></li>' for s in site['sections'])}</ul>
<ul class="footer-links"><li><a href="http://{HOST}/redaksi/">Redaksi</a></li><li><a href="http://{HOST}/pedoman-media-siber/">Pedoman Media Siber</a></li><li><a href="http://{HOST}/karir/">Karir</a></li><li><a href="http://{HOST}/kontak/">Kontak</a></li></ul>
<p class="copyright">Copyright &#169; {a['date']:%Y} {esc(site['title'])}. All rights reserved.</p>
</div></footer>
<script>window.__INITIAL_STATE__=@@STATE@@;</script>
</body>
</html>
"""

    def comment():
        return (f'<li class="comment-item"><div class="comment-item__meta"><strong>{esc(w.person())}</strong> &#183; '
                f'<time>{a["date"] + timedelta(minutes=rng.randint(5, 3000)):%d/%m/%Y %H:%M}</time></div>'
                f'<p class="comment-item__text">{esc(w.comment())}</p><a class="reply" href="#komentar">Balas</a></li>')

    def latest():
        o = rng.choice(others) if others else a
        return (f'<li><a class="thumb" href="http://{HOST}{o["path"]}"><img src="http://{HOST}/images/{o["slug"]}-thumb.jpg" alt="" width="120" height="68" loading="lazy"></a>'
                f'<a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a> <span class="kanal">{esc(o["section"])}</span> <span class="date">{o["date"]:%d/%m/%Y %H:%M}</span></li>')

    def state_item():
        o = rng.choice(others) if others else a
        return json.dumps({"id": rng.randrange(10**7), "title": o["title"], "url": f"http://{HOST}{o['path']}",
                           "kanal": o["section"], "published": o["date"].isoformat(), "reporter": o["author"],
                           "thumb": f"http://{HOST}/images/{o['slug']}-thumb.jpg", "views": rng.randint(10, 90000),
                           "excerpt": _summary(o, 120)}, ensure_ascii=False)

    base = len(head)
    budget = max(0, a["target"] - base)
    comments = "\n".join(comment() for _ in range(a["comments"]))
    budget -= len(comments)
    latest_html = _fill(int(budget * 0.5), latest) if budget > 0 else ""
    rest = budget - len(latest_html)
    state = "[" + (_fill(rest, state_item).replace("\n", ",") if rest > 0 else "") + "]"
    return head.replace("@@COMMENTS@@", comments).replace("@@LATEST@@", latest_html).replace("@@STATE@@", state)


# --- english news site -----------------------------------------------------------------------


def _english_page(site: dict, a: dict, others: list[dict], rng: random.Random, w: Writer) -> str:
    canon = f"http://{HOST}{a['path']}"
    t = esc(a["title"])
    desc = esc(_summary(a, 160))
    if a["kind"] == "empty":
        body = f'<div class="video-frame"><div class="player" data-stream="{rng.randrange(10**8)}"></div></div>'
    else:
        ps = []
        for k, p in enumerate(a["paras"]):
            if k == 0:
                p = f"{rng.choice(['JAKARTA', 'SURABAYA', 'SINGAPORE', 'KUALA LUMPUR', 'BANDUNG'])} — {p}"
            ps.append(f"<p>{esc(p)}</p>")
            if k > 2 and k % 5 == 0:
                ps.append(f"<h2>{esc(w.subheading())}</h2>")
            if k == 2:
                ps.append(f'<aside class="pull-quote"><blockquote>{esc(w.sentence())}</blockquote></aside>')
        body = "\n".join(ps)
    author_slug = _slugify(a["author"])
    head = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} | {esc(site['title'])}</title>
<meta name="description" content="{desc}">
<link rel="canonical" href="{canon}">
<link rel="alternate" type="application/rss+xml" title="{esc(site['title'])}" href="http://{HOST}/feed.xml">
<meta property="og:site_name" content="{esc(site['title'])}">
<meta property="og:url" content="{canon}">
<meta property="og:locale" content="en_US">
<meta property="og:type" content="article">
<meta property="og:title" content="{t}">
<meta property="og:description" content="{desc}">
<meta property="og:image" content="http://{HOST}/images/{a['slug']}.png">
<meta property="article:published_time" content="{a['date'].isoformat()}">
<meta property="article:section" content="{esc(a['section'].title())}">
{''.join(f'<meta property="article:tag" content="{esc(tag)}">' for tag in a['tags'])}
<meta name="author" content="{esc(a['author'])}">
<meta name="twitter:card" content="summary_large_image">
<style>
{site['css']}
</style>
<script async src="http://{HOST}/static/ads.js"></script>
<script>
{site['js']}
</script>
</head>
<body>
<header class="site-header" role="banner">
<a class="skip-link" href="#main">Skip to content</a>
<div class="utility-strip">{a['date']:%A, %B %d, %Y} &#183; <a href="http://{HOST}/subscribe/">Subscribe</a> &#183; <a href="http://{HOST}/login/">Sign in</a></div>
<div class="masthead"><a class="wordmark" href="http://{HOST}/">{esc(site['title'])}</a>
<form class="site-search" action="http://{HOST}/search/" role="search"><input id="q" name="q" type="search" placeholder="Search"><button type="submit">Search</button></form></div>
<nav class="site-nav" aria-label="Main navigation"><ul><li><a href="http://{HOST}/">Home</a></li>{''.join(f'<li><a href="http://{HOST}/{s}/">{s.title()}</a></li>' for s in site['sections'])}</ul></nav>
</header>
<div class="page">
<main id="main">
<article class="story">
<header class="story__header">
<p class="story__kicker"><a href="http://{HOST}/{a['section']}/">{esc(a['section'].title())}</a></p>
<h1 class="story__headline">{t}</h1>
<div class="byline-box">
<img src="http://{HOST}/images/authors/{author_slug}.png" alt="" width="40" height="40">
<div><p class="byline-box__name">By <a href="http://{HOST}/authors/{author_slug}/" rel="author">{esc(a['author'])}</a></p>
<p class="byline-box__role">{esc(rng.choice(['Staff Reporter', 'Regional Correspondent', 'Business Editor', 'Contributor']))}</p></div>
<p class="dateline"><time datetime="{a['date'].isoformat()}">{a['date']:%B %d, %Y %H:%M} WIB</time></p>
</div>
</header>
<figure class="story__media"><img src="http://{HOST}/images/{a['slug']}.png" alt="" width="1200" height="675"><figcaption>{esc(_summary(a, 100))}</figcaption></figure>
<div class="story__body">
{body}
</div>
<aside class="newsletter-signup"><h2>The Morning Briefing</h2><p>Get the day's top stories from Indonesia and the region in your inbox every weekday.</p>
<form action="http://{HOST}/newsletter/subscribe" method="post"><input type="email" name="email" placeholder="Your email address" required><button type="submit">Sign up</button></form></aside>
<footer class="story__topics">Topics: {' '.join(f'<a href="http://{HOST}/topic/{_slugify(tag)}/">{esc(tag)}</a>' for tag in a['tags'])}</footer>
</article>
<section class="related-stories"><h2>Related stories</h2><ul>
{''.join(f'<li><a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a><span class="rel-date">{o["date"]:%B %d, %Y}</span></li>' for o in others[:6])}
</ul></section>
<section class="comments-block" id="comments"><h2>Comments ({a['comments']})</h2>
<ol class="comment-list">
@@COMMENTS@@
</ol>
<form class="comment-form" action="http://{HOST}/comments/post" method="post"><textarea name="body" placeholder="Join the discussion"></textarea><button type="submit">Post comment</button></form>
</section>
</main>
<aside class="rail" aria-label="More">
<section class="rail-mostread"><h2>Most read</h2><ol>
{''.join(f'<li><a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a></li>' for o in others[6:14])}
</ol></section>
<section class="rail-markets"><h2>Markets</h2><table class="ticker-table">
{''.join(f'<tr><th>{n}</th><td>{rng.uniform(10, 15000):,.1f}</td><td class="{rng.choice(["up", "down"])}">{rng.uniform(-2, 2):+.1f}%</td></tr>' for n in ['JCI', 'USD/IDR', 'Brent', 'Gold', 'STI', 'KLCI'])}
</table></section>
<section class="rail-latest"><h2>Latest</h2><ul>
@@LATEST@@
</ul></section>
</aside>
</div>
<footer class="site-footer" role="contentinfo">
<nav aria-label="Footer"><a href="http://{HOST}/about/">About us</a> &#183; <a href="http://{HOST}/contact/">Contact</a> &#183; <a href="http://{HOST}/advertise/">Advertise</a> &#183; <a href="http://{HOST}/privacy/">Privacy</a></nav>
<p>&#169; {a['date']:%Y} {esc(site['title'])}. All rights reserved.</p>
</footer>
<div class="cookie-banner" id="cookie-consent" role="dialog" aria-label="Cookie consent"><p>We use cookies to improve your experience and to show relevant advertising.</p><button type="button" id="cookie-accept">Accept</button></div>
<script>
window.dataLayer=window.dataLayer||[];window.dataLayer.push({{"event":"pageview","section":"{a['section']}","author":"{esc(a['author'])}","words":{a['words']}}});
@@ADCONFIG@@
</script>
</body>
</html>
"""

    def comment():
        return (f'<li class="comment-item"><p class="comment-item__meta"><strong>{esc(w.person())}</strong> &#183; '
                f'{a["date"] + timedelta(hours=rng.randint(1, 48)):%b %d, %Y}</p><p class="comment-item__text">{esc(w.comment())}</p></li>')

    def latest():
        o = rng.choice(others) if others else a
        return f'<li><a href="http://{HOST}{o["path"]}">{esc(o["title"])}</a> <time>{o["date"]:%H:%M}</time></li>'

    def adconfig():
        return (f"googletag.cmd.push(function(){{googletag.defineSlot('/{rng.randrange(10**8)}/{site['slug']}/{a['section']}',"
                f"[[{rng.choice([300, 728, 970])},{rng.choice([90, 250, 600])}]],'div-gpt-ad-{rng.randrange(10**12)}-{rng.randint(0, 9)}')"
                f".setTargeting('kw',{json.dumps(a['tags'])}).addService(googletag.pubads());}});")

    base = len(head)
    budget = max(0, a["target"] - base)
    comments = "\n".join(comment() for _ in range(a["comments"]))
    budget -= len(comments)
    latest_html = _fill(int(budget * 0.5), latest) if budget > 0 else ""
    rest = budget - len(latest_html)
    ads = _fill(rest, adconfig) if rest > 0 else ""
    return head.replace("@@COMMENTS@@", comments).replace("@@LATEST@@", latest_html).replace("@@ADCONFIG@@", ads)


# --- feeds -----------------------------------------------------------------------------------


def _rss(site: dict, arts: list[dict]) -> str:
    items = []
    for a in arts:
        cats = "".join(f"<category>{esc(c)}</category>" for c in [a["section"], *a["tags"]])
        items.append(
            f"""    <item>
      <title>{esc(a['title'])}</title>
      <link>{esc(a['link'])}</link>
      <guid isPermaLink="true">{esc(a['link'])}</guid>
      <pubDate>{format_datetime(a['date'])}</pubDate>
      {cats}
      <dc:creator>{esc(a['author'])}</dc:creator>
      <description>{esc(_summary(a))}</description>
    </item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{esc(site['title'])}</title>
    <link>http://{HOST}/</link>
    <description>{esc(site['tagline'])}</description>
    <language>{site['language']}</language>
    <lastBuildDate>{format_datetime(arts[0]['date']) if arts else format_datetime(BASE_DATE)}</lastBuildDate>
    <ttl>15</ttl>
    <atom:link href="http://{HOST}{site['feed_path']}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
  </channel>
</rss>
"""


def _atom(site: dict, arts: list[dict]) -> str:
    entries = []
    for a in arts:
        cats = "".join(f"<category scheme='http://www.blogger.com/atom/ns#' term='{esc(c)}'/>" for c in a["tags"])
        entries.append(
            f"<entry><id>tag:blogger.com,1999:blog-{site['blog_id']}.post-{a['post_id']}</id>"
            f"<published>{a['date'].isoformat()}</published><updated>{a['date'].isoformat()}</updated>{cats}"
            f"<title type='text'>{esc(a['title'])}</title><summary type='text'>{esc(_summary(a))}</summary>"
            f"<link rel='alternate' type='text/html' href='{esc(a['link'])}' title='{esc(a['title'])}'/>"
            f"<author><name>{esc(a['author'])}</name></author></entry>"
        )
    updated = (arts[0]["date"] if arts else BASE_DATE).isoformat()
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'>"
        f"<id>tag:blogger.com,1999:blog-{site['blog_id']}</id><updated>{updated}</updated>"
        f"<title type='text'>{esc(site['title'])}</title><subtitle type='html'>{esc(site['tagline'])}</subtitle>"
        f"<link rel='self' type='application/atom+xml' href='http://{HOST}{site['feed_path']}'/>"
        f"<link rel='alternate' type='text/html' href='http://{HOST}/'/>"
        f"<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
        + "".join(entries) + "</feed>\n"
    )


def _index(site: dict, arts: list[dict]) -> str:
    items = "".join(f'<li><a href="http://{HOST}{a["path"]}">{esc(a["title"])}</a></li>' for a in arts[:30])
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(site['title'])}</title>"
            f"<link rel='alternate' href='http://{HOST}{site['feed_path']}'></head><body><h1>{esc(site['title'])}</h1><ul>{items}</ul></body></html>\n")


# ---------------------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------------------


def _site_name(i: int, template: str) -> str:
    return f"s{i:04d}-{template}"


def generate_site(args: tuple[int, int, int, str]) -> tuple[dict, list[dict]]:
    """Write site ``i`` under ``root``; returns (site record, article records)."""
    i, seed, per_feed, root = args
    rng = random.Random(f"feedhouse-bench:{seed}:{i}")
    site = _site_meta(i, rng)
    name = _site_name(i, site["template"])
    w = Writer(rng, site["language"])
    site.update(
        name=name,
        slug=_slugify(site["title"]),
        tagline=w.sentence(),
        blog_id=str(rng.randrange(10**9, 10**10)),
        css=_css(rng, rng.randint(7000, 16000)),
        js=_js(rng, rng.randint(3000, 9000)),
        sections=[w.section() for _ in range(8)],
        all_tags=w.tags(20),
    )
    arts = _articles(i, site, per_feed, rng, w)
    arts.sort(key=lambda a: a["date"], reverse=True)
    directory = Path(root) / "sites" / name
    directory.mkdir(parents=True, exist_ok=True)
    render = {"blog": _blog_page, "portal": _portal_page, "english": _english_page}[site["template"]]
    pages = [a for a in arts if a["kind"] in ("ok", "empty")]
    records = []
    for a in arts:
        size = 0
        target = directory / a["path"].lstrip("/")
        if a["kind"] in ("ok", "empty", "blank"):
            target.parent.mkdir(parents=True, exist_ok=True)
            if a["kind"] == "blank":
                data = b""
            else:
                others = rng.sample(pages, min(16, len(pages)))
                others = [o for o in others if o is not a]
                data = render(site, a, others, rng, w).encode("utf-8")
            target.write_bytes(data)
            size = len(data)
        elif a["kind"] == "pdf":
            target.parent.mkdir(parents=True, exist_ok=True)
            data = _pdf_bytes(rng, a["title"])
            target.write_bytes(data)
            size = len(data)
        records.append({"site": name, "path": a["path"], "link": a["link"], "kind": a["kind"],
                        "words": a["words"], "bytes": size, "title": a["title"]})
    feed = _atom(site, arts) if site["feed_format"] == "atom" else _rss(site, arts)
    (directory / site["feed_path"].lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (directory / site["feed_path"].lstrip("/")).write_text(feed, encoding="utf-8")
    (directory / "index.html").write_text(_index(site, arts), encoding="utf-8")
    (directory / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    keep = ("name", "template", "language", "title", "feed_path", "feed_format")
    return {k: site[k] for k in keep}, records


def ensure_corpus(params: CorpusParams, root: Path = CORPUS_ROOT, log=print, workers: int | None = None) -> Corpus:
    """The corpus for ``params``, generated under ``root/<params-hash>/`` unless already there."""
    final = root / params.key()
    manifest_path = final / "manifest.json"
    if manifest_path.exists():
        return Corpus(final, params, json.loads(manifest_path.read_text(encoding="utf-8")))
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{params.key()}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    started = time.monotonic()
    log(f"corpus: generating {params.total_feeds} sites × {params.per_feed} articles into {final} ...")
    jobs = [(i, params.seed, params.per_feed, str(tmp)) for i in range(params.total_feeds)]
    workers = workers or min(os.cpu_count() or 1, 4)
    try:
        if workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(workers) as pool:
                results = list(pool.map(generate_site, jobs))
        else:
            results = [generate_site(j) for j in jobs]
        manifest = {
            "params": asdict(params),
            "version": GENERATOR_VERSION,
            "host_token": HOST,
            "sites": [r[0] for r in results],
            "articles": [a for r in results for a in r[1]],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        try:
            os.replace(tmp, final)
        except OSError:  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    corpus = Corpus(final, params, json.loads(manifest_path.read_text(encoding="utf-8")))
    log(f"corpus: done in {time.monotonic() - started:.1f}s: {corpus.stats()}")
    return corpus


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--per-feed", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args(argv)
    corpus = ensure_corpus(CorpusParams(args.feeds, args.per_feed, args.seed, args.scale))
    print(corpus.root)
    print(json.dumps(corpus.stats(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
