"""trafilatura's own XPath expressions, made cheaper to evaluate without changing what they select.

trafilatura tests ids and classes with EXSLT regular expressions (``re:test(@class, '…')``). lxml
runs each such test as a call back into Python, for every element the expression visits, even
one without the attribute, whose empty value the pattern cannot match. Precision mode evaluates
its longest list (``OVERALL_DISCARD_XPATH``) over the whole raw page: 3.3–3.8 ms of a page's
8.3–9.5 ms of text extraction on the benchmark's pages, 1.7 ms once guarded.

``guarded(expr)`` puts an attribute test in front of every such call: ``re:test(@id|@class, P)``
becomes ``((@id or @class) and re:test(@id|@class, P))``. XPath evaluates ``and`` lazily, so an
element without the attributes costs no call. The two select the same elements whenever ``P``
cannot match the empty string (the value of a missing attribute); a call whose pattern can is
left as it is.

``faster_xpaths()`` swaps trafilatura's lists for guarded copies while a block runs, and puts the
originals back after, so trafilatura called anywhere else (the benchmarks' plain floor) runs as
published. A block that overlaps another thread's only changes which of two equivalent lists
that thread evaluates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from lxml.etree import XPath, XPathError

REGEXP_NS = "http://exslt.org/regular-expressions"
_CALL = re.compile(r"re:test\(\s*(@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,")
_LITERAL = re.compile(r"""\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?$""")


def _call_end(source: str, start: int) -> int:
    """Index of the parenthesis closing the call whose name starts at ``start``."""
    depth, i = 0, source.index("(", start)
    while i < len(source):
        ch = source[i]
        if ch in "'\"":
            i = source.index(ch, i + 1)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced call in XPath: {source[start:start + 80]!r}")


def _matches_empty(arguments: str) -> bool:
    """Can the call's pattern match the empty string? (True when it cannot be read: unguarded.)"""
    literal = _LITERAL.match(arguments)
    if literal is None:
        return True
    pattern, flags = literal.group(1), literal.group(2) or ""
    try:
        return re.search(pattern, "", re.IGNORECASE if "i" in flags else 0) is not None
    except re.error:
        return True


def guarded_source(source: str) -> str:
    """The XPath source with an attribute test in front of every ``re:test`` on attributes."""
    out, done = [], 0
    for call in _CALL.finditer(source):
        if call.start() < done:  # inside a call already copied
            continue
        end = _call_end(source, call.start())
        if _matches_empty(source[call.end() : end]):
            continue
        attributes = " or ".join(a.strip() for a in call.group(1).split("|"))
        out.append(source[done : call.start()])
        out.append(f"(({attributes}) and {source[call.start() : end + 1]})")
        done = end + 1
    out.append(source[done:])
    return "".join(out)


def guarded(expr: XPath) -> XPath:
    """``expr`` with its regex tests guarded (``expr`` itself when it has none, or when its source
    is not one this rewrite can read: a slower expression, never a broken one)."""
    try:
        source = guarded_source(expr.path)
        return expr if source == expr.path else XPath(source, namespaces={"re": REGEXP_NS})
    except (ValueError, XPathError):
        return expr


@cache
def _swaps() -> tuple[tuple[list, list, list], ...]:
    """(trafilatura's list, its originals, the guarded copies) for every list that changes."""
    from trafilatura import xpaths

    swaps = []
    for value in vars(xpaths).values():
        if isinstance(value, list) and value and all(isinstance(e, XPath) for e in value):
            faster = [guarded(e) for e in value]
            if any(f is not e for f, e in zip(faster, value)):
                swaps.append((value, list(value), faster))
    return tuple(swaps)


@contextmanager
def faster_xpaths() -> Iterator[None]:
    """trafilatura evaluates the guarded expressions inside the block (the same lists, edited in
    place: its modules hold references to them)."""
    swaps = _swaps()
    for target, _originals, faster in swaps:
        target[:] = faster
    try:
        yield
    finally:
        for target, originals, _faster in swaps:
            target[:] = originals
