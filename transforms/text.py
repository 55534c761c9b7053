"""Markup → plain text for the fields readers display (titles, summaries, descriptions, authors).

Feeds put HTML anywhere: an RSS ``<description>`` is HTML by convention, titles and author names
carry ``<b>`` or entities, and some feeds escape their markup twice. The warehouse keeps text
only, so nothing a reader renders from it can run a script or load a frame.
"""

from __future__ import annotations

import html
import re

import nh3

# Elements whose content is not text a reader sees (scripts, styles, frame fallbacks).
_DROPPED_WITH_CONTENT = {"script", "style", "iframe"}
# Block-level boundaries: stripping them must leave a space, or "<p>a</p><p>b</p>" reads "ab".
_BLOCK_TAG_RE = re.compile(
    r"<(?=/?(?:br|p|div|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|blockquote|pre|hr|"
    r"section|article|header|footer|aside|nav|figure|figcaption|address)\b)",
    re.IGNORECASE,
)
_TAG_START_RE = re.compile(r"<[A-Za-z!/?]")
_MARKUP_RE = re.compile(r"<[A-Za-z!/?]|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_MAX_PASSES = 3  # markup escaped once or twice is common; deeper nesting is left escaped
# Kana and CJK ideographs: scripts written without spaces between words.
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")


def valid_text(value: str) -> str:
    """``value`` with lone surrogates (``"\\ud800"`` from a JSON escape or a character
    reference) replaced: they cannot be encoded as UTF-8, so Parquet and DuckDB refuse them."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated tokens, except that each kana or CJK ideograph
    counts as one word, as word processors count East Asian text (a Chinese article has almost no
    spaces, so splitting on them finds a handful of "words" in a thousand characters)."""
    if text.isascii():
        return len(text.split())
    rest = _CJK_RE.sub(" ", text)
    cjk = len(text) - len(_CJK_RE.sub("", text))
    if not cjk:
        return len(text.split())
    # between ideographs, full-width punctuation ("，", "。") is left standing alone: not a word
    return cjk + sum(1 for token in rest.split() if any(c.isalnum() for c in token))


def plain_text(markup: str | None) -> str | None:
    """The text a browser would show for ``markup``: every tag removed (scripts, styles and
    frames with their content), entities decoded, whitespace collapsed. Markup that was escaped
    once more (``&lt;script&gt;``) is stripped too once decoding reveals it."""
    if markup is None:
        return None
    text = cleaned = valid_text(markup)
    for _ in range(_MAX_PASSES):
        if "<" not in text and "&" not in text:
            break
        cleaned = _strip_tags(text)
        text = html.unescape(cleaned)
        if not _MARKUP_RE.search(text):
            break
    if _TAG_START_RE.search(text):
        text = cleaned  # still markup after the last decoding: keep that layer escaped
    return " ".join(text.split()) or None


def _strip_tags(markup: str) -> str:
    # A CDATA section is a bogus comment to an HTML parser, which would drop its text with it;
    # without its markers its content is markup like the rest (str.replace: linear, where a regex
    # pairing the markers rescans the tail for every unclosed "<![CDATA[").
    markup = markup.replace("<![CDATA[", "").replace("]]>", "")
    markup = _BLOCK_TAG_RE.sub(" <", markup)
    return nh3.clean(markup, tags=set(), clean_content_tags=_DROPPED_WITH_CONTENT)
