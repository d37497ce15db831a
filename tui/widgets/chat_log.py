"""The conversation: each question with its answer cards, newest at the bottom."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from qa.records import Result
from tui.text import plain
from tui.widgets.answer_card import AnswerCard


class TurnView(Vertical):
    """A question and, once it is answered, its answers (or why there are none)."""

    def __init__(self, key: int, question: str, result: Result | None = None, waiting: str = "Searching…") -> None:
        super().__init__(classes="turn")
        self.key = key
        self.question = question
        self.result = result
        self.waiting = waiting

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("❯ ", "bold"), plain(self.question)), classes="question", markup=False)
        if self.result is None:
            yield Static(Text(self.waiting), classes="pending", markup=False)
        else:
            yield from self._answers(self.result)

    def _answers(self, result: Result) -> ComposeResult:
        answers = list(result.answers)
        if result.read_as:  # a mistyped word read as the corpus's (qa.spelling)
            yield Static(Text.assemble("Read as “", plain(result.read_as), "”."), classes="note", markup=False)
        if result.asked_nothing:  # "thanks!": nothing was searched
            yield Static(Text(result.why_declined()), classes="note", markup=False)
        elif not result.answered:
            yield Static(Text("Not found in the corpus."), classes="not-found", markup=False)
            if answers:
                why = result.why_declined()
                yield Static(Text((f"{why} " if why else "") + "The nearest passages, for you to judge:"), classes="note", markup=False)
        for rank, answer in enumerate(answers, 1):
            yield AnswerCard(answer, result.read_as or result.question, rank, best=result.answered and rank == 1)

    @property
    def cards(self) -> list[AnswerCard]:
        return list(self.query(AnswerCard))

    def set_waiting(self, text: str) -> None:
        for pending in self.query(".pending"):
            pending.update(Text(text))

    async def show_result(self, result: Result) -> None:
        self.result = result
        await self.query(".pending").remove()
        await self.mount_all(list(self._answers(result)))

    async def show_error(self, error: str) -> None:
        await self.query(".pending").remove()
        await self.mount(Static(Text.assemble("Could not answer: ", plain(error)), classes="error", markup=False))


class ChatLog(VerticalScroll, can_focus=False):
    """Scrollable turns; a short welcome while the conversation is empty."""

    def __init__(self, corpus: str) -> None:
        super().__init__(id="log")
        self.corpus = corpus

    def compose(self) -> ComposeResult:
        yield Static(self._welcome(), id="welcome", markup=False)

    def _welcome(self) -> Text:
        return Text.assemble(
            ("Ask a question about the documents in ", ""), plain(self.corpus, "bold"), (".\n", ""),
            "Answers are quotes from the files, each with its file and line. ",
            "Enter or a click on an answer shows it in its file.\nF1 lists the keys.",
        )

    @property
    def turns(self) -> list[TurnView]:
        return list(self.query(TurnView))

    def turn(self, key: int) -> TurnView | None:
        for view in self.query(TurnView):
            if view.key == key:
                return view
        return None

    async def add_turn(self, view: TurnView) -> TurnView:
        await self.add_turns([view])
        return view

    async def add_turns(self, views: list[TurnView]) -> None:
        if views:
            self.query_one("#welcome").display = False
            await self.mount_all(views)
        self.anchor()  # stay at the bottom while answers arrive, until the user scrolls

    async def clear(self) -> None:
        await self.query(TurnView).remove()
        self.query_one("#welcome").display = True
