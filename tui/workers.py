"""The app's thread workers: everything that calls the engine, off the UI thread.

They never touch a widget: each posts a message from ``tui.messages`` and the app's handlers
update the screen. The engine is shared; questions keep using the old index while a rebuild
writes the new one beside it, and the new one is used from the next question on.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from textual import work
from textual.app import App
from textual.worker import get_current_worker

from qa.answers import AnswerParams
from qa.engine import Engine
from qa.errors import QAError
from qa.records import Answer
from tui.messages import (
    Answered,
    AskFailed,
    BuildFinished,
    BuildProgress,
    BuildStarted,
    EngineReady,
    Failed,
    IndexChanged,
    IndexInfo,
)


def describe(exc: BaseException) -> str:
    """An error as one line for a notification: the message of a QAError, else its type too."""
    if isinstance(exc, QAError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return f"internal error: {type(exc).__name__}: {exc}"


class Quitting(Exception):
    """The worker was cancelled (the app is closing) while the core was still busy."""


def detached(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a daemon thread, waited on by the calling worker.

    Loading the model or embedding a corpus cannot be interrupted; run this way, quitting the
    app never waits for them (the index is replaced atomically, so nothing is lost).
    """
    worker = get_current_worker()
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the worker below
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"qa-{getattr(fn, '__name__', 'work')}", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
        if worker.is_cancelled:
            raise Quitting
    if "error" in box:
        raise box["error"]
    return box.get("value")


@dataclass(frozen=True)
class Pending:
    """A question waiting for the answering worker."""

    key: int  # its TurnView
    question: str
    history: tuple[str, ...]  # the conversation's earlier questions, for follow-ups
    conversation: int | None


class EngineWorkers(App):
    """Loading, answering, rebuilding and the staleness check, as workers of the app."""

    def __init__(self, engine: Engine, params: AnswerParams | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.params = params
        self.ready = threading.Event()  # set once the model and index are loaded (or failed to)
        self.load_error: str | None = None
        self.building = False
        self._queue: deque[Pending] = deque()
        self._queue_lock = threading.Lock()
        self._answering = False
        # each conversation's last answer (None: not answered), which its next follow-up leans on
        self.last_answers: dict[int | None, Answer | None] = {}

    def _wait_ready(self) -> bool:
        """Wait for the first load; False if the worker was cancelled meanwhile (the app is closing)."""
        worker = get_current_worker()
        while not self.ready.wait(0.1):
            if worker.is_cancelled:
                return False
        return True

    def index_info(self) -> IndexInfo:
        """The status bar's figures (reads the corpus and the index's metadata: call from a worker)."""
        status = self.engine.status()
        if not status.has_index:
            return IndexInfo(indexed=False, stale=True, changes=len(status.added))
        index = self.engine.index
        counts = index.meta.get("counts", {})
        return IndexInfo(
            files=int(counts.get("files", len(index.files))),
            chunks=int(counts.get("chunks", len(index.chunks))),
            built_at=index.built_at,
            stale=status.stale,
            changes=len(status.added) + len(status.changed) + len(status.removed),
        )

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_engine(self) -> None:
        """Build the index if there is none, then load the index and the model."""
        error = None
        try:
            if not self.engine.has_index():
                self._build(first=True)
            self.post_message(IndexChanged(self.index_info()))
            detached(self.engine.warm)
        except Quitting:
            return
        except Exception as exc:  # shown to the user; questions report it too
            error = describe(exc)
        self.load_error = error
        self.ready.set()
        self.post_message(EngineReady(error))

    def queue_question(self, pending: Pending) -> None:
        """Queue a question; start the answering worker unless one is running."""
        with self._queue_lock:
            self._queue.append(pending)
            start, self._answering = not self._answering, True
        if start:
            self.answer_questions()

    @work(thread=True, exclusive=True, group="ask", exit_on_error=False)
    def answer_questions(self) -> None:
        """Answer queued questions in order; ``queue_question`` starts this only when none is running."""
        worker = get_current_worker()
        if not self._wait_ready():
            with self._queue_lock:
                self._answering = False
            return
        while True:
            with self._queue_lock:
                if not self._queue or worker.is_cancelled:
                    self._answering = False  # under the lock: the next question starts a new worker
                    return
                item = self._queue.popleft()
            try:
                if self.load_error and not self.engine.has_index():
                    raise QAError(self.load_error)
                previous = self.last_answers.get(item.conversation) if item.history else None
                result = detached(self.engine.ask, item.question, history=item.history, params=self.params,
                                  previous=previous)
                self.last_answers[item.conversation] = result.leaned_on_after(self.last_answers.get(item.conversation))
            except Quitting:
                return
            except Exception as exc:
                self.post_message(AskFailed(item.key, describe(exc)))
            else:
                self.post_message(Answered(item.key, result, item.conversation))

    @work(thread=True, exclusive=True, group="build", exit_on_error=False)
    def rebuild(self, full: bool = False) -> None:
        """The incremental (or full) rebuild; the old index answers questions until it is done."""
        if not self._wait_ready():  # one model load at a time: let the first one finish
            return
        try:
            self._build(full=full)
        except Exception:
            return  # _build posted BuildFinished with the error (or the app is closing)
        try:
            self.post_message(IndexChanged(self.index_info()))
            detached(self.engine.warm)
            self.load_error = None
        except Quitting:
            return
        except Exception as exc:
            self.post_message(Failed("Loading the new index", describe(exc)))

    def _build(self, first: bool = False, full: bool = False) -> None:
        """Run a build in this worker thread, reporting progress and the outcome as messages."""
        self.building = True
        self.post_message(BuildStarted(first))
        try:
            # another build on this index (`qa watch` in another terminal) is waited for: what it
            # built is then up to date, or this build adds what changed since
            summary = detached(
                self.engine.build,
                full=full,
                wait=True,
                progress=lambda stage, done, total: self.post_message(BuildProgress(stage, done, total)),
                warn=lambda text: self.post_message(Failed("Indexing", text, "warning")),
            )
        except Quitting:
            raise
        except Exception as exc:
            self.post_message(BuildFinished(None, describe(exc), first))
            raise
        self.post_message(BuildFinished(summary, None, first))

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def check_status(self) -> None:
        """Look for files changed since the build (the status bar marks the index stale)."""
        try:
            self.post_message(IndexChanged(self.index_info()))
        except Exception:
            pass  # the next question or rebuild reports what is wrong
