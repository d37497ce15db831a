"""Who-holds-a-role questions read in the words of the sentence (qa.roles) and the reader's
batches a wording (qa.reading)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import fake_index

from qa.answer_types import asks_body, asks_party, names_party, names_person, restates
from qa.answers import AnswerParams, answer
from qa.reading import rescore
from qa.roles import in_words_of, names_title, role_asked, title_asked


@pytest.mark.parametrize(
    ("question", "sentence", "read_as"),
    [
        ("who runs the national gallery", "Charles Saumarez Smith, the gallery's director, said he was delighted.",
         "who is the director of the national gallery"),
        ("who's the boss of m&s", "Stuart Rose, head of M&S, said last year its prices were too high.",
         "who is the head of m&s"),
        ("who is in charge of yahoo games?", "said Geoff Graber, director of Yahoo Games.", "who is the director of yahoo games"),
        ("who runs the consumer electronics association", "said Gary Shapiro, chief executive of the Consumer Electronics Association.",
         "who is the chief executive of the consumer electronics association"),
        ("Who heads EA in Europe", "Gerhard Florin, head of EA in Europe, said", "who is the head of EA in Europe"),
        ("who edits pc pro", "said Tim Danton, editor of PC Pro.", "who is the editor of pc pro"),
        ("who founded grassroots media", "Dan Gillmor, founder of Grassroots Media, said", "who is the founder of grassroots media"),
        # the first role the sentence names
        ("who runs the club", "The chairman, not the chief executive, spoke.", "who is the chairman of the club"),
        # no role of that kind in the sentence: as asked
        ("who runs the national gallery", "Five million visitors made the London gallery the most visited.", "who runs the national gallery"),
        ("who founded grassroots media", "Dan Gillmor, editor of Grassroots Media, said", "who founded grassroots media"),
        ("who edits pc pro", "Tim Danton, head of PC Pro, said", "who edits pc pro"),
        # a question naming a title itself, or asking anything else: as asked
        ("who is the chief executive of abn amro", "said ABN Amro chief Asian strategist Eddie Wong.",
         "who is the chief executive of abn amro"),
        ("who won the race", "The race director said it was won by Kathy Butler.", "who won the race"),
        ("who ran the marathon", "The marathon's director said", "who ran the marathon"),
        ("how much does the head of m&s earn", "Stuart Rose, head of M&S, earns £1m.", "how much does the head of m&s earn"),
        # a deputy, a vice-chairman or a former head does not run it: the next role named may
        ("who edits mac format", "Ian Harris, deputy editor of UK magazine Mac Format, said", "who edits mac format"),
        ("who edits pc pro", "Nick Ross, deputy labs editor at PC Pro, said", "who edits pc pro"),
        ("who runs m&s", "The former chief executive of M&S and its chairman", "who is the chairman of m&s"),
        ("who runs the club", "said the vice-president, not the president", "who is the president of the club"),
        # a word holding a role word is not one
        ("who runs the team", "The headline act and the director's cut.", "who is the director of the team"),
        ("who runs the team", "The headline act was loud.", "who runs the team"),
    ],
)
def test_a_role_question_is_read_in_the_sentence_s_words(question: str, sentence: str, read_as: str) -> None:
    assert in_words_of(question, sentence) == read_as


def test_role_asked_names_the_thing_and_the_roles() -> None:
    thing, roles = role_asked("who's in charge of oxfam")
    assert thing == "oxfam" and "director" in roles and "chief executive" in roles
    assert role_asked("who edits mac format") == ("mac format", ("editor-in-chief", "editor in chief", "editor"))
    assert role_asked("who is the children's commissioner") is None
    assert role_asked("what does the council run") is None


class _Recorder:
    """A stand-in reader that records the question it read each sentence with and scores a
    sentence by its position, so that the order of the readings can be checked."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[str]]] = []

    def read(self, question, sentences, before, after, titles):
        from embeddings.reader import Reading

        self.batches.append((question, list(sentences)))
        return [Reading(relevance=0.5, logit=float(len(s)), span=None) for s in sentences]

    def final_logits(self, logits, base, inside):
        return logits


def test_each_candidate_is_read_with_its_own_wording_and_keeps_its_score(tmp_path: Path) -> None:
    _, index, _ = fake_index(tmp_path, {
        "a.txt": "Stuart Rose, head of M&S, spoke.\n\nShares in M&S fell sharply on Tuesday.\n\n"
                 "The chairman of M&S, Paul Myners, was there too.",
    })
    ids = np.arange(len(index.sentences))
    rec = _Recorder()
    read = rescore(index, rec, "who runs m&s", ids, np.linspace(1.0, 0.5, len(ids)), top=len(ids))
    asked = {q: s for q, s in rec.batches}
    assert set(asked) == {"who is the head of m&s", "who runs m&s", "who is the chairman of m&s"}
    assert asked["who runs m&s"] == ["Shares in M&S fell sharply on Tuesday."]
    # every candidate scored from its own reading (the logit is its sentence's length), in order
    want = [1.0 / (1.0 + np.exp(-len(index.sentence_text(int(s))))) for s in ids]
    assert np.allclose(read.scores, want)


@pytest.mark.parametrize(
    ("question", "quote", "names"),
    [
        ("who is the director of childrens services in stoke",
         "A four-month review by the children's commissioner Eleanor Brazil has concluded.", False),
        ("who is the director of the national gallery", "Charles Saumarez Smith, the gallery's director, said.", True),
        # the family of those who lead: "Fed chief" for the chairman, "under the leadership of" for the leader
        ("who's the fed chairman", "Fed chief Alan Greenspan said rates would rise.", True),
        ("Who was the leader of the Islamist regime in Sudan?",
         "Sudan had an Islamist regime under the leadership of Hassan al-Turabi.", True),
        ("who is the education secretary", "Education secretary Gavin Williamson has given the council three months.", True),
        ("who is the education secretary", "Council leader Abi Brown said they were committed.", False),
        ("who was the head coach of the broncos", "The Broncos, coached by Gary Kubiak, won.", True),
        # "lead" as in "lead to" names no leader
        ("Who is the President of Afghanistan?", "The victory in Afghanistan did not lead to justice.", False),
        ("who is the mayor of london", "Ken Livingstone, the London assembly member, said.", False),
        # one who led something is its leader; what led to something is none
        ("What was the name of the leader through the Great Depression?",
         "James Bryant Conant led the university through the Great Depression.", True),
        ("who is the leader of the party", "The row led to his resignation.", False),
        ("what's the name of stoke's director of children's services",
         "A four-month review by the children's commissioner Eleanor Brazil has concluded.", False),
    ],
)
def test_a_question_naming_a_title_wants_a_quote_that_names_it(question: str, quote: str, names: bool) -> None:
    asked = title_asked(question)
    assert asked is not None
    assert names_title(quote, asked[1]) is names


@pytest.mark.parametrize("question", ["who runs the council", "who wrote the report", "what did the director say",
                                      "who said the chairman would quit"])
def test_other_questions_ask_no_title(question: str) -> None:
    assert title_asked(question) is None


def test_an_answer_that_names_no_such_title_is_declined(tmp_path: Path) -> None:
    """"who is the director of children's services" is not answered by the commissioner's
    sentence: declined with ``lacks: "title"``, the passage still listed; the check can be off."""
    corpus, index, fake = fake_index(tmp_path, {
        "stoke.txt": "A four-month review of children's services in Stoke by the children's commissioner "
        "Eleanor Brazil has concluded.\n\nThe council must find a partner within three months.",
    })
    q = "who is the director of children's services in stoke"
    res = answer(index, fake, q, AnswerParams(reader=False, threshold=0.0))
    assert res.answers and not res.answered and res.lacks == "title"
    assert res.why_declined() == "The best passage names no director." and res.to_json()["lacks"] == "title"
    assert res.leaned_on() is res.answers[0]  # a follow-up still leans on the passage
    off = answer(index, fake, q, AnswerParams(reader=False, threshold=0.0, title_must_show=False))
    assert off.answered and off.lacks is None
    asked = answer(index, fake, "who is the children's commissioner in stoke", AnswerParams(reader=False, threshold=0.0))
    assert asked.answered and "Eleanor Brazil" in asked.answers[0].text


@pytest.mark.parametrize(
    ("question", "quote", "names"),
    [
        ("which party controls stoke council", "Ofsted rated Stoke-on-Trent City Council's children's services 'inadequate'.", False),
        ("what party is abi brown", "Cllr Abi Brown, leader of Stoke-on-Trent City Council, said.", False),
        ("What party rules in Melbourne's inner regions?", "The Greens are strongest in Melbourne's inner suburbs.", True),
        ("which party won the seat", "Labour held the seat with a reduced majority.", True),
        ("what political party is he in", "He joined the Scottish National Party in 1990.", True),
    ],
)
def test_a_question_asking_which_party_wants_a_quote_that_names_one(question: str, quote: str, names: bool) -> None:
    assert asks_party(question)
    assert names_party(quote) is names


def test_other_questions_ask_no_party() -> None:
    assert not any(asks_party(q) for q in ("who threw the party", "how many parties were there", "what did the party say"))


def test_an_answer_that_names_no_party_is_declined(tmp_path: Path) -> None:
    """"which party controls the council" is not answered by a sentence about its services:
    declined with ``lacks: "party"``, the passage still listed; the check can be off."""
    corpus, index, fake = fake_index(tmp_path, {
        "stoke.txt": "Ofsted rated the city council's children's services inadequate earlier this year.\\n\\n"
        "The council must find a partner within three months.",
    })
    q = "which party controls the city council"
    res = answer(index, fake, q, AnswerParams(reader=False, threshold=0.0))
    assert res.answers and not res.answered and res.lacks == "party"
    assert res.why_declined() == "The best passage names no party." and res.to_json()["lacks"] == "party"
    assert res.leaned_on() is res.answers[0]
    off = answer(index, fake, q, AnswerParams(reader=False, threshold=0.0, party_must_show=False))
    assert off.answered and off.lacks is None


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("which council did they end up partnering with", True),
        ("which council ended up as stoke's partner", True),
        ("Which company was given permission to air commercials?", True),
        ("what university alumni member was known for portfolio theory", False),  # a member is asked for
        ("who runs the council", False),
    ],
)
def test_questions_that_ask_which_body(question: str, asks: bool) -> None:
    assert asks_body(question) is asks


@pytest.mark.parametrize(
    ("short", "quote", "person"),
    [
        ("Council leader, Cllr Abi Brown", "Council leader, Cllr Abi Brown, said: 'We are committed.'", True),
        ("Gavin Williamson", "Education secretary Gavin Williamson has given the council three months.", True),
        ("Brent Council", "Brent Council £43,860 - £49,827 p.a.", False),
        ("Denver Broncos", "The AFC champion Denver Broncos defeated the Panthers.", False),
        (None, "Cllr Abi Brown said so.", False),
    ],
)
def test_a_short_answer_that_names_a_person(short: str | None, quote: str, person: bool) -> None:
    assert names_person(short, quote) is person


@pytest.mark.parametrize(
    ("short", "question", "same"),
    [
        ("Stoke-on-Trent City Council", "which council ended up partnering with stoke", True),
        ("Broncos", "what team did the broncos play", True),
        ("Brent Council", "which council is hiring a property lawyer", False),
        ("Denver Broncos", "which nfl team represented the afc at super bowl 50", False),
        (None, "which council ended up partnering with stoke", False),
    ],
)
def test_a_short_answer_that_names_only_what_the_question_does(short: str | None, question: str, same: bool) -> None:
    assert restates(short, question) is same
