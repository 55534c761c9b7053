"""The suite's own safety net: no test process may connect or resolve off the machine."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from .conftest import SOCKET_GUARD_LOG, socket_guard


def test_guard_refuses_a_non_loopback_connect_in_this_process():
    with socket.socket() as s, pytest.raises(ConnectionRefusedError, match="non-loopback"):
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: would never answer anyway
    with pytest.raises(socket.gaierror, match="no DNS lookups"):
        socket.getaddrinfo("example.com", 80)
    lines = SOCKET_GUARD_LOG.read_text().splitlines()
    assert any("192.0.2.1" in line for line in lines) and any("example.com" in line for line in lines)
    # these were the test's own attempts: forget them, so the session check stays meaningful
    SOCKET_GUARD_LOG.write_text("".join(f"{line}\n" for line in lines if "192.0.2.1" not in line and "example.com" not in line))


def test_guard_applies_to_child_processes_and_allows_loopback():
    code = (
        "import socket\n"
        "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n"
        "socket.create_connection(srv.getsockname(), timeout=2).close()\n"
        "try:\n"
        "    socket.create_connection(('198.51.100.7', 80), timeout=2)\n"
        "except ConnectionRefusedError as exc:\n"
        "    print('refused', exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "refused test socket guard" in done.stdout, done.stderr
    lines = SOCKET_GUARD_LOG.read_text().splitlines()
    assert any("198.51.100.7" in line for line in lines)
    SOCKET_GUARD_LOG.write_text("".join(f"{line}\n" for line in lines if "198.51.100.7" not in line))
    assert socket_guard._is_loopback("::ffff:127.0.0.1") and not socket_guard._is_loopback("::ffff:10.0.0.1")
