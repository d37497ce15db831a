"""The question box: Up and Down recall earlier questions, as in a shell; Page Up and Page Down
scroll the conversation above it, as in a chat."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class QuestionInput(Input):
    BINDINGS = [
        Binding("up", "recall(-1)", "Earlier question", show=False),
        Binding("down", "recall(1)", "Later question", show=False),
        Binding("tab,shift+tab", "to_answers", "To the answers", show=False),
        Binding("pageup", "page_log(-1)", "Scroll up", show=False),
        Binding("pagedown", "page_log(1)", "Scroll down", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(
            placeholder="Ask a question about your documents, then press Enter", select_on_focus=False, **kwargs
        )
        self.history: list[str] = []
        self._pos: int | None = None  # index into history while recalling
        self._draft = ""

    def remember(self, question: str) -> None:
        if question and (not self.history or self.history[-1] != question):
            self.history.append(question)
        self._pos = None

    def action_to_answers(self) -> None:
        """Tab goes to the newest question's best answer (not the oldest, as plain Tab would)."""
        for turn in reversed(list(self.screen.query("TurnView"))):
            if turn.cards:
                turn.cards[0].focus()
                return

    def action_page_log(self, pages: int) -> None:
        """Page Up / Page Down while typing: the conversation scrolls, the box keeps the focus."""
        log = self.screen.query_one("#log")
        if pages < 0:
            log.scroll_page_up()
        else:
            log.scroll_page_down()

    def action_recall(self, step: int) -> None:
        if not self.history:
            return
        if self._pos is None:
            if step > 0:
                return
            self._draft = self.value
            pos = len(self.history) - 1
        else:
            pos = self._pos + step
        if pos < 0:
            return
        if pos >= len(self.history):
            self._pos = None
            self.value = self._draft
        else:
            self._pos = pos
            self.value = self.history[pos]
        self.cursor_position = len(self.value)
