"""Conversations kept on disk: questions and their answers in SQLite, exported to Markdown.

A store is one SQLite file (the TUI keeps it beside the index, ``INDEX/conversations.sqlite``).
Each turn holds the question and its ``Result`` as the JSON ``qa ask --json`` prints, so a
conversation read back shows the same answers and citations. Every call opens its own
connection: the store can be used from any thread.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError
from qa.highlight import citation
from qa.records import Answer, Result

FILENAME = "conversations.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY,
    conversation INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    asked_at REAL NOT NULL,
    question TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns(conversation, id);
"""


class ConversationError(QAError):
    """The conversation file cannot be read or written."""


@dataclass(frozen=True)
class Turn:
    question: str
    result: Result
    asked_at: float


@dataclass(frozen=True)
class Conversation:
    id: int
    started_at: float
    turns: tuple[Turn, ...] = ()

    @property
    def questions(self) -> list[str]:
        return [t.question for t in self.turns]


def answer_from_json(d: dict) -> Answer:
    return Answer(
        text=str(d["text"]),
        source=str(d["source"]),
        start=int(d["start"]),
        end=int(d["end"]),
        line=int(d["line"]),
        page=None if d.get("page") is None else int(d["page"]),
        score=float(d["score"]),
        context=str(d.get("context", "")),
        also_in=tuple(str(s) for s in d.get("also_in", ())),
        offsets=str(d.get("offsets", "file")),
        section=None if d.get("section") is None else str(d["section"]),
        span=None if not isinstance(d.get("span"), dict) else (int(d["span"]["start"]), int(d["span"]["end"])),
    )


def result_from_json(d: dict) -> Result:
    """The inverse of ``Result.to_json()``."""
    return Result(
        question=str(d["question"]),
        answered=bool(d["answered"]),
        answers=tuple(answer_from_json(a) for a in d.get("answers", ())),
        id=d.get("id"),
        unmentioned=tuple(str(w) for w in d.get("unmentioned", ())),
        lacks=d.get("lacks"),
        read_as=d.get("read_as"),
    )


class ConversationStore:
    """Conversations in one SQLite file; the file and its folder are made on first write."""

    def __init__(self, path: Path, now: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.now = now

    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            yield None  # type: ignore[misc] - nothing saved yet
            return
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=5)
        except (OSError, sqlite3.Error) as exc:
            raise ConversationError(f"cannot open the conversation file {self.path}: {exc}") from None
        try:
            with db:
                db.execute("PRAGMA foreign_keys = ON")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise ConversationError(
                        f"the conversation file {self.path} was written by a newer qa (schema {version})"
                    )
                if version < SCHEMA_VERSION:
                    db.executescript(_SCHEMA)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                yield db
        except sqlite3.Error as exc:
            raise ConversationError(f"the conversation file {self.path} is unusable: {exc}") from None
        finally:
            db.close()

    def new(self) -> int:
        """Start an empty conversation; it becomes the latest."""
        with self._db(write=True) as db:
            return int(db.execute("INSERT INTO conversations (started_at) VALUES (?)", (self.now(),)).lastrowid)

    def add(self, conversation: int | None, result: Result, asked_at: float | None = None) -> int:
        """Save one answered question; ``conversation`` None starts a new one. Returns its id."""
        with self._db(write=True) as db:
            if conversation is None or db.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation,)
            ).fetchone() is None:
                conversation = int(
                    db.execute("INSERT INTO conversations (started_at) VALUES (?)", (self.now(),)).lastrowid
                )
            db.execute(
                "INSERT INTO turns (conversation, asked_at, question, result) VALUES (?, ?, ?, ?)",
                (conversation, self.now() if asked_at is None else asked_at, result.question,
                 json.dumps(result.to_json(), ensure_ascii=False)),
            )
        return conversation

    def latest(self, max_turns: int | None = None) -> Conversation | None:
        """The most recently started conversation (its last ``max_turns`` turns), or None."""
        with self._db() as db:
            if db is None:
                return None
            row = db.execute("SELECT id FROM conversations ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else self.load(int(row[0]), max_turns)

    def load(self, conversation: int, max_turns: int | None = None) -> Conversation:
        with self._db() as db:
            row = None if db is None else db.execute(
                "SELECT id, started_at FROM conversations WHERE id = ?", (conversation,)
            ).fetchone()
            if row is None:
                raise ConversationError(f"no conversation {conversation} in {self.path}")
            rows = db.execute(
                "SELECT question, result, asked_at FROM turns WHERE conversation = ? ORDER BY id DESC LIMIT ?",
                (conversation, -1 if max_turns is None else max_turns),
            ).fetchall()
        turns = []
        for question, payload, asked_at in reversed(rows):
            try:
                turns.append(Turn(question, result_from_json(json.loads(payload)), float(asked_at)))
            except (ValueError, KeyError, TypeError):
                continue  # a damaged row: skip it rather than lose the conversation
        return Conversation(int(row[0]), float(row[1]), tuple(turns))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _md_cite(a: Answer) -> str:
    also = f" · also in {', '.join(f'`{s}`' for s in a.also_in)}" if a.also_in else ""
    return f"`{citation(a.source, a.line, a.page, a.section)}` · score {a.score:.2f}{also}"


def to_markdown(conversation: Conversation, corpus: str | Path | None = None) -> str:
    """The conversation as Markdown: each question, its quotes as block quotes, their citations."""
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.started_at))
    out = ["# qa conversation", ""]
    out.append(f"Started {started}" + (f" · corpus `{corpus}`" if corpus is not None else ""))
    out.append("")
    for n, turn in enumerate(conversation.turns, 1):
        result = turn.result
        out += [f"## {n}. {_one_line(turn.question)}", ""]
        if result.read_as:  # a mistyped word read as the corpus's (qa.spelling)
            out += [f"_Read as “{_one_line(result.read_as)}”._", ""]
        answers = list(result.answers)
        if result.asked_nothing:  # "thanks!": nothing was searched
            out += [f"_{result.why_declined()}_", ""]
        elif not result.answered:
            why = result.why_declined()
            out += ["**Not found in the corpus.**" + (f" {why}" if why else "") + (" The nearest passages:" if answers else ""), ""]
        elif answers:
            best = answers.pop(0)
            out += [f"> {_one_line(best.text)}", "", f"— {_md_cite(best)}", ""]
            if answers:
                out += ["Other answers:", ""]
        for i, a in enumerate(answers, 2 if result.answered else 1):
            out.append(f"{i}. “{_one_line(a.text)}” — {_md_cite(a)}")
        if answers:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
