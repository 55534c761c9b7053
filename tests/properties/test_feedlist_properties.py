"""Feed lists (TOML and OPML): a usable :class:`FeedList` of typed specs, or a
:class:`FeedListError` with a message; never any other exception."""

from __future__ import annotations

import json
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from transforms.feedlist import FeedList, FeedListError, append_feeds, parse_feed_list_text, parse_opml, to_opml

from . import examples
from .strategies import EDGE_TEXT, feed_list_seeds, mutated_bytes

TOML_TOKENS = ['url = 1', 'tags = 5', 'tags = [1, {a = 1}]', 'name = {x = 1}', 'language = [1]', '[[feeds]]',
               '[settings]', 'settings = 1', 'feeds = "x"', 'url = "javascript:alert(1)"', '"\\ud800"',
               'url = "http://x"', 'max_words = 1e400', 'x = nan', '[feeds.x]', "'''", '"""', "\\", "\x00"]
OPML_TOKENS = ['<outline xmlUrl="http://x"/>', '<outline xmlUrl=""/>', '<outline text="&#xD800;"/>', "<body>",
               "</body>", '<opml xmlns="urn:x">', "<!DOCTYPE opml [<!ENTITY e 'http://e'>]>", "&e;", "\x00",
               '<outline title="a" category=",,/,"><outline xmlurl="https://y"/></outline>', "<?xml-stylesheet?>",
               "<!-- -->", "\ud800", "<outline>" * 300, "</outline>" * 300]


@st.composite
def feed_list_texts(draw) -> str:
    """A real feed list (sample TOML, OPML with folders, or either written by append_feeds/to_opml),
    mutated: tokens spliced in, bytes mutated, then decoded as a file would be."""
    seed = draw(st.sampled_from(feed_list_seeds()))
    if draw(st.booleans()):
        try:
            parsed = parse_feed_list_text(seed)
        except FeedListError:
            parsed = None
        if parsed is not None:
            seed = to_opml(parsed.feeds) if draw(st.booleans()) else append_feeds("", parsed.feeds)[0]
    is_opml = seed.lstrip().startswith("<")
    for _ in range(draw(st.integers(0, 4))):
        token = draw(st.sampled_from((OPML_TOKENS if is_opml else TOML_TOKENS) + EDGE_TEXT[:12]))
        if not is_opml and draw(st.booleans()):  # a whole TOML line: a key of the entry above it
            lines = seed.split("\n")
            lines.insert(draw(st.integers(0, len(lines))), token)
            seed = "\n".join(lines)
        else:
            at = draw(st.integers(0, len(seed)))
            seed = seed[:at] + token + seed[at:]
    if draw(st.booleans()):
        mutated = draw(mutated_bytes(seed.encode("utf-8", "surrogatepass"), max_ops=3))
        seed = mutated.decode("utf-8", draw(st.sampled_from(["replace", "surrogateescape"])))
    return seed


def toml_value(value) -> str:
    """``value`` written as TOML (JSON string escapes are TOML basic-string escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    return value.isoformat() if isinstance(value, datetime) else str(value)


TOML_VALUES = st.recursive(
    st.one_of(st.sampled_from(["http://127.0.0.1:8702/rss.xml", " https://x.example/f ", "ftp://x", "", "id", "a,b"]),
              st.text(max_size=12), st.integers(), st.floats(), st.booleans(), st.datetimes()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["url", "name", "tags", "x"]), inner, max_size=2)),
    max_leaves=5,
)


@st.composite
def toml_feed_lists(draw) -> str:
    """A TOML feed list written from drawn tables: any key, any TOML value."""
    lines = []
    if draw(st.integers(0, 5)) == 0:
        lines.append(f"feeds = {toml_value(draw(TOML_VALUES))}")
    for _ in range(draw(st.integers(0, 3))):
        lines.append("[[feeds]]")
        keys = draw(st.lists(st.sampled_from(["url", "url", "name", "language", "tags", "extra"]), unique=True))
        for key in keys:
            value = "http://127.0.0.1:8702/rss.xml" if key == "url" and draw(st.booleans()) else draw(TOML_VALUES)
            lines.append(f"{key} = {toml_value(value)}")
    if draw(st.booleans()):
        lines.append("[settings]" if draw(st.integers(0, 3)) else f"settings = {toml_value(draw(TOML_VALUES))}")
        for key, value in draw(st.dictionaries(st.sampled_from(["allow_hosts", "min_words", "x"]), TOML_VALUES,
                                               max_size=2)).items():
            lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def assert_usable(feed_list: FeedList) -> None:
    assert feed_list.feeds and isinstance(feed_list.settings, dict)
    for spec in feed_list.feeds:
        assert spec.url.lower().startswith(("http://", "https://"))
        assert isinstance(spec.tags, tuple)
        for text in (spec.url, spec.name, spec.language, *spec.tags):
            assert text is None or isinstance(text, str) and text.encode("utf-8")


def assert_feed_list_or_error(parse, text: str) -> None:
    try:
        feed_list = parse(text)
    except FeedListError as exc:
        assert str(exc)
        return
    assert_usable(feed_list)


@examples(200)
@given(text=st.one_of(feed_list_texts(), toml_feed_lists(), st.text(max_size=200)))
def test_feed_list_text_is_a_feed_list_or_a_feed_list_error(text):
    assert_feed_list_or_error(parse_feed_list_text, text)


@examples(150)
@given(text=feed_list_texts())
def test_opml_is_a_feed_list_or_a_feed_list_error(text):
    assert_feed_list_or_error(parse_opml, text)
