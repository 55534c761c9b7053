"""Turn page bytes into text without mojibake.

Servers lie about encodings: a windows-1252 page declared as UTF-8, a UTF-8 page declared as
ISO-8859-1, a BOM that contradicts both. The order of trust here: BOM, then a declared charset
that decodes the bytes cleanly (UTF-8 wins over a single-byte declaration when the bytes are
valid UTF-8 with non-ASCII in them), then charset-normalizer's detection.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SINGLE_BYTE = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset=`` parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns ``(text, encoding used)``."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(encoding, errors="replace"), encoding
    declared = []
    for name in (charset_from_content_type(content_type), _first_meta_charset(body)):
        codec = _codec(name)
        if codec and codec not in declared:
            declared.append(codec)
    is_ascii = body.isascii()
    utf8_ok = _decodes(body, "utf-8")
    for codec in declared:
        if codec in _SINGLE_BYTE and utf8_ok and not is_ascii:
            return body.decode("utf-8"), "utf-8"  # UTF-8 bytes mislabelled as a legacy charset
        if codec == "utf-8" and not utf8_ok:
            continue  # declared UTF-8 but is not: let detection find the real charset
        if _decodes(body, codec):
            return body.decode(codec), codec
    if utf8_ok:
        return body.decode("utf-8"), "utf-8"
    best = from_bytes(body[:200_000]).best()
    encoding = best.encoding if best else "cp1252"
    return body.decode(encoding, errors="replace"), encoding


def _first_meta_charset(body: bytes) -> str | None:
    match = _META_RE.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
