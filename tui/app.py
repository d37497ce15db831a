"""The chat app: bindings, actions, and the handlers for what the workers report.

The workers (``tui.workers``) run everything slow in threads and post messages; the handlers
here update the widgets. ``create_app`` is the one way to build the app (the CLI and the tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on
from textual.app import SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from qa.answers import AnswerParams
from qa.conversation import FILENAME, ConversationError, ConversationStore, to_markdown
from qa.engine import Engine
from qa.errors import QAError
from tui.messages import (
    Answered,
    AskFailed,
    BuildFinished,
    BuildProgress,
    BuildStarted,
    EngineReady,
    Failed,
    IndexChanged,
)
from tui.screens import ChatScreen, HelpScreen, SourceScreen
from tui.text import terminal_safe
from tui.watcher import CorpusChanged, watch_corpus
from tui.widgets import AnswerCard, TurnView
from tui.widgets.answer_card import cite, clipboard_text
from tui.workers import EngineWorkers, Pending, describe

WATCH_QUIET_S = 1.0  # the watcher rebuilds once the corpus has had no change for this long
RESTORED_TURNS = 50  # a long conversation comes back with its last turns
STATUS_EVERY_S = 60.0  # how often to look for files changed since the build
CHAT_ONLY = ("new_conversation", "export", "copy_answer")  # hidden while a document is open


class QAApp(EngineWorkers):
    CSS_PATH = "app.tcss"
    TITLE = "qa"
    BINDINGS = [
        Binding("ctrl+r", "rebuild", "Rebuild"),
        Binding("ctrl+n", "new_conversation", "New chat"),
        Binding("ctrl+s", "export", "Export"),
        Binding("ctrl+y", "copy_answer", "Copy answer"),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        engine: Engine,
        *,
        params: AnswerParams | None = None,
        store: ConversationStore | None = None,
        export_dir: Path | None = None,
        now: Callable[[], float] = time.time,
        status_every: float | None = STATUS_EVERY_S,
        watch: bool = False,
        watch_quiet: float = WATCH_QUIET_S,
    ) -> None:
        super().__init__(engine, params)
        self.watch = watch
        self.watch_quiet = watch_quiet
        self.auto_building = False  # the running build was started by the watcher
        self.rebuild_again = False  # the corpus changed during a build: one more when it is done
        self.store = store or ConversationStore(engine.root / FILENAME)
        self.export_dir = export_dir
        self.now = now
        self.status_every = status_every
        self.conversation: int | None = None
        self.questions: list[str] = []  # this conversation's questions: the follow-ups' history
        self.store_failed = False  # the conversation file is unusable: chat on without keeping it
        self._keys = 0

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry file names and error text: never markup, no control characters."""
        super().notify(terminal_safe(message), title=terminal_safe(title), severity=severity,
                       timeout=timeout, markup=False)

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The workers report their own errors; anything that still escapes one is shown too."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(describe(event.worker.error), title="Something went wrong", severity="error")

    # ------------------------------------------------------------------ start

    def get_default_screen(self) -> Screen:
        self.chat = ChatScreen(str(self.engine.corpus), now=self.now)
        return self.chat

    @on(ChatScreen.Mounted)
    async def _start(self) -> None:
        self.chat.status_bar.set_state("loading the model…")
        self.load_engine()  # the long pole: start it first
        if self.watch:  # from now on, changes are seen (and rebuilt once the model is loaded)
            watch_corpus(self, self.engine, self.watch_quiet)
        await self._restore()
        if self.status_every:
            self.set_interval(self.status_every, self._check_status_now)

    async def _restore(self) -> None:
        try:
            conversation = self.store.latest(max_turns=RESTORED_TURNS)
        except ConversationError as exc:
            self._store_failed(exc)
            return
        if conversation is None:
            return
        self.conversation = conversation.id
        for turn in conversation.turns:
            self.questions.append(turn.question)
            self.last_answers[conversation.id] = turn.result.leaned_on_after(self.last_answers.get(conversation.id))
            self.chat.question_input.remember(turn.question)
        await self.chat.log_view.add_turns(
            [TurnView(self._next_key(), turn.question, turn.result) for turn in conversation.turns]
        )

    def _next_key(self) -> int:
        self._keys += 1
        return self._keys

    @on(EngineReady)
    def _engine_ready(self, message: EngineReady) -> None:
        if message.error:
            self.chat.status_bar.set_state("not ready")
            self.notify(message.error, title="Cannot load the index", severity="error", markup=False, timeout=10)
        elif not self.building:
            self.chat.status_bar.set_state("ready")
        for view in self.chat.log_view.turns:
            view.set_waiting("Searching…")
        info = self.chat.status_bar.info
        if self.watch and not message.error and info is not None and info.stale:
            self.auto_rebuild()  # changed while the chat was closed

    @on(IndexChanged)
    def _index_changed(self, message: IndexChanged) -> None:
        self.chat.status_bar.show(message.info)

    def _check_status_now(self) -> None:
        if self.ready.is_set() and not self.building:
            self.check_status()

    # ------------------------------------------------------------------ questions

    @on(Input.Submitted, "#question")
    async def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        event.input.value = ""
        if question:
            self.chat.question_input.remember(question)
            await self.ask(question)

    async def ask(self, question: str) -> TurnView:
        """Show the question in the chat and queue it for the answering worker."""
        if self.conversation is None:
            self.conversation = self._new_conversation_id()
        waiting = "Searching…" if self.ready.is_set() else "Waiting for the model and the index to load…"
        view = await self.chat.log_view.add_turn(TurnView(self._next_key(), question, waiting=waiting))
        self.queue_question(Pending(view.key, question, tuple(self.questions), self.conversation))
        self.questions.append(question)
        return view

    @on(Answered)
    async def _answered(self, message: Answered) -> None:
        if message.conversation is not None:
            try:
                self.store.add(message.conversation, message.result)
            except ConversationError as exc:
                self._store_failed(exc)
        view = self.chat.log_view.turn(message.key)
        if view is not None:  # gone if a new conversation was started meanwhile
            await view.show_result(message.result)

    @on(AskFailed)
    async def _ask_failed(self, message: AskFailed) -> None:
        view = self.chat.log_view.turn(message.key)
        if view is not None:
            await view.show_error(message.error)
        self.notify(message.error, title="Could not answer", severity="error", markup=False)

    @on(AnswerCard.Opened)
    def _open_source(self, message: AnswerCard.Opened) -> None:
        answer = message.answer
        try:
            index = self.engine.index
            number = index.by_source.get(answer.source)
            if number is None:
                self.notify(f"{answer.source} is no longer in the index", severity="warning", markup=False)
                return
            text = index.doc_text(number)
        except Exception as exc:
            self.notify(describe(exc), title="Cannot open the source", severity="error", markup=False)
            return
        self.push_screen(SourceScreen(answer, message.question, text))

    # ------------------------------------------------------------------ rebuild

    def action_rebuild(self, full: bool = False) -> None:
        if self.building:
            self.notify("A rebuild is already running.", markup=False)
            return
        self.building = True
        self.chat.build_panel.start(waiting=not self.ready.is_set())
        self.chat.status_bar.set_state("rebuilding…")
        self.rebuild(full)

    @on(CorpusChanged)
    def _corpus_changed(self, message: CorpusChanged) -> None:
        self.auto_rebuild()

    def auto_rebuild(self) -> None:
        """The watcher's rebuild: progress in the status bar, no panel; questions go on meanwhile."""
        if self.building:
            self.rebuild_again = True
            return
        self.building = self.auto_building = True
        self.chat.status_bar.set_state("updating the index…")
        self.rebuild()

    @on(BuildStarted)
    def _build_started(self, message: BuildStarted) -> None:
        self.building = True
        if self.auto_building:
            self.chat.status_bar.set_state("updating the index…")
            return
        self.chat.status_bar.set_state("building the index…" if message.first else "rebuilding…")
        self.chat.build_panel.start(message.first)

    @on(BuildProgress)
    def _build_progress(self, message: BuildProgress) -> None:
        if self.auto_building:
            self.chat.status_bar.show_progress(message.stage, message.done, message.total)
            return
        self.chat.build_panel.progress(message.stage, message.done, message.total)

    @on(BuildFinished)
    def _build_finished(self, message: BuildFinished) -> None:
        self.building = False
        self.chat.build_panel.finish()
        self.chat.status_bar.set_state("ready" if self.ready.is_set() else "loading the model…")
        auto, self.auto_building = self.auto_building, False
        if self.rebuild_again:
            self.rebuild_again = False
            self.call_after_refresh(self.auto_rebuild)
        if auto:
            self._auto_build_finished(message)
            return
        title = "Index built" if message.first else "Index rebuilt"
        if message.summary is None:
            self.notify(message.error or "the build failed", title=title.replace("Index", "Could not build"),
                        severity="error", markup=False, timeout=10)
            return
        s = message.summary
        if s.added or s.changed or s.removed or s.chunks_embedded:
            text = (f"{s.added} added, {s.changed} changed, {s.removed} removed, {s.unchanged} unchanged; "
                    f"{s.chunks_embedded} chunks embedded in {s.seconds:.1f} s")
        else:
            text, title = f"{s.unchanged} files, none changed: nothing to read again.", "Index up to date"
        self.notify(text, title=title, markup=False)

    def _auto_build_finished(self, message: BuildFinished) -> None:
        """A short note when the watcher's rebuild changed the index; nothing when it did not."""
        s = message.summary
        if s is None:
            self.notify(f"{message.error or 'the build failed'}; the previous index is still used",
                        title="Could not update the index", severity="warning", markup=False, timeout=8)
        elif s.added or s.changed or s.removed:
            self.notify(f"{s.added} added, {s.changed} changed, {s.removed} removed", title="Index updated",
                        markup=False, timeout=3)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.error, title=message.what, severity=message.severity, markup=False)

    # ------------------------------------------------------------------ conversation

    def _store_failed(self, exc: ConversationError) -> None:
        """Say once that the conversation cannot be kept; the chat goes on without it."""
        if not self.store_failed:
            self.store_failed = True
            self.notify(f"{exc}; this conversation will not be kept", severity="warning", timeout=10)

    def _new_conversation_id(self) -> int | None:
        if self.store_failed:
            return None
        try:
            return self.store.new()
        except ConversationError as exc:
            self._store_failed(exc)
            return None

    async def action_new_conversation(self) -> None:
        if self.questions or self.conversation is None:
            self.conversation = self._new_conversation_id()
        self.questions = []
        await self.chat.log_view.clear()
        self.chat.question_input.focus()
        self.notify("New conversation: follow-up questions start afresh.", timeout=3, markup=False)

    def action_export(self) -> Path | None:
        """Write the conversation to Markdown (in the export folder, else the current one)."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self.now()))
        path = (self.export_dir or Path.cwd()) / f"qa-conversation-{stamp}.md"
        try:
            conversation = None if self.conversation is None else self.store.load(self.conversation)
            if conversation is None or not conversation.turns:
                raise QAError("nothing to export yet: ask a question first")
            path.write_text(to_markdown(conversation, self.engine.corpus), encoding="utf-8")
        except (QAError, OSError) as exc:
            self.notify(describe(exc), title="Export", severity="warning", markup=False)
            return None
        n = len(conversation.turns)
        self.notify(f"{n} question{'' if n == 1 else 's'} with their answers written to {path}",
                    title="Exported", markup=False, timeout=8)
        return path

    # ------------------------------------------------------------------ keys

    def selected_card(self) -> AnswerCard | None:
        """The focused answer, else the best (or first) answer of the latest answered question."""
        if isinstance(self.focused, AnswerCard):
            return self.focused
        for view in reversed(self.chat.log_view.turns):
            if view.cards:
                return view.cards[0]
        return None

    def action_copy_answer(self) -> None:
        card = self.selected_card()
        if card is None:
            self.notify("No answer to copy yet.", markup=False, timeout=3)
            return
        self.copy_to_clipboard(clipboard_text(card.answer))
        self.notify(f"Copied the answer from {cite(card.answer)}", markup=False, timeout=3)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in CHAT_ONLY and isinstance(self.screen, SourceScreen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Rebuild the index", "Read new and changed files again (ctrl+r)", self.action_rebuild)
        yield SystemCommand("Rebuild the whole index", "Read and embed every file again",
                            lambda: self.action_rebuild(full=True))
        yield SystemCommand("New conversation", "Clear the chat; follow-ups start afresh (ctrl+n)",
                            self.action_new_conversation)
        yield SystemCommand("Export the conversation", "Write it to Markdown with citations (ctrl+s)",
                            self.action_export)
        yield SystemCommand("Copy the answer", "The selected answer with its citation (ctrl+y)",
                            self.action_copy_answer)
        yield SystemCommand("Help", "The keys (F1)", self.action_help)
        yield from super().get_system_commands(screen)


def create_app(
    engine: Engine,
    *,
    params: AnswerParams | None = None,
    store: ConversationStore | None = None,
    export_dir: Path | None = None,
    now: Callable[[], float] = time.time,
    status_every: float | None = STATUS_EVERY_S,
    watch: bool = False,
    watch_quiet: float = WATCH_QUIET_S,
) -> QAApp:
    """The chat over ``engine``'s corpus: the one way the CLI and the tests build the app.

    ``params`` changes how answers are chosen (the abstention threshold, ``k``); ``store`` where
    the conversation is kept (default: ``conversations.sqlite`` in the index folder);
    ``export_dir`` where Markdown exports go (default: the current folder); ``now`` the clock
    the index's age is read against; ``status_every`` how often (seconds) to look for changed
    files, None for never; ``watch`` whether to rebuild by itself when the corpus changes,
    once it has had no change for ``watch_quiet`` seconds.
    """
    return QAApp(engine, params=params, store=store, export_dir=export_dir, now=now, status_every=status_every,
                 watch=watch, watch_quiet=watch_quiet)
