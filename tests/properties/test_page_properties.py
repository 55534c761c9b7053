"""A fetched page, whatever its bytes, becomes an article with its tags, or a quarantine row;
decoding, extraction and normalization never raise."""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from transforms.articles import PageInput, page_rows
from transforms.charset import _TEXT_CODECS, decode_html
from transforms.urls import canonical_url

from . import assert_rows, examples
from .strategies import (
    CONTENT_TYPES,
    EDGE_TEXT,
    any_utc,
    edge_text,
    moments,
    no_surrogates,
    page_bodies,
    run_settings,
    sample_links,
    urls,
)

RUN_ID = "20260101T000000-fuzz"


def entry_text() -> st.SearchStrategy[str | None]:
    """A feed entry's field: valid text (the feed parser's output, see the feed properties)."""
    return st.one_of(st.none(), edge_text(EDGE_TEXT, max_size=60).map(no_surrogates))


@st.composite
def page_inputs(draw) -> PageInput:
    link = no_surrogates(draw(st.one_of(st.sampled_from(sample_links()), urls())))  # as HTTP reports it
    canonical = canonical_url(link) or "http://127.0.0.1:8701/2015/11/x.html"
    return PageInput(
        canonical_url=canonical,
        url=draw(st.sampled_from([canonical, link, "http://127.0.0.1:8701/moved.html"])),
        body=draw(page_bodies()),
        content_type=draw(st.one_of(st.sampled_from(CONTENT_TYPES), st.text(max_size=40).map(no_surrogates))),
        fetched_at=draw(moments()),
        entry_title=draw(entry_text()),
        entry_summary=draw(entry_text()),
        entry_published_at=draw(st.one_of(st.none(), any_utc())),
        entry_author=draw(entry_text()),
        entry_categories=tuple(draw(st.lists(edge_text(EDGE_TEXT).map(no_surrogates), max_size=4))),
        feed_language=draw(st.one_of(st.none(), st.sampled_from(["id", "en-us", "EN", "x-klingon", ""]),
                                     st.text(max_size=10).map(no_surrogates))),
        feed_id=draw(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))),
        http_status=draw(st.sampled_from([None, 200, 203])),
    )


@examples(120)
@given(page=page_inputs(), run_settings=run_settings(), at=moments())
def test_any_page_yields_an_article_or_a_quarantine_row(page, run_settings, at):
    rows = page_rows(page, RUN_ID, run_settings, at)
    event("article" if rows.article else rows.quarantine["reason"][:40])
    assert rows.traceback is None, rows.quarantine["reason"]
    assert (rows.article is None) == (rows.quarantine is not None)
    assert (rows.raw_page is None) == (page.http_status is None)
    if rows.article is not None:
        assert "story_id" not in rows.article  # the story step adds it; alone, an article is its own story
        article = {**rows.article, "story_id": rows.article["article_id"]}
        assert_rows("stg_articles", [article], run_settings, at, quarantined_if_invalid=True)
        assert_rows("stg_article_tags", list(rows.tags), run_settings, at, quarantined_if_invalid=True,
                    unique_grain=True)
    else:
        assert_rows("stg_quarantine", [rows.quarantine], run_settings, at)
    if rows.raw_page is not None:
        assert_rows("stg_raw_pages", [rows.raw_page], run_settings, at)


@examples(300)
@given(body=st.one_of(page_bodies(), st.binary(max_size=3_000)),
       content_type=st.one_of(st.sampled_from(CONTENT_TYPES), st.text(max_size=40)))
def test_any_page_bytes_decode_to_valid_text(body, content_type):
    text, encoding = decode_html(body, content_type)
    assert encoding in _TEXT_CODECS
    text.encode("utf-8")  # no lone surrogates
