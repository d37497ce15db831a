"""What every reader shares: the text it extracts, and the record that describes a format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# a heading: (offset where it starts in the text, level 1-9, its text); level 0 is a title
Section = tuple[int, int, str]


@dataclass(frozen=True)
class Extracted:
    """A document's text as a reader gives it.

    ``offsets`` is ``"file"`` when ``text`` is the file's own characters and ``"extracted"``
    when the reader made it (PDF, HTML, Word): positions then index ``text``, which the index
    keeps and ``qa show`` prints. ``page_starts`` holds where each page begins (paged formats),
    ``sections`` the headings in order, ``warnings`` what the reader could not read in a file
    it still read (pages without a text layer, a part cut short).
    """

    text: str
    offsets: str = "file"
    page_starts: tuple[int, ...] = ()
    sections: tuple[Section, ...] = ()
    warnings: tuple[str, ...] = ()


Reader = Callable[[Path, bytes], Extracted]


@dataclass(frozen=True)
class Format:
    """One format: its name, extensions, how its content is recognised and its reader.

    ``sniff(head)`` says whether the first bytes of a file are this format whatever its name
    (a PDF named ``.txt``); a file over ``max_bytes`` is refused before it is parsed;
    ``isolated`` formats are read in a worker process with time and memory limits (their
    libraries parse untrusted files); ``version`` is raised when the reader changes what it
    reads of a file, and files indexed by an earlier version are read again (``qa.status``).
    """

    name: str
    suffixes: tuple[str, ...]
    read: Reader
    sniff: Callable[[bytes], bool] | None = None
    max_bytes: int | None = None
    isolated: bool = False
    # the reader's version: raised when it comes to read its files differently (sections it did
    # not find before), so that files an index holds from an earlier version are read again, once
    version: int = 1


class TextBuilder:
    """Builds an extracted text from blocks (paragraphs, headings, table rows, pages).

    Blocks are separated by a blank line, so each stays a paragraph of its own when the text is
    chunked; headings are recorded as sections. At most ``max_chars`` characters are kept.
    """

    def __init__(self, max_chars: int = 20_000_000) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.sections: list[Section] = []
        self.page_starts: list[int] = []
        self.warnings: list[str] = []
        self.max_chars = max_chars
        self.full = False

    def block(self, text: str, heading: int | None = None) -> None:
        """Add a block of text (stripped; nothing if empty); ``heading``: its level."""
        text = text.strip()
        if not text or self.full:
            return
        if self.size + len(text) + 2 > self.max_chars:
            self.full = True
            self.warnings.append(f"only the first {self.max_chars:,} characters of text are indexed")
            return
        if self.parts:
            self.parts.append("\n\n")
            self.size += 2
        if heading is not None:
            self.sections.append((self.size, heading, " ".join(text.split())))
        self.parts.append(text)
        self.size += len(text)

    def page(self) -> None:
        """A new page starts with the next block."""
        self.page_starts.append(self.size + (2 if self.parts else 0))

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def build(self) -> Extracted:
        text = "".join(self.parts)
        pages = tuple(min(p, len(text)) for p in self.page_starts)
        if pages:
            pages = (0, *pages[1:])
        return Extracted(text, "extracted", pages, tuple(self.sections), tuple(self.warnings))


def squeeze(text: str) -> str:
    """Runs of white space as one space."""
    return " ".join(text.split())
