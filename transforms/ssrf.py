"""Which addresses the fetcher may contact (server-side request forgery policy).

Feeds are untrusted input: an article link to ``http://169.254.169.254/`` (cloud metadata),
``http://10.0.0.5/admin`` or ``http://localhost:6379/`` must not be fetched. Only public
unicast addresses are allowed, plus an explicit allow-list of hosts and IPs. A host name on the
list allows that name whatever it resolves to; an IP allows only itself (allowing 127.0.0.1
does not allow 127.0.0.2).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class AllowList:
    hosts: frozenset[str] = frozenset()
    ips: frozenset[ipaddress.IPv4Address | ipaddress.IPv6Address] = frozenset()

    @classmethod
    def parse(cls, text: str | None) -> AllowList:
        """``"127.0.0.1, intranet.example, ::1"`` → an allow-list."""
        hosts, ips = set(), set()
        for item in (text or "").replace(";", ",").split(","):
            item = item.strip().strip("[]").lower()
            if not item:
                continue
            try:
                ips.add(ipaddress.ip_address(item))
            except ValueError:
                hosts.add(item.rstrip("."))
        return cls(frozenset(hosts), frozenset(ips))


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refusal(host: str, addresses: list[str], allow: AllowList) -> str | None:
    """Why fetching ``host`` (which resolved to ``addresses``) is refused; None if allowed."""
    host = host.lower().rstrip(".")
    if host in allow.hosts:
        return None
    if not addresses:
        return f"refused: {host} resolved to no address"
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        if ip in allow.ips:
            continue
        mapped = getattr(ip, "ipv4_mapped", None)
        check = mapped or ip
        if not check.is_global or check.is_multicast:
            kind = (
                "loopback" if check.is_loopback else
                "link-local/metadata" if check.is_link_local else
                "private" if check.is_private else "non-public"
            )
            return f"refused: {host} resolves to {kind} address {ip} (SSRF protection; see FEEDHOUSE_ALLOW_HOSTS)"
    return None
