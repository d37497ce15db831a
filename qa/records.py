"""Records that cross module boundaries: small frozen dataclasses, and how they read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One source file's text, as a reader extracted it.

    ``source`` is the path relative to the corpus root (POSIX separators). ``offsets`` says
    what ``start``/``end`` positions refer to: ``"file"`` when ``text`` is the file decoded as
    UTF-8 with newlines untouched, ``"extracted"`` when a reader extracted it (PDF, HTML, ...).
    ``page_starts`` holds the character offset where each page begins, for paged formats;
    ``sections`` the headings, ``(start, level, title)`` in order; ``warnings`` what the reader
    could not read in a file it still read (pages without a text layer...).
    """

    source: str
    text: str
    sha256: str
    offsets: str = "file"
    page_starts: tuple[int, ...] = ()
    sections: tuple[tuple[int, int, str], ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Span:
    """A run of characters in a document: a sentence or a chunk."""

    start: int
    end: int
    line: int
    page: int | None = None


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned passage: ``sentences`` are indexes into the document's sentences."""

    span: Span
    first_sentence: int
    last_sentence: int  # exclusive


@dataclass(frozen=True)
class Chunked:
    """A document split into sentences and the chunks built from them."""

    sentences: tuple[Span, ...]
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class Answer:
    """One extractive answer: ``text == document.text[start:end]``.

    ``page`` is the page it is on (paged formats), ``section`` the headings it sits under
    ("Install > Linux"); ``offsets`` says whether ``start``/``end`` index the file itself
    (``"file"``) or the text a reader extracted from it (``"extracted"``, as ``qa show`` prints).
    """

    text: str
    source: str
    start: int
    end: int
    line: int
    page: int | None
    score: float
    context: str
    also_in: tuple[str, ...] = ()
    offsets: str = "file"
    section: str | None = None
    span: tuple[int, int] | None = None  # the short answer inside the quote, in the same offsets

    @property
    def span_text(self) -> str | None:
        if self.span is None:
            return None
        return self.text[self.span[0] - self.start : self.span[1] - self.start]

    def to_json(self) -> dict:
        span = None if self.span is None else {"start": self.span[0], "end": self.span[1], "text": self.span_text}
        return {
            "text": self.text,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "page": self.page,
            "section": self.section,
            "score": round(float(self.score), 4),
            "context": self.context,
            "also_in": list(self.also_in),
            "offsets": self.offsets,
            "span": span,
        }


def names_list(names: Sequence[str]) -> str:
    """``("dubai", "m&s")`` as people write it: “dubai” or “m&s”."""
    quoted = [f"\u201c{n}\u201d" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


# why an answer that lacks what was asked is declined (``Result.lacks``; "title" names the title)
_WHY_LACKING = {
    "quantity": "The best passage gives no number or amount of what is asked.",
    "date": "The best passage gives no date.",
    "license": "The best passage names no licence.",
    "question": "Nothing to look up there: ask a question about the documents.",
    "party": "The best passage names no party.",
    "body": "The best passage names no other body of the kind asked about.",
}


@dataclass(frozen=True)
class Result:
    """What a question gets: answers best first, and whether the corpus answers it."""

    question: str
    answered: bool
    answers: tuple[Answer, ...] = ()
    id: str | None = None
    seconds: float = 0.0
    # names the question asks about that the best answer's file never mentions (then not answered)
    unmentioned: tuple[str, ...] = ()
    # what the question asks for that the best answer does not give (then not answered): "quantity"
    # for "how much/many/old/long" when the quote holds no number, sum or duration; "date" for
    # "what date/year/day/month …" when the quote holds no date; "title" for "who is the <title> of
    # …" when the quote names no such title; "party" for "which party …" when the quote names none;
    # "license" for "what license …" when the quote names none; "question" for an input that
    # asks the documents nothing ("thanks!", "hi", "what can you do": nothing is searched);
    # "body" for "which council/company …" when its short answer is a person or the question's own
    lacks: str | None = None
    # the question as it was read, where a word the corpus never has was read as the corpus's word
    # it was meant to be ("gavin willamson" -> "gavin williamson": qa.spelling); None when as typed
    read_as: str | None = None

    def leaned_on(self) -> Answer | None:
        """What a follow-up leans on: the best answer when the corpus answered, or when it was
        declined only for giving no quantity, title, party or body (its passage is on the question's subject:
        "what does the job pay", then "and where is it"); None when the corpus does not speak to it."""
        if self.answers and (self.answered or self.lacks is not None):
            return self.answers[0]
        return None

    @property
    def asked_nothing(self) -> bool:
        """True when the input asked the documents nothing ("thanks!", "hi"): nothing was searched."""
        return self.lacks == "question"

    def leaned_on_after(self, previous: Answer | None) -> Answer | None:
        """What the next follow-up leans on after this turn: ``leaned_on``; where this turn asked
        the documents nothing ("thanks!" between "who did the review" and "and when was it
        published"), what the turn before left, ``previous``."""
        return previous if self.asked_nothing else self.leaned_on()

    def why_declined(self) -> str:
        """Why the best answer was declined, as a sentence ("" when it was not, or scored too low)."""
        if self.answered:
            return ""
        if self.unmentioned:
            return f"The best passage's file never mentions {names_list(self.unmentioned)}."
        if self.lacks == "title":
            from qa.roles import title_asked

            asked = title_asked(self.question)
            return f"The best passage names no {asked[0]}." if asked else "The best passage names no such title."
        return _WHY_LACKING.get(self.lacks or "", "")

    def to_json(self) -> dict:
        out: dict = {}
        if self.id is not None:
            out["id"] = self.id
        out["question"] = self.question
        out["answered"] = self.answered
        out["answers"] = [a.to_json() for a in self.answers]
        out["unmentioned"] = list(self.unmentioned)
        out["lacks"] = self.lacks
        out["read_as"] = self.read_as
        return out


@dataclass(frozen=True)
class CorpusStatus:
    """How the corpus on disk differs from what the index was built from."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    has_index: bool = True
    reread: tuple[str, ...] = ()  # among ``changed``: the same bytes, which a newer reader reads differently

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.removed) or not self.has_index


@dataclass(frozen=True)
class BuildSummary:
    added: int
    changed: int
    removed: int
    unchanged: int
    chunks_embedded: int
    seconds: float
    full: bool = False
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
        }
