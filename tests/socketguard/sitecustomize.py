"""Loopback-only networking for the test suite and every Python process it starts.

conftest puts this directory on PYTHONPATH, so the test process, the ``feedhouse`` CLI runs,
the Prefect and Dask servers and the extraction workers all import it at start-up. A connect to
anything but 127.0.0.0/8, ::1 or a Unix socket raises ``ConnectionRefusedError`` before a packet
leaves, and a name lookup of anything but localhost, the machine's own name or an IP literal
fails as ``socket.gaierror``: a regression in the SSRF protection then fails a test instead of
sending traffic off the machine. Each refusal is appended to ``$FEEDHOUSE_SOCKET_GUARD_LOG``
(when set), so tests can also assert that nothing even tried.
"""

from __future__ import annotations

import ipaddress
import os
import socket

_LOG = os.environ.get("FEEDHOUSE_SOCKET_GUARD_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", socket.gethostname().lower()}


def _record(what: str) -> None:
    if _LOG:
        try:
            with open(_LOG, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()} {what}\n")
        except OSError:
            pass


def _is_loopback(host: object) -> bool:
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _check(sock: socket.socket, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        _record(f"connect {address!r}")
        raise ConnectionRefusedError(f"test socket guard: refused a connect to non-loopback {address!r}")


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name.lower().rstrip(".") not in _LOCAL_NAMES:
        try:
            ipaddress.ip_address(str(name).strip("[]").split("%", 1)[0])
        except ValueError:
            _record(f"resolve {name!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"test socket guard: no DNS lookups ({name!r})") from None
    return _getaddrinfo(host, *args, **kwargs)


if os.environ.get("FEEDHOUSE_SOCKET_GUARD") == "1":
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
