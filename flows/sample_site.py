"""The bundled sample: three small news sites served on 127.0.0.1, one port each.

Files under ``flows/sample/sites/<site>/`` are served by :mod:`flows.localserver`, which answers
like a real web server (ETag, Last-Modified, 304, gzip). The tokens ``{{blog}}``, ``{{portal}}``
and ``{{english}}`` in the sites' files become ``127.0.0.1:<port>`` of that site, so feeds link to
pages on whatever ports the servers got.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.localserver import serve_sites
from flows.paths import SAMPLE_DIR

SITES = ("blog", "portal", "english")
DEFAULT_PORT_BASE = 8700  # blog 8701, portal 8702, english 8703


@contextmanager
def serve_sample(
    port_base: int | None = DEFAULT_PORT_BASE, root: Path | None = None
) -> Iterator[dict[str, str]]:
    """Serve the sample sites; yields ``{site: "127.0.0.1:port"}``.

    ``port_base=None`` picks free ports (tests); the default uses fixed ports so that article
    URLs, and so the warehouse's keys, stay the same from one demo run to the next.
    """
    root = root or SAMPLE_DIR / "sites"
    with serve_sites({site: root / site for site in SITES}, port_base) as servers:
        yield {site: server.host for site, server in servers.items()}


def render_feed_list(hosts: dict[str, str], template: Path | None = None) -> str:
    """The sample feed list with the sites' real host:port filled in."""
    text = (template or SAMPLE_DIR / "feeds.toml").read_text(encoding="utf-8")
    for site, host in hosts.items():
        text = text.replace(f"{{{{{site}}}}}", host)
    return text
