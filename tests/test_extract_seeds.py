"""The two real seed articles, in their sites' boilerplate, extract to exactly their bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.paths import SAMPLE_DIR
from transforms.articles import PageInput, process_page

from .conftest import FIXTURES

BOILERPLATE = (
    "Share this post", "Post a Comment", "Terkait Berita", "Index »", "mohon gunakan email",
    "Baca Juga", "Berita Terkait", "Terpopuler", "Written By",
)


def _body_lines(seed: str, first: str, last: str) -> list[str]:
    lines = [ln.strip() for ln in (FIXTURES / "seeds" / seed).read_text().splitlines() if ln.strip()]
    return lines[lines.index(next(ln for ln in lines if ln.startswith(first))) : lines.index(last) + 1]


def _process(path: str, site: str):
    url = f"http://127.0.0.1:9/{path}"
    html = (SAMPLE_DIR / "sites" / site / path).read_bytes().replace(f"{{{{{site}}}}}".encode(), b"127.0.0.1:9")
    return process_page(PageInput(url, url, html, "text/html; charset=utf-8", datetime.now(UTC)))


SEEDS = [
    ("000_ab2a5340265e5900.txt", "blog", "2015/11/perancis-rusia-tingkatkan-kerjasama.html",
     "Pesawat pembom supersonic", "(Mahdi-News/ABNS)"),
    ("003_9da16c0b2ff913ca.txt", "portal", "read/2015/11/18/gempur-isis-rusia-minta-kerjasama-inggris.html",
     "Jet Inggris RAF", None),
]


@pytest.mark.parametrize(("seed", "site", "path", "first", "last"), SEEDS)
def test_seed_keeps_every_body_paragraph_and_no_boilerplate(seed, site, path, first, last):
    lines = [ln.strip() for ln in (FIXTURES / "seeds" / seed).read_text().splitlines() if ln.strip()]
    last = last or lines[-1]
    body = _body_lines(seed, first, last)
    result = _process(path, site)
    assert result.article is not None, result.rejection
    text = result.article["text"]
    missing = [ln for ln in body if ln not in text]
    assert not missing, f"paragraphs lost: {missing}"
    found = [b for b in BOILERPLATE if b in text]
    assert not found, f"boilerplate kept: {found}"


def test_blogger_seed_metadata():
    article = _process("2015/11/perancis-rusia-tingkatkan-kerjasama.html", "blog").article
    assert article["author_name"] is None  # "Written By Unknown"
    assert article["author_id"] is None
    assert article["published_at"] == datetime(2015, 11, 18, 6, 6, tzinfo=UTC)  # 13:06 WIB
    assert article["language"] == "id"
    assert article["site_domain"] == "127.0.0.1:9"
    assert article["site_name"] == "Pesan Rahbar"


def test_portal_seed_tags_are_split():
    result = _process("read/2015/11/18/gempur-isis-rusia-minta-kerjasama-inggris.html", "portal")
    tags = {t["tag"] for t in result.tags}
    assert {"ISIS", "Rusia", "Inggris"} <= tags
    assert not any("," in t for t in tags)


def test_video_page_is_rejected_as_empty():
    result = _process("video/2015/11/20/live-stream-parliament-session.html", "english")
    assert result.article is None
    assert result.rejection.startswith("empty extraction")
