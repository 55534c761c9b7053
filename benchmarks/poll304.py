"""CPU per conditional GET answered 304 over keep-alive: the whole cost of polling a feed that has
not changed, for ``flows.httpclient.fetch`` and, for comparison, a bare urllib3 pool.

``.venv/bin/python -m benchmarks.poll304 [--hosts 50] [--threads 1 8] [--rounds 40]``

A small asyncio server (its own process, so its CPU is not counted) listens on ``--hosts`` ports
of 127.0.0.1 and answers ``/feed/N`` with 304 when ``If-None-Match`` is ``"vN"``. Polls go round
the hosts, so every host's connection is idle between its polls, as in a run over many sites.
CPU is user+sys of this process (all threads) per poll; each figure is the best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import urllib3

from flows import httpclient as http
from transforms.settings import Settings
from transforms.ssrf import AllowList

SERVER = r"""
import asyncio, socket, sys
async def handle(reader, writer):
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            n = head[0].split(" ")[1].rsplit("/", 1)[-1]
            etag = f'"v{n}"'
            seen = [h.split(":", 1)[1].strip() for h in head if h.lower().startswith("if-none-match:")]
            status = "304 Not Modified" if seen == [etag] else "200 OK"
            writer.write(f"HTTP/1.1 {status}\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode())
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    servers = [await asyncio.start_server(handle, "127.0.0.1", 0) for _ in range(int(sys.argv[1]))]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _feedhouse_poller(ports: list[int]) -> tuple[Callable[[int], None], Callable[[], None]]:
    client = http.make_client(Settings(allow_hosts="127.0.0.1"))
    allow = AllowList.parse("127.0.0.1")

    def poll(i: int) -> None:
        r = http.fetch(client, f"http://127.0.0.1:{ports[i % len(ports)]}/feed/{i}", max_bytes=1 << 20,
                       deadline_s=30, etag=f'"v{i}"', allow=allow)
        assert r.status == 304 and r.error is None, (r.status, r.error)

    return poll, client.close


def _urllib3_poller(ports: list[int]) -> tuple[Callable[[int], None], Callable[[], None]]:
    pools = [urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=8, retries=False) for port in ports]

    def poll(i: int) -> None:
        r = pools[i % len(ports)].urlopen("GET", f"/feed/{i}", headers={"If-None-Match": f'"v{i}"'},
                                          redirect=False, preload_content=False, decode_content=False)
        r.read()
        r.release_conn()
        assert r.status == 304

    return poll, lambda: [pool.close() for pool in pools]


def _measure(make, ports: list[int], threads: int, rounds: int) -> float:
    """CPU milliseconds per poll, ``rounds`` polls per host after one warm-up round."""
    poll, close = make(ports)
    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(poll, range(len(ports))))
            polls = range(len(ports) * rounds)
            before = _cpu()
            list(pool.map(poll, polls))
            return 1000 * (_cpu() - before) / len(polls)
    finally:
        close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(args.hosts)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        ports = [int(port) for port in server.stdout.readline().split()]
        for name, make in (("feedhouse fetch()", _feedhouse_poller), ("bare urllib3", _urllib3_poller)):
            for threads in args.threads:
                best = min(_measure(make, ports, threads, args.rounds) for _ in range(args.repeat))
                print(f"{name:18} {threads} thread(s), {args.hosts} hosts: {best:.3f} ms CPU per 304 poll", flush=True)
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
