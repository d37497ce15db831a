"""reStructuredText: the file's own characters (quotes are the text as written), its titles as sections.

A title is a line of text underlined, or over- and underlined, with one punctuation character
repeated at least as far as the title reaches (``License`` over ``=======``). Levels are
numbered in the order their styles first appear, as docutils numbers them; a title stands after
a blank line (or its overline), so an underline never takes a paragraph's last line. Indented
lines (literal blocks, directives' bodies) are never titles.

Why not docutils: it is not installed (one more dependency for this), and its document tree
carries line numbers, not the character offsets every citation here is made of; titles are the
only structure read.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.chunking import line_starts
from qa.readers import text
from qa.readers.base import Extracted, Format, Section

_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1{2,}[ \t]*$")  # ``=====``, ``-----``, ``~~~`` …


def read(path: Path, raw: bytes) -> Extracted:
    decoded = text.decode(path, raw)
    return Extracted(decoded, sections=titles(decoded))


def titles(source: str) -> tuple[Section, ...]:
    """``(offset, level, title)`` of every section title, in order."""
    lines = source.split("\n")
    starts = line_starts(source)
    styles: list[tuple[str, bool]] = []  # (character, overlined), in order of first use: the levels
    out: list[Section] = []
    i = 0
    while i + 1 < len(lines):
        over = _adornment(lines[i - 1]) if i > 0 else None
        under = _adornment(lines[i + 1])
        title = lines[i].strip()
        after_blank = i == 0 or not lines[i - 1].strip() or over is not None
        if (under is None or not title or _adornment(lines[i]) is not None or not after_blank
                or (over is None and lines[i][:1].isspace())
                or len(lines[i + 1].rstrip()) < len(lines[i].rstrip())):
            i += 1
            continue
        overlined = over is not None and over == under
        style = (under, overlined)
        if style not in styles:
            styles.append(style)
        out.append((starts[i - 1] if overlined else starts[i], styles.index(style) + 1, title))
        i += 2
    return tuple(out)


def _adornment(line: str) -> str | None:
    m = _ADORNMENT.match(line.rstrip("\r"))
    return m.group(1) if m else None


# version 2: until it, ``.rst`` files were read as plain text, without their titles
FORMAT = Format("reStructuredText", (".rst", ".rest"), read, version=2)
