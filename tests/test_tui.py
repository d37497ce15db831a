"""The chat, driven as a user drives it (``App.run_test`` and ``Pilot``), over the fake embedder.

One index is built per session and cloned (corpus and index together, modification times
kept) into each test's own folder, so a test can add files and rebuild.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import shutil
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import BUNDLED_CORPUS, INVEST_Q, UNANSWERABLE_Q, FakeEmbedder, bridge_files

from qa.answers import AnswerParams
from qa.engine import Engine
from qa.errors import QAError
from tui.app import QAApp, create_app
from tui.screens import ChatScreen, HelpScreen, SourceScreen
from tui.screens.source import QUOTE_STYLE
from tui.widgets import TurnView
from tui.widgets.answer_card import clipboard_text

SIZE = (120, 40)
SALARY_Q = "What is the salary for the Property and Projects Lawyer?"  # cited deep in its file


@dataclass
class Built:
    corpus: Path
    index: Path


def build_sample(base: Path) -> Built:
    """The bundled corpus and its index built with the fake embedder, under ``base``."""
    corpus = base / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    fake = FakeEmbedder()
    Engine(corpus=corpus, root=base / "index", embedder_factory=lambda name: fake).build()
    return Built(corpus, base / "index")


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("tui-index"))


def clone(built: Built, dst: Path) -> tuple[Path, Path]:
    corpus, index = dst / "corpus", dst / "index"
    shutil.copytree(built.corpus, corpus)
    shutil.copytree(built.index, index)
    return corpus, index


def make_engine(corpus: Path, index: Path, embedder: FakeEmbedder | None = None) -> Engine:
    fake = embedder or FakeEmbedder()
    return Engine(corpus=corpus, root=index, embedder_factory=lambda name: fake)


def engine_over(tmp_path: Path, files: dict[str, str]) -> Engine:
    """An engine over a corpus of ``files`` (name -> text), built with the fake embedder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    engine = make_engine(corpus, tmp_path / "index")
    engine.build()
    return engine


@pytest.fixture
def engine(built_index: Built, tmp_path: Path) -> Engine:
    return make_engine(*clone(built_index, tmp_path))


def make_app(engine: Engine, tmp_path: Path, **kwargs) -> QAApp:
    return create_app(engine, export_dir=tmp_path, status_every=None, **kwargs)


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def ask(pilot, question: str) -> TurnView:
    app: QAApp = pilot.app
    app.chat.question_input.value = question
    await pilot.press("enter")
    await settle(pilot)
    return app.chat.log_view.turns[-1]


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    # which wait, and where the app stood: a timing failure under load says what it was waiting for
    try:
        waited = inspect.getsource(condition).strip()
    except (OSError, TypeError):
        waited = repr(condition)
    app = pilot.app
    state = {name: getattr(app, name, None) for name in ("building", "auto_building", "rebuild_again", "load_error")}
    ready = getattr(app, "ready", None)
    state["ready"] = ready.is_set() if ready is not None else None
    workers = [f"{w.group}:{w.state.name}" for w in app.workers]
    raise AssertionError(f"timed out after {timeout} s waiting for: {waited}; app {state}; workers {workers}")


def scenario(test):
    """Run an async test body in its own event loop (no async plugin needed)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


def static_text(widget) -> str:
    return str(widget.render())


# ---------------------------------------------------------------- asking


@scenario
async def test_a_typed_question_gets_answer_cards_with_citations(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, type(app.chat.question_input))  # ready to type
        await pilot.press(*"How much did the council invest?", "enter")  # key by key, as a person types
        await settle(pilot)
        turn = app.chat.log_view.turns[-1]
        assert static_text(turn.query_one(".question")) == "❯ How much did the council invest?"
        best, *others = turn.cards
        assert best.best and best.has_class("-best") and others and all(c.has_class("-compact") for c in others)
        assert "£5.5m" in best.answer.text and "130 new social care posts" in best.answer.text
        meta = static_text(best.query_one(".meta"))
        cite = f"{best.answer.source}:{best.answer.line}"
        assert cite in meta and f"score {best.answer.score:.2f}" in meta
        assert f"also in {best.answer.also_in[0]}" in meta
        quote = best._quote()
        lit = {quote.plain[s.start : s.end] for s in quote.spans if "underline" in str(s.style)}
        assert lit == {"invest", "council"}
        assert app.chat.status_bar.state == "ready"
        await ask(pilot, INVEST_Q)
        turns = app.chat.log_view.turns
        log = app.chat.log_view
        assert len(turns) == 2 and log.scroll_y == log.max_scroll_y  # the newest at the bottom, in view


@scenario
async def test_a_compact_answer_expands_while_selected(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, INVEST_Q)
        card = turn.cards[1]
        assert card.query_one(".quote").size.height == 1 and not card.expanded
        await pilot.press("tab", "down")
        assert app.focused is card
        await pilot.pause()
        assert card.expanded and card.query_one(".quote").size.height > 1
        await pilot.press("down")
        await pilot.pause()
        assert not card.expanded and card.query_one(".quote").size.height == 1


@scenario
async def test_the_window_is_usable_while_the_model_loads(engine: Engine, tmp_path: Path) -> None:
    """A question typed before the model is ready waits in the worker; the UI keeps answering keys."""
    gate = threading.Event()
    fake = FakeEmbedder()

    def slow_model(name: str) -> FakeEmbedder:
        gate.wait(10)
        return fake

    engine.embedder_factory = slow_model
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.ready.is_set()
        app.chat.question_input.value = INVEST_Q
        await pilot.press("enter")
        turn = app.chat.log_view.turns[-1]
        assert "Waiting for the model" in static_text(turn.query_one(".pending"))
        await pilot.press("f1")  # the app still reacts
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        gate.set()
        await settle(pilot)
        assert turn.cards and turn.cards[0].best


@scenario
async def test_not_found_is_shown_plainly_with_the_nearest_passages(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, UNANSWERABLE_Q)
        assert static_text(turn.query_one(".not-found")) == "Not found in the corpus."
        assert "nearest passages" in static_text(turn.query_one(".note"))
        assert turn.cards and not any(c.best for c in turn.cards)


@scenario
async def test_not_found_says_which_name_the_best_passage_lacks(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {
        "games.txt": "The tournament winner will get prize money of $150,000.",
        "tennis.txt": "Serena Williams, who is also in Dubai, said women deserve the same.",
    })
    app = make_app(engine, tmp_path, params=AnswerParams(reader=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, "how much prize money does the dubai winner get")
        assert static_text(turn.query_one(".not-found")) == "Not found in the corpus."
        assert static_text(turn.query_one(".note")).startswith("The best passage's file never mentions \u201cdubai\u201d.")
        assert turn.cards and turn.cards[0].answer.source == "games.txt"


@pytest.mark.parametrize(
    ("name", "text", "question", "note"),
    [
        ("tennis.txt", "Roche turns down Federer offer\n\nRoche turned down the offer from Federer.",
         "how much did federer offer roche", "The best passage gives no number or amount"),
        ("stoke.txt", "A review of children's services in Stoke by the children's commissioner Eleanor Brazil has concluded.",
         "who is the director of children's services in stoke", "The best passage names no director."),
        ("stoke.txt", "Ofsted rated the city council's children's services inadequate earlier this year.",
         "which party controls the city council", "The best passage names no party."),
    ],
)
@scenario
async def test_not_found_says_what_the_best_passage_does_not_give(tmp_path: Path, name: str, text: str,
                                                                  question: str, note: str) -> None:
    engine = engine_over(tmp_path, {name: text})
    app = make_app(engine, tmp_path, params=AnswerParams(reader=False, threshold=0.0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, question)
        assert static_text(turn.query_one(".not-found")) == "Not found in the corpus."
        assert static_text(turn.query_one(".note")).startswith(note)
        assert turn.cards and turn.cards[0].answer.source == name
        assert turn.cards[0].answer in app.last_answers.values()  # a follow-up still leans on it


@scenario
async def test_thanks_is_no_question_and_the_next_follow_up_leans_on_the_turn_before(engine: Engine, tmp_path: Path) -> None:
    """"thanks!" between two turns: a note, no passages, nothing searched; the follow-up after it
    still leans on the answer before it."""
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await ask(pilot, INVEST_Q)
        leaned = first.cards[0].answer
        thanks = await ask(pilot, "thanks!")
        assert static_text(thanks.query_one(".note")) == "Nothing to look up there: ask a question about the documents."
        assert not thanks.cards and not thanks.query(".not-found")
        assert app.last_answers[app.conversation] == leaned


@scenario
async def test_a_mistyped_word_is_shown_as_it_was_read(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {"stoke.txt": "The review by the commissioner Eleanor Brazil has concluded."})
    app = make_app(engine, tmp_path, params=AnswerParams(reader=False, threshold=0.0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, "who is elenor brazil")
        assert static_text(turn.query(".note").first()) == "Read as \u201cwho is eleanor brazil\u201d."
        assert turn.cards and "Eleanor Brazil" in turn.cards[0].answer.text


@scenario
async def test_a_statement_lists_ten_files_each_citation_under_its_quote(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, bridge_files())
    app = make_app(engine, tmp_path, params=AnswerParams(reader=False, threshold=0.0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, "The harbour bridge was painted green by the city crews.")
        cards = turn.cards
        assert len(cards) == 10 and len({c.answer.source for c in cards}) == 10
        ninth, tenth = cards[8], cards[9]
        assert static_text(tenth.query_one(".quote")).startswith("10. \u201c")
        # "10. " is a column wider than "9. ": each citation starts under its own quote
        nine_x, ten_x = ninth.query_one(".meta").content_region.x, tenth.query_one(".meta").content_region.x
        assert ten_x == nine_x + 1


@scenario
async def test_answer_params_reach_the_engine(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path, params=AnswerParams(k=2, threshold=1.0, reader_threshold=1.0))  # nothing clears 1.0
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, INVEST_Q)
        assert turn.query(".not-found") and len(turn.cards) == 2


@scenario
async def test_a_follow_up_is_answered_in_the_context_of_the_conversation(tmp_path: Path, real_embedder) -> None:
    # the real model: which quote answers depends on it (with the fake embedder the first turn's
    # answer was Gavin Williamson's sentence, and the follow-up leaned on that)
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    engine = Engine(corpus=corpus, root=tmp_path / "index", embedder_factory=lambda name: real_embedder)
    engine.build()
    calls = []
    real_ask = engine.ask

    def recording_ask(question, **kwargs):
        calls.append((question, tuple(kwargs.get("history", ()))))
        return real_ask(question, **kwargs)

    engine.ask = recording_ask
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, "Who leads Stoke-on-Trent City Council?")
        turn = await ask(pilot, "What is her other cabinet role?")
        assert calls[-1] == ("What is her other cabinet role?", ("Who leads Stoke-on-Trent City Council?",))
        best = turn.cards[0]
        assert best.best and "corporate resources, strategy and partnerships" in best.answer.text
        await pilot.press("ctrl+n")  # a new conversation: follow-ups start afresh
        await ask(pilot, "What is her other cabinet role?")
        assert calls[-1] == ("What is her other cabinet role?", ())


# ---------------------------------------------------------------- the source viewer


@scenario
async def test_enter_on_an_answer_opens_its_file_at_the_quote(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, SALARY_Q)
        best = turn.cards[0]
        best.focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SourceScreen)
        answer = best.answer
        assert f"{answer.source}:{answer.line}" in static_text(screen.query_one("#source-title"))
        cited = screen.query_one("#cited")
        rendered = screen._parts()[1]
        highlighted = [rendered.plain[s.start : s.end] for s in rendered.spans if str(s.style) == QUOTE_STYLE]
        assert highlighted == [answer.text]
        document = screen.query_one("#document")
        await wait_until(pilot, lambda: document.scroll_y > 0)
        top = cited.virtual_region.y - document.scroll_y
        assert 0 <= top < document.size.height  # the cited line is on screen
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


@scenario
async def test_a_click_on_an_answer_opens_its_file(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, INVEST_Q)
        third = turn.cards[2]
        await pilot.click(third)
        await pilot.pause()
        assert isinstance(app.screen, SourceScreen) and app.screen.answer == third.answer
        assert app.screen.span == (third.answer.start, third.answer.end) and app.screen.note is None


@scenario
async def test_a_quote_that_moved_in_a_changed_file_is_found_again(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, INVEST_Q)
        answer = turn.cards[0].answer
        path = engine.corpus / answer.source
        path.write_text("A new first line.\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        await pilot.press("ctrl+r")
        await settle(pilot)
        turn.cards[0].focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SourceScreen)
        assert screen.span == (answer.start + 18, answer.end + 18) and "changed" in screen.note


# ---------------------------------------------------------------- rebuild


class GatedEmbedder(FakeEmbedder):
    """Blocks a build's batch (more than one text) until released; questions (one text) pass."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def encode(self, texts, progress=None):
        if len(texts) > 1 and not self.release.is_set():
            self.entered.set()
            self.release.wait(10)
        return super().encode(texts, progress)


@scenario
async def test_rebuild_shows_progress_and_a_summary_while_the_chat_keeps_working(
    built_index: Built, tmp_path: Path
) -> None:
    corpus, index = clone(built_index, tmp_path)
    fake = GatedEmbedder()
    engine = make_engine(corpus, index, fake)
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.chat.status_bar.info.files == 2 and not app.chat.status_bar.info.stale
        (corpus / "new.md").write_text(
            "# Harbour\n\nThe harbour master ordered seventeen new tugboats in March.\n", encoding="utf-8"
        )
        app.check_status()
        await settle(pilot)
        assert app.chat.status_bar.info.stale and app.chat.status_bar.info.changes == 1
        assert "stale (1 file changed: ctrl+r)" in str(app.chat.status_bar._where())

        stages = []
        panel = app.chat.build_panel
        original = panel.progress
        panel.progress = lambda stage, done, total: (stages.append((stage, done, total)), original(stage, done, total))
        fake.release.clear()
        await pilot.press("ctrl+r")
        await wait_until(pilot, fake.entered.is_set)
        await pilot.pause()
        assert panel.display and app.building and app.chat.status_bar.state == "rebuilding…"

        # the chat keeps answering from the old index meanwhile
        app.chat.question_input.value = INVEST_Q
        await pilot.press("enter")
        turn = app.chat.log_view.turns[-1]
        await wait_until(pilot, lambda: bool(turn.cards))
        assert app.building

        fake.release.set()
        await settle(pilot)
        assert not panel.display and not app.building
        assert ("read", 1, 1) in stages and ("index", 1, 1) in stages
        embeds = [s for s in stages if s[0] == "embed"]
        assert embeds and embeds[-1][1] == embeds[-1][2] > 0
        messages = [n.message for n in app._notifications]
        assert any("1 added, 0 changed, 0 removed, 2 unchanged" in m for m in messages), messages
        info = app.chat.status_bar.info
        assert info.files == 3 and not info.stale
        turn = await ask(pilot, "How many tugboats did the harbour master order?")
        assert turn.cards[0].answer.source == "new.md"


@scenario
async def test_a_first_start_without_an_index_builds_it_in_the_background(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    engine = make_engine(corpus, tmp_path / "index")
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.chat.question_input.value = INVEST_Q
        await pilot.press("enter")
        await settle(pilot)
        assert engine.has_index()
        assert app.chat.log_view.turns[-1].cards[0].best
        assert app.chat.status_bar.info.files == 2


# ---------------------------------------------------------------- conversations


@scenario
async def test_the_conversation_comes_back_on_the_next_start(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await ask(pilot, "Who leads Stoke-on-Trent City Council?")
        answer = first.cards[0].answer
        await ask(pilot, "What is her other cabinet role?")
    assert (engine.root / "conversations.sqlite").is_file()

    again = make_app(make_engine(engine.corpus, engine.root), tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turns = again.chat.log_view.turns
        assert [t.question for t in turns] == ["Who leads Stoke-on-Trent City Council?", "What is her other cabinet role?"]
        assert turns[0].cards[0].answer == replace(answer, score=round(answer.score, 4)) and turns[0].cards[0].best
        assert again.questions == [t.question for t in turns]  # follow-ups lean on the restored turns
        await pilot.press("up")
        assert again.chat.question_input.value == "What is her other cabinet role?"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert again.chat.log_view.turns == []

    third = make_app(make_engine(engine.corpus, engine.root), tmp_path)
    async with third.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert third.chat.log_view.turns == []  # the new (empty) conversation is the latest


@scenario
async def test_an_unusable_conversation_file_is_said_once_and_the_chat_goes_on(engine: Engine, tmp_path: Path) -> None:
    (engine.root / "conversations.sqlite").write_bytes(b"not a database" * 100)
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, INVEST_Q)
        turn = await ask(pilot, "What is her other cabinet role?")
        assert turn.cards
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1 and "will not be kept" in warnings[0].message


@scenario
async def test_export_writes_markdown_with_citations(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    app = create_app(engine, export_dir=out, status_every=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        assert not list(out.iterdir())  # nothing to export yet: a notification says so
        turn = await ask(pilot, INVEST_Q)
        await pilot.press("ctrl+s")
        (path,) = out.iterdir()
        md = path.read_text(encoding="utf-8")
        best = turn.cards[0].answer
        assert f"## 1. {INVEST_Q}" in md
        assert f"`{best.source}:{best.line}`" in md and "£5.5m" in md


# ---------------------------------------------------------------- keys


@scenario
async def test_up_and_down_recall_earlier_questions(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, "first question")
        await ask(pilot, "second question")
        box = app.chat.question_input
        await pilot.press(*"draft")
        await pilot.press("up")
        assert box.value == "second question"
        await pilot.press("up", "up")
        assert box.value == "first question"
        await pilot.press("down")
        assert box.value == "second question"
        await pilot.press("down")
        assert box.value == "draft"


@scenario
async def test_page_up_and_down_scroll_the_conversation_while_typing(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for question in ("first question", "second question", INVEST_Q):
            await ask(pilot, question)
        log, box = app.chat.log_view, app.chat.question_input
        await pilot.press(*"draft")
        bottom = log.max_scroll_y
        assert bottom > 0 and log.scroll_y == bottom
        await pilot.press("pageup")
        await wait_until(pilot, lambda: log.scroll_y < bottom)
        assert app.focused is box and box.value == "draft"  # still typing where it was
        await pilot.press("pagedown", "pagedown", "pagedown")
        await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y)
        assert app.focused is box


@scenario
async def test_copy_puts_the_answer_and_its_citation_on_the_clipboard(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, INVEST_Q)
        await pilot.press("ctrl+y")  # from the question box: the latest best answer
        best = turn.cards[0].answer
        assert app.clipboard == clipboard_text(best)
        assert app.clipboard.startswith("“Ofsted rated") and f"— {best.source}:{best.line}" in app.clipboard
        await pilot.press("tab", "down")  # Tab: the best answer; Down: the next one
        assert app.focused is turn.cards[1]
        await pilot.press("ctrl+y")
        assert app.clipboard == clipboard_text(turn.cards[1].answer)
        turn.cards[2].focus()
        await pilot.press("enter", "c")  # in the source viewer, c copies too
        assert isinstance(app.screen, SourceScreen) and app.clipboard == clipboard_text(turn.cards[2].answer)
        await pilot.press("escape")
        assert app.focused is turn.cards[2]
        await pilot.press("escape")
        assert app.focused is app.chat.question_input
        turn.cards[0].focus()
        await pilot.pause()
        # typing on an answer starts a question, even keys that arrive before the focus moves
        await pilot.press("w", "h", "y", "space", "question_mark", "backspace", "question_mark")
        assert app.focused is app.chat.question_input and app.chat.question_input.value == "why ?"
        await pilot.press("enter")
        assert app.chat.log_view.turns[-1].question == "why ?"


@scenario
async def test_help_opens_on_f1_and_question_mark_but_questions_can_end_in_one(
    engine: Engine, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("w", "h", "o", "question_mark")
        assert app.chat.question_input.value == "who?" and isinstance(app.screen, ChatScreen)
        await ask(pilot, INVEST_Q)
        app.chat.log_view.turns[-1].cards[0].focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


@scenario
async def test_the_command_palette_lists_the_actions(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Rebuild the index", "New conversation", "Export the conversation", "Copy the answer", "Help"):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"new conv")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert any("New conversation" in n.message for n in app._notifications)


@scenario
async def test_ctrl_q_quits(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


# ---------------------------------------------------------------- errors and untrusted text


@scenario
async def test_errors_become_notifications_not_crashes(engine: Engine, tmp_path: Path) -> None:
    def failing_ask(question, **kwargs):
        if "damaged" in question:
            raise QAError("the index is damaged; run `qa index --full`")
        if "name" in question:
            raise QAError("cannot read [b]x\x1b[31m.txt[/b]")
        raise RuntimeError("bug")

    engine.ask = failing_ask
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, "damaged?")
        assert "Could not answer: the index is damaged" in static_text(turn.query_one(".error"))
        turn = await ask(pilot, "anything else")
        assert "internal error: RuntimeError: bug" in static_text(turn.query_one(".error"))
        turn = await ask(pilot, "a file name")
        assert "cannot read [b]x␛[31m.txt[/b]" in static_text(turn.query_one(".error"))
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 3 and app.is_running
        assert errors[-1].message == "cannot read [b]x␛[31m.txt[/b]" and not errors[-1].markup


@scenario
async def test_a_damaged_index_is_reported_and_a_rebuild_repairs_it(engine: Engine, tmp_path: Path) -> None:
    current = (engine.root / "CURRENT").read_text(encoding="utf-8").strip()
    (engine.root / current / "meta.json").write_text('{"format": 1, "files": [', encoding="utf-8")
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.load_error and "qa index --full" in app.load_error
        assert any("damaged" in n.message for n in app._notifications)
        turn = await ask(pilot, INVEST_Q)
        assert turn.query(".error")
        await pilot.press("ctrl+r")
        await settle(pilot)
        turn = await ask(pilot, INVEST_Q)
        assert turn.cards and turn.cards[0].best


@scenario
async def test_markup_and_escapes_in_a_document_are_shown_literally(engine: Engine, tmp_path: Path) -> None:
    nasty = "The [bold red]zebra[/] keeper said [link=https://x.test]click[/link] \x1b[31mred\x1b[0m twice.\n"
    (engine.corpus / "nasty.txt").write_text(nasty, encoding="utf-8")
    engine.build()
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await ask(pilot, "What did the [b]zebra[/b] keeper say?")
        assert static_text(turn.query_one(".question")) == "❯ What did the [b]zebra[/b] keeper say?"
        card = next(c for c in turn.cards if c.answer.source == "nasty.txt")
        shown = static_text(card.query_one(".quote"))
        assert "[bold red]zebra[/]" in shown and "[link=https://x.test]click[/link]" in shown
        assert "\x1b" not in shown and "␛[31mred␛[0m" in shown
        card.focus()
        await pilot.press("enter")
        await pilot.pause()
        cited = static_text(app.screen.query_one("#cited"))
        assert "[bold red]zebra[/]" in cited and "\x1b" not in cited


def test_the_tui_modules_stay_small() -> None:
    root = Path(__file__).resolve().parent.parent / "tui"
    for path in root.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path



def test_qa_tui_takes_the_corpus_options() -> None:
    from click.testing import CliRunner

    from qa.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["tui", "--help"])
    assert result.exit_code == 0 and "--corpus" in result.output and "--index" in result.output
    missing = runner.invoke(main, ["tui", "--corpus", "/nonexistent/qa-corpus"])
    assert missing.exit_code == 2 and "corpus folder not found" in missing.output


def test_the_status_bar_keeps_what_it_is_told_before_it_is_drawn() -> None:
    # an index change or a state can arrive from a worker before the bar is composed, or while the
    # app closes: it is kept (and drawn once the bar is), never an error on a missing part
    from tui.messages import IndexInfo
    from tui.widgets.status_bar import StatusBar

    bar = StatusBar("corpus", now=lambda: 1000.0)
    bar.show(IndexInfo(files=3, chunks=32, built_at=990.0, stale=True, changes=1, indexed=True))
    bar.set_state("ready")
    assert bar.state == "ready" and bar.info.files == 3 and bar.has_class("-stale")
    assert "3 files, 32 chunks" in bar._where().plain and "stale (1 file changed" in bar._where().plain
    # the build panel likewise takes a build's progress without its parts
    from tui.widgets.build_panel import BuildPanel

    panel = BuildPanel()
    panel.start(first=True)
    panel.progress("embed", 3, 10)
    assert panel.display
