"""Markdown: the file's own characters (quotes are the text as written), its headings as sections.

Headings are ATX (``## Title``) and setext (a line underlined with ``===`` or ``---``); lines in
fenced code blocks and YAML front matter are not headings.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.readers import text
from qa.readers.base import Extracted, Format, Section

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_NOT_PARAGRAPH = re.compile(r" {0,3}(?:[-*+>|]|\d{1,9}[.)]|#|<)|    |\t")


def read(path: Path, raw: bytes) -> Extracted:
    decoded = text.decode(path, raw)
    return Extracted(decoded, sections=headings(decoded))


def headings(source: str) -> tuple[Section, ...]:
    """``(offset, level, title)`` of every heading, in order."""
    out: list[Section] = []
    fence = ""
    para_start = -1  # offset of the current paragraph's first line, -1 outside a paragraph
    pos = 0
    lines = source.split("\n")
    if lines and lines[0].strip() == "---":  # YAML front matter
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                pos = sum(len(x) + 1 for x in lines[: i + 1])
                lines = lines[i + 1 :]
                break
    for line in lines:
        start, pos = pos, pos + len(line) + 1
        line = line.rstrip("\r")
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip(" `~"):
                fence = ""
            continue
        if m:
            fence, para_start = m.group(1), -1
            continue
        if not line.strip():
            para_start = -1
            continue
        m = _ATX.match(line)
        if m:
            out.append((start, len(m.group(1)), (m.group(2) or "").strip()))
            para_start = -1
            continue
        m = _SETEXT.match(line)
        if m and para_start >= 0:
            title = " ".join(source[para_start:start].split())
            out.append((para_start, 1 if m.group(1)[0] == "=" else 2, title))
            para_start = -1
            continue
        if para_start < 0:
            para_start = -1 if _NOT_PARAGRAPH.match(line) else start
    return tuple((o, lvl, t) for o, lvl, t in out if t)


FORMAT = Format("Markdown", (".md", ".markdown"), read)
