"""The bar above the chat: which corpus, how big its index is, how old, and whether it is stale."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.messages import IndexInfo
from tui.text import plain


def age(seconds: float) -> str:
    """A build's age for people: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


PROGRESS = {"scan": "looking for changes", "read": "reading", "embed": "embedding", "index": "writing"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class StatusBar(Horizontal):
    """Left: corpus, files, chunks, index age (and "stale"). Right: what the app is doing."""

    def __init__(self, corpus: str, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.corpus = corpus
        self.now = now
        self.info: IndexInfo | None = None
        self.state = "starting"

    def compose(self) -> ComposeResult:
        yield Static(self._where(), id="where", markup=False)
        yield Static(Text(self.state), id="state", markup=False)

    def on_mount(self) -> None:
        self.set_interval(30, self._refresh_where)

    def show(self, info: IndexInfo) -> None:
        self.info = info
        self.set_class(info.stale, "-stale")
        self._refresh_where()

    def set_state(self, state: str) -> None:
        self.state = state
        # a worker's message may come before the bar is composed or while the app closes: what it
        # says is kept, and drawn by compose, instead of failing on a part that is not there
        for part in self.query("#state").results(Static):
            part.update(Text(state))

    def show_progress(self, stage: str, done: int, total: int) -> None:
        """A rebuild's progress as the state: "updating the index: embedding 120/300"."""
        label = PROGRESS.get(stage)
        if label is not None:
            count = f" {done}/{total}" if stage in ("read", "embed") and total else ""
            self.set_state(f"updating the index: {label}{count}")

    def _refresh_where(self) -> None:
        for part in self.query("#where").results(Static):
            part.update(self._where())

    def _where(self) -> Text:
        out = Text.assemble(("qa ", "bold"), plain(self.corpus))
        info = self.info
        if info is None:
            return out
        if not info.indexed:
            out.append("  ·  no index yet", style="bold")
            return out
        out.append(f"  ·  {_plural(info.files, 'file')}, {_plural(info.chunks, 'chunk')}")
        out.append(f"  ·  indexed {age(self.now() - info.built_at)}")
        if info.stale:
            out.append("  ·  ")
            out.append(f"stale ({_plural(info.changes, 'file')} changed: ctrl+r)", style="bold reverse")
        return out
