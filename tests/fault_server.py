"""A fault-injecting HTTP server on 127.0.0.1 for the hostile-input suite: the fault cases are
routes on :class:`flows.localserver.LocalServer`.

Every fault is a path. ``/feeds/<case>`` plays a feed fault, ``/pages/<case>`` an article page
fault, and ``/feeds/hostile-links`` is a well-formed feed whose entries link to every page case.
All waits are bounded (nothing sleeps more than ``MAX_STALL_S``), so the server always stops.
"""

from __future__ import annotations

import gzip
import itertools
import json
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate

from flows.localserver import LocalServer, Request, Route

MAX_STALL_S = 8.0


def stall(seconds: float) -> None:
    time.sleep(min(seconds, MAX_STALL_S))

INDONESIAN_PARAGRAPH = (
    "Pemerintah daerah menyatakan bahwa program perbaikan jalan di kawasan pesisir akan "
    "dilanjutkan tahun depan setelah anggaran disetujui oleh dewan. Menurut kepala dinas, "
    "pekerjaan tahap pertama sudah selesai dan warga dapat menggunakan jalur baru itu sejak "
    "pekan lalu. Para pedagang di pasar tradisional menyambut baik kabar tersebut karena "
    "distribusi barang menjadi lebih lancar dan biaya angkut turun."
)


def page_html(title: str, paragraphs: list[str], charset: str = "utf-8") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="{charset}"><title>{title}</title>
<meta property="og:site_name" content="Kabar Uji"></head>
<body><header><nav><a href="/">Beranda</a> | <a href="/nasional">Nasional</a></nav></header>
<main><article><h1>{title}</h1>
<p class="byline">Oleh: Dewi Lestari</p>
{body}
</article></main>
<footer><p>Hak cipta 2015 Kabar Uji</p></footer></body></html>"""


def rss(base: str, items: list[dict], title: str = "Kabar Uji", extra_channel: str = "") -> str:
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{title}</title>'
           f"<link>{base}/</link><description>uji</description>{extra_channel}"]
    for it in items:
        parts = ["<item>"]
        if it.get("title") is not None:
            parts.append(f"<title>{it['title']}</title>")
        if it.get("link"):
            parts.append(f"<link>{it['link']}</link>")
        if it.get("guid"):
            parts.append(f'<guid isPermaLink="false">{it["guid"]}</guid>')
        if it.get("date"):
            parts.append(f"<pubDate>{it['date']}</pubDate>")
        parts.append("</item>")
        out.append("".join(parts))
    out.append("</channel></rss>")
    return "\n".join(out)


PAGE_CASES = {
    # path -> description; the handler implements each
    "ok": "a normal article",
    "cp1252-declared-utf8": "windows-1252 bytes, header says UTF-8",
    "utf8-declared-latin1": "UTF-8 bytes, header says ISO-8859-1",
    "bom-utf8": "UTF-8 with a BOM, header says windows-1252",
    "not-found": "404",
    "server-error": "500",
    "pdf": "application/pdf",
    "image": "image/jpeg",
    "zip": "application/zip, 20 MB declared",
    "huge": "HTML larger than the page cap",
    "slow": "headers after a stall longer than the read timeout",
    "redirect-to-metadata": "302 to http://169.254.169.254/",
    "future-date": "feed date one year ahead",
    "old-date": "feed date in 1985",
    "no-date": "entry without a date",
}


def _dates():
    now = time.time()
    return {
        "future-date": formatdate(now + 365 * 86400, usegmt=True),
        "old-date": "Tue, 15 Jan 1985 10:00:00 GMT",
    }


class Faults:
    """The fault cases as routes of a :class:`~flows.localserver.LocalServer`, and what some of
    them need: a counter, a gzip bomb, a path for the feed body to name, a page slow to extract."""

    def __init__(self):
        self.counters: dict[str, int] = {}
        self.bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MB inflated
        self.local_feed_path = "/nonexistent"
        self.heavy_page = heavy_page()
        self.server: LocalServer | None = None

    @property
    def hits(self) -> list[str]:
        """Every path requested so far, in order (queries left out)."""
        return [seen.path for seen in self.server.seen] if self.server else []

    def routes(self) -> dict[str, Route]:
        def page(h: Request) -> None:  # /private/... keeps its prefix: no page case matches it
            self.page(h, h.route_path.removeprefix("/pages/"))

        return {
            "/": lambda h: h.send(404, b"not found"),
            "/robots.txt": lambda h: h.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain"),
            "/feeds/": lambda h: self.feed(h, h.route_path.removeprefix("/feeds/")),
            "/pages/": page,
            "/private/": page,
            "/triggers/": lambda h: self.trigger(h, h.route_path.removeprefix("/triggers/")),
        }

    # ---- inputs that once stopped every run (each must now cost only itself)
    def trigger(self, h: Request, case: str) -> None:
        b = h.base
        xml = "application/rss+xml; charset=utf-8"
        ok = f"{b}/pages/ok?trigger={case}"

        def feed(items, extra="", headers=None):
            return h.send(200, rss(b, items, title=f"Pemicu {case}", extra_channel=extra).encode(), xml, headers)

        if case == "bad-port":
            return feed([{"title": "Baik", "link": ok, "guid": "ok"},
                         {"title": "Port", "link": "http://localhost:99999/x", "guid": "port"}])
        if case == "tab-location":
            return feed([{"title": "Tab", "link": f"{b}/triggers/tab-location-page", "guid": "tab"}])
        if case == "tab-location-page":
            h.send_response(302)
            h.send_header("Location", "/pages/ok?x=1\tand-a-tab")  # http.server writes it raw
            h.send_header("Content-Length", "0")
            h.end_headers()
            return None
        if case == "punycode-page":
            return feed([{"title": "Punycode", "link": f"{b}/triggers/punycode-page-body", "guid": "puny"}])
        if case == "punycode-page-body":  # quadratic in Python's punycode codec: minutes if decoded
            body = page_html("Artikel punycode", [INDONESIAN_PARAGRAPH] * 3).encode() + b"<!--" + b"a\xe9" * 500_000 + b"-->"
            return h.send(200, body, "text/html; charset=punycode")
        if case == "ttl-inf":
            return feed([{"title": "TTL", "link": ok, "guid": "ttl"}], extra="<ttl>inf</ttl>")
        if case == "max-age-inf":
            return feed([{"title": "Max-Age", "link": ok, "guid": "maxage"}], headers={"Cache-Control": "max-age=inf"})
        if case == "retry-after-superscript":
            return h.send(503, b"busy", headers={"Retry-After": "\u00b2"})
        if case == "ancient-date":
            return feed([{"title": "Kuno", "link": ok, "guid": "ancient", "date": "0001-01-01T00:00:00+01:00"}])
        if case == "local-path-body":  # feedparser would open this path as a file
            return h.send(200, self.local_feed_path.encode(), xml)
        if case == "dev-zero-body":  # ... and read this one until memory runs out
            return h.send(200, b"/dev/zero", xml)
        if case == "drip-headers":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Slow: " + b"a" * 200
            return h.drip((bytes([byte]) for byte in head), limit_s=60)
        if case == "heavy-page":
            return feed([{"title": "Berat", "link": f"{b}/triggers/heavy-page-body", "guid": "heavy"}])
        if case == "heavy-page-body":  # many seconds of extraction: stopped by the time limit
            return h.send(200, self.heavy_page)
        return h.send(404, b"no such trigger")

    # ---- feeds
    def feed(self, h: Request, case: str) -> None:
        b = h.base
        good = rss(b, [{"title": f"Berita {case}", "link": f"{b}/pages/ok?from={case}", "guid": f"{case}-1",
                        "date": "Wed, 18 Nov 2015 06:00:00 GMT"}])
        xml = "application/rss+xml; charset=utf-8"
        if case in ("good-moved-target", "good-temp-target"):
            return h.send(200, good.encode(), xml)
        if case == "moved-permanently":
            return h.send(301, b"", headers={"Location": f"{b}/feeds/good-moved-target"})
        if case == "moved-temporarily":
            return h.send(302, b"", headers={"Location": f"{b}/feeds/good-temp-target"})
        if case == "read-timeout":
            stall(MAX_STALL_S)
            return h.send(200, good.encode(), xml)
        if case == "trickle":
            h.send_response(200)
            h.send_header("Content-Type", xml)
            h.send_header("Content-Length", "1000000")
            h.end_headers()
            return h.drip(itertools.repeat(b" "), limit_s=MAX_STALL_S)
        if case == "connection-reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return None
        if case == "server-error":
            return h.send(500, b"<h1>Internal Server Error</h1>")
        if case == "unavailable":
            return h.send(503, b"busy", headers={"Retry-After": "7200"})
        if case == "too-many-requests":
            return h.send(429, b"slow down", headers={"Retry-After": "3600"})
        if case == "not-found":
            return h.send(404, b"<h1>Not Found</h1>")
        if case == "gone":
            return h.send(410, b"<h1>Gone</h1>")
        if case == "oversized":
            items = [{"title": "x" * 100, "link": f"{b}/pages/ok?n={i}"} for i in range(15000)]
            return h.send(200, rss(b, items).encode(), xml)
        if case == "oversized-chunked":
            h.send_response(200)
            h.send_header("Content-Type", xml)
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            chunk = b"<!-- " + b"x" * 65536 + b" -->"
            try:
                for _ in range(40):  # 2.6 MB, more than the cap
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                h.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return None
        if case == "gzip-bomb":
            return h.send(200, self.bomb, xml, {"Content-Encoding": "gzip"})
        if case == "empty":
            return h.send(200, b"", xml)
        if case == "json":  # JSON, but no JSON Feed: no jsonfeed.org version
            return h.send(200, b'{"status": "ok", "items": []}', "application/json")
        if case == "html-with-jsonfeed-alternate":
            html = ('<html><head><title>Kabar</title><link rel="alternate" type="application/feed+json" '
                    'href="/feeds/good-jsonfeed-target"></head><body>Beranda</body></html>')
            return h.send(200, html.encode())
        if case == "good-jsonfeed-target":
            doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Kabar JSON", "home_page_url": f"{b}/",
                   "items": [{"id": "jsonfeed-1", "url": "/pages/ok?from=jsonfeed", "title": "Berita JSON Feed",
                              "date_published": "2015-11-18T13:00:00+07:00"}]}
            return h.send(200, json.dumps(doc).encode(), "application/feed+json")
        if case == "relative-links":
            items = [{"title": "Tautan relatif", "link": "/pages/ok?from=relative", "guid": "relative-1"}]
            return h.send(200, rss(b, items).encode(), xml)
        if case == "hostile-markup":
            doc = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Markup</title><item>'
                   "<title>&lt;b&gt;Judul&lt;/b&gt; &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</title>"
                   f"<link>{b}/pages/ok?from=markup</link><author>&lt;i onmouseover=alert(1)&gt;Dewi&lt;/i&gt;</author>"
                   '<description><![CDATA[<p>Ringkasan <script>alert(1)</script><iframe src="http://evil.test/"></iframe>'
                   '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">klik</a></p>]]></description>'
                   "</item></channel></rss>")
            return h.send(200, doc.encode(), xml)
        if case == "html-with-alternate":
            html = ('<html><head><title>Kabar</title><link rel="alternate" type="application/rss+xml" '
                    'href="/feeds/good-discovered-target"></head><body>Beranda</body></html>')
            return h.send(200, html.encode())
        if case == "good-discovered-target":
            return h.send(200, good.encode(), xml)
        if case == "html-without-feed":
            return h.send(200, b"<!DOCTYPE html><html><body><p>Hanya halaman</p></body></html>")
        if case == "truncated":
            return h.send(200, good.encode()[: len(good) // 2], xml)
        if case == "malformed":
            return h.send(200, good.replace("<title>Berita", "<title>Berita & <b>", 1).encode(), xml)
        if case == "bom-feed":
            return h.send(200, b"\xef\xbb\xbf" + good.encode(), xml)
        if case == "duplicate-guids":
            items = [
                {"title": "Satu", "link": f"{b}/pages/ok?dup=1", "guid": "same"},
                {"title": "Satu lagi", "link": f"{b}/pages/ok?dup=1", "guid": "same"},
                {"title": "Dua", "link": f"{b}/pages/ok?dup=2", "guid": "same"},
            ]
            return h.send(200, rss(b, items).encode(), xml)
        if case == "missing-link":
            items = [{"title": "Tanpa tautan", "guid": "nolink"}]
            return h.send(200, rss(b, items).encode(), xml)
        if case == "long-fields":
            items = [{"title": "Judul " * 50_000, "link": f"{b}/pages/ok?long=1"}]
            return h.send(200, rss(b, items).encode(), xml)
        if case == "billion-laughs":
            ents = '<!ENTITY a "aaaaaaaaaa">' + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
            )
            doc = (f'<?xml version="1.0"?><!DOCTYPE rss [{ents}]><rss version="2.0"><channel>'
                   f"<title>&i;</title><item><title>&i;</title><link>{b}/pages/ok?lol=1</link></item>"
                   "</channel></rss>")
            return h.send(200, doc.encode(), xml)
        if case == "xxe":
            doc = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   f'<rss version="2.0"><channel><title>XXE</title><item><title>&xxe;</title>'
                   f"<link>{b}/pages/ok?xxe=1</link><description>&xxe;</description></item></channel></rss>")
            return h.send(200, doc.encode(), xml)
        if case == "byline-differs":  # the feed's author and summary are not the page's
            doc = ('<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                   f"<title>Byline</title><link>{b}/</link><item><title>Judul dari feed</title>"
                   f"<link>{b}/pages/ok?byline=1</link><dc:creator>Budi Santoso</dc:creator>"
                   "<description>Ringkasan yang ditulis untuk feed.</description>"
                   "<pubDate>Wed, 18 Nov 2015 06:00:00 GMT</pubDate></item></channel></rss>")
            return h.send(200, doc.encode(), xml)
        if case == "flaky-listing":
            items = [{"title": "Kadang gagal", "link": f"{b}/pages/flaky", "guid": "flaky",
                      "date": "Wed, 18 Nov 2015 06:00:00 GMT"}]
            return h.send(200, rss(b, items).encode(), xml)
        if case == "hostile-links":
            dates = _dates()
            items = [
                {"title": f"Kasus {c}", "link": f"{b}/pages/{c}", "guid": c,
                 "date": dates.get(c) or (None if c == "no-date" else "Wed, 18 Nov 2015 06:00:00 GMT")}
                for c in PAGE_CASES
            ]
            items += [
                {"title": "Metadata", "link": "http://169.254.169.254/latest/meta-data/", "guid": "metadata"},
                {"title": "Private", "link": "http://10.0.0.1/admin", "guid": "private"},
                {"title": "Other loopback", "link": f"http://127.0.0.2:{h.server.owner.port}/pages/ok", "guid": "lo2"},
                {"title": "IPv6 loopback", "link": f"http://[::1]:{h.server.owner.port}/pages/ok", "guid": "lo6"},
                {"title": "Internal name", "link": "http://intranet.corp.test/wiki", "guid": "internal"},
                {"title": "Robots", "link": f"{b}/private/secret.html", "guid": "robots"},
                {"title": "Javascript", "link": "javascript:alert(1)", "guid": "js"},
            ]
            return h.send(200, rss(b, items, title="Tautan berbahaya").encode(), xml)
        return h.send(404, b"no such feed case")

    # ---- pages
    def page(self, h: Request, case: str) -> None:
        quote = "“Kami akan terus bekerja,” kata Menteri; harga naik Rp 1.000–2.000, kafe Café Ria tetap buka."
        paragraphs = [INDONESIAN_PARAGRAPH, quote, INDONESIAN_PARAGRAPH.replace("jalan", "jembatan")]
        if case in ("ok", "future-date", "old-date", "no-date") or case.startswith("private/"):
            return h.send(200, page_html(f"Artikel {case}", paragraphs).encode())
        if case == "flaky":  # fails on the first request only
            self.counters["flaky"] = self.counters.get("flaky", 0) + 1
            if self.counters["flaky"] == 1:
                return h.send(503, b"<h1>try later</h1>")
            return h.send(200, page_html("Artikel flaky", paragraphs).encode())
        if case == "cp1252-declared-utf8":
            html = page_html("Artikel cp1252", paragraphs, charset="utf-8")
            return h.send(200, html.encode("cp1252"), "text/html; charset=utf-8")
        if case == "utf8-declared-latin1":
            html = page_html("Artikel utf8", paragraphs, charset="iso-8859-1")
            return h.send(200, html.encode("utf-8"), "text/html; charset=iso-8859-1")
        if case == "bom-utf8":
            html = page_html("Artikel BOM", paragraphs, charset="windows-1252")
            return h.send(200, b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html; charset=windows-1252")
        if case == "not-found":
            return h.send(404, b"<h1>Not Found</h1>")
        if case == "server-error":
            return h.send(500, b"<h1>oops</h1>")
        if case == "pdf":
            return h.send(200, b"%PDF-1.4\n" + b"0" * 200_000, "application/pdf")
        if case == "image":
            return h.send(200, b"\xff\xd8\xff\xe0" + b"0" * 100_000, "image/jpeg")
        if case == "zip":
            h.send_response(200)
            h.send_header("Content-Type", "application/zip")
            h.send_header("Content-Length", str(20_000_000))
            h.end_headers()
            try:
                for _ in range(20):
                    h.wfile.write(b"PK" + b"\0" * 65_534)
            except OSError:
                pass
            h.close_connection = True
            return None
        if case == "huge":
            big = page_html("Artikel besar", [INDONESIAN_PARAGRAPH] * 4000)
            return h.send(200, big.encode())
        if case == "slow":
            stall(MAX_STALL_S)
            return h.send(200, page_html("Lambat", paragraphs).encode())
        if case == "redirect-to-metadata":
            return h.send(302, b"", headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        return h.send(404, b"no such page case")


TRIGGERS = [
    "bad-port", "tab-location", "punycode-page", "ttl-inf", "max-age-inf", "retry-after-superscript",
    "ancient-date", "local-path-body", "dev-zero-body", "drip-headers", "heavy-page",
]


def heavy_page() -> bytes:
    """A page trafilatura needs seconds for: thousands of nested, linked blocks."""
    block = "<div class='c'><p>" + " ".join(f"<a href='/t/{i}'>tautan {i}</a> kata" for i in range(30)) + "</p>"
    return ("<html><body>" + block * 3000 + "</div>" * 3000 + "</body></html>").encode()


FEED_CASES = [
    "read-timeout", "trickle", "connection-reset", "server-error", "unavailable", "too-many-requests",
    "not-found", "gone", "moved-permanently", "moved-temporarily", "oversized", "oversized-chunked",
    "gzip-bomb", "empty", "json", "html-with-alternate", "html-without-feed", "truncated", "malformed",
    "bom-feed", "duplicate-guids", "missing-link", "long-fields", "billion-laughs", "xxe",
    "hostile-links", "html-with-jsonfeed-alternate", "relative-links", "hostile-markup",
]


@contextmanager
def serve_faults() -> Iterator[tuple[str, Faults]]:
    """Start the fault server on a free 127.0.0.1 port; yields its base URL and its faults."""
    faults = Faults()
    with LocalServer(routes=faults.routes()) as server:
        faults.server = server
        yield server.base_url, faults
