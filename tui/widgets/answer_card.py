"""One answer: the quote with the question's words highlighted, its citation, score and duplicates."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from qa.highlight import citation, shown_span
from qa.records import Answer
from tui.text import highlighted, one_line, plain
from tui.widgets.question_input import QuestionInput


def cite(answer: Answer) -> str:
    return citation(answer.source, answer.line, answer.page, answer.section)


def clipboard_text(answer: Answer) -> str:
    """What "copy" puts on the clipboard: the quote and where it is from."""
    also = f" (also in {', '.join(answer.also_in)})" if answer.also_in else ""
    return f"“{one_line(answer.text)}” — {cite(answer)}{also}"


class AnswerCard(Widget, can_focus=True):
    """A focusable answer. The best one is shown in full; the others take one line until selected."""

    BINDINGS = [
        Binding("enter", "open", "Open source"),
        Binding("up", "step(-1)", "Previous", show=False),
        Binding("down", "step(1)", "Next", show=False),
        Binding("escape", "leave", "To input", show=False),
    ]

    @dataclass
    class Opened(Message):
        """The user selected this answer (Enter or a click): show it in its source."""

        answer: Answer
        question: str

    def __init__(self, answer: Answer, question: str, rank: int, best: bool = False) -> None:
        # "10. " is a column wider than "9. ": its citation lines up under its own quote
        super().__init__(classes="-best" if best else ("-compact -wide" if rank >= 10 else "-compact"))
        self.answer = answer
        self.question = question
        self.rank = rank
        self.best = best
        self._typing = False  # keys typed here are on their way to the question box

    def on_mount(self) -> None:
        if self.best:
            self.border_title = "Best answer"

    def compose(self) -> ComposeResult:
        yield Static(self._quote(), classes="quote", markup=False)
        yield Static(self._meta(), classes="meta", markup=False)

    def _quote(self) -> Text:
        a = self.answer
        span = None if a.span is None else (a.span[0] - a.start, a.span[1] - a.start)
        text, span = shown_span(a.text, span)  # a README as its page shows it
        quote = highlighted(text, self.question)
        if span is not None:  # the reader's short answer ("£5.5m") inside the quote
            quote.stylize("bold reverse", *span)
        prefix = Text("" if self.best else f"{self.rank}. ", style="bold")
        return Text.assemble(prefix, "“", quote, "”")

    def _meta(self) -> Text:
        meta = Text.assemble(plain(cite(self.answer), "bold"), f"  score {self.answer.score:.2f}")
        if self.answer.also_in:
            meta.append("  also in ")
            meta.append(plain(", ".join(self.answer.also_in), "italic"))
        return meta

    @property
    def expanded(self) -> bool:
        return self.best or self.has_class("-expanded")

    def _expand(self, expanded: bool) -> None:
        if not self.best:
            self.set_class(expanded, "-expanded")
            self.query_one(".quote").refresh(layout=True)

    def on_focus(self) -> None:
        self._typing = False
        self._expand(True)  # the selected answer shows its whole quote

    def on_blur(self) -> None:
        self._expand(False)

    def action_open(self) -> None:
        self.post_message(self.Opened(self.answer, self.question))

    def action_step(self, step: int) -> None:
        cards = list(self.screen.query(AnswerCard))
        i = cards.index(self) + step
        if 0 <= i < len(cards):
            cards[i].focus()
        elif i >= len(cards):
            self.action_leave()

    def action_leave(self) -> None:
        self.screen.query_one(QuestionInput).focus()

    async def on_key(self, event: events.Key) -> None:
        """Typing on an answer goes to the question box: a new question can start anywhere.

        Focus moves on the next refresh, so keys already typed (a fast typist, a paste) are
        passed on here too, Enter and Backspace included.
        """
        typing = event.is_printable and event.character and (self._typing or event.character not in "?")
        if not (typing or (self._typing and event.key in ("enter", "backspace"))):
            return
        event.stop()
        event.prevent_default()
        box = self.screen.query_one(QuestionInput)
        self._typing = True
        box.focus()
        if event.key == "enter":
            await box.action_submit()
        elif event.key == "backspace":
            box.action_delete_left()
        else:
            box.insert_text_at_cursor(event.character)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.focus()
        self.action_open()
