"""Follow-up questions widen the search with the conversation only when they lean on it."""

from __future__ import annotations

import pytest

from qa.followup import contextualise, leans_on_history


@pytest.mark.parametrize(
    "question",
    ["What is her other cabinet role?", "What does that job pay?", "How long did her review take?",
     "Which index does his piece mention?", "And then?"],
)
def test_pointing_questions_lean_on_history(question: str) -> None:
    assert leans_on_history(question)


@pytest.mark.parametrize(
    "question",
    ["Who is the council leader?", "How many new social care posts were created?",
     "Which council is hiring a Business Support Officer?"],
)
def test_standalone_questions_do_not(question: str) -> None:
    assert not leans_on_history(question)


def test_contextualise_adds_the_last_question_only_when_needed() -> None:
    history = ["Who wrote about Wandsworth?", "Who leads Stoke-on-Trent City Council?"]
    assert contextualise("What is her other cabinet role?", history) == (
        "What is her other cabinet role? Who leads Stoke-on-Trent City Council?"
    )
    assert contextualise("Who is the council leader?", history) == "Who is the council leader?"
    assert contextualise("What is her role?", []) == "What is her role?"
    assert contextualise("What is her role?", ["", "  "]) == "What is her role?"
