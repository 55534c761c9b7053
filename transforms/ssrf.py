"""Which addresses the fetcher may contact (server-side request forgery policy).

Feeds are untrusted input: an article link to ``http://169.254.169.254/`` (cloud metadata),
``http://10.0.0.5/admin`` or ``http://localhost:6379/`` must not be fetched. Only public
unicast addresses are allowed, plus an explicit allow-list of hosts and IPs. A host name on the
list allows that name whatever it resolves to; an IP allows only itself (allowing 127.0.0.1
does not allow 127.0.0.2). An entry with ``:port`` (``127.0.0.1:8701``, ``[::1]:8080``,
``intranet.example:8080``) allows only that port, so allowing a local test server does not
also allow the database next to it. An IPv6 address that carries an IPv4 one (IPv4-mapped,
IPv4-compatible, NAT64, 6to4) is judged by the IPv4 address it reaches.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are the IPv4 address
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: a site's own translator, never public
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ``::a.b.c.d``


@dataclass(frozen=True)
class AllowList:
    """Hosts and IPs fetched despite not being public; ``*_ports`` entries allow one port only."""

    hosts: frozenset[str] = frozenset()
    ips: frozenset[IPAddress] = frozenset()
    host_ports: frozenset[tuple[str, int]] = frozenset()
    ip_ports: frozenset[tuple[IPAddress, int]] = frozenset()

    @classmethod
    @functools.lru_cache(maxsize=64)
    def parse(cls, text: str | None) -> AllowList:
        """``"127.0.0.1:8701, intranet.example, ::1, [fd00::5]:8080"`` → an allow-list. Cached:
        every fetch parses the setting, and the list is immutable."""
        hosts, ips, host_ports, ip_ports = set(), set(), set(), set()
        for item in (text or "").replace(";", ",").split(","):
            name, port = _split_port(item.strip().lower())
            if not name:
                continue
            ip = ip_literal(name)
            if ip is not None and port is None:
                ips.add(ip)
            elif ip is not None:
                ip_ports.add((ip, port))
            elif port is None:
                hosts.add(name.rstrip("."))
            else:
                host_ports.add((name.rstrip("."), port))
        return cls(frozenset(hosts), frozenset(ips), frozenset(host_ports), frozenset(ip_ports))

    def allows_host(self, host: str, port: int | None = None) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or (host, port) in self.host_ports

    def allows_ip(self, ip: IPAddress, port: int | None = None) -> bool:
        return ip in self.ips or (ip, port) in self.ip_ports


def _split_port(item: str) -> tuple[str, int | None]:
    """``host:port``, ``[v6]:port`` → (host, port); a bare IPv6 address has no port. A port
    that is not a number in 1-65535 leaves the whole entry as a name, which matches nothing."""
    if item.startswith("["):
        host, _, rest = item[1:].partition("]")
        port = rest.removeprefix(":")
    elif item.count(":") == 1:
        host, _, port = item.partition(":")
    else:
        return item, None
    if not port:
        return host, None
    if port.isascii() and port.isdigit() and 0 < int(port) <= 65535:
        return host, int(port)
    return item, None


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to: IPv4-mapped ``::ffff:a.b.c.d``,
    IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::a.b.c.d`` and 6to4 ``2002:AABB:CCDD::``.
    ``::1`` and ``::`` are IPv6's own loopback and unspecified addresses, not IPv4-compatible."""
    if ip.version == 4:
        return None
    carried = ip.ipv4_mapped or ip.sixtofour
    if carried:
        return carried
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def non_public(ip: IPAddress) -> str | None:
    """What kind of non-public address ``ip`` is (``"loopback address 127.0.0.1"``), or None
    for a public unicast address."""
    carried = embedded_ipv4(ip)
    check = carried or ip
    if check.is_global and not check.is_multicast and ip not in LOCAL_NAT64:
        return None
    kind = (
        "loopback" if check.is_loopback else
        "link-local/metadata" if check.is_link_local else
        "private" if check.is_private else "non-public"
    )
    return f"{kind} address {check} embedded in {ip}" if carried else f"{kind} address {ip}"


def refusal(host: str, addresses: list[str], allow: AllowList, port: int | None = None) -> str | None:
    """Why fetching ``host`` (which resolved to ``addresses``) on ``port`` is refused; None if
    allowed. Port-limited allow-list entries apply only when ``port`` is given."""
    host = host.lower().rstrip(".")
    if allow.allows_host(host, port):
        return None
    if not addresses:
        return f"refused: {host} resolved to no address"
    for text in addresses:
        ip = ip_literal(text.split("%", 1)[0])
        if ip is None:
            return f"refused: {host} resolved to {text!r}, which is not an IP address"
        if allow.allows_ip(ip, port):
            continue
        kind = non_public(ip)
        if kind:
            return f"refused: {host} resolves to {kind} (SSRF protection; see FEEDHOUSE_ALLOW_HOSTS)"
    return None
