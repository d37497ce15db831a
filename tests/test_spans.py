"""The short answer's edges (``qa.spans.widen``): a phrase the reader found, widened to the range,
name or list it is part of, and nothing more."""

from __future__ import annotations

import pytest

from qa.spans import widen

CASES = [
    # (sentence, the phrase found, the answer shown)
    ("£43,860 - £49,827 p.a. inc.(pro rata)", "£43,860", "£43,860 - £49,827"),
    ("Social Worker £32,065 - £43,839 per annum", "£43,839", "£32,065 - £43,839"),
    ("the energy crisis of the winter of 1973–74 hit hard", "1973", "1973–74"),
    ("The director, Isiah Bowman, said so.", "Bowman", "Isiah Bowman"),
    ("After a four-month review by commissioner Eleanor Brazil, Mr Williamson", "Brazil", "Eleanor Brazil"),
    ("Across the board, the IMPOWER Top 10 Index shows that Suffolk CC scores well", "10", "IMPOWER Top 10 Index"),
    ("Ofsted rated Stoke-on-Trent City Council’s children’s services ‘inadequate’", "Stoke-on-Trent City",
     "Stoke-on-Trent City Council"),
    ("cabinet member for corporate resources, strategy and partnerships, said: ‘We", "corporate resources",
     "corporate resources, strategy and partnerships"),
    ("Imports rose for Ford, Chrysler, and GM.", "Ford", "Ford, Chrysler, and GM"),
    # left as found
    ("Goldfine, 39, has worked with Todd Martin", "39", "39"),
    ("In 2004 Germany's economy grew by 1.7%.", "2004", "2004"),
    ("Liverpool winger Harry Kewell is struggling", "Liverpool", "Liverpool"),
    ("Kewell has not played since December 19 and misses out", "December 19", "December 19"),
    ("prompting the council to invest £5.5m into over 130 new social care posts.", "£5.5m", "£5.5m"),
    ("Shares in Virgin Blue plunged 20% after it warned", "20%", "20%"),
    ("The Office's Ricky Gervais won the award.", "Ricky Gervais", "Ricky Gervais"),
    ("the war began on October 6, 1973, when Syria and Egypt attacked", "1973", "1973"),
    ("R, an algebraic structure where addition and multiplication are defined", "R", "R"),
    ("they live for 17 years, at which point they fly about, breed, and then die", "17 years", "17 years"),
]


@pytest.mark.parametrize(("sentence", "found", "shown"), CASES, ids=[c[1] for c in CASES])
def test_a_span_is_widened_to_what_it_is_part_of(sentence: str, found: str, shown: str) -> None:
    i = sentence.index(found)
    a, b = widen(sentence, i, i + len(found))
    assert sentence[a:b] == shown
    assert a <= i and i + len(found) <= b  # the phrase found is always kept


@pytest.mark.parametrize("span", [(0, 0), (5, 3), (-1, 4), (0, 999)])
def test_an_empty_or_impossible_span_is_left_alone(span: tuple[int, int]) -> None:
    assert widen("Eleanor Brazil led the review.", *span) == span
