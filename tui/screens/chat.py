"""The main screen: status bar, conversation, rebuild progress, question box, footer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from tui.widgets import BuildPanel, ChatLog, QuestionInput, StatusBar


class ChatScreen(Screen):
    AUTO_FOCUS = "QuestionInput"

    @dataclass
    class Mounted(Message):
        """The screen's widgets are in place: the app can fill them."""

    def __init__(self, corpus: str, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.corpus = corpus
        self.now = now

    def compose(self) -> ComposeResult:
        yield StatusBar(self.corpus, now=self.now)
        yield ChatLog(self.corpus)
        panel = BuildPanel(id="build")
        panel.display = False
        yield panel
        yield QuestionInput(id="question")
        yield Footer()

    def on_mount(self) -> None:
        self.post_message(self.Mounted())

    @property
    def log_view(self) -> ChatLog:
        return self.query_one(ChatLog)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def build_panel(self) -> BuildPanel:
        return self.query_one(BuildPanel)

    @property
    def question_input(self) -> QuestionInput:
        return self.query_one(QuestionInput)
