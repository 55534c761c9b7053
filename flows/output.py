"""How the CLI prints query results and feeds: readable at 80 columns, parseable by tools.

- ``table``: a plain aligned table when every column fits the terminal; otherwise one record at a
  time, one field per line (like psql's expanded mode), so no column silently disappears.
- ``csv``: lists as JSON arrays (``["Budaya", "Seni"]``), so the file parses back.
- ``json``: records, lists as arrays.
- ``parquet``: the result's Arrow table, written to a file (or to stdout when it is not a terminal).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import IO, Any

MAX_CELL = 60  # a table column is never wider than this; longer values go vertical
MAX_LINES = 3  # in the vertical layout a value wraps onto this many lines at most (a title whole, a text's start)


def cell(value: Any) -> str:
    """One value as text: lists and dicts as JSON, timestamps in ISO form, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def width() -> int:
    return shutil.get_terminal_size((80, 24)).columns


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: IO[str], more: bool = False,
          columns_wide: int | None = None) -> None:
    """Aligned columns if they fit ``columns_wide`` (the terminal), else one field per line."""
    columns_wide = columns_wide or width()
    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in texts)]) for i, c in enumerate(columns)]
    if all(w <= MAX_CELL for w in widths) and sum(widths) + 2 * (len(widths) - 1) <= columns_wide:
        line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
        out.write(line.rstrip() + "\n" + "  ".join("─" * w for w in widths) + "\n")
        for r in texts:
            out.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() + "\n")
    else:
        label = max(len(c) for c in columns)
        room = max(10, columns_wide - label - 3)
        for n, r in enumerate(texts, start=1):
            out.write(f"─[ row {n} ]" + "─" * max(0, min(columns_wide, label + room + 3) - 11 - len(str(n))) + "\n")
            for c, v in zip(columns, r, strict=True):
                for i, part in enumerate(_wrap(v, room)):
                    out.write(f"{(c if i == 0 else '').ljust(label)} │ {part}\n")
    shown = len(rows)
    if more:
        out.write(f"(first {shown} rows; --max-rows to see more, --format csv for all)\n")
    else:
        out.write(f"({shown} row{'s' if shown != 1 else ''})\n")


def _wrap(text: str, room: int) -> list[str]:
    """``text`` on at most ``MAX_LINES`` lines of ``room`` characters, the last one cut with an ellipsis."""
    import textwrap

    lines = textwrap.wrap(text, room, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: room - 1] + "…"
    return lines


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([cell(v) if not isinstance(v, str) else v for v in row] for row in rows)


def write_json(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: IO[str]) -> None:
    json.dump([dict(zip(columns, row, strict=True)) for row in rows], out, ensure_ascii=False, default=_plain)
    out.write("\n")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


def write_parquet(batches, path: str | None) -> None:
    """``batches`` (an Arrow RecordBatchReader) as one Parquet file, batch by batch: a result larger
    than memory streams through."""
    import pyarrow.parquet as pq

    if not path and sys.stdout.isatty():
        raise ValueError("--format parquet writes binary: give --output FILE, or redirect stdout")
    if not path:
        sys.stdout.flush()
    with pq.ParquetWriter(path or sys.stdout.buffer, batches.schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)


def feeds(rows: Sequence[tuple], out: IO[str], columns_wide: int | None = None) -> None:
    """Each feed as a short block: name and state first, then its URL, then its last error on
    lines of their own: nothing that matters is cut to fit a column."""
    columns_wide = columns_wide or width()
    for feed, url, status, http, fails, interval, last, nxt, error, moved_from in rows:
        every = f"every {interval // 60} min" if interval else ""
        when = f"next {nxt.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if nxt else ("not scheduled" if status == "gone" else "")
        state = " · ".join(s for s in (status, every, when, f"{fails} failures" if fails else "") if s)
        out.write(f"{_fit(feed or url, columns_wide - len(state) - 2)}  {state}\n")
        out.write(f"  {url}\n")
        if moved_from:
            out.write(f"  moved from {moved_from}\n")
        if error:
            out.write(f"  last error{f' (HTTP {http})' if http else ''}: {_fit(error, columns_wide - 20)}\n")
    out.write(f"({len(rows)} feed{'s' if len(rows) != 1 else ''})\n")


def _fit(text: str, room: int) -> str:
    room = max(10, room)
    return text if len(text) <= room else text[: room - 1] + "…"


def snippet(text: str, words: Sequence[str], room: int = 160, mark: tuple[str, str] = ("[", "]")) -> str:
    """The part of ``text`` around the first query word it contains (or a word sharing a query
    word's stem-like prefix), with every query word marked."""
    import re

    stems = [w.lower()[: max(5, len(w) - 2)] for w in words if w]
    if not stems:
        return _fit(" ".join(text.split()), room)
    pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)
    flat = " ".join(text.split())
    hit = pattern.search(flat)
    start = max(0, (hit.start() if hit else 0) - room // 3)
    window = flat[start : start + room]
    marked = pattern.sub(lambda m: f"{mark[0]}{m.group(0)}{mark[1]}", window)
    return ("…" if start else "") + marked + ("…" if start + room < len(flat) else "")
