"""Cross-page boilerplate: what recurs on a site's pages goes, what is one page's own stays."""

from __future__ import annotations

from transforms.boilerplate import drop_recurring, page_keys, recurring_paragraphs

NEWSLETTER = "Sign up for our newsletter and get the headlines every morning."


def _page(n: int) -> str:
    return f"Article {n} opens with its own first paragraph.\n{NEWSLETTER}\nShare\nArticle {n} ends here, its own words."


def test_a_paragraph_on_enough_pages_is_dropped_and_the_rest_kept():
    recurring = recurring_paragraphs([_page(1), _page(2), _page(3)], min_pages=3)
    text = drop_recurring(_page(4), recurring)
    assert NEWSLETTER not in text
    assert text.splitlines() == ["Article 4 opens with its own first paragraph.", "Share",
                                 "Article 4 ends here, its own words."]


def test_a_paragraph_on_fewer_pages_than_the_threshold_stays():
    recurring = recurring_paragraphs([_page(1), _page(2)], min_pages=3)
    assert recurring == frozenset()
    assert drop_recurring(_page(4), recurring) == _page(4)


def test_a_paragraph_repeated_on_one_page_counts_once():
    assert recurring_paragraphs([f"{NEWSLETTER}\n{NEWSLETTER}\n{NEWSLETTER}"], min_pages=2) == frozenset()


def test_matching_ignores_case_and_whitespace_but_not_short_lines():
    variant = "  SIGN UP for our   newsletter and get the headlines every morning. "
    recurring = recurring_paragraphs([NEWSLETTER, variant, NEWSLETTER.lower()], min_pages=3)
    assert len(recurring) == 1
    assert drop_recurring(f"kept line, long enough to count\n{variant}", recurring) == "kept line, long enough to count"
    assert page_keys("Share\nRead more\n") == set()
