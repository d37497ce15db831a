"""The conversation store: turns saved with their answers, read back, exported to Markdown."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from qa.conversation import (
    ConversationError,
    ConversationStore,
    result_from_json,
    to_markdown,
)
from qa.highlight import citation, match_spans
from qa.records import Answer, Result

BEST = Answer(
    text="Ofsted rated the council's children's services ‘inadequate' earlier this year, prompting the "
         "council to invest £5.5m into more than 130 new social care posts.",
    source="004_35f636869249a112.txt", start=812, end=958, line=11, page=None, score=0.65,
    context="…", also_in=("000_b63f73518fb0b647.txt",),
)
OTHER = Answer(text="Mr Williamson's direction said that", source="a/b.txt", start=1, end=36, line=2,
               page=3, score=0.1, context="…")
ANSWERED = Result("How much did the council invest?", True, (BEST, OTHER))
NOT_FOUND = Result("What is the capital of Australia?", False, (OTHER,))


def test_result_round_trips_through_json() -> None:
    for result in (ANSWERED, NOT_FOUND, Result("q", False)):
        assert result_from_json(result.to_json()) == result


def test_turns_are_saved_and_the_latest_conversation_comes_back(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "deep" / "conversations.sqlite", now=lambda: 1000.0)
    assert store.latest() is None
    assert not store.path.exists()  # reading creates nothing
    first = store.add(None, ANSWERED)
    assert store.add(first, NOT_FOUND) == first
    conversation = store.latest()
    assert conversation is not None and conversation.id == first
    assert conversation.questions == [ANSWERED.question, NOT_FOUND.question]
    assert [t.result for t in conversation.turns] == [ANSWERED, NOT_FOUND]
    assert conversation.turns[0].asked_at == 1000.0
    assert [t.question for t in store.latest(max_turns=1).turns] == [NOT_FOUND.question]

    second = store.new()
    assert second != first
    assert store.latest().id == second and store.latest().turns == ()
    assert store.load(first).questions == conversation.questions
    with pytest.raises(ConversationError):
        store.load(999)


def test_a_turn_for_a_vanished_conversation_starts_a_new_one(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite")
    new_id = store.add(42, ANSWERED)
    assert store.load(new_id).questions == [ANSWERED.question]


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConversationError, match="c.sqlite"):
        ConversationStore(path).latest()


def test_markdown_export_has_questions_quotes_and_citations(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite", now=lambda: 0.0)
    cid = store.add(None, ANSWERED)
    store.add(cid, NOT_FOUND)
    md = to_markdown(store.load(cid), corpus="corpus")
    assert md.startswith("# qa conversation\n")
    assert "## 1. How much did the council invest?" in md
    assert f"> {BEST.text}" in md
    assert "`004_35f636869249a112.txt:11` · score 0.65 · also in `000_b63f73518fb0b647.txt`" in md
    assert "2. “Mr Williamson's direction said that” — `a/b.txt p.3`" in md
    assert "## 2. What is the capital of Australia?" in md
    assert "**Not found in the corpus.** The nearest passages:" in md
    assert "corpus `corpus`" in md
    assert "Read as" not in md


def test_markdown_export_and_the_store_keep_how_a_question_was_read(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite", now=lambda: 0.0)
    typed = dataclasses.replace(ANSWERED, question="How much did the councl invest?",
                                read_as="How much did the council invest?")
    cid = store.add(None, typed)
    assert store.load(cid).turns[0].result.read_as == "How much did the council invest?"
    md = to_markdown(store.load(cid))
    assert "## 1. How much did the councl invest?\n\n_Read as “How much did the council invest?”._" in md


def test_citation_names_the_page_when_there_is_one() -> None:
    assert citation("a.txt", 9) == "a.txt:9"
    assert citation("a.pdf", 9, page=2) == "a.pdf p.2"
    assert citation("a.md", 9, section="Install > Linux") == "a.md:9 § Install > Linux"


def test_highlight_spans_are_the_question_words_by_stem() -> None:
    text = "The council invested £5.5m into new social-care posts; the Council agreed."
    words = [text[a:b] for a, b in match_spans("How much did the council invest in social care?", text)]
    assert words == ["council", "invested", "social", "care", "Council"]
    assert match_spans("", text) == [] and match_spans("what is it?", text) == []
    assert match_spans("council", "") == []
