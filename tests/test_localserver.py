"""The loopback server behind the demo, the tests and the benchmark: static files answer like a
real web server, routes take over paths, the counters tell keep-alive apart, a stop never hangs."""

from __future__ import annotations

import gzip
import socket
import time

import httpx

from flows.localserver import LocalServer, serve_sites


def test_static_files_carry_validators_gzip_and_live_hosts(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "index.html").write_text("<a href='http://{{b}}/x'>{{host}} {{unknown}}</a>")
    (tmp_path / "b" / "feed.xml").write_text("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>")
    with serve_sites({"a": tmp_path / "a", "b": tmp_path / "b"}) as servers, httpx.Client() as client:
        a, b = servers["a"], servers["b"]
        page = client.get(f"{a.base_url}/")
        assert page.text == f"<a href='http://{b.host}/x'>{a.host} {{{{unknown}}}}</a>"
        assert page.headers["content-encoding"] == "gzip"
        again = client.get(f"{a.base_url}/index.html", headers={"If-None-Match": page.headers["etag"]})
        since = client.get(f"{a.base_url}/", headers={"If-Modified-Since": page.headers["last-modified"]})
        assert again.status_code == since.status_code == 304 and again.content == b""
        feed = client.get(f"{b.base_url}/feed.xml", headers={"Accept-Encoding": "identity"})
        assert feed.headers["content-type"].startswith("application/atom+xml") and "content-encoding" not in feed.headers
        assert client.get(f"{a.base_url}/missing.html").status_code == 404
    assert a.static("/../b/feed.xml") is None  # nothing outside the site's directory
    assert gzip.decompress(a.static("/index.html").gzipped) == a.static("/index.html").body


def test_routes_counters_and_keep_alive(tmp_path):
    routes = {"/": lambda h: h.send(404, b"none"), "/feeds/": lambda h: h.send(200, h.route_path.encode()),
              "/feeds/special": lambda h: h.send(201, b"exact")}
    with LocalServer(routes=routes) as server, httpx.Client() as client:
        answers = [client.get(f"{server.base_url}{path}") for path in ("/feeds/x?q=1", "/feeds/special", "/other")]
    assert [(r.status_code, r.content) for r in answers] == [(200, b"/feeds/x"), (201, b"exact"), (404, b"none")]
    assert server.requests == 3 and server.connections == 1  # one kept-alive connection
    assert [seen.path for seen in server.seen] == ["/feeds/x", "/feeds/special", "/other"]


def test_stop_returns_with_a_client_that_never_finishes_its_request():
    server = LocalServer().start()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # headers never end
        time.sleep(0.2)
        began = time.monotonic()
        server.stop()
        assert time.monotonic() - began < 2
        assert sock.recv(100) == b""  # the server closed it
