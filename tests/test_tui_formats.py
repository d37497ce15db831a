"""The chat on documents of other formats: a PDF answer is cited ``file p.N``, a Markdown or
HTML one with its section, and the source viewer shows the extracted text at the quote."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEmbedder
from test_formats import write_corpus
from test_tui import SIZE, make_app, scenario, settle, static_text

from qa.engine import Engine
from tui.screens import SourceScreen
from tui.screens.source import QUOTE_STYLE
from tui.widgets.answer_card import clipboard_text


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    write_corpus(tmp_path / "corpus", hostile=False)
    fake = FakeEmbedder()
    eng = Engine(corpus=tmp_path / "corpus", root=tmp_path / "index", embedder_factory=lambda name: fake)
    eng.build()
    return eng


async def _ask(pilot, question: str):
    app = pilot.app
    app.chat.question_input.value = question
    await pilot.press("enter")
    await settle(pilot)
    return app.chat.log_view.turns[-1]


@scenario
async def test_a_pdf_answer_shows_its_page_and_opens_the_extracted_text(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await _ask(pilot, "When did Margaret Ross leave the lighthouse?")
        best = turn.cards[0]
        assert best.answer.source == "lighthouse.pdf" and best.answer.page == 2
        meta = static_text(best.query_one(".meta"))
        assert "lighthouse.pdf p.2" in meta and "lighthouse.pdf:" not in meta
        assert clipboard_text(best.answer).endswith("— lighthouse.pdf p.2")
        best.focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SourceScreen)
        title = static_text(screen.query_one("#source-title"))
        assert "lighthouse.pdf p.2" in title and "extracted" in title
        rendered = screen._parts()[1]
        lit = [rendered.plain[s.start : s.end] for s in rendered.spans if str(s.style) == QUOTE_STYLE]
        assert lit == [best.answer.text]


@scenario
async def test_answers_under_headings_show_their_section(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await _ask(pilot, "How much does a fishing permit cost?")
        best = turn.cards[0]
        assert best.answer.source == "guide.md"
        meta = static_text(best.query_one(".meta"))
        assert f"guide.md:{best.answer.line} § Harbour guide > Fishing" in meta
