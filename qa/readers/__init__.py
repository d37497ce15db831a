"""One reader per format, each a small module with a ``FORMAT`` record (``base.Format``).

A file's format is chosen by its extension, then checked against its first bytes: content that
is plainly another format (a PDF saved as ``.txt``, a web page saved as ``.pdf``, an HTML file
named ``.md``) is read as what it is. Adding a format is adding one module here and its
``FORMAT`` to ``FORMATS``. A reader imports its library inside the function, so a format's
library loads only when a file of that format is met; PDF, HTML and Word files are read in a
worker process with time and memory limits (``isolate``).
"""

from __future__ import annotations

from pathlib import Path

from qa.errors import UnreadableFile
from qa.readers import html, markdown, pdf, plain, rst, word
from qa.readers.base import Extracted, Format, Reader, Section

__all__ = ["Extracted", "Format", "Reader", "Section", "FORMATS", "reader_for", "supported_suffixes", "extract"]

FORMATS: tuple[Format, ...] = (plain.FORMAT, markdown.FORMAT, rst.FORMAT, pdf.FORMAT, html.FORMAT, word.FORMAT)

_BY_SUFFIX: dict[str, Format] = {s: f for f in FORMATS for s in f.suffixes}


def format_for(path: Path) -> Format | None:
    return _BY_SUFFIX.get(path.suffix.lower())


def sniffed(raw: bytes) -> Format | None:
    """The format the content shows itself to be, if any does."""
    head = raw[:4096]
    for f in FORMATS:
        if f.sniff is not None and f.sniff(head):
            return f
    return None


def extract(path: Path, raw: bytes) -> Extracted:
    """The text of the file at ``path`` (its bytes ``raw``), read as its content's format."""
    named = format_for(path)
    fmt = sniffed(raw) or named
    if fmt is None:
        raise UnreadableFile("no reader for this format")
    if fmt.max_bytes is not None and len(raw) > fmt.max_bytes:
        raise UnreadableFile(f"too big for {fmt.name} ({len(raw) / 1e6:,.0f} MB; the limit is "
                             f"{fmt.max_bytes / 1e6:.0f} MB)")
    try:
        if fmt.isolated:
            from qa.readers import isolate

            return isolate.read(fmt.read, path, raw)
        return fmt.read(path, raw)
    except UnreadableFile as exc:
        if named is not None and fmt is not named:
            raise UnreadableFile(f"{exc} (its content was taken for {fmt.name})") from None
        raise


def reader_for(path: Path) -> Reader | None:
    """The reader for files named like ``path``: ``extract``, or None for a format not read."""
    return extract if format_for(path) is not None else None


def supported_suffixes() -> tuple[str, ...]:
    return tuple(sorted(_BY_SUFFIX))
