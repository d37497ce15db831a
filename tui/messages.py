"""Messages the workers post to the app: small dataclasses, handled with ``@on``.

Workers run in threads and never touch widgets; they post one of these and the app updates
the screen on its own thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from qa.records import BuildSummary, Result


@dataclass(frozen=True)
class IndexInfo:
    """What the status bar shows about the index and the corpus."""

    files: int = 0
    chunks: int = 0
    built_at: float = 0.0
    stale: bool = False
    changes: int = 0  # files added, changed or removed since the build
    indexed: bool = True


@dataclass
class IndexChanged(Message):
    info: IndexInfo


@dataclass
class EngineReady(Message):
    error: str | None = None


@dataclass
class Answered(Message):
    key: int
    result: Result
    conversation: int | None


@dataclass
class AskFailed(Message):
    key: int
    error: str


@dataclass
class BuildStarted(Message):
    first: bool = False


@dataclass
class BuildProgress(Message):
    stage: str
    done: int
    total: int


@dataclass
class BuildFinished(Message):
    summary: BuildSummary | None
    error: str | None = None
    first: bool = False


@dataclass
class Failed(Message):
    """A notification-worthy error: ``what`` failed with ``error``."""

    what: str
    error: str
    severity: str = "error"
