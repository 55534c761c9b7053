"""The HTTP layer against hostile input: nothing a feed or a server sends makes a fetch raise,
connections go only to the address that was checked (DNS rebinding), one deadline bounds the
whole exchange, credentials and secrets stay out of stored URLs and logs, and the SSRF policy
sees through IPv6 forms that carry an IPv4 address.

Every server here is a real one on 127.0.0.1, started and stopped by its test; host names go
through the ``flows.httpclient.resolver`` hook, so no DNS query is ever sent."""

from __future__ import annotations

import dataclasses

import datetime as dt
import ipaddress
import logging
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from flows import httpclient as http
from flows.localserver import LocalServer, Request
from flows.poll import FeedToPoll, feeds_to_poll, poll_one
from flows.robots import RobotsCache
from transforms.feedlist import FeedSpec
from transforms.ids import stable_id
from transforms.settings import Settings
from transforms.ssrf import AllowList, embedded_ipv4, refusal
from transforms.urls import canonical_url, origin, redact_url, strip_userinfo, with_userinfo_of

from .conftest import SOCKET_GUARD_LOG

SETTINGS = Settings(connect_timeout_s=2, read_timeout_s=2, request_deadline_s=5, allow_hosts="127.0.0.1")
ALLOW = AllowList.parse("127.0.0.1")
PAGE = b"<html><body><p>halaman</p></body></html>"


@contextmanager
def serve(routes: dict[str, Callable[[Request], None]] | None = None,
          tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, LocalServer]]:
    """A threaded HTTP(S) server on a free 127.0.0.1 port that plays ``routes`` (200 + PAGE for
    any other path) and records every request in ``server.seen``; yields (port, server)."""
    with LocalServer(routes={"/": lambda h: h.send(200, PAGE), **(routes or {})}, tls=tls) as server:
        yield server.port, server


@contextmanager
def client(settings: Settings = SETTINGS, **kwargs):
    with http.make_client(settings, **kwargs) as c:
        yield c


def get(c, url: str, **kwargs) -> http.FetchResult:
    kwargs.setdefault("allow", ALLOW)
    return http.fetch(c, url, max_bytes=1 << 20, deadline_s=kwargs.pop("deadline_s", 5.0), **kwargs)


def table_resolver(table: dict[str, list[str]], calls: list[str] | None = None):
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        host.encode("idna")  # what the system resolver does first: UnicodeError for a bad label
        if host in table:
            return table[host]
        raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known (test resolver): {host}")
    return resolve


def forget_guard_lines(needle: str) -> list[str]:
    """Remove (and return) the socket guard's log lines a test caused on purpose."""
    lines = SOCKET_GUARD_LOG.read_text().splitlines() if SOCKET_GUARD_LOG.exists() else []
    mine = [line for line in lines if needle in line]
    SOCKET_GUARD_LOG.write_text("".join(f"{line}\n" for line in lines if needle not in line))
    return mine


# ---- 1. nothing escapes fetch()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:99999/x", "refused: invalid URL (port 99999 is out of range 1-65535)"),
        ("http://127.0.0.1:0/x", "refused: invalid URL (port 0 is out of range 1-65535)"),
        ("http://a\tb.example/", "refused: invalid URL (InvalidURL: Invalid non-printable ASCII character"),
        ("http://xn--/", "refused: invalid URL (IDNAError:"),
        ("http://\u2603.example/", "refused: invalid URL (InvalidURL: Invalid IDNA hostname"),
        ("http://[::1/", "refused: invalid URL (InvalidURL:"),
        ("http://" + "a" * 70 + ".example/", "refused: invalid host name"),
        ("ftp://files.example/x", "refused: scheme 'ftp' is not http(s)"),
        ("javascript:alert(1)", "refused: scheme 'javascript' is not http(s)"),
        ("/relative/only", "refused: scheme '' is not http(s)"),
    ],
)
def test_hostile_urls_become_permanent_error_results(monkeypatch, url, reason):
    monkeypatch.setattr(http, "resolver", table_resolver({}))
    with client() as c:
        r = get(c, url)
    assert r.error is not None and r.error.startswith(reason), r.error
    assert r.is_retryable is False and r.body is None


def test_a_non_ascii_validator_is_left_out():
    """A server can send a non-ASCII ETag; it was mangled on the way in (header bytes are read as
    Latin-1) and sending it back could raise UnicodeEncodeError."""
    with serve() as (port, _), client() as c:
        r = get(c, f"http://127.0.0.1:{port}/", etag='W/"caf\u00e9"', last_modified="L\u00fcn, 1 Jan")
    assert r.error is None and r.body == PAGE


def test_check_target_reports_a_bad_port_instead_of_raising():
    assert http.check_target("http://localhost:99999/x", AllowList()).startswith("refused: invalid URL")


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        (b"/next\tpage", "invalid redirect Location (InvalidURL: Invalid non-printable ASCII character"),
        (b"http://xn--/feed", "invalid redirect Location (IDNAError:"),
        (b"http://[::1/feed", "invalid redirect Location (InvalidURL:"),
        (b"http://\xe2\x98\x83.example/", "invalid redirect Location (InvalidURL:"),
        (b"http://localhost:99999/feed", "refused: invalid URL (port 99999"),
    ],
)
def test_hostile_redirect_locations_become_error_results(location, reason):
    def redirect(h: Request):
        h.raw(b"HTTP/1.1 301 Moved Permanently\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")

    with serve({"/moved": redirect}) as (port, _), client() as c:
        r = get(c, f"http://127.0.0.1:{port}/moved")
    assert r.error is not None and reason in r.error, r.error
    assert r.is_retryable is False and r.permanent_redirect_to is None


# ---- 2. DNS rebinding: the connection goes to the address that was checked


def test_connection_goes_to_the_checked_address_not_a_rebound_one(monkeypatch):
    """The name answers a public address when checked, then 127.0.0.1. A client resolving again
    at connect time (through the system resolver, here answered by the same hook) would reach
    the server on 127.0.0.1; pinned, the connect goes to 8.8.8.8, which the socket guard
    refuses."""
    answers = iter([["8.8.8.8"]])
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers, ["127.0.0.1"])

    system_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # the system resolver, rebound too
        if host == "rebind.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (rebinding(host, port)[0], port))]
        return system_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(http, "resolver", rebinding)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with serve() as (port, server), client() as c:
        r = get(c, f"http://rebind.test:{port}/secret")
        second = get(c, f"http://rebind.test:{port}/secret")
    refused = forget_guard_lines("8.8.8.8")
    assert server.seen == []
    assert r.error is not None and "8.8.8.8" in r.error and r.body is None, r.error
    assert second.error is not None and second.body is None
    assert calls == ["rebind.test"]  # looked up once: the second fetch uses the pinned address
    assert len(refused) == 2 and all(f"('8.8.8.8', {port})" in line for line in refused)


def test_host_header_is_the_name_and_connections_are_reused(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(http, "resolver", table_resolver({"pinned.test": ["127.0.0.1"]}, calls))
    with serve() as (port, server), client() as c:
        first = get(c, f"http://pinned.test:{port}/a")
        second = get(c, f"http://pinned.test:{port}/b")
    assert first.error is None and first.body == PAGE and second.body == PAGE
    assert [s.host for s in server.seen] == [f"pinned.test:{port}"] * 2
    assert server.seen[0].client == server.seen[1].client  # one kept-alive connection
    assert calls == ["pinned.test"]


def test_many_threads_share_one_pinned_lookup(monkeypatch):
    """Concurrent first fetches of one name look it up once; a later, different answer (here
    127.0.0.2, not allowed) is never used."""
    answers = iter([["127.0.0.1"]])
    calls: list[str] = []

    def slow(host: str, port: int) -> list[str]:
        calls.append(host)
        time.sleep(0.2)  # every thread arrives while the first look-up is running
        return next(answers, ["127.0.0.2"])

    monkeypatch.setattr(http, "resolver", slow)
    with serve() as (port, server), client() as c:
        results: list[http.FetchResult] = []
        threads = [threading.Thread(target=lambda: results.append(get(c, f"http://pinned.test:{port}/p")))
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    assert calls == ["pinned.test"]
    assert len(results) == 8 and all(r.error is None and r.body == PAGE for r in results)
    assert len(server.seen) == 8


def _tls_pair(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for ``name`` signed by a fresh CA, and a client
    context that trusts only that CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def cert(subject, issuer, key, signer, ca: bool, san=None):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "feedhouse test CA")])
    ca = cert(ca_name, ca_name, ca_key, ca_key, ca=True)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    leaf = cert(subject, ca_name, key, ca_key, ca=False, san=name)

    pem = serialization.Encoding.PEM
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "cert.pem").write_bytes(leaf.public_bytes(pem))
        Path(tmp, "key.pem").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
        server.load_cert_chain(Path(tmp, "cert.pem"), Path(tmp, "key.pem"))
    client_ctx = ssl.create_default_context(cadata=ca.public_bytes(pem).decode())
    return server, client_ctx


def test_tls_sni_and_certificate_check_use_the_name(monkeypatch):
    server_ctx, client_ctx = _tls_pair("pinned.test")
    sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: sni.append(name)
    monkeypatch.setattr(http, "resolver", table_resolver({"pinned.test": ["127.0.0.1"]}))
    with serve(tls=server_ctx) as (port, server), client(verify=client_ctx) as c:
        r = get(c, f"https://pinned.test:{port}/tls")
    assert r.error is None and r.body == PAGE, r.error
    assert sni == ["pinned.test"]
    assert server.seen[0].host == f"pinned.test:{port}"


# ---- 3. keep-alive: polls reuse their connections


def _conditional_feed(h: Request):
    if h.headers.get("If-None-Match") == '"v1"':
        return h.send(304, b"", headers={"ETag": '"v1"'})
    return h.send(200, b"<rss/>", "application/rss+xml", {"ETag": '"v1"'})


KEEP_ALIVE_ROUTES = {
    "/feed": _conditional_feed,
    "/moved": lambda h: h.send(301, b"", headers={"Location": "/feed"}),
    "/missing": lambda h: h.send(404, b"<h1>Not Found</h1>"),
    "/huge-error": lambda h: h.send(500, b"x" * 200_000),
}


def test_conditional_polls_reuse_a_handful_of_connections():
    """After a 304, a redirect or a small error page the connection goes back to the pool: 60
    polls from one thread use one TCP connection, and 60 more from as many threads as may poll
    one host at once use no more connections than there are threads."""
    paths = ["/feed", "/moved", "/missing"] * 20
    threads = SETTINGS.per_host_concurrency
    with serve(KEEP_ALIVE_ROUTES) as (port, server), client() as c:
        def poll(path: str) -> http.FetchResult:
            return get(c, f"http://127.0.0.1:{port}{path}", etag='"v1"')

        one_thread = [poll(path) for path in paths]
        connections_one_thread = {s.client for s in server.seen}
        with ThreadPoolExecutor(threads) as pool:
            many_threads = list(pool.map(poll, paths))
        connections = {s.client for s in server.seen}
    for r in one_thread + many_threads:
        assert (r.status, r.error) in ((304, None), (404, "HTTP 404 Not Found")), (r.status, r.error)
    assert len(server.seen) == 2 * 80  # each /moved is two requests
    assert len(connections_one_thread) == 1
    assert len(connections) <= threads


def test_a_large_unread_body_costs_its_connection():
    """An error page too large to be worth reading is not drained: its connection is closed."""
    with serve(KEEP_ALIVE_ROUTES) as (port, server), client() as c:
        error = get(c, f"http://127.0.0.1:{port}/huge-error")
        after = get(c, f"http://127.0.0.1:{port}/feed", etag='"v1"')
    assert error.error == "HTTP 500 Internal Server Error" and error.is_retryable and error.body is None
    assert after.status == 304 and after.error is None
    assert len({s.client for s in server.seen}) == 2


def test_tls_connections_are_kept_alive(monkeypatch):
    """HTTPS polls (304s, a redirect) share one connection: one TLS handshake, not one each."""
    server_ctx, client_ctx = _tls_pair("pinned.test")
    handshakes: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: handshakes.append(name)
    monkeypatch.setattr(http, "resolver", table_resolver({"pinned.test": ["127.0.0.1"]}))
    with serve(KEEP_ALIVE_ROUTES, tls=server_ctx) as (port, server), client(verify=client_ctx) as c:
        results = [get(c, f"https://pinned.test:{port}{path}", etag='"v1"') for path in ("/feed", "/moved", "/feed")]
    assert [(r.status, r.error) for r in results] == [(304, None)] * 3
    assert len(server.seen) == 4 and len({s.client for s in server.seen}) == 1
    assert handshakes == ["pinned.test"]


# ---- 4. one deadline for the whole exchange


def test_deadline_covers_a_server_dripping_its_headers():
    """Each byte comes well within the read timeout, so only the request's deadline can stop
    it; without one, the 60 header bytes would take 12 s."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nX-Pad: 1\r\n\r\nhello"

    def drip(h: Request):
        h.drip(bytes([byte]) for byte in head)

    settings = dataclasses.replace(SETTINGS, read_timeout_s=2.0)
    with serve({"/drip": drip}) as (port, _), client(settings) as c:
        started = time.monotonic()
        r = get(c, f"http://127.0.0.1:{port}/drip", deadline_s=1.0)
        took = time.monotonic() - started
    assert r.error == "download took longer than 1s (server trickling?)"
    assert r.is_retryable is False and r.body is None
    assert took < 1.5, took


def test_a_header_cut_off_at_the_deadline_is_not_a_response():
    """The status line and a header come at once, then a header that never ends: shutting the
    socket down at the deadline reads as the end of the headers (and of a body read to the
    end), which must not pass for an empty 200."""
    def endless_header(h: Request):
        try:
            h.raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Slow: ")
            for _ in range(40):
                h.raw(b"a")
                time.sleep(0.1)
        except OSError:
            pass
        h.close_connection = True

    with serve({"/endless": endless_header}) as (port, _), client() as c:
        started = time.monotonic()
        r = get(c, f"http://127.0.0.1:{port}/endless", deadline_s=1.0)
        took = time.monotonic() - started
    assert r.error == "download took longer than 1s (server trickling?)"
    assert r.body is None and took < 1.5, took


def test_deadline_covers_a_dripping_tls_handshake():
    """The server answers the TLS hello with a record that arrives a byte every 0.1 s, well
    within the connect timeout: the deadline stops the handshake."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def drip():
        conn, _ = listener.accept()
        with conn:
            try:
                conn.recv(4096)  # the client hello
                for byte in b"\x16\x03\x03\x40\x00" + b"\x00" * 40:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.1)
            except OSError:
                pass

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        with client(dataclasses.replace(SETTINGS, connect_timeout_s=2.0)) as c:
            started = time.monotonic()
            r = get(c, f"https://127.0.0.1:{port}/", deadline_s=1.0)
            took = time.monotonic() - started
    finally:
        listener.close()
        thread.join(timeout=10)
    assert r.error == "download took longer than 1s (server trickling?)", r.error
    assert took < 1.5, took


def test_deadline_covers_redirect_hops_together():
    def slow_redirect(h: Request):
        time.sleep(0.6)
        h.send(302, b"", headers={"Location": "/slow-redirect"})

    with serve({"/slow-redirect": slow_redirect}) as (port, _), client() as c:
        started = time.monotonic()
        r = get(c, f"http://127.0.0.1:{port}/slow-redirect", deadline_s=1.5, max_redirects=10)
        took = time.monotonic() - started
    assert r.error == "download took longer than 1.5s (server trickling?)"
    assert took < 2.0, took


# ---- 5. URLs: credentials, secrets, refused moves, embedded IPv4, ports


def test_userinfo_is_sent_but_never_returned():
    moved = {"/old": lambda h: h.send(301, b"", headers={"Location": "/new"})}
    with serve(moved) as (port, server), client() as c:
        r = get(c, f"http://reader:s3cret@127.0.0.1:{port}/old")
    assert r.error is None and r.body == PAGE
    assert r.url == f"http://127.0.0.1:{port}/old"
    assert r.final_url == f"http://127.0.0.1:{port}/new"
    assert r.redirects == [(301, f"http://127.0.0.1:{port}/new")]
    assert r.permanent_redirect_to == f"http://127.0.0.1:{port}/new"
    assert [s.authorization for s in server.seen] == ["Basic cmVhZGVyOnMzY3JldA=="] * 2  # reader:s3cret


def test_robots_txt_comes_from_the_origin_without_userinfo(caplog):
    caplog.set_level(logging.INFO, logger="flows.robots")
    routes = {"/robots.txt": lambda h: h.send(500, b"down")}
    with serve(routes) as (port, server), client() as c:
        robots = RobotsCache(SETTINGS)
        assert robots.allowed(c, f"http://reader:s3cret@127.0.0.1:{port}/page?token=abc") is True
    assert [(s.path, s.authorization) for s in server.seen] == [("/robots.txt", None)]
    assert "robots.txt of http://127.0.0.1" in caplog.text and "s3cret" not in caplog.text


@pytest.mark.parametrize(
    ("url", "robots_body"),
    [
        ("http://localhost:99999/x", None),
        ("http://[::1/x", None),
        ("http://127.0.0.1:{port}/x", b"\xff\xfe\x00User-agent: *\nDisallow: /\x00\nAllow: /[\n" * 100),
    ],
)
def test_robots_never_raises(url, robots_body):
    routes = {"/robots.txt": lambda h: h.send(200, robots_body, "text/plain")} if robots_body else {}
    with serve(routes) as (port, _), client() as c:
        assert RobotsCache(SETTINGS).allowed(c, url.format(port=port)) in (True, False)


def test_refused_permanent_redirect_does_not_move_the_feed():
    routes = {
        "/feed": lambda h: h.send(301, b"", headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/page": lambda h: h.send(200, b'<html><head><link rel="alternate" type="application/rss+xml" '
                                        b'href="http://10.0.0.1/feed.xml"></head><body>x</body></html>'),
    }
    with serve(routes) as (port, _), client() as c:
        r = get(c, f"http://127.0.0.1:{port}/feed")
        assert r.redirects and r.error.startswith("refused: 169.254.169.254 resolves to link-local")
        assert r.permanent_redirect_to is None
        for path in ("/feed", "/page"):
            url = f"http://127.0.0.1:{port}{path}"
            polled = poll_one(c, FeedToPoll(spec=FeedSpec(url=url), feed_id=1, url=url), SETTINGS)
            assert polled.error.startswith("refused:") and polled.moved_to is None
            assert polled.discovered_from is None


def test_feed_credentials_are_kept_for_requests_but_not_stored():
    def private(h: Request):
        if h.headers.get("Authorization") != "Basic cmVhZGVyOnMzY3JldA==":
            return h.send(401, b"who?")
        return h.send(200, b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
                      "application/rss+xml")

    routes = {"/old": lambda h: h.send(301, b"", headers={"Location": "/feed"}), "/feed": private}
    with serve(routes) as (port, server), client() as c:
        spec = FeedSpec(url=f"http://reader:s3cret@127.0.0.1:{port}/old")
        (feed,) = feeds_to_poll([spec], {})
        first = poll_one(c, feed, SETTINGS)
        assert first.error is None and first.status == 200
        assert first.feed_url == first.original_url == f"http://127.0.0.1:{port}/old"
        assert first.moved_to == first.final_url == f"http://127.0.0.1:{port}/feed"
        # the next run polls the stored URL (no credentials): the feed list's come back
        (moved,) = feeds_to_poll([spec], {stable_id(spec.url): {"url": first.moved_to}})
        assert moved.url == f"http://reader:s3cret@127.0.0.1:{port}/feed"
        second = poll_one(c, moved, SETTINGS)
    assert second.error is None and second.status == 200
    assert all(s.authorization for s in server.seen)


def test_logged_urls_carry_no_credentials_or_secrets(caplog, monkeypatch):
    from flows.tasks import poll

    # outside a flow run tasks log to "feedhouse", which Prefect's logging config may not propagate
    monkeypatch.setattr(logging.getLogger("feedhouse"), "handlers", [caplog.handler])
    with serve({"/gone": lambda h: h.send(404, b"no")}) as (port, _):
        url = f"http://reader:s3cret@127.0.0.1:{port}/gone?page=2&api_key=K3Y&X-Amz-Signature=S1G"
        poll.fn(feeds_to_poll([FeedSpec(url=url)], {}), "run", SETTINGS)
    assert f"feed http://127.0.0.1:{port}/gone?page=2&api_key=***&X-Amz-Signature=***: HTTP 404" in caplog.text
    assert not any(secret in caplog.text for secret in ("s3cret", "K3Y", "S1G"))


@pytest.mark.parametrize(
    ("url", "stripped"),
    [
        ("http://u:p@host.example/a?b=c#d", "http://host.example/a?b=c#d"),
        ("https://u@host.example:8443/", "https://host.example:8443/"),
        ("http://a@b@host.example/", "http://host.example/"),
        ("http://evil.example\\@good.example/", "http://good.example/"),
        ("//u:p@host.example/x", "//host.example/x"),
        ("http://host.example/path@not-userinfo", "http://host.example/path@not-userinfo"),
        ("http://host.example/?next=http://u:p@x/", "http://host.example/?next=http://u:p@x/"),
        ("http://[::1/", "http://[::1/"),
    ],
)
def test_strip_userinfo(url, stripped):
    assert strip_userinfo(url) == stripped


def test_redact_url_masks_secret_query_values_only():
    url = ("https://u:p@cdn.example/a.xml?page=2&token=abc&API_KEY=1&apikey=2&sig=3&Signature=4&passwd=5"
           "&x-amz-signature=6&X-Goog-Credential=7&client_secret=8&access_token=9&sessionid=10&author=me"
           "&monkey=ok&key&keyword=ok#access_token=11")
    assert redact_url(url) == (
        "https://cdn.example/a.xml?page=2&token=***&API_KEY=***&apikey=***&sig=***&Signature=***&passwd=***"
        "&x-amz-signature=***&X-Goog-Credential=***&client_secret=***&access_token=***&sessionid=***&author=me"
        "&monkey=ok&key&keyword=ok#access_token=***"
    )
    assert redact_url(None) == "" and redact_url("http://[::1/?token=x") == "http://[::1/?token=***"


def test_url_helpers():
    assert canonical_url("http://u:p@Host.example/a") == "http://host.example/a"
    assert origin("HTTP://u:p@Host.example:8080/a?b") == "http://host.example:8080"
    assert origin("http://[::1/") is None
    creds = "http://u:p@host.example/feed"
    assert with_userinfo_of("http://host.example:80/new", creds) == "http://u:p@host.example:80/new"
    assert with_userinfo_of("https://host.example/new", creds) == "https://host.example/new"
    assert with_userinfo_of("http://other.example/new", creds) == "http://other.example/new"
    assert with_userinfo_of("http://x:y@host.example/new", creds) == "http://x:y@host.example/new"
    assert with_userinfo_of("http://host.example:99999/", creds) == "http://host.example:99999/"


@pytest.mark.parametrize(
    ("address", "carried", "kind"),
    [
        ("64:ff9b::7f00:1", "127.0.0.1", "loopback address 127.0.0.1 embedded in 64:ff9b::7f00:1"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254", "link-local/metadata address 169.254.169.254"),
        ("2002:0a00:0001::1", "10.0.0.1", "private address 10.0.0.1 embedded in 2002:a00:1::1"),
        ("::127.0.0.1", "127.0.0.1", "loopback address 127.0.0.1 embedded in ::7f00:1"),
        ("::ffff:10.1.2.3", "10.1.2.3", "private address 10.1.2.3"),
        ("64:ff9b:1::808:808", None, "non-public address 64:ff9b:1::808:808"),
        ("::1", None, "loopback address ::1"),
    ],
)
def test_ipv6_forms_carrying_ipv4_are_judged_by_that_ipv4(address, carried, kind):
    found = embedded_ipv4(ipaddress.ip_address(address))
    assert (str(found) if found else None) == carried
    reason = refusal("evil.example", [address], AllowList(), 80)
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"])
def test_public_addresses_behind_ipv6_forms_are_allowed(address):
    assert refusal("ok.example", [address], AllowList(), 443) is None


def test_allow_list_entries_may_name_a_port():
    allow = AllowList.parse("127.0.0.1:8701, intranet.example:8080, [::1]:9000, fd00::7, wiki.example, x:nope")
    assert refusal("127.0.0.1", ["127.0.0.1"], allow, 8701) is None
    assert "loopback" in refusal("127.0.0.1", ["127.0.0.1"], allow, 8702)
    assert refusal("intranet.example", ["10.0.0.5"], allow, 8080) is None
    assert "private address 10.0.0.5" in refusal("intranet.example", ["10.0.0.5"], allow, 8081)
    assert refusal("::1", ["::1"], allow, 9000) is None and refusal("::1", ["::1"], allow, 9001)
    assert refusal("fd00::7", ["fd00::7"], allow, 1) is None
    assert refusal("wiki.example", ["10.9.9.9"], allow, 1234) is None
    assert refusal("x", ["10.0.0.1"], allow, 80) is not None  # a bad port allows nothing


def test_a_port_limited_allow_list_entry_is_honoured_by_fetch():
    with serve() as (port, server), client() as c:
        allowed = get(c, f"http://127.0.0.1:{port}/", allow=AllowList.parse(f"127.0.0.1:{port}"))
        other = get(c, f"http://127.0.0.1:{port}/", allow=AllowList.parse(f"127.0.0.1:{port + 1}"))
    assert allowed.error is None and allowed.body == PAGE
    assert other.error.startswith("refused: 127.0.0.1 resolves to loopback address 127.0.0.1")
    assert len(server.seen) == 1
