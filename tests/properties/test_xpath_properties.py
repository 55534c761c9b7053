"""The guarded copies of trafilatura's XPath expressions (``transforms.xpaths``) select exactly
the elements the originals select, and extraction gives the same result with them."""

from __future__ import annotations

import re
from contextlib import nullcontext

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml.etree import XPath

from flows.paths import SAMPLE_DIR
from transforms import extract as extract_module
from transforms.xpaths import _swaps, faster_xpaths, guarded, guarded_source

from . import examples


def _expressions() -> list[tuple[str, XPath, XPath]]:
    """(name, original, guarded) for every trafilatura expression the guard changes."""
    from trafilatura import xpaths

    found = []
    for name, value in vars(xpaths).items():
        if isinstance(value, list):
            found += [(f"{name}[{i}]", e, guarded(e)) for i, e in enumerate(value)
                      if isinstance(e, XPath) and guarded(e) is not e]
    return found


EXPRESSIONS = _expressions()


def _words() -> list[str]:
    """Pieces of the expressions' own patterns (so random attributes hit them), and near misses."""
    pieces = {p for _, e, _ in EXPRESSIONS for p in re.findall(r"[A-Za-z][\w-]*", e.path)}
    return sorted(pieces) + ["", " ", "-", "x", "ad", "Nav", "hidden ", " hide", "display:none"]


WORDS = _words()
TAGS = ["div", "p", "span", "section", "ul", "li", "a", "header", "footer", "nav", "aside", "article", "h2", "img"]
ATTRIBUTES = ["id", "class", "style", "role", "rel", "itemprop", "data-component", "aria-hidden", "property"]


@st.composite
def attribute_value(draw) -> str:
    parts = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=3))
    return draw(st.sampled_from(["", " ", "-", "_"])).join(parts)


@st.composite
def element(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    names = draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=4, unique=True))  # attribute order varies
    attributes = "".join(f' {n}="{draw(attribute_value())}"' for n in names)
    children = draw(st.lists(element(depth + 1), max_size=3)) if depth < 3 else []
    return f"<{tag}{attributes}>text {''.join(children)}</{tag}>tail "


@given(st.lists(element(), min_size=1, max_size=4))
@examples(60)
def test_guarded_expressions_select_the_same_elements(bodies):
    tree = lxml.html.fromstring(f"<html><body>{''.join(bodies)}</body></html>")
    for name, original, faster in EXPRESSIONS:
        assert faster(tree) == original(tree), name


def test_the_guard_covers_the_regex_tests_that_cost_the_most():
    names = {name for name, _, _ in EXPRESSIONS}
    assert {"OVERALL_DISCARD_XPATH[0]", "OVERALL_DISCARD_XPATH[1]"} <= names
    for name, original, faster in EXPRESSIONS:
        calls = original.path.count("re:test")
        assert faster.path.count("re:test") == calls, name
        assert calls > 0 and faster.path.count(" and re:test(") > 0, name


@pytest.mark.parametrize(("source", "expected"), [
    (".//*[re:test(@class, 'nav|menu')]", ".//*[((@class) and re:test(@class, 'nav|menu'))]"),
    (".//div[re:test(@id|@class, '^(?:jp-|x)', 'i') or @role]",
     ".//div[((@id or @class) and re:test(@id|@class, '^(?:jp-|x)', 'i')) or @role]"),
    # a pattern that matches the empty string matches a missing attribute: left as it is
    (".//*[re:test(@class, 'a|')]", ".//*[re:test(@class, 'a|')]"),
    (".//*[re:test(@class, '^$')]", ".//*[re:test(@class, '^$')]"),
    # not an attribute: left as it is
    (".//*[re:test(text(), 'x')]", ".//*[re:test(text(), 'x')]"),
    # a pattern this rewrite cannot read (double quotes): left as it is
    ('.//*[re:test(@class, "x")]', './/*[re:test(@class, "x")]'),
])
def test_guarded_source(source, expected):
    assert guarded_source(source) == expected


def test_faster_xpaths_puts_the_originals_back_even_after_an_error():
    originals = [list(target) for target, _, _ in _swaps()]
    with pytest.raises(RuntimeError), faster_xpaths():
        assert all(target == faster for target, _, faster in _swaps())
        raise RuntimeError("inside the block")
    assert [list(target) for target, _, _ in _swaps()] == originals


@pytest.mark.parametrize("path", sorted(p.relative_to(SAMPLE_DIR) for p in (SAMPLE_DIR / "sites").rglob("*.html")),
                         ids=str)
def test_extraction_is_the_same_with_and_without_the_guard(path, monkeypatch):
    html = (SAMPLE_DIR / path).read_text(encoding="utf-8", errors="replace")
    url = f"http://127.0.0.1:9/{path.as_posix()}"
    faster = extract_module.extract_main(html, url, min_words=20)
    monkeypatch.setattr(extract_module, "faster_xpaths", nullcontext)
    assert extract_module.extract_main(html, url, min_words=20) == faster


def test_a_pattern_python_cannot_compile_is_left_unguarded():
    unbalanced = XPath(".//*[re:test(@class, 'a(')]", namespaces={"re": "http://exslt.org/regular-expressions"})
    assert guarded(unbalanced) is unbalanced
