"""Turn page and feed bytes into text without mojibake.

Servers lie about encodings: a windows-1252 page declared as UTF-8, a UTF-8 page declared as
ISO-8859-1, a BOM that contradicts both. The order of trust here: BOM, then a declared charset
that decodes the bytes cleanly (UTF-8 wins over a single-byte declaration when the bytes are
valid UTF-8 with non-ASCII in them), then valid UTF-8, then charset-normalizer's detection. A
page declared UTF-8 whose bytes are UTF-8 but for a few stray bytes (a pasted legacy character,
a cut multi-byte sequence) is decoded as UTF-8 with those bytes replaced, as browsers do:
detection guesses a single-byte charset for it and turns every accented letter into mojibake.

Only text encodings on :data:`_TEXT_CODECS` are ever used. A declared charset names a Python
codec, and Python has codecs that are not text encodings at all: ``punycode`` is quadratic (a
5 MiB page takes half an hour) and raises ``UnicodeError``, ``idna`` and ``unicode_escape``
raise or reinterpret the bytes, ``utf-7`` smuggles ``<script>`` past filters as ``+ADw-``, and
``rot13``, ``base64``, ``zlib``, ``bz2``, ``hex``, ``uu`` are byte transforms. Any charset off
the list counts as undeclared.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from encodings.aliases import aliases

from charset_normalizer import from_bytes

# Python codec modules of the text encodings web pages and feeds use.
_TEXT_CODEC_MODULES = (
    "utf_8", "utf_8_sig", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be",
    "ascii", "latin_1",
    *(f"iso8859_{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
    *(f"cp{n}" for n in range(1250, 1259)),
    "koi8_r", "koi8_u", "koi8_t", "kz1048", "ptcp154",
    "cp437", "cp720", "cp737", "cp775", "cp850", "cp852", "cp855", "cp857", "cp858", "cp860",
    "cp861", "cp862", "cp863", "cp864", "cp865", "cp866", "cp869", "cp1125",
    "shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004",
    "euc_jisx0213", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004",
    "iso2022_jp_3", "iso2022_jp_ext",
    "gb2312", "gbk", "gb18030", "big5", "big5hkscs", "cp950",
    "euc_kr", "cp949", "johab", "iso2022_kr",
    "tis_620", "cp874",
    "mac_roman", "mac_cyrillic", "mac_greek", "mac_iceland", "mac_latin2", "mac_turkish",
    "mac_arabic", "mac_croatian", "mac_farsi", "mac_romanian",
)
# A label for a subset is decoded with its superset, as browsers do: pages labelled GB2312 or
# Shift_JIS routinely use the vendor extensions, which the strict codecs reject.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932", "euc_kr": "cp949",
              "tis_620": "cp874"}
# Web labels Python does not know as aliases.
_EXTRA_LABELS = {
    "x-sjis": "cp932", "windows-31j": "cp932", "x-euc-jp": "euc_jp", "x-gbk": "gbk",
    "windows-874": "cp874", "dos-874": "cp874", "iso-8859-8-i": "iso8859_8", "x-cp1251": "cp1251",
    "x-cp1250": "cp1250", "x-mac-roman": "mac_roman", "x-mac-cyrillic": "mac_cyrillic",
    "macintosh": "mac_roman", "unicode-1-1-utf-8": "utf_8", "cn-big5": "big5", "x-x-big5": "big5",
}


def _label_key(label: str) -> str:
    return re.sub(r"[^a-z0-9]", "", label.lower())


def _build_labels() -> dict[str, str]:
    modules = set(_TEXT_CODEC_MODULES)
    pairs = [(m, m) for m in modules]
    pairs += [(alias, module) for alias, module in aliases.items() if module in modules]
    pairs += list(_EXTRA_LABELS.items())
    return {_label_key(label): codecs.lookup(_SUPERSETS.get(module, module)).name for label, module in pairs}


_LABELS = _build_labels()  # normalized charset label → Python codec name, text encodings only
_TEXT_CODECS = frozenset(_LABELS.values())
_SINGLE_BYTE = {"iso8859-1", "cp1252", "ascii", "iso8859-15"}
_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}

_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(rb"""^<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# "<?" in UTF-16/32 without a BOM (XML 1.0 appendix F): the only way to tell them apart.
_XML_WIDE_STARTS = (
    (b"<\0\0\0", "utf-32-le"),
    (b"\0\0\0<", "utf-32-be"),
    (b"<\0?\0", "utf-16-le"),
    (b"\0<\0?", "utf-16-be"),
)
_DETECT_BYTES = 200_000
# Declared UTF-8 is kept when its valid non-ASCII characters outnumber the invalid bytes this
# many times; legacy-encoded text mislabelled UTF-8 has almost no valid multi-byte sequences.
_MOSTLY_UTF8_RATIO = 8


def text_codec(label: str | None) -> str | None:
    """The Python codec for a charset label (``"Windows-1251"`` → ``"cp1251"``), or None when
    the label names no text encoding on the allow-list (``"punycode"``, ``"rot13"``, typos)."""
    if not label or len(label) > 64:
        return None
    return _LABELS.get(_label_key(label))


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset=`` parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns ``(text, encoding used)``. Never raises."""
    bom = _bom(body)
    if bom:
        return bom
    return _decode(body, (charset_from_content_type(content_type), _first_meta_charset(body)))


def decode_feed(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a feed body (XML or JSON); returns ``(text, encoding used)``. Never raises.

    The charsets declared by the Content-Type and by the XML declaration are trusted the same
    way as a page's; with neither (and no BOM), bytes that are not UTF-8 are detected."""
    bom = _bom(body)
    if bom:
        return bom
    for start, encoding in _XML_WIDE_STARTS:
        if body.startswith(start):
            return body.decode(encoding, errors="replace"), encoding
    return _decode(body, (charset_from_content_type(content_type), _xml_declared_charset(body)))


def _bom(body: bytes) -> tuple[str, str] | None:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(encoding, errors="replace"), encoding
    return None


def _decode(body: bytes, labels: Iterable[str | None]) -> tuple[str, str]:
    declared: list[str] = []
    for label in labels:
        codec = text_codec(label)
        if codec and codec not in declared:
            declared.append(codec)
    utf8 = _try_decode(body, "utf-8")
    for codec in declared:
        if codec in _SINGLE_BYTE and utf8 is not None and not body.isascii():
            return utf8, "utf-8"  # UTF-8 bytes mislabelled as a legacy charset
        if codec == "utf-8":
            if utf8 is not None:
                return utf8, "utf-8"
            mostly = _mostly_utf8(body)
            if mostly is not None:
                return mostly, "utf-8"
            continue  # declared UTF-8 but is not: let detection find the real charset
        if codec in _WIDE and b"\0" not in body[:1024]:
            continue  # markup in UTF-16/32 has NUL bytes; without them the label is a lie
        text = _try_decode(body, codec)
        if text is not None:
            return text, codec
    if utf8 is not None:
        return utf8, "utf-8"
    return _detect(body)


def _detect(body: bytes) -> tuple[str, str]:
    """charset-normalizer's best guess among the allowed codecs (cp1252 when it has none)."""
    encoding = "cp1252"
    for match in from_bytes(body[:_DETECT_BYTES]):
        codec = text_codec(match.encoding)
        if codec:
            encoding = codec
            break
    return body.decode(encoding, errors="replace"), encoding


def _first_meta_charset(body: bytes) -> str | None:
    match = _META_RE.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _xml_declared_charset(body: bytes) -> str | None:
    match = _XML_ENCODING_RE.match(body[:512])
    return match.group(1).decode("ascii", "ignore") if match else None


def _mostly_utf8(body: bytes) -> str | None:
    """``body`` decoded as UTF-8 with its invalid bytes replaced, when they are a few strays
    among many valid non-ASCII characters; None otherwise."""
    text = body.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - body.count("\ufffd".encode())
    valid_non_ascii = len(text) - len(text.encode("ascii", "ignore")) - invalid
    return text if valid_non_ascii >= _MOSTLY_UTF8_RATIO * invalid else None


def _try_decode(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None
