"""One reader per format, chosen by file extension.

A reader is a function ``read(path, raw) -> Extracted`` registered for its extensions. Adding a
format is adding one module here and one line to ``READERS``; the reader imports its library
inside the function, so a format's library loads only when a file of that format is met.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.readers import text


@dataclass(frozen=True)
class Extracted:
    text: str
    offsets: str = "file"  # "file": positions are the file's own; "extracted": a reader's text
    page_starts: tuple[int, ...] = ()


Reader = Callable[[Path, bytes], Extracted]

READERS: dict[str, Reader] = {
    ".txt": lambda path, raw: Extracted(text.decode(path, raw)),
    ".text": lambda path, raw: Extracted(text.decode(path, raw)),
    ".md": lambda path, raw: Extracted(text.decode(path, raw)),
    ".markdown": lambda path, raw: Extracted(text.decode(path, raw)),
    ".rst": lambda path, raw: Extracted(text.decode(path, raw)),
}


def reader_for(path: Path) -> Reader | None:
    return READERS.get(path.suffix.lower())


def supported_suffixes() -> tuple[str, ...]:
    return tuple(sorted(READERS))
