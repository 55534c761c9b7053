"""Static server for the benchmark corpus: one 127.0.0.1 port per site, all in one process.

Built so that it is never the bottleneck and steals as little CPU as possible from the code
under test:

* it runs in its own process (``python -m benchmarks.server``), one asyncio event loop, with a
  minimal HTTP/1.1 keep-alive protocol (GET/HEAD only);
* every file is rendered once at start-up (``{{host}}`` → ``127.0.0.1:<port of its site>``), its
  ETag/Last-Modified computed and its gzip body precompressed, so a request costs a dict lookup
  and one ``transport.write``;
* conditional GETs (``If-None-Match``, ``If-Modified-Since``) get ``304 Not Modified``;
  unknown paths get 404; ``/robots.txt`` allows everything.

``GET /__bench/stats`` on any port returns request counters as JSON.

:class:`CorpusServer` starts it as a subprocess (own process group) and stops it, even on error.
Run ``python -m benchmarks.server --self-check`` to measure it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

HOST = "{{host}}"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
_NOT_FOUND = b"<!doctype html><html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>The page you requested does not exist.</p></body></html>\n"


class Entry:
    __slots__ = ("ctype", "body", "gz", "etag", "mtime", "last_modified")

    def __init__(self, ctype: str, body: bytes, mtime: float, compress: bool):
        self.ctype = ctype
        self.body = body
        self.gz = gzip.compress(body, compresslevel=6, mtime=0) if compress and body else None
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        self.mtime = int(mtime)
        self.last_modified = formatdate(self.mtime, usegmt=True)


def _content_type(path: Path, data: bytes) -> str:
    if path.suffix == ".xml":
        head = data[:400]
        return "application/atom+xml; charset=UTF-8" if b"<feed" in head else "application/rss+xml; charset=UTF-8"
    return _TYPES.get(path.suffix, "application/octet-stream")


def load_site(root: Path, host: str) -> dict[str, Entry]:
    """Render every file of one site for ``host`` (``127.0.0.1:port``)."""
    files: dict[str, Entry] = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        text_like = path.suffix in (".html", ".xml", ".txt")
        if path.suffix in (".html", ".xml"):
            data = data.replace(HOST.encode(), host.encode())
        rel = "/" + path.relative_to(root).as_posix()
        files[rel] = Entry(_content_type(path, data), data, path.stat().st_mtime, compress=text_like)
    return files


class Stats:
    def __init__(self):
        self.requests = 0
        self.bytes = 0
        self.by_status: dict[int, int] = {}
        self.connections = 0

    def as_dict(self) -> dict:
        return {"requests": self.requests, "bytes": self.bytes, "connections": self.connections,
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())}}


class HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1: GET/HEAD, keep-alive, no request bodies."""

    def __init__(self, files: dict[str, Entry], stats: Stats):
        self.files = files
        self.stats = stats
        self.buf = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.stats.connections += 1

    def data_received(self, data: bytes):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > 65536:
                    self._reply(431, b"", "text/plain", close=True)
                return
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4 :]
            if not self._handle(head):
                return

    def _handle(self, head: str) -> bool:
        lines = head.split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self._reply(400, b"bad request\n", "text/plain", close=True)
            return False
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        conn = headers.get("connection", "").lower()
        close = conn == "close" or (version == "HTTP/1.0" and conn != "keep-alive")
        if method not in ("GET", "HEAD"):
            self._reply(405, b"method not allowed\n", "text/plain", close=True)
            return False
        if "content-length" in headers or "transfer-encoding" in headers:
            self._reply(400, b"request bodies are not supported\n", "text/plain", close=True)
            return False
        path = target.split("?", 1)[0].split("#", 1)[0]
        if path.endswith("/"):
            path += "index.html"
        if path == "/__bench/stats":
            self._reply(200, json.dumps(self.stats.as_dict()).encode(), "application/json", close=close, count=False)
            return not close
        entry = self.files.get(path)
        if entry is None:
            self._reply(404, _NOT_FOUND, "text/html; charset=utf-8", close=close, head_only=method == "HEAD")
            return not close
        if self._not_modified(entry, headers):
            self._reply(304, b"", None, close=close, entry=entry)
            return not close
        body, encoding = entry.body, None
        if entry.gz is not None and "gzip" in headers.get("accept-encoding", ""):
            body, encoding = entry.gz, "gzip"
        self._reply(200, body, entry.ctype, close=close, entry=entry, encoding=encoding, head_only=method == "HEAD")
        return not close

    @staticmethod
    def _not_modified(entry: Entry, headers: dict) -> bool:
        inm = headers.get("if-none-match")
        if inm is not None:
            return inm.strip() == "*" or entry.etag in [t.strip() for t in inm.split(",")]
        ims = headers.get("if-modified-since")
        if ims:
            try:
                return entry.mtime <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _reply(self, status: int, body: bytes, ctype: str | None, *, close: bool, entry: Entry | None = None,
               encoding: str | None = None, head_only: bool = False, count: bool = True):
        reason = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
                  405: "Method Not Allowed", 431: "Request Header Fields Too Large"}[status]
        h = [f"HTTP/1.1 {status} {reason}", "Server: feedhouse-bench/1", f"Date: {_now_http()}"]
        if entry is not None:
            h += [f"ETag: {entry.etag}", f"Last-Modified: {entry.last_modified}"]
            if entry.gz is not None:
                h.append("Vary: Accept-Encoding")
        if status != 304:
            if ctype:
                h.append(f"Content-Type: {ctype}")
            if encoding:
                h.append(f"Content-Encoding: {encoding}")
            h.append(f"Content-Length: {len(body)}")
        h.append("Connection: close" if close else "Connection: keep-alive")
        out = ("\r\n".join(h) + "\r\n\r\n").encode("latin-1")
        if status != 304 and not head_only:
            out += body
        self.transport.write(out)
        if count:
            self.stats.requests += 1
            self.stats.bytes += len(out)
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        if close:
            self.transport.close()


_date_cache = [0, ""]


def _now_http() -> str:
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[0], _date_cache[1] = now, formatdate(now, usegmt=True)
    return _date_cache[1]


async def _serve(sites_dir: Path, names: list[str], ready_out) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats()
    tables: dict[str, dict[str, Entry]] = {name: {} for name in names}
    servers, ports = [], {}
    for name in names:
        table = tables[name]
        srv = await loop.create_server(lambda t=table: HttpProtocol(t, stats), "127.0.0.1", 0, backlog=1024,
                                       reuse_address=True)
        servers.append(srv)
        ports[name] = srv.sockets[0].getsockname()[1]
    started = time.monotonic()
    # gzip releases the GIL: render sites on a few threads
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        loaded = pool.map(lambda n: (n, load_site(sites_dir / n, f"127.0.0.1:{ports[n]}")), names)
        for name, files in loaded:
            tables[name].update(files)
    files = sum(len(t) for t in tables.values())
    ready_out.write(json.dumps({"ports": ports, "files": files, "load_seconds": round(time.monotonic() - started, 2),
                                "pid": os.getpid()}) + "\n")
    ready_out.flush()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Exit if the parent goes away (stdin closes), so a crashed benchmark leaves no server behind.
    stdin_closed = loop.run_in_executor(None, sys.stdin.buffer.read)
    await asyncio.wait([asyncio.ensure_future(stop.wait()), stdin_closed], return_when=asyncio.FIRST_COMPLETED)
    for srv in servers:
        srv.close()
    sys.stderr.write(json.dumps({"final_stats": stats.as_dict()}) + "\n")
    os._exit(0)


def _serve_main(corpus_root: Path) -> int:
    manifest = json.loads((corpus_root / "manifest.json").read_text(encoding="utf-8"))
    names = [s["name"] for s in manifest["sites"]]
    asyncio.run(_serve(corpus_root / "sites", names, sys.stdout))
    return 0


# ---------------------------------------------------------------------------------------------
# parent side
# ---------------------------------------------------------------------------------------------


def proc_cpu_seconds(pid: int) -> float:
    """user+system CPU seconds of a live process (from /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


class CorpusServer:
    """Serve a corpus from a subprocess. ``hosts`` maps site name → ``127.0.0.1:port``."""

    def __init__(self, corpus_root: Path, python: str = sys.executable, startup_timeout: float = 300.0):
        self.corpus_root = Path(corpus_root)
        self.python = python
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.hosts: dict[str, str] = {}
        self.info: dict = {}
        self.final_stats: dict | None = None
        self._stderr = None

    def __enter__(self) -> CorpusServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        root = Path(__file__).resolve().parent.parent
        self._stderr = open(self.corpus_root.parent / f".server-{os.getpid()}.log", "w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [self.python, "-m", "benchmarks.server", "--serve", str(self.corpus_root)],
            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            start_new_session=True, text=True,
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError(f"corpus server did not start within {self.startup_timeout:g}s")
        self.info = json.loads(line[0])
        self.hosts = {name: f"127.0.0.1:{port}" for name, port in self.info["ports"].items()}

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid) if self.proc and self.proc.poll() is None else 0.0

    def stats(self) -> dict:
        import httpx

        host = next(iter(self.hosts.values()))
        return httpx.get(f"http://{host}/__bench/stats", timeout=10, trust_env=False).json()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except Exception:
                pass
        if self._stderr:
            self._stderr.seek(0)
            for text in self._stderr.read().splitlines():
                if text.startswith('{"final_stats"'):
                    self.final_stats = json.loads(text)["final_stats"]
            self._stderr.close()
            Path(self._stderr.name).unlink(missing_ok=True)
            self._stderr = None
        self.proc = None


def self_check(server: CorpusServer, urls: list[str], threads: int = 8, max_seconds: float = 60.0) -> dict:
    """Fetch every URL once from ``threads`` httpx clients (gzip, keep-alive, as feedhouse does).

    Bounded: each URL at most once, and the loop stops after ``max_seconds``. Reports client-side
    throughput and the server's own CPU per request (what it would steal from the code under test).
    """
    import httpx

    deadline = time.monotonic() + max_seconds
    lock = threading.Lock()
    it = iter(urls)
    counts = {"requests": 0, "bytes_wire": 0, "bytes_decoded": 0, "errors": 0}

    def worker():
        with httpx.Client(trust_env=False, timeout=10, headers={"Accept-Encoding": "gzip"}) as client:
            while time.monotonic() < deadline:
                with lock:
                    url = next(it, None)
                if url is None:
                    return
                try:
                    r = client.get(url)
                    wire = int(r.headers.get("content-length", 0))
                    n = len(r.content)
                except httpx.HTTPError:
                    with lock:
                        counts["errors"] += 1
                    continue
                with lock:
                    counts["requests"] += 1
                    counts["bytes_wire"] += wire
                    counts["bytes_decoded"] += n

    cpu0 = server.cpu_seconds()
    t0 = time.monotonic()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(max_seconds + 30)
    wall = time.monotonic() - t0
    cpu = server.cpu_seconds() - cpu0
    n = max(1, counts["requests"])
    return {
        **counts,
        "threads": threads,
        "seconds": round(wall, 3),
        "requests_per_s": round(counts["requests"] / wall, 1),
        "mb_per_s_wire": round(counts["bytes_wire"] / wall / 1e6, 1),
        "mb_per_s_decoded": round(counts["bytes_decoded"] / wall / 1e6, 1),
        "server_cpu_s": round(cpu, 3),
        "server_cpu_ms_per_request": round(cpu / n * 1000, 3),
        "server_capacity_requests_per_cpu_s": round(n / cpu, 0) if cpu > 0 else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve a benchmark corpus, or measure the server alone.")
    ap.add_argument("--serve", metavar="CORPUS_DIR", help="(internal) serve this corpus directory")
    ap.add_argument("--self-check", action="store_true", help="build/serve a corpus and measure the server")
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--per-feed", type=int, default=100)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args(argv)
    if args.serve:
        return _serve_main(Path(args.serve))
    from benchmarks.corpus import CorpusParams, ensure_corpus

    corpus = ensure_corpus(CorpusParams(args.feeds, args.per_feed))
    with CorpusServer(corpus.root) as server:
        print(f"server: {len(server.hosts)} sites, {server.info['files']} files, rendered in {server.info['load_seconds']}s")
        print(json.dumps(self_check(server, corpus.article_urls(server.hosts), threads=args.threads), indent=2))
    print("server stats:", server.final_stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
