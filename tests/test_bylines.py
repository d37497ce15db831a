"""Bylines: the lines that say who wrote a piece and when, and the questions that ask for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fake_index

from qa.bylines import asks_byline, byline_rows, is_byline


@pytest.mark.parametrize(
    "text, byline",
    [
        ("By Lisa McNally | 09 February 2026", True),
        ("By Cllr Carl Jackson | 09 February 2026", True),
        ("William Eichler 01 November 2019", True),
        ("By Saara Idelbi and Conor Monighan", True),
        ("Posted by Jean-Luc van der Berg on March 3, 2021", True),
        ("By Andrew Travers, 2024-02-05", True),
        ("Popular articles by William Eichler", False),  # a link to more, not a piece's byline
        ("By default, fuzzy matching searches for the first match.", False),
        ("By comparison, the well-established", False),
        ("Council leader, Cllr Abi Brown, said: 'We are fully committed.'", False),
        ("Gavin Williamson 2019", False),  # a year alone is no date
        ("Stoke-on-Trent City Council 31 January 2020 deadline", False),
    ],
)
def test_a_byline_is_a_line_that_names_who_wrote_a_piece(text: str, byline: bool) -> None:
    assert is_byline(text) is byline


@pytest.mark.parametrize(
    "question, asks",
    [
        ("who wrote the piece on total place", True),
        ("who wrote about suffolk", True),
        ("who's the author of the stoke article", True),
        ("whose article is it", True),
        ("when was the stoke article published", True),
        ("what date was it posted", True),
        ("written by whom?", True),
        ("who said the pace of change is too slow", False),
        ("when is the deadline", False),
        ("who runs the council", False),
    ],
)
def test_questions_that_ask_who_wrote_a_piece_or_when_it_came_out(question: str, asks: bool) -> None:
    assert asks_byline(question) is asks


def test_a_files_bylines_are_found_among_its_sentences(tmp_path: Path) -> None:
    _, index, _ = fake_index(tmp_path, {
        "page.txt": "William Eichler 01 November 2019\n\nCouncil given three months to improve.\n\n"
        "The council must find a partner.\n\nTotal Place requires total trust\n\n"
        "By Lisa McNally | 09 February 2026\n\nCouncils can expand the Total Place ethos, says Lisa McNally.\n",
        "other.txt": "Nothing here is a byline. By default the council meets monthly.\n",
    })
    page, other = (index.by_source[s] for s in ("page.txt", "other.txt"))
    assert [index.sentence_text(s) for s in byline_rows(index, page)] == [
        "William Eichler 01 November 2019", "By Lisa McNally | 09 February 2026",
    ]
    assert byline_rows(index, other) == []
