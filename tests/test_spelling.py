"""Typos: a question's word that no file has, and no model knows, read as the corpus's word."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fake_index

from qa.answers import AnswerParams, answer
from qa.records import Result
from qa.spelling import correct, spell_out, unclip

FILES = {
    "stoke.txt": "Education secretary Gavin Williamson has given the council until 31 January 2020.\n\n"
    "The council invested £5.5m in 130 new posts after the review by Eleanor Brazil.\n\n"
    "The parish council met in the town hall. The roof of the hall had a leak.",
    "h11.md": "# h11\n\nh11 is a pure-Python HTTP/1.1 library. The council of maintainers reviews releases. Hervé Jégou wrote the first parser.",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return fake_index(tmp_path_factory.mktemp("spelling"), FILES)[1]


@pytest.mark.parametrize(
    "question, read",
    [
        ("what deadline did gavin willamson set", "what deadline did gavin williamson set"),
        ("Elenor Brazil did what", "Eleanor Brazil did what"),  # the first word: its capital kept
        ("who is Elenor Brazil", "who is Elenor Brazil"),  # a name as its writer spells it
        ("how much did the councl invest", "how much did the council invest"),
        ("how much did the counicl invest", "how much did the council invest"),  # two letters swapped: one edit
        ("what is h11", "what is h11"),  # in the corpus
        ("what did herve jegou write", "what did hervé jégou write"),  # typed without its accents
        ("is COUNCL a name", "is COUNCL a name"),  # capitals, a figure or mixed case: a name, not a typo
        ("what did counclB say", "what did counclB say"),
        ("what is councl3", "what is councl3"),
        ("who paid for the paris trip", "who paid for the paris trip"),  # a word of its own to the models
        ("how many fans watched", "how many fans watched"),  # ... though "fans" is in no file
        ("is the roof leaky", "is the roof leaky"),  # an English word the models split, one edit from "leak"
        ("what did the xqzv say", "what did the xqzv say"),  # no corpus word near it
        ("what if they cant find a partner council", "what if they cant find a partner council"),  # "can't"
        ("who is wlliamson", "who is williamson"),
        ("the review by brzl", "the review by brzl"),  # two edits from "brazil": too far
        ("who did the reveiw of willimson", "who did the review of williamson"),
        ("who is oilliamson", "who is oilliamson"),  # a different first letter
    ],
)
def test_a_mistyped_word_is_read_as_the_corpus_word_it_was_meant_to_be(index, question: str, read: str) -> None:
    assert correct(index, question) == read


def test_an_answer_reads_the_question_as_corrected_and_says_so(tmp_path: Path) -> None:
    """The answer is looked for with the corrected words; the result keeps the question as typed
    and gives the reading as ``read_as`` (null when nothing was corrected); it can be off."""
    _, index, fake = fake_index(tmp_path, FILES)
    res = answer(index, fake, "when is gavin willamson's deadline", AnswerParams(reader=False, threshold=0.0))
    assert res.question == "when is gavin willamson's deadline"
    assert res.read_as == "when is gavin williamson's deadline"
    assert res.to_json()["read_as"] == res.read_as and "Williamson" in res.answers[0].text
    assert res.answered and not res.unmentioned  # the names check sees the name as meant
    plain = answer(index, fake, "when is gavin williamson's deadline", AnswerParams(reader=False, threshold=0.0))
    assert plain.read_as is None and plain.to_json()["read_as"] is None
    off = answer(index, fake, "when is gavin willamson's deadline", AnswerParams(reader=False, threshold=0.0, spelling=False))
    assert off.read_as is None


def test_the_terminal_shows_how_a_question_was_read(capsys) -> None:
    from qa.cli import _print_result

    _print_result(Result("who is elenor brazil", False, read_as="who is eleanor brazil"))
    out = capsys.readouterr().out
    assert "Q: who is elenor brazil" in out and "(read as: who is eleanor brazil)" in out


@pytest.mark.parametrize(
    "typed, read",
    [
        ("whos the ceo of phytopharm", "who is the ceo of phytopharm"),
        ("Whats the deadline", "What is the deadline"),
        ("what if they cant find a partner", "what if they cannot find a partner"),
        ("why didnt they act", "why did not they act"),
        # words of their own, left as typed
        ("its deadline", "its deadline"), ("who wont go", "who wont go"), ("lets see", "lets see"),
        ("who's the ceo", "who's the ceo"),  # typed with its apostrophe
    ],
)
def test_a_contraction_typed_without_its_apostrophe_is_spelt_out(typed: str, read: str) -> None:
    assert spell_out(typed) == read


def test_a_contraction_is_read_spelt_out_and_shown_as_typed(tmp_path: Path) -> None:
    """"whos" reads as "who is" where the question's form is read ("who is the <title> of …"):
    the quote must name the title, as for "who is"; no correction is shown for it."""
    _, index, fake = fake_index(tmp_path, {"a.txt": "The council met on Monday. Eleanor Brazil reviewed the council."})
    params = AnswerParams(reader=False, threshold=0.0)
    for typed in ("whos the director of the council", "who is the director of the council"):
        res = answer(index, fake, typed, params)
        assert res.question == typed and res.read_as is None
        assert not res.answered and res.lacks == "title", typed
    typo = answer(index, fake, "whos the directr of the councl", params)
    assert typo.read_as == "who is the directr of the council"


def test_a_clipped_word_is_read_in_full_where_the_corpus_writes_it_so(tmp_path: Path) -> None:
    """"which ref", "the govt", "the education sec": read as the referee, the government and the
    education secretary where the corpus writes the full word more often than the clipped one; a
    corpus that writes of git "refs" keeps "ref"; "the sec" alone may be the SEC."""
    (tmp_path / "sport").mkdir()
    (tmp_path / "git").mkdir()
    sport = fake_index(tmp_path / "sport", {
        "match.txt": "The referee Jonathan Kaplan ruled out the try. The government and the education secretary spoke.\n\n"
        "The referee was booed. A magazine poll named the album.",
    })[1]
    assert unclip(sport, "which ref ruled out the try") == "which referee ruled out the try"
    assert unclip(sport, "what did the govt and the education sec say") == "what did the government and the education secretary say"
    assert unclip(sport, "how much did the sec fine them") == "how much did the sec fine them"
    assert unclip(sport, "who topped the q mag poll") == "who topped the q magazine poll"
    assert unclip(sport, "the Ref said") == "the Ref said"  # typed capitalised: a name, perhaps
    git = fake_index(tmp_path / "git", {"git.md": "Push a ref to the remote. Each ref names a commit; refs are listed with git show-ref."})[1]
    assert unclip(git, "how do i delete a ref") == "how do i delete a ref"


def test_a_clipped_word_is_read_in_full_by_the_answer_and_not_shown(tmp_path: Path) -> None:
    _, index, fake = fake_index(tmp_path, {
        "match.txt": "The match was played in the rain at Twickenham.\n\nThe crowd sang in the rain all night.\n\n"
        "The referee had a poor game. The referee is from South Africa.",
    })
    res = answer(index, fake, "how did the ref play", AnswerParams(reader=False, threshold=0.0))
    assert res.read_as is None and res.question == "how did the ref play"  # no correction shown
    assert "referee had a poor game" in res.answers[0].text
    as_typed = answer(index, fake, "how did the ref play", AnswerParams(reader=False, threshold=0.0, spelling=False))
    assert "referee" not in as_typed.answers[0].text  # "ref" alone is no word of the corpus
