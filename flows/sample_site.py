"""The bundled sample: three small news sites served on 127.0.0.1, one port each.

Files under ``flows/sample/sites/<site>/`` are served by path. The tokens ``{{blog}}``,
``{{portal}}`` and ``{{english}}`` in .html/.xml files become ``127.0.0.1:<port>`` of that site,
so feeds link to pages on whatever ports the servers got. Responses carry ETag and
Last-Modified and answer conditional GETs with 304, like a real web server; gzip is used when
the client asks for it.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from flows.paths import SAMPLE_DIR

SITES = ("blog", "portal", "english")
DEFAULT_PORT_BASE = 8700  # blog 8701, portal 8702, english 8703

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}


def _content_type(path: Path) -> str:
    if path.suffix == ".xml":
        if "feeds" in path.parts or path.name == "atom.xml":
            return "application/atom+xml; charset=UTF-8"
        return "application/rss+xml; charset=UTF-8"
    return _TYPES.get(path.suffix, "application/octet-stream")


def _handler(root: Path, hosts: dict[str, str]):
    class Handler(BaseHTTPRequestHandler):
        server_version = "feedhouse-sample/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _resolve(self) -> Path | None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path.endswith("/"):
                path += "index.html"
            target = (root / path.lstrip("/")).resolve()
            if root.resolve() not in target.parents or not target.is_file():
                return None
            return target

        def do_GET(self):  # noqa: N802 (http.server API)
            target = self._resolve()
            if target is None:
                body = b"<html><body><h1>404 Not Found</h1></body></html>"
                self.send_response(HTTPStatus.NOT_FOUND)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            data = target.read_bytes()
            if target.suffix in (".html", ".xml"):
                for token, host in hosts.items():
                    data = data.replace(token.encode(), host.encode())
            etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            mtime = target.stat().st_mtime
            last_modified = formatdate(mtime, usegmt=True)
            if self._not_modified(etag, mtime):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", last_modified)
                self.end_headers()
                return
            encoding = None
            if "gzip" in self.headers.get("Accept-Encoding", "") and target.suffix in (".html", ".xml"):
                data = gzip.compress(data, mtime=0)
                encoding = "gzip"
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", _content_type(target))
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.end_headers()
            self.wfile.write(data)

        def _not_modified(self, etag: str, mtime: float) -> bool:
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:
                return etag in [t.strip() for t in if_none_match.split(",")]
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return int(mtime) <= parsedate_to_datetime(since).timestamp()
                except (TypeError, ValueError):
                    return False
            return False

    return Handler


@contextmanager
def serve_sample(
    port_base: int | None = DEFAULT_PORT_BASE, root: Path | None = None
) -> Iterator[dict[str, str]]:
    """Serve the sample sites; yields ``{site: "127.0.0.1:port"}``.

    ``port_base=None`` picks free ports (tests); the default uses fixed ports so that article
    URLs, and so the warehouse's keys, stay the same from one demo run to the next.
    """
    root = root or SAMPLE_DIR / "sites"
    servers = []
    for i, site in enumerate(SITES, start=1):
        port = 0 if port_base is None else port_base + i
        servers.append(ThreadingHTTPServer(("127.0.0.1", port), None))
    hosts = {f"{{{{{site}}}}}": f"127.0.0.1:{srv.server_address[1]}" for site, srv in zip(SITES, servers, strict=True)}
    threads = []
    for site, srv in zip(SITES, servers, strict=True):
        srv.RequestHandlerClass = _handler(root / site, hosts)
        srv.daemon_threads = True
        thread = threading.Thread(target=srv.serve_forever, name=f"sample-{site}", daemon=True)
        thread.start()
        threads.append(thread)
    try:
        yield {site: hosts[f"{{{{{site}}}}}"] for site in SITES}
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()


def render_feed_list(hosts: dict[str, str], template: Path | None = None) -> str:
    """The sample feed list with the sites' real host:port filled in."""
    text = (template or SAMPLE_DIR / "feeds.toml").read_text(encoding="utf-8")
    for site, host in hosts.items():
        text = text.replace(f"{{{{{site}}}}}", host)
    return text
