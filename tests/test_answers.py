"""Extractive answers (fake embedder): verbatim quotes with exact positions, duplicates merged, k kept.

Scores and weights are being tuned, so nothing here depends on their values, only on the contract.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import (
    BRIDGE_CREWS,
    BRIDGE_MONTHS,
    BRIDGE_TOWNS,
    BUNDLED_CORPUS,
    INVEST_Q,
    SAMPLE_FILES,
    SEED_QUESTIONS,
    UNANSWERABLE_Q,
    FakeEmbedder,
    bridge_files,
    check_answer,
    fake_index,
)

from qa.answer_types import (
    asks_date,
    asks_license,
    asks_quantity,
    asks_version,
    carries_on,
    describes_role,
    gives_date,
    gives_quantity,
    gives_version,
    holds_quantity,
    is_small_talk,
    is_statement,
)
from qa.answers import AnswerParams, _date_first, answer
from qa.engine import Engine
from qa.followup import is_claim
from qa.index import Index, open_index
from qa.indexing import build
from qa.records import Answer

EXTRA_QUESTIONS = [
    INVEST_Q,
    UNANSWERABLE_Q,
    "Stoke-on-Trent",
    "what is the",  # only stop words
    "???",
    "Ofsted 5.5m £ ‘inadequate’ children’s services \u00e9t\u00e9 😀",
    "How much " * 60,  # a very long question
]


def _seed_questions() -> list[str]:
    if not SEED_QUESTIONS.is_file():
        return []
    return [json.loads(line)["question"] for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


ALL_QUESTIONS = EXTRA_QUESTIONS + _seed_questions()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Index, FakeEmbedder]:
    """The bundled corpus (copied) indexed once with the fake embedder."""
    base = tmp_path_factory.mktemp("answers")
    corpus = base / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    fake = FakeEmbedder()
    build(corpus, base / "index", fake.name, lambda: fake)
    return corpus, open_index(base / "index"), fake


@pytest.mark.parametrize("question", ALL_QUESTIONS, ids=range(len(ALL_QUESTIONS)))
def test_every_answer_is_an_exact_quote(sample, question: str) -> None:
    corpus, index, fake = sample
    result = answer(index, fake, question, AnswerParams(k=5))
    assert result.question == question.strip()
    assert isinstance(result.answered, bool)
    assert len(result.answers) <= (AnswerParams.statement_k if is_statement(question) else 5)
    if result.answered:
        assert result.answers
    for a in result.answers:
        check_answer(a.to_json(), corpus)
        assert a.page is None and a.offsets == "file"
    scores = [a.score for a in result.answers]
    assert scores == sorted(scores, reverse=True)
    # one answer per passage: no quote repeats, in the same file or another
    keys = [" ".join(re.findall(r"\w+", a.text.lower())) for a in result.answers]
    assert len(set(keys)) == len(keys)


def test_answers_to_json_matches_the_contract(sample) -> None:
    corpus, index, fake = sample
    r = answer(index, fake, INVEST_Q).to_json()
    assert list(r) == ["question", "answered", "answers", "unmentioned", "lacks", "read_as"]
    assert r["unmentioned"] == [] and r["lacks"] is None and r["read_as"] is None
    for a in r["answers"]:
        assert {"text", "source", "start", "end", "line", "page", "score", "context", "also_in"} <= set(a)
        assert isinstance(a["score"], float) and isinstance(a["also_in"], list)
        check_answer(a, corpus)
    json.dumps(r)  # serialisable as it is


def test_passage_in_both_files_is_one_answer_naming_both(sample) -> None:
    corpus, index, fake = sample
    result = answer(index, fake, INVEST_Q, AnswerParams(k=5))
    invest = [a for a in result.answers if "£5.5m" in a.text]
    assert len(invest) == 1, [a.text for a in result.answers]
    a = invest[0]
    assert {a.source, *a.also_in} == set(SAMPLE_FILES)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 10, 50])
def test_k_is_respected_and_does_not_change_the_ranking(sample, k: int) -> None:
    _, index, fake = sample
    many = answer(index, fake, INVEST_Q, AnswerParams(k=50)).answers
    few = answer(index, fake, INVEST_Q, AnswerParams(k=k)).answers
    assert len(few) == min(k, len(many))
    assert [(a.source, a.start, a.end, a.also_in) for a in few] == [
        (a.source, a.start, a.end, a.also_in) for a in many[:k]
    ]


def test_engine_ask_passes_k(sample) -> None:
    corpus, index, fake = sample
    engine = Engine(corpus=corpus, root=index.root, embedder_factory=lambda name: fake)
    assert len(engine.ask(INVEST_Q, k=2).answers) == 2
    assert len(engine.ask(INVEST_Q, k=7).answers) == 7


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_not_answered(sample, question: str) -> None:
    _, index, fake = sample
    calls = fake.calls
    r = answer(index, fake, question)
    assert r.answered is False and r.answers == ()
    assert fake.calls == calls  # nothing to embed


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_retriever_gives_exact_quotes(sample, mode: str) -> None:
    corpus, index, fake = sample
    r = answer(index, fake, INVEST_Q, AnswerParams(k=5), mode=mode)
    assert r.answers
    for a in r.answers:
        check_answer(a.to_json(), corpus)


def test_qid_is_echoed(sample) -> None:
    _, index, fake = sample
    r = answer(index, fake, INVEST_Q, qid="q-17")
    assert r.id == "q-17" and r.to_json()["id"] == "q-17"


def test_duplicate_found_with_k1_still_names_every_file(tmp_path: Path) -> None:
    """The best sentence sits in three files; even with k=1 its one answer names all three."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    key = "The harbour bridge was painted green in 1999 by the city engineers."
    notes = " ".join(f"Harbour note {i} mentions the bridge." for i in range(6))
    filler = "\n\n".join(f"Paragraph {i} talks about topic{i} and subject{i} in detail." for i in range(12))
    (corpus / "a.txt").write_text(notes + " " + key, encoding="utf-8")
    (corpus / "b.txt").write_text(filler + "\n\n" + key, encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "c.md").write_text(f"# Bridges\n\n{key}\n\n{filler}", encoding="utf-8")
    fake = FakeEmbedder()
    build(corpus, tmp_path / "i", fake.name, lambda: fake)
    index = open_index(tmp_path / "i")
    for k in (1, 5):
        top = answer(index, fake, "What colour was the harbour bridge painted by the city engineers?", AnswerParams(k=k)).answers[0]
        assert key in top.text  # the quote may take in a neighbouring sentence of its paragraph
        assert {top.source, *top.also_in} == {"a.txt", "b.txt", "sub/c.md"}
        check_answer(top.to_json(), corpus)


def test_answers_keep_exact_offsets_with_crlf_and_unicode(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    text = (
        "Intro line 😀 with emoji.\r\n\r\n"
        "The Zürich observatory opened in 1864.\r\nIt was designed by Gottfried Semper.\r\n\r\n"
        "Ça va: the café serves crème brûlée every day."
    )
    (corpus / "crlf.txt").write_bytes(text.encode("utf-8"))
    fake = FakeEmbedder()
    build(corpus, tmp_path / "i", fake.name, lambda: fake)
    index = open_index(tmp_path / "i")
    for q in ("When did the Zürich observatory open?", "Who designed it?", "What does the café serve?"):
        r = answer(index, fake, q)
        assert r.answers
        for a in r.answers:
            check_answer(a.to_json(), corpus)


@pytest.mark.parametrize(
    "text, statement",
    [
        ("0-dimensional biomaterials lack inductive properties.", True),  # a sentence
        ("ALDH1 expression is associated with poorer prognosis for breast cancer primary tumors", True),  # 8 words
        ("The council spent £5.5m.", True),
        ("who did the review", False),
        ("how much was spent on the new social care posts by the council", False),
        ("what's the closing date for the essex social worker job", False),
        ("Is the local linked support team job permanent.", False),  # opens as a question does
        ("tell me about the review of the council's children's services", False),  # a request
        ("i want to know the budget for the social care posts next year", False),  # one in the first person
        ("please give the budget for the social care posts next year.", False),
        ("british empire population at its peak", False),  # keywords typed into a chat
        ("council budget.", False),  # too short to be a claim
        ("The review found the services inadequate?", False),
        ("Philo of Byzantium ____ surmised that air converted to fire", False),  # a blank to fill
        ("", False),
    ],
)
def test_statements_are_told_from_questions(text: str, statement: bool) -> None:
    assert is_statement(text) is statement


@pytest.mark.parametrize(
    "text, claim",
    [
        ("Mobile phone makers are adding better cameras to their handsets this year.", True),
        ("ALDH1 expression is associated with poorer prognosis for breast cancer primary tumors", True),
        ("and the budget for the new social care posts in stoke next year", False),  # carries on
        ("The council spent £5.5m on it.", False),  # too short to stand on its own
        ("what did they spend on the new social care posts in stoke", False),
    ],
)
def test_a_claim_of_its_own_is_told_from_a_turn_that_carries_on(text: str, claim: bool) -> None:
    assert is_claim(text) is claim


def test_a_claim_after_another_turn_is_no_follow_up(tmp_path: Path) -> None:
    """Typed after another turn, a claim with a pronoun of its own ("their handsets") is listed
    by file as it is when asked first, not searched and read as a follow-up of that turn."""
    corpus, index, fake = fake_index(tmp_path, {
        "phones.txt": "Mobile phone makers are adding better cameras to their handsets. Sales rose in May.",
        "cameras.txt": "Camera makers fear that phones with better cameras will hurt their sales.",
        "council.txt": "The council spent five million pounds on new social care posts.",
    })
    claim = "Mobile phone makers are adding better cameras to their handsets this year."
    first = answer(index, fake, claim, AnswerParams())
    after = answer(index, fake, claim, AnswerParams(), history=["how much did the council spend on social care posts"])
    assert [a.source for a in after.answers] == [a.source for a in first.answers]
    assert {a.source for a in after.answers} >= {"phones.txt", "cameras.txt"}
    assert [a.source for a in after.answers].index("phones.txt") == 0


def test_a_statement_quotes_the_best_sentence_of_each_file_first(tmp_path: Path) -> None:
    """A claim asks where the documents speak to it: the best sentence of each file is chosen
    first, then the next best of those files fill up to k, all best first. A question takes the
    best sentences wherever they are."""
    corpus, index, fake = fake_index(tmp_path, {
        "a.txt": "The harbour bridge was painted green by the city engineers in 1999. "
        "The city engineers painted the harbour bridge green again in 2004. "
        "Green paint on the harbour bridge was chosen by the city engineers. "
        "The harbour bridge is painted green every five years by city engineers.",
        "b.txt": "Tourists say the harbour bridge looks green. Ferries run hourly.",
        "c.txt": "A bridge in the old town was painted. The museum opens at nine.",
    })
    claim = "The harbour bridge was painted green by the city engineers."
    assert is_statement(claim)

    # three answers: one from each file, best first
    res = answer(index, fake, claim, AnswerParams(k=3, statement_k=3))
    assert [a.source for a in res.answers] == ["a.txt", "b.txt", "c.txt"]
    # five: a.txt's next best fill the rest (a quote may take in its neighbour: fewer may be left)
    full = answer(index, fake, claim, AnswerParams(k=5))
    assert {a.source for a in full.answers} == {"a.txt", "b.txt", "c.txt"} and len(full.answers) > 3
    for r in (res, full):
        scores = [a.score for a in r.answers]
        assert scores == sorted(scores, reverse=True)
        for a in r.answers:
            check_answer(a.to_json(), corpus)
    # read as a question (statement_words=0), a.txt's second sentence outranks the other files
    plain = answer(index, fake, claim, AnswerParams(k=3, statement_words=0))
    assert [a.source for a in plain.answers] == ["a.txt", "a.txt", "b.txt"]


def test_a_statement_quotes_a_story_filed_twice_once(tmp_path: Path) -> None:
    """A story filed under two names is one answer that names both files: its copy's next best
    sentence does not take a second place with the same passage."""
    story = ("The harbour bridge was painted green by the city engineers in 1999.\n\n"
             "The city engineers chose a green paint for the harbour bridge after a vote.\n\n"
             "Green paint on the harbour bridge cost the city engineers a great deal.")
    corpus, index, fake = fake_index(tmp_path, {
        "a.txt": story, "b.txt": story, "c.txt": "A bridge in the old town was painted. The museum opens at nine.",
    })
    claim = "The harbour bridge was painted green by the city engineers."
    res = answer(index, fake, claim, AnswerParams(k=2, statement_k=2))
    first, second = res.answers
    assert {first.source, *first.also_in} == {"a.txt", "b.txt"}
    assert second.source == "c.txt"


def test_a_statement_lists_ten_files_and_a_question_five_answers(tmp_path: Path) -> None:
    """A claim is a search for where the documents speak to it: the best passage of ten files, as a
    page of results (SciFact is ranked by its first ten); a question gets five answers. Where
    fewer files speak to it, their next best passages fill up to five, not ten."""
    corpus, index, fake = fake_index(tmp_path, bridge_files())
    claim = "The harbour bridge was painted green by the city crews."
    statement = answer(index, fake, claim, AnswerParams())
    assert len(statement.answers) == 10 and len({a.source for a in statement.answers}) == 10
    question = answer(index, fake, "when was the harbour bridge painted green", AnswerParams())
    assert len(question.answers) == 5
    two = {f"{t.lower()}.txt": "\n\n".join(f"The {c} of {t} painted the harbour bridge green in {m} {y}."
                                           for c, m, y in zip(BRIDGE_CREWS, BRIDGE_MONTHS, range(1990, 2002)))
           for t in BRIDGE_TOWNS[:2]}
    (tmp_path / "two").mkdir()
    corpus2, index2, _ = fake_index(tmp_path / "two", two)
    assert len(answer(index2, fake, claim, AnswerParams()).answers) == 5


@pytest.mark.parametrize(
    "question, asks",
    [
        ("how much did federer offer roche", True),
        ("how many posts were added", True),
        ("and how old is he", True),
        ("how long is the film", True),
        ("what does the property lawyer job pay", True),
        ("what share of big firms were hit", True),
        ("What percentage of the vote did they get?", True),
        ("who did the review", False),
        ("when was the report published", False),
        ("why are newly discovered oil sold at a higher price", False),  # a price named, not asked
        # a size is a quantity: of 16 "how big / how large" questions answered (own sets, SQuAD dev),
        # the 6 right gave a figure; 5 unanswerable gave "second", "decent", "whopping majority"
        ("how big is the lead", True),
        ("how large is the allston neighborhood", True),
        ("what do students have to pay for", False),  # a thing, not a sum
        ("what is the price of the nokia 7710", True),
        ("what was the cost of the war", True),
        ("what was the budget for making hotel rwanda", True),
        # a count or a score named by what it counts: of 86 such questions (own sets, SQuAD dev)
        # 3 wrong answers declined ("Sunday" for the score in the carling cup final), none lost
        ("what was the crowd at clyde v celtic", True),
        ("what was turnout in the election", True),
        ("whats the population of stoke", True),
        ("what was the final score?", True),
        ("what was the crowd reaction", False),  # a reaction, not a crowd's size
        ("what is the score about", False),
    ],
)
def test_questions_that_ask_for_a_quantity(question: str, asks: bool) -> None:
    assert asks_quantity(question) is asks


@pytest.mark.parametrize(
    "text, question, holds",
    [
        ("The council spent £5.5m on 130 new posts.", "how much was spent", True),
        ("Dozens of empires used it.", "how many empires used it", True),
        ("None of the original treaties mention rights.", "how many treaties mention rights", True),
        ("Tickets are free on Sundays.", "how much are tickets", True),
        # "free" that is no price
        ("The group also owns a chain of 90 duty free stores.", "how much did the falic group pay for lacroix", False),
        ("He scored from a free kick.", "how much was he paid", False),
        ("Roche 'turns down Federer offer'", "how much did federer offer roche", False),
        ("In total there are 352 votes.", "how many of the 352 votes are needed", False),  # the question's own
        ("It is going to take time.", "how long did the review take", False),
        ("The review took months.", "how long did the review take", True),  # a duration, for how long
        ("The review took months.", "how much did the review cost", False),  # ... but not a sum
        ("Mary Poppins won two awards.", "how much are tickets for mary poppins", False),  # a sum is asked
        ("Tickets cost £25.", "how much are tickets for mary poppins", True),
        ("M&S cuts prices by 24%.", "how much has m&s cut its prices by", True),
        ("He was allowed to claim 6 million lire.", "how much money could he claim", True),
        ("The post pays £43,860.", "what does the lawyer job pay", True),
        ("Five million people visited.", "what does the lawyer job pay", False),
        ("It comes in two handsets, the 3230 and 7710.", "what is the price of the nokia 7710", False),
        ("The festival runs until 20 February.", "what was the budget for making hotel rwanda", False),
        # a price paid or a sum spent is no share, and a sum spent is never "free"
        ("Universal bought the remaining 50% of the label.", "how much did universal pay for the rest of the label", False),
        ("Universal paid $10m for the label.", "how much did universal pay for the rest of the label", True),
        ("The shares rose by 5%.", "how much did the shares cost", False),
        ("Copies will be replaced for free.", "how much is microsoft spending on the scheme", False),
        ("Copies will be replaced for free.", "how much does the swap cost", True),
        # ... unless the question asks by how much it changed
        ("Military spending is set to rise by 4.8%.", "by how much is us military spending going up", True),
        ("Military spending is set to rise by 4.8%.", "how much has military spending gone up", True),
        ("It spent the remaining 50% on staff.", "how much did it spend on staff", False),
        # a subscription, a payout, compensation, profit (…) is a sum: not a count of people
        ("Almost 400,000 people bought a copy.", "how much is the monthly subscription for the game", False),
        ("It costs £8.99 a month.", "how much is the monthly subscription for the game", True),
        ("He joined the KGB in 1970s Russia.", "how much compensation did he settle for", False),
        ("He settled for £65,000.", "how much compensation did he settle for", True),
        # what is measured is named, and it is no money: any figure counts
        ("Each reference requires eight bytes.", "how much memory does each reference cost", True),
        ("Each reference requires eight bytes.", "how much does each reference cost", False),
        ("It costs 1p more.", "how much more will a pint cost", True),
        ("It sold 2m copies.", "how much net profit did it make", False),
    ],
)
def test_a_quote_gives_a_quantity_or_not(text: str, question: str, holds: bool) -> None:
    assert holds_quantity(text, question) is holds


def test_a_quantity_question_answered_without_one_is_declined(tmp_path: Path) -> None:
    """"how much did federer offer roche" is not answered by the headline that he turned the offer
    down: the best quote gives no sum, so the corpus does not say. Asked of a file that gives one,
    it is answered; the check can be turned off."""
    corpus, index, fake = fake_index(tmp_path, {
        "tennis.txt": "Roche turns down Federer offer\n\nRoche, troubled by a hip complaint, turned down the offer "
        "from Federer. Federer has been without a coach since 2003.",
    })
    q = "how much did federer offer roche"
    params = AnswerParams(reader=False, threshold=0.0)
    res = answer(index, fake, q, params)
    assert res.answers and not res.answered and res.lacks == "quantity" and res.unmentioned == ()
    assert "no number or amount" in res.why_declined()
    assert res.to_json()["lacks"] == "quantity"
    for a in res.to_json()["answers"]:  # the nearest passages are still listed
        check_answer(a, corpus)
    off = answer(index, fake, q, AnswerParams(reader=False, threshold=0.0, quantity_must_show=False))
    assert off.answered and off.lacks is None

    _, index, fake = fake_index(tmp_path, {
        "tennis.txt": "Roche turns down Federer offer\n\nFederer offered Roche $500,000 a year, and Roche turned down the offer.",
    })
    given = answer(index, fake, q, params)
    assert given.answered and given.lacks is None and "$500,000" in given.answers[0].text


@pytest.mark.parametrize(
    "question, asks",
    [
        ("balco case postponed - what date was it moved to", True),
        ("which year did he join the club", True),
        ("on what day was the vote held", True),
        ("when was the vote", False),  # a bare "when": "after the match" may answer it
        ("what time did merritt run", False),  # a time run, not a date
        ("how many days did the trial last", False),
        # a deadline is a date
        ("whats the deadline for stoke to sort out a partner council", True),
        ("what deadline did he set", True),
        ("what's the closing date for the job", True),
        ("who set the deadline", False),
    ],
)
def test_questions_that_ask_for_a_date(question: str, asks: bool) -> None:
    assert asks_date(question) is asks


def test_an_answer_that_gives_the_date_asked_comes_before_one_that_gives_none() -> None:
    """"whats the deadline for stoke": the best answer, "three months", gives no date; the next,
    "until 31 January 2020", does and passes the threshold, so it comes first. One under the
    threshold does not; a question that asks no date keeps the reader's order."""
    def ans(text: str, score: float) -> Answer:
        return Answer(text=text, source="a.txt", start=0, end=len(text), line=1, page=None, score=score, context="")

    months = ans("The secretary of state gives the council three months to find a partner.", 0.6)
    date = ans("Gavin Williamson has given the council until 31 January 2020.", 0.3)
    q = "whats the deadline for stoke"
    assert _date_first([months, date], q, 0.04) == [date, months]
    assert _date_first([months, date], q, 0.5) == [months, date]  # under the threshold
    assert _date_first([months, date], "how long has the council got", 0.04) == [months, date]
    assert _date_first([date, months], q, 0.04) == [date, months]


def test_a_date_question_answered_without_a_date_is_declined(tmp_path: Path) -> None:
    """"what date was the balco trial moved to" is not answered by the sentence that says only that
    the date was postponed; a quote with a date the question does not hold answers it."""
    corpus, index, fake = fake_index(tmp_path, {
        "balco.txt": "Balco trial postponed\n\nThe trial date for the Balco steroid distribution case has been postponed.",
    })
    q = "balco trial postponed - what date was it moved to"
    params = AnswerParams(reader=False, threshold=0.0)
    res = answer(index, fake, q, params)
    assert res.answers and not res.answered and res.lacks == "date"
    assert "no date" in res.why_declined() and res.to_json()["lacks"] == "date"
    assert res.leaned_on() is res.answers[0]  # "and which judge delayed it" still leans on it
    assert answer(index, fake, q, AnswerParams(reader=False, threshold=0.0, date_must_show=False)).answered
    _, index, fake = fake_index(tmp_path, {
        "balco.txt": "Balco trial postponed\n\nThe trial date for the Balco case has been moved to 6 June.",
    })
    given = answer(index, fake, q, params)
    assert given.answered and given.lacks is None and "6 June" in given.answers[0].text
    # a year the question holds already is no answer: "what day in 2004" needs another date
    assert not gives_date("The vote was held in 2004.", "what day in 2004 was the vote held")
    assert gives_date("The vote was held on Tuesday in 2004.", "what day in 2004 was the vote held")
    assert gives_date("They banned driving on Sundays.", "what day was driving banned")
    assert gives_date("Images were sent on Christmas Eve.", "on what day were images sent")


@pytest.mark.parametrize(
    "question, asks",
    [
        ("which python version does rich need", True),
        ("whats the min python version for idna", True),
        ("what is the python version for idna", True),
        ("which tz database release does pytz ship", True),
        ("which release dropped 3.9", True),
        ("what does photosynthesis release into the air", False),  # a verb
        ("what is the release date", False),  # a date
        ("which court delayed the release of the film", False),
    ],
)
def test_questions_that_ask_for_a_version(question: str, asks: bool) -> None:
    assert asks_version(question) is asks


def test_a_version_is_of_what_the_question_names() -> None:
    """"which python version does typer require" is not answered by typer's own version: the quote
    must name Python ("CPython" does); a question that names nothing versioned needs only a figure."""
    q = "which python version does typer require"
    assert not gives_version("0.26.0", q, "Since version 0.26.0, Typer has vendored Click.")
    assert gives_version("3.7", q, "Typer requires Python 3.7 or later.")
    assert gives_version("3.9", "whats the min python version for idna", "Tested on CPython 3.9 and up.")
    assert gives_version("2021.11.10", "which release dropped python 2", "The last release was 2021.11.10.")
    assert not gives_version("3.0", "which windows versions does it work on", "With version 3.0 of tzlocal, it returns zoneinfo objects.")


@pytest.mark.parametrize(
    "question, asks",
    [
        ("what license does cloudpickle use", True),
        ("whats the licence on typer", True),
        ("syrupy licence?", True),
        ("what kind of license is faiss under", True),
        ("What did the license to build this type of car expire in 2011?", False),
        ("how much was the beastie boys sample licence fee", False),
        ("whos the licence compliance manager at microsoft", False),
    ],
)
def test_questions_that_ask_for_a_licence(question: str, asks: bool) -> None:
    assert asks_license(question) is asks


def test_a_licence_question_answered_without_one_is_declined(tmp_path: Path) -> None:
    """"what license does cloudpickle use" is not answered by a sentence on cloudpickle 2.0.0: the
    quote names no licence; one that names it ("BSD 3-Clause License", "MIT-licensed") answers."""
    _, index, fake = fake_index(tmp_path, {
        "cloudpickle.md": "# cloudpickle\n\nSince cloudpickle 2.0.0, one can pickle modules by value.\n",
    })
    params = AnswerParams(reader=False, threshold=0.0)
    res = answer(index, fake, "what license does cloudpickle use", params)
    assert res.answers and not res.answered and res.lacks == "license" and "no licence" in res.why_declined()
    assert answer(index, fake, "what license does cloudpickle use", AnswerParams(reader=False, threshold=0.0, license_must_show=False)).answered
    for text in ("cloudpickle is distributed under the BSD 3-Clause License.", "cloudpickle is MIT-licensed."):
        _, index, fake = fake_index(tmp_path, {"cloudpickle.md": f"# cloudpickle\n\n{text}\n"})
        assert answer(index, fake, "what license does cloudpickle use", params).answered, text


def test_a_version_question_answered_without_a_figure_is_declined(tmp_path: Path) -> None:
    """"which cuda version does faiss need" is not answered by a quote whose answer holds no
    figure ("AMD ROCm"): the corpus does not say which; one that gives it is answered."""
    _, index, fake = fake_index(tmp_path, {"faiss.md": "# faiss\n\nThe GPU build of faiss also runs on AMD ROCm.\n"})
    params = AnswerParams(reader=False, threshold=0.0)
    res = answer(index, fake, "which cuda version does the faiss gpu build need", params)
    assert res.answers and not res.answered and res.lacks == "quantity"
    _, index, fake = fake_index(tmp_path, {"faiss.md": "# faiss\n\nThe GPU build of faiss needs CUDA 12.1 or later.\n"})
    res = answer(index, fake, "which cuda version does the faiss gpu build need", params)
    assert res.answered and "12.1" in res.answers[0].text


def test_a_quote_ending_in_a_colon_takes_in_what_it_introduces(tmp_path: Path) -> None:
    """"Run the following to test Rich output on your terminal:" says how only with the command
    under it: the quote takes in the next sentence that shows words (a code fence passed over),
    across a paragraph break, where the two fit."""
    from qa.answers import quote_rows

    corpus, index, fake = fake_index(tmp_path, {
        "rich.md": "# rich\n\nRich renders tables and progress bars.\n\n"
        "Run the following to test Rich output on your terminal:\n\n```sh\npython -m rich\n```\n\n"
        "Rich works on Linux, macOS and Windows.\n",
    })
    rows = {index.sentence_text(s): s for s in range(len(index.sentences))}
    intro = rows["Run the following to test Rich output on your terminal:"]
    qvec = fake.encode(["quick way to check rich renders ok in my terminal"])[0]
    first, last = quote_rows(index, intro, qvec, AnswerParams())
    assert first == intro and index.sentence_text(last) == "python -m rich"
    assert quote_rows(index, intro, qvec, AnswerParams(max_quote_chars=50)) == (intro, intro)  # they do not fit
    works = rows["Rich works on Linux, macOS and Windows."]
    assert quote_rows(index, works, qvec, AnswerParams()) == (works, works)
    res = answer(index, fake, "how do i test rich output on my terminal", AnswerParams(reader=False, threshold=0.0))
    quote = next(a for a in res.answers if "test Rich output" in a.text)
    assert quote.text.startswith("Run the following") and quote.text.endswith("python -m rich")
    check_answer(quote.to_json(), corpus)
    # a terminal session wrapped in a <div> as well as a fence: up to three rows of markup passed over
    corpus, index, fake = fake_index(tmp_path, {
        "typer.md": "# typer\n\n## Installation\n\nFirst, install uv, and then add **Typer** to your project:\n\n"
        '<div class="termy">\n\n```console\n$ uv add typer\n---> 100%\n```\n\n</div>\n\nTyper is easy to use.\n',
    })
    rows = {index.sentence_text(s): s for s in range(len(index.sentences))}
    intro = rows["First, install uv, and then add **Typer** to your project:"]
    first, last = quote_rows(index, intro, fake.encode(["how do i add typer to my project"])[0], AnswerParams())
    assert first == intro and index.sentence_text(last) == "$ uv add typer"


def test_a_quote_opening_on_he_or_she_takes_in_the_sentence_that_names_them(tmp_path: Path) -> None:
    """"He was sacked for his gaffe" says who only with the sentence before it, which is quoted with
    it even across a paragraph break (where the two fit); a sentence that opens otherwise keeps to
    its paragraph, and a pronoun at a file's first sentence has nothing before it."""
    from qa.answers import quote_rows

    named = "Then deputy chairman Howard Flight suggested bigger cuts were planned."
    corpus, index, fake = fake_index(tmp_path, {
        "politics.txt": f"Election called\n\n{named}\n\nHe was sacked for his gaffe over the cuts.\n\n"
        "The campaign was back on track after the gaffe.\n\nShe spoke first at the rally.",
    })
    rows = {index.sentence_text(s): s for s in range(len(index.sentences))}
    qvec = fake.encode(["who got sacked over the cuts gaffe"])[0]
    params = AnswerParams()
    he = rows["He was sacked for his gaffe over the cuts."]
    assert quote_rows(index, he, qvec, params) == (he - 1, he)
    campaign = rows["The campaign was back on track after the gaffe."]
    assert quote_rows(index, campaign, qvec, params) == (campaign, campaign)  # its paragraph alone
    assert quote_rows(index, he, qvec, AnswerParams(max_quote_chars=40)) == (he, he)  # the two do not fit
    first = answer(index, fake, "who got sacked over the cuts gaffe", AnswerParams(reader=False, threshold=0.0)).answers
    quote = next(a for a in first if "sacked" in a.text)
    assert named in quote.text and quote.text.endswith("He was sacked for his gaffe over the cuts.")
    check_answer(quote.to_json(), corpus)

    (tmp_path / "first").mkdir()
    _, index, fake = fake_index(tmp_path / "first", {"a.txt": "He opened the file. Then it went on."})
    assert quote_rows(index, 0, fake.encode(["who opened it"])[0], params)[0] == 0


class _SpanReader:
    """A stand-in for the reader: every sentence equally relevant, its span the first word it
    finds of ``marks`` (the check under test reads the span; the reader's own tests run it real)."""

    threshold = 0.0

    def __init__(self, marks: tuple[str, ...]) -> None:
        self.marks = marks

    def read(self, question, sentences, before, after, titles):
        from embeddings.reader import Reading

        out = []
        for text in sentences:
            at = next(((text.index(m), text.index(m) + len(m)) for m in self.marks if m in text), None)
            out.append(Reading(relevance=0.9, logit=2.0, span=at))
        return out

    def final_logits(self, logits, base, inside):
        return logits


def test_a_quantity_question_is_judged_by_the_short_answer_where_the_reader_found_one(tmp_path: Path) -> None:
    """"how old is kathy butler": the quote gives a number ("25th"), but the short answer the
    reader found in it is "Britain", so the corpus does not say; where the span is the age, it
    is answered."""
    _, index, fake = fake_index(tmp_path, {
        "run.txt": "Britain's Kathy Butler won Sunday's 25th Cross Internacional in Spain.",
    })
    q = "how old is kathy butler"
    res = answer(index, fake, q, AnswerParams(threshold=0.0), reader=_SpanReader(("Britain",)))
    assert res.answers and res.answers[0].span_text == "Britain"
    assert not res.answered and res.lacks == "quantity"
    no_span = answer(index, fake, q, AnswerParams(threshold=0.0), reader=_SpanReader(()))
    assert no_span.answers[0].span_text is None and not no_span.answered  # the quote's "25th" is no age either
    _, index, fake = fake_index(tmp_path, {
        "run.txt": "Kathy Butler, 31, won Sunday's 25th Cross Internacional in Spain.",
    })
    aged = answer(index, fake, q, AnswerParams(threshold=0.0), reader=_SpanReader(("31",)))
    assert aged.answered and aged.answers[0].span_text == "31"
    # a sum asked: the span may give the figure and its quote the money (the install smoke test's)
    _, index, fake = fake_index(tmp_path, {
        "budget.txt": "The council will spend four million pounds on road repairs next year.",
    })
    q = "How much will the council spend on road repairs next year?"
    figure = answer(index, fake, q, AnswerParams(threshold=0.0), reader=_SpanReader(("four million",)))
    assert figure.answered and figure.answers[0].span_text == "four million"
    wordy = answer(index, fake, q, AnswerParams(threshold=0.0), reader=_SpanReader(("road repairs",)))
    assert not wordy.answered and wordy.lacks == "quantity"


@pytest.mark.parametrize(
    ("short", "text", "question", "gives"),
    [
        ("Britain", "Britain's Kathy Butler won Sunday's 25th Cross.", "how old is kathy butler", False),
        (None, "Kathy Butler, 31, won Sunday's 25th Cross.", "how old is kathy butler", True),  # the quote: its "31", not "25th"
        (None, "Britain's Kathy Butler won Sunday's 25th Cross.", "how old is kathy butler", False),  # an ordinal: no age
        ("31", "Kathy Butler, 31, won.", "how old is kathy butler", True),
        ("£4m", "The council will spend £4m.", "how much will the council spend", True),
        ("road repairs", "The council will spend £4m on road repairs.", "how much will the council spend", False),
        ("the monks", "It was built in 1200 by the monks.", "how many monks built it", False),
        # a number word in a name is no count; one that opens the sentence may be
        ("Six Nations", "One game into his Six Nations career, Henson is a legend.", "how many caps has henson won", False),
        ("Formula One", "He races in Formula One.", "how many races has he won", False),
        ("Three Britons", "Three Britons were held.", "how many britons were held", True),
        # an age is not a day of a month, nor "thousands"
        ("15 January", "Butler will run on 15 January.", "how old is kathy butler", False),
        ("selling thousands of his possessions", "Evans is selling thousands of his possessions.", "how old is chris evans", False),
        ("seven months old", "He moved when he was seven months old.", "how old was chopin when he moved", True),
        ("1338–39", "Gravestones dating to 1338–39 refer to it.", "how old are the gravestones", True),
        # ... nor how long something took ("a four-month review"), but "a 39-year-old" is one
        ("four", "A four-month review by Eleanor Brazil ended.", "how old is eleanor brazil", False),
        # ... nor a number word that counts something else; one written as an age is one
        ("four", "He is described as a proud grandfather of four.", "how old is al aynsley-green", False),
        ("seventy", "He died aged seventy.", "how old was he when he died", True),
        ("20", "He left the club 20 years ago.", "how old is he", False),
        ("39", "The 39-year-old signed on Monday.", "how old is he", True),
        ("17th", "This year marks Conti's 17th turn at the helm.", "how old is bill conti", False),
        ("60th", "He celebrated his 60th birthday on stage.", "how old is he", True),
        # an ordinal is a place in a row, no count; a share ("about a third") is a quantity
        ("third", "Leamy won his third cap in Rome.", "how many caps has denis leamy won", False),
        ("second", "It was only their second ever win.", "how big was the crowd", False),
        ("about a third", "The plague killed about a third of the population.", "how much of the population died", True),
        # a size asked of a sum is money: "130" of "130 new posts" is no overspend
        ("130", "It invested £5.5m in 130 new posts.", "how big is the overspend on the budget", False),
        ("£5.5m", "It invested £5.5m in 130 new posts.", "how big is the overspend on the budget", True),
        # a vague amount answers "how much work"
        ("considerable", "There is considerable work still to be done.", "how much work is still left to do", True),
    ],
)
def test_a_short_answer_gives_a_quantity_or_not(short, text: str, question: str, gives: bool) -> None:
    assert gives_quantity(short, text, question) is gives


@pytest.mark.parametrize(
    ("after", "gives"),
    [
        (" pounds on road repairs.", True),
        (" dollars", True),
        (" Australian dollars ($2.3bn)", True),  # the money named after its country
        (" Hong Kong dollars", True),
        (" people will see the repairs.", False),
        (" Premier League fans", False),
        ("", False),
    ],
)
def test_a_figure_counts_as_a_sum_when_the_money_comes_right_after_it(after: str, gives: bool) -> None:
    """"four million" of "four million pounds" gives the sum; of "four million people", in a
    quote that names money elsewhere, it does not. Counting people, it is the other way round:
    four million pounds are no people."""
    text = "The council, with £1m of its own, says four million" + after
    assert gives_quantity("four million", text, "how much will the council spend", after) is gives
    assert gives_quantity("four million", text, "how many people will see the repairs", after) is not gives or after == ""


def test_an_age_written_after_the_name_the_span_gives_is_an_age() -> None:
    """"how old is he": the reader's short answer may be the person, as papers write the age right
    after the name ("Robert Jackson, 58, MP for Wantage"); a figure elsewhere in the quote is none."""
    quote = "Robert Jackson, 58, MP for Wantage in Oxfordshire, said he was disillusioned."
    assert gives_quantity("Robert Jackson", quote, "how old is he", ", 58, MP for Wantage in Oxfordshire, said he was disillusioned.")
    assert gives_quantity("Jackson", "Jackson (58) said so.", "how old is jackson", " (58) said so.")
    assert not gives_quantity("Robert Jackson", "Robert Jackson, MP since 1983, said so.", "how old is he", ", MP since 1983, said so.")
    assert not gives_quantity("Robert Jackson", quote, "how many seats did he hold", ", 58, MP for Wantage")  # not an age asked


def test_a_follow_up_leans_on_an_answer_declined_only_for_its_quantity() -> None:
    """Declined for giving no sum, the best passage is still on the question's subject ("what does
    the job pay", then "and where is it"); declined for a name its file never mentions, or scored
    too low, it is not."""
    from qa.records import Answer, Result

    best = Answer("Property and Projects Lawyer", "jobs.txt", 0, 28, 1, None, 0.4, "")
    assert Result("q", True, (best,)).leaned_on() is best
    assert Result("q", False, (best,), lacks="quantity").leaned_on() is best
    assert Result("q", False, (best,), unmentioned=("wembley",)).leaned_on() is None
    assert Result("q", False, (best,)).leaned_on() is None
    assert Result("q", False, ()).leaned_on() is None


def test_the_chat_store_and_its_export_keep_a_quantity_decline(tmp_path: Path) -> None:
    """Declined for its quantity, a result says so after the conversation store, in the export."""
    from qa.conversation import ConversationStore, to_markdown
    from qa.records import Answer, Result

    best = Answer("Roche 'turns down Federer offer'", "tennis.txt", 0, 32, 1, None, 0.5, "")
    res = Result("how much did federer offer roche", False, (best,), lacks="quantity")
    store = ConversationStore(tmp_path / "c.sqlite", now=lambda: 0.0)
    cid = store.add(None, res)
    loaded = store.load(cid).turns[0].result
    assert loaded.lacks == "quantity" and not loaded.answered and loaded.leaned_on() == best
    md = to_markdown(store.load(cid))
    assert "**Not found in the corpus.** The best passage gives no number or amount of what is asked. The nearest passages:" in md


def test_a_documents_title_is_context_for_the_window_feature(tmp_path: Path) -> None:
    """"why did roche turn down federer": a story's sentences say "he" and "the Swiss"; its headline
    names them. The title's words count in the window share (as a heading's do), not in the
    sentence's own."""
    from qa.answers import FEATURES, candidates

    _, index, fake = fake_index(tmp_path, {
        "story.txt": "Roche turns down Federer offer\n\nThe Australian said a hip complaint kept him at home.\n",
        "other.txt": "Gardening notes\n\nThe Australian said a hip complaint kept him at home.\n",
    })
    q = "why did roche turn down federer"
    cands = candidates(index, fake.encode([q])[0], q)
    row = {index.files[int(index.sentences[s, 0])].source: i for i, s in enumerate(cands.ids.tolist())
           if "hip complaint" in cands.texts[i]}
    window, own = FEATURES.index("window"), FEATURES.index("lexical")
    assert cands.features[row["story.txt"], window] > cands.features[row["other.txt"], window]
    assert cands.features[row["story.txt"], own] == cands.features[row["other.txt"], own]


def test_what_about_a_file_asks_the_last_question_of_that_file(tmp_path: Path) -> None:
    """"what about sortedcontainers" after "what license is trafilatura under" is answered as "what
    license is sortedcontainers under" (shown as ``read_as``), from that README: not declined for
    never mentioning trafilatura, as the last question's subject would be for a follow-up."""
    corpus, index, fake = fake_index(tmp_path, {
        "trafilatura.md": "# trafilatura\n\ntrafilatura is distributed under the Apache 2.0 license.\n",
        "sortedcontainers.md": "# sortedcontainers\n\nsortedcontainers is licensed under the MIT license.\n",
    })
    params = AnswerParams(reader=False, threshold=0.0)
    res = answer(index, fake, "what about sortedcontainers", params, history=["what license is trafilatura under"])
    assert res.read_as == "what license is sortedcontainers under" and res.question == "what about sortedcontainers"
    assert res.answered and res.answers[0].source == "sortedcontainers.md" and "MIT" in res.answers[0].text
    check_answer(res.answers[0].to_json(), corpus)


@pytest.mark.parametrize(
    "text, small",
    [
        ("hi", True), ("Thanks!", True), ("thank you very much", True), ("ok cool", True), ("?", True), ("", True),
        ("what can you do", True), ("who are you?", True), ("good morning", True),
        # a question word alone asks of the last turn; anything naming a thing asks the documents
        ("why", False), ("and?", False), ("tell me more", False), ("who did the review", False),
        ("how much was spent", False), ("is it good", False), ("help with the council tax", False),
    ],
)
def test_small_talk_asks_the_documents_nothing(text: str, small: bool) -> None:
    assert is_small_talk(text) is small


def test_small_talk_is_not_searched_and_is_no_turn_of_the_topic(tmp_path: Path) -> None:
    """"thanks!" gets no passages (a quote about Essex's registration service was shown for it),
    and a follow-up after it reads the question before it as its last."""
    _, index, fake = fake_index(tmp_path, {"stoke.txt": "A four-month review by the commissioner Eleanor Brazil has "
                                           "concluded.\n\nThe council has three months to find a partner.\n\n"
                                           "Registration services serve thousands of customers in Essex.\n"})
    res = answer(index, fake, "thanks!", AnswerParams())
    assert not res.answered and res.answers == () and res.lacks == "question"
    assert res.why_declined() == "Nothing to look up there: ask a question about the documents."
    after = answer(index, fake, "and how long did it take", AnswerParams(), history=["who did the review", "thanks!"])
    plain = answer(index, fake, "and how long did it take", AnswerParams(), history=["who did the review"])
    assert [a.text for a in after.answers] == [a.text for a in plain.answers]
    # what a follow-up leans on passes over it
    first = answer(index, fake, "who did the review", AnswerParams(threshold=0.0))
    assert res.leaned_on_after(first.leaned_on()) == first.leaned_on() is not None
    assert first.leaned_on_after(None) == first.leaned_on()


def test_carrying_on_asks_of_the_last_turn_and_first_thing_asks_nothing(tmp_path: Path) -> None:
    """"tell me more" and "why" carry a chat on: asked first they name nothing to look for (a
    random quote at 0.10 was shown), after a question they are its follow-ups."""
    assert carries_on("tell me more") and carries_on("why") and carries_on("and when was that")
    assert not carries_on("what about the council") and not carries_on("thanks")
    _, index, fake = fake_index(tmp_path, {"stoke.txt": "A four-month review by the commissioner Eleanor Brazil has "
                                           "concluded.\n\nThe council has three months to find a partner.\n"})
    first = answer(index, fake, "tell me more", AnswerParams())
    assert not first.answered and first.answers == () and first.lacks == "question"
    assert answer(index, fake, "tell me more", AnswerParams(), history=["hi"]).lacks == "question"
    later = answer(index, fake, "tell me more", AnswerParams(threshold=0.0), history=["who did the review"])
    assert later.answers and later.lacks is None


def test_a_role_described_is_the_person_the_next_sentence_names(tmp_path: Path) -> None:
    """"who did the lib dems bring in from bt": the lead says "a senior figure from BT … the party's
    new communications chief", and the next sentence names him: quoted with it, his name the short
    answer. A role followed by no name, or a name that is no opening, leaves the answer as it was."""
    from qa.answers import _named_next
    from qa.records import Answer

    assert describes_role("new communications chief") and describes_role("paparazzi photographers")
    assert not describes_role("Sandy Walkington") and not describes_role("the city council") and not describes_role(None)
    lead = "The Lib Dems have appointed a senior figure from BT to be the party's new communications chief."
    _, index, _ = fake_index(tmp_path, {
        "ld.txt": f"{lead}\n\nSandy Walkington will now work with senior figures on the manifesto.\n",
        "no.txt": f"{lead}\n\nThe party said the appointment was significant.\n",
    })
    for source, named in (("ld.txt", "Sandy Walkington"), ("no.txt", None)):
        text = index.doc_text(index.by_source[source])
        at = text.index("new communications chief")
        best = Answer(text=lead, source=source, start=0, end=len(lead), line=1, page=None, score=0.4, context="",
                      span=(at, at + len("new communications chief")))
        got = _named_next(index, best, AnswerParams())
        if named is None:
            assert got is None
        else:
            assert got.span_text == named and got.text.startswith(lead) and got.text == text[got.start:got.end]
            assert got.line == 1 and got.score == best.score


@pytest.mark.parametrize(
    "short, text, question, gives",
    [
        # people counted are not things counted: "over 130" of "over 130 new social care posts"
        ("over 130", "The council will invest £5.5m into over 130 new social care posts.", "how many kids are in care in stoke", False),
        ("over 130", "The council will invest £5.5m into over 130 new social care posts.", "how many new posts were added", True),
        ("50,000", "More than 50,000 new gadgets were launched.", "how many people went to the show", False),
        ("120,000", "About 120,000 people are expected to attend.", "how many people went to the show", True),
        ("seven million", "LG Card has seven million customers and its collapse would hurt.", "how many staff does lg card employ", True),
        ("four", "It has four-cylinder engines.", "how many passengers can it carry", True),  # joined: left alone
    ],
)
def test_a_count_of_people_is_not_a_count_of_things(short: str, text: str, question: str, gives: bool) -> None:
    after = text[text.index(short) + len(short):]
    assert gives_quantity(short, text, question, after) is gives


def test_a_title_next_to_its_holders_name() -> None:
    """"who is the children's commissioner": the sentence that names the commissioner next to the
    title, not one that names the title and another person apart."""
    from qa.answers import _appositive

    commissioner = _appositive(("commissioner",))
    assert commissioner.search("A four-month review by the children’s commissioner Eleanor Brazil has concluded")
    assert not commissioner.search("Cabinet member for children, Cllr Dave Evans, added: 'The children's commissioner recognised …'")
    leader = _appositive(("leader",))
    assert leader.search("Council leader, Cllr Abi Brown, said: 'We are fully committed.'")
    assert _appositive(("editor",)).search("Tim Danton, editor of PC Pro, said several products")
    assert not leader.search("The leader of the pack said so.")


class _WordReader(_SpanReader):
    """A stand-in for the reader that, for a question holding ``word``, reads a sentence holding it
    a little more relevant (logit 0.5) than any other (0.0): less than the logit a chat's file
    gains; any other question, by the words it shares with the sentence."""

    def __init__(self, word: str) -> None:
        super().__init__(())
        self.word = word

    def read(self, question, sentences, before, after, titles):
        from embeddings.reader import Reading

        if self.word not in question:  # any other question: the sentence sharing most of its words
            words = set(question.lower().split())
            return [Reading(relevance=0.5, logit=0.1 * len(words & set(t.lower().split())), span=None) for t in sentences]
        return [Reading(relevance=0.5, logit=0.5 if self.word in t else 0.0, span=None) for t in sentences]


def test_a_question_that_names_nothing_new_stays_with_the_file_the_chat_is_on(tmp_path: Path) -> None:
    """"where are the interviews going to end up" after a question on a study of MPs: no pointer
    back, but it names nothing that study's file does not mention, so the file gains
    ``stay_bonus`` and its own sentences are read; a question naming what that file never
    mentions ("where will Kaplan's tapes end up") is asked as if first."""
    _, index, fake = fake_index(tmp_path, {
        "study.txt": "MPs study\n\nWomen MPs face sexist taunts in the Commons, a Birkbeck study shows.\n\n"
        "Some 83 MPs gave 100 hours of taped interviews. The interviews are to be placed in the British Library.\n",
        "studio.txt": "Studio shooting\n\nThe interview at the studio ended when shots were fired outside. "
        "The tapes of the interview will end up with the police, Kaplan said.\n",
    })
    reader = _WordReader("end up")
    first = "what did the birkbeck study of women mps find"
    previous = answer(index, fake, first, AnswerParams(threshold=0.0), reader=reader).leaned_on()
    assert previous is not None and previous.source == "study.txt"
    q = "where are the interviews going to end up"
    alone = answer(index, fake, q, AnswerParams(threshold=0.0), reader=reader)
    assert alone.answers[0].source == "studio.txt"
    chat = answer(index, fake, q, AnswerParams(threshold=0.0), history=[first], reader=reader, previous=previous)
    assert chat.answers[0].source == "study.txt" and any("British Library" in a.text for a in chat.answers)
    off = answer(index, fake, q, AnswerParams(threshold=0.0, stay_bonus=0.0), history=[first], reader=reader, previous=previous)
    assert [a.text for a in off.answers] == [a.text for a in alone.answers]
    named = "where will kaplan's tapes end up"
    switched = answer(index, fake, named, AnswerParams(threshold=0.0), history=[first], reader=reader, previous=previous)
    assert [a.text for a in switched.answers] == [a.text for a in answer(index, fake, named, AnswerParams(threshold=0.0), reader=reader).answers]
