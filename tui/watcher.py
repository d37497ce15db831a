"""The chat's corpus watcher: a thread worker that waits for changes in the corpus to settle
(``qa.watch.settled_changes``) and posts ``CorpusChanged``; the app answers with an
incremental rebuild, the same one ctrl+r starts. A burst of changes is one message, and one
that comes during a rebuild makes one more rebuild after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import App
from textual.message import Message
from textual.worker import Worker, get_current_worker

from qa.watch import QUIET_S, settled_changes, watched_folders
from tui.messages import Failed


@dataclass
class CorpusChanged(Message):
    """Files in the corpus were added, changed or removed, and have settled."""

    paths: frozenset[Path]


class _Cancelled:
    """The watch's stop flag: the worker was cancelled (the app is closing)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def is_set(self) -> bool:
        return self.worker.is_cancelled


def watch_corpus(app: App, engine, quiet: float = QUIET_S) -> Worker:
    """Start watching ``engine``'s corpus for ``app`` (which must handle ``CorpusChanged``)."""

    def run() -> None:
        stop = _Cancelled(get_current_worker())
        try:
            folders = watched_folders(engine)
            for batch in settled_changes(folders, skip=(engine.root,), quiet=quiet, stop=stop):
                app.post_message(CorpusChanged(frozenset(batch)))
        except Exception as exc:  # e.g. the system's limit on watched folders: say so, chat on
            reason = " ".join(str(exc).split()) or type(exc).__name__
            app.post_message(Failed("Watching the corpus", f"{reason}; press ctrl+r to rebuild by hand", "warning"))

    return app.run_worker(run, name="watch corpus", group="watch", thread=True, exclusive=True,
                          exit_on_error=False)
