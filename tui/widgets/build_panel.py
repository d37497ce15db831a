"""The rebuild's progress: which stage, how far, as a ProgressBar fed by the build's callback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

STAGES = {"read": "Reading files", "embed": "Embedding", "index": "Writing the index"}


class BuildPanel(Horizontal):
    def compose(self) -> ComposeResult:
        yield Label("", id="build-label", markup=False)
        yield ProgressBar(total=None, show_eta=False, id="build-bar")

    def start(self, first: bool = False, waiting: bool = False) -> None:
        label = "Building the index" if first else "Rebuilding the index"
        # as the status bar: a build's message that comes while the app closes finds no parts
        for part in self.query("#build-label").results(Label):
            part.update(f"{label}: waiting for the model" if waiting else label)
        for bar in self.query("#build-bar").results(ProgressBar):
            bar.update(total=None, progress=0)
        self.display = True

    def progress(self, stage: str, done: int, total: int) -> None:
        if stage not in STAGES:
            return
        unit = " texts" if stage == "embed" else (" files" if stage == "read" else "")
        count = f" {done}/{total}{unit}" if stage != "index" else ""
        for part in self.query("#build-label").results(Label):
            part.update(f"{STAGES[stage]}{count}")
        for bar in self.query("#build-bar").results(ProgressBar):
            bar.update(total=max(total, 1), progress=done)

    def finish(self) -> None:
        self.display = False
