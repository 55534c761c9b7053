"""Author names: strip bylines' boilerplate, reject placeholders."""

from __future__ import annotations

import re

PLACEHOLDER_AUTHORS = frozenset(
    {
        "unknown", "admin", "administrator", "anonymous", "anonim", "noreply", "no-reply",
        "webmaster", "staff", "guest", "user", "root", "blogger", "author", "penulis",
        "editor", "redaksi", "tim redaksi", "none", "null", "n/a", "-",
    }
)

_PREFIX_RE = re.compile(
    r"^(?:diposting\s+oleh|dipost\s+oleh|ditulis\s+oleh|posted\s+by|written\s+by|"
    r"penulis|reporter|editor|oleh|by)\s*[:\-]?\s+",
    re.IGNORECASE,
)
# "Unknown on Wednesday, 18 November 2015 | 13:06:00", "Budi pada 18/11/2015", "Ani | 13:06"
_SUFFIX_RE = re.compile(r"\s+(?:on|pada|at)\s+.*$|\s*[|•·]\s.*$|\s+-\s+\d.*$", re.IGNORECASE)


def clean_author(raw: str | None) -> str | None:
    """A person's name from a byline, or None when the byline names nobody real.

    ``"Diposting oleh Ahmad Fauzi"`` → ``"Ahmad Fauzi"``; ``"Written By Unknown on …"``,
    ``"Admin"`` and ``"noreply@blogger.com"`` → None. Several authors joined by ``;`` keep
    their real names only.
    """
    if not raw:
        return None
    names: list[str] = []
    for part in re.split(r"\s*;\s*", raw):
        name = " ".join(part.split())
        previous = None
        while previous != name:
            previous = name
            name = _PREFIX_RE.sub("", name)
            name = _SUFFIX_RE.sub("", name).strip(" ,:-")
        if not name or "@" in name or "://" in name or len(name) > 100:
            continue
        if name.lower() in PLACEHOLDER_AUTHORS or not re.search(r"[^\W\d_]", name):
            continue
        if name not in names:
            names.append(name)
    return "; ".join(names) if names else None
