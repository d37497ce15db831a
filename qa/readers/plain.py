"""Plain text (``.txt``, ``.text``): the file's own characters, decoded by ``text``.

A line underlined with a punctuation character repeated at least as far as it reaches
(``Installation`` over ``------------``), after a blank line, is a section title, as in
reStructuredText (``qa.readers.rst.titles``): a README kept as text, or notes written with
underlined headings, cite their sections. Prose has no such lines, and no file of the BBC, SQuAD
or SciFact corpora has one.
"""

from __future__ import annotations

from pathlib import Path

from qa.readers import text
from qa.readers.base import Extracted, Format
from qa.readers.rst import titles


def read(path: Path, raw: bytes) -> Extracted:
    decoded = text.decode(path, raw)
    return Extracted(decoded, sections=titles(decoded))


# version 2: until it, a text file's underlined titles were not read as sections
FORMAT = Format("text", (".txt", ".text"), read, version=2)
