"""Follow-up questions widen the search with the conversation only when they lean on it."""

from __future__ import annotations

import pytest

from qa.followup import contextualise, leans_on_history, resolve_person, resolve_thing, substitute, thread


@pytest.mark.parametrize(
    "question",
    ["What is her other cabinet role?", "What does that job pay?", "How long did her review take?",
     "Which index does his piece mention?", "And then?", "what did they do this year", "what did the band release that summer",
     "who built this", "what's the guy's real name", "how old is that woman"],
)
def test_pointing_questions_lean_on_history(question: str) -> None:
    assert leans_on_history(question)


@pytest.mark.parametrize(
    "question",
    ["Who is the council leader?", "How many new social care posts were created?",
     "Which council is hiring a Business Support Officer?",
     # a time of its own: "this year" points at no earlier turn
     "how fast will india's economy grow this year", "who won the league this season",
     # a man of its own: "the best man", not one the last turn named
     "who was the best man at the royal wedding"],
)
def test_standalone_questions_do_not(question: str) -> None:
    assert not leans_on_history(question)


@pytest.mark.parametrize(
    ("question", "last_turn", "leans"),
    [
        # a thing named with "the" that the last turn's question or answer spoke of
        ("what's the show called", "who replaced john peel on radio 1 Three DJs replace Peel radio show", True),
        ("who runs the hotspots", "how many hotspots will offer free skype calls", True),
        ("Who is the council leader?", "Who leads Stoke-on-Trent City Council?", True),
        # ... and not one it did not, nor a word without "the"
        ("who runs the museum", "how many hotspots will offer free skype calls", False),
        ("how many hotspots are in london", "who runs the hotspots", False),
        ("what's the show called", "", False),
        # ... nor a question that names what it asks about in words of its own
        ("who wrote the stoke article", "who did the review Eleanor Brazil reviewed Stoke-on-Trent's services", False),
        # ... or one word of its own that is a coined name: a new subject (seen in the chat)
        ("who is the author of pytz", "and who started the project The main authors of Faiss are: Hervé Jégou", False),
        ("who is the author of it", "and who started the project The main authors of Faiss are: Hervé Jégou", True),
    ],
)
def test_a_question_that_takes_up_the_last_turns_thing_leans_on_it(question: str, last_turn: str, leans: bool) -> None:
    assert leans_on_history(question, last_turn) is leans


def test_contextualise_adds_the_last_question_only_when_needed() -> None:
    history = ["Who wrote about Wandsworth?", "Who leads Stoke-on-Trent City Council?"]
    assert contextualise("What is her other cabinet role?", history) == (
        "What is her other cabinet role? Who leads Stoke-on-Trent City Council?"
    )
    assert contextualise("Who is the education secretary?", history) == "Who is the education secretary?"
    assert contextualise("What is her role?", []) == "What is her role?"
    assert contextualise("What is her role?", ["", "  "]) == "What is her role?"
    # the last answer counts too: "the show" it spoke of
    peel = ["who replaced john peel on radio 1"]
    assert contextualise("what's the show called", peel) == "what's the show called"
    assert contextualise("what's the show called", peel, last_answer="Three DJs replace Peel radio show") == (
        "what's the show called who replaced john peel on radio 1"
    )


def test_a_follow_up_of_a_follow_up_leans_on_the_question_that_named_the_subject() -> None:
    """"how do i install typer", "what python does it need", "and whats the license": the licence
    asked of is typer's, which only the first question names (it was answered from another
    README's Apache licence); a question that stands alone ends the thread."""
    chat = ["who won the election", "how do i install typer", "what python does it need"]
    assert thread(chat) == ["what python does it need", "how do i install typer"]
    assert contextualise("and whats the license", chat) == (
        "and whats the license what python does it need how do i install typer"
    )
    assert thread(["how do i install typer"]) == ["how do i install typer"]
    assert thread(["what does tzlocal do", "and how", "and why", "and then"]) == ["and then", "and why", "and how"]  # at most 3
    assert thread([]) == [] and contextualise("and whats the license", []) == "and whats the license"


@pytest.mark.parametrize(
    ("question", "history", "span", "read_as"),
    [
        # after "who …?", a person's pronoun is the person the answer named
        ("how old is he", ["who's set to be andy roddick's new coach"], "Dean Goldfine", "how old is Dean Goldfine"),
        ("What is her other cabinet role?", ["Who leads Stoke-on-Trent City Council?"], "Cllr Abi Brown",
         "What is Cllr Abi Brown's other cabinet role?"),
        ("what did they pay her", ["who hired the coach"], "Tom Smith", "what did Tom Smith pay her"),
        ("what did the club pay her?", ["who did the club sign"], "Ann Lee", "what did the club pay Ann Lee?"),
        # left alone: the question named the person itself, or did not ask who
        ("How long did her review take?", ["Who is Eleanor Brazil?"], "Independent", "How long did her review take?"),
        ("how much did they drop by?", ["why did the shares crash"], "Virgin Blue", "how much did they drop by?"),
        # the answer is not a name, or no answer was found
        ("what does he do", ["who introduced him"], "his son Nick", "what does he do"),
        ("what does he do", ["who introduced him"], None, "what does he do"),
        # the answer's name is already in the question asked, or the follow-up stands alone
        ("where does he live", ["who is Ann Lee's coach"], "Ann Lee", "where does he live"),
        ("Who is the council leader?", ["who did the review"], "Eleanor Brazil", "Who is the council leader?"),
    ],
)
def test_resolve_person_reads_a_pronoun_as_the_person_just_named(question, history, span, read_as) -> None:
    assert resolve_person(question, history, span) == read_as


@pytest.mark.parametrize(
    ("question", "history", "read_as"),
    [
        # after "who …?", "it" is the thing the question named (the person is the answer)
        ("how long did it take", ["who did the review"], "how long did the review take"),
        ("how many cameras does it have", ["who set up the wifi network for the pandas at wolong"],
         "how many cameras does the wifi network have"),
        ("where is it based?", ["Who founded the company?"], "where is the company based?"),
        ("what is its budget", ["who runs the council"], "what is the council's budget"),
        # left alone: no "it", no thing named, not after "who", or a question that stands alone
        ("how old is he", ["who did the review"], "how old is he"),
        ("and when does it start", ["who's singing for queen on tour instead of freddie?"], "and when does it start"),
        ("how long did it take", ["what did the review find"], "how long did it take"),
        ("how long did it take", [], "how long did it take"),
    ],
)
def test_resolve_thing_reads_it_as_what_the_who_question_named(question, history, read_as) -> None:
    assert resolve_thing(question, history) == read_as


FILES = {"trafilatura", "sortedcontainers", "typer", "rich", "syrupy"}


@pytest.mark.parametrize(
    "question, history, read_as",
    [
        ("what about sortedcontainers", ["what license is trafilatura under"], "what license is sortedcontainers under"),
        ("and how about typer?", ["which python version does rich need"], "which python version does typer need"),
        ("What about Rich", ["how do i install typer"], "how do i install Rich"),
        # left as asked: X is no file's name, the last question names none or two, or there is none
        ("what about the first one?", ["ocean's 12 takings on its first weekend?"], "what about the first one?"),
        ("what about older versions", ["what license is trafilatura"], "what about older versions"),
        ("what about typer", ["how do i get a progress bar"], "what about typer"),
        ("what about typer", ["is rich faster than syrupy"], "what about typer"),
        ("what about typer", [], "what about typer"),
        ("what about typer and rich", ["what license is syrupy under"], "what about typer and rich"),
        # the last question points at the thing ("it"), which the thread named earlier: X in its place
        ("what about rich", ["how do i install typer", "what python does it need", "and whats the license", "who made it"],
         "who made rich"),
        ("what about rich", ["how do i install typer", "what are its defaults"], "what are rich's defaults"),
        ("what about rich", ["how do i install typer", "who wrote it"][1:], "what about rich"),  # nothing named before
        ("what about typer", ["how do i install typer", "who wrote it"], "what about typer"),  # the same thing
    ],
)
def test_what_about_x_asks_the_last_question_of_x(question: str, history: list[str], read_as: str) -> None:
    assert substitute(question, history, lambda w: w in FILES) == read_as


def test_a_short_question_naming_nothing_carries_on_the_file_the_chat_named() -> None:
    """In a folder of READMEs, "what's the base exception called" after "what's the idna package
    for" and "what python does it need" asks about idna: it names no file, and the thread does.
    Without a way to tell a file's name (a folder whose files are not named for their subjects),
    or where the question names a file itself or says more, it stands alone."""
    files = {"idna", "faiss-cpu", "rich"}
    names = lambda text: any(w in files or f"{w}-cpu" in files for w in text.lower().split())  # noqa: E731
    chat = ["what's the idna package for", "what python does it need"]
    q = "what's the base exception called"
    assert contextualise(q, chat) == q
    assert contextualise(q, chat, names=names) == f"{q} what python does it need what's the idna package for"
    assert contextualise("what's the base exception of rich called", chat, names=names).endswith("called")
    assert contextualise("which exception is raised when a label mixes scripts badly", chat, names=names).endswith("badly")
    assert thread(["what is faiss", "who implemented the gpu part"], names=names) == ["who implemented the gpu part", "what is faiss"]
    assert thread(["what is faiss", "who implemented the gpu part"]) == ["who implemented the gpu part"]
