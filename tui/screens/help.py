"""The keys, on F1 or ?."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("Enter", "ask the question in the box"),
    ("Up / Down", "in the box: earlier questions; on answers: the previous / next one, shown in full"),
    ("Page Up / Page Down", "scroll the conversation (also while typing in the box)"),
    ("Tab", "from the box: to the newest best answer; then on through the answers"),
    ("Escape, typing", "on an answer: back to the box"),
    ("Enter, click", "on an answer: open its file at the quote (Escape comes back)"),
    ("Ctrl+Y", "copy the selected answer (or the latest best one) with its citation"),
    ("Ctrl+R", "rebuild the index: only new and changed files are read again"),
    ("Ctrl+N", "start a new conversation"),
    ("Ctrl+S", "export the conversation to Markdown, with citations"),
    ("Ctrl+P", "command palette: every action by name"),
    ("F1, ?", "this help (? when the box is not focused)"),
    ("Ctrl+Q", "quit (the conversation is kept for next time)"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with Vertical(id="help"):
            yield Static("Keys", id="help-title", markup=False)
            yield Static(table, markup=False)
            yield Static(
                "Follow-up questions (\"What did she say about it?\") are answered in the context "
                "of the conversation. Press Escape to close.", id="help-note", markup=False,
            )
