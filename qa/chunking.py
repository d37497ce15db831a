"""Sentences and sentence-aligned chunks, each with exact character offsets and line numbers.

Paragraphs are split on blank lines (and Markdown block starts), then after short lines (a
heading, a list entry, a field of a listing); sentences within each block come from blingfire's
sentence breaker, which returns character offsets. A sentence longer than
``max_sentence_chars`` is cut at the last clause or word boundary that fits, so any sentence can
be quoted whole as an answer. Chunks pack consecutive sentences up to ``chunk_chars``, prefer
to start at a paragraph boundary, and overlap by ``overlap`` sentences inside a paragraph.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass

from qa.records import Chunk, Chunked, Span

_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n|\n(?=[ \t]{0,3}(?:#{1,6}\s|[-*+]\s|\d{1,3}[.)]\s|>))")
_CUT_AT = re.compile(r"[;:,)\]]\s|\s[-–—]\s|\s")


@dataclass(frozen=True)
class ChunkParams:
    chunk_chars: int = 700
    min_chunk_chars: int = 200
    overlap: int = 1
    max_sentence_chars: int = 300
    short_line: int = 60

    def to_json(self) -> dict:
        return asdict(self)


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins (line 1 at offset 0)."""
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


def page_of(page_starts: tuple[int, ...], offset: int) -> int | None:
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Blocks of text between blank lines, trimmed of surrounding whitespace."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _BLOCK_BREAK.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    trimmed = []
    for a, b in out:
        a, b = _trim(text, a, b)
        if a < b:
            trimmed.append((a, b))
    return trimmed


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _line_blocks(text: str, a: int, b: int, short: int) -> list[tuple[int, int]]:
    """Split ``text[a:b]`` after every line shorter than ``short`` characters.

    Hard-wrapped prose has long lines; a short line inside a block is a heading, a list entry
    or a field of a listing ("Brent Council" / "£43,860 p.a."), and stands on its own.
    """
    out = []
    pos = a
    i = text.find("\n", a, b)
    while i != -1:
        if len(text[pos:i].strip()) < short:
            out.append((pos, i))
            pos = i + 1
        i = text.find("\n", i + 1, b)
    out.append((pos, b))
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in out) if s < e]


def _sentence_offsets(text: str, a: int, b: int) -> list[tuple[int, int]]:
    import blingfire

    para = text[a:b]
    _, offsets = blingfire.text_to_sentences_and_offsets(para)
    spans = []
    prev_end = 0
    for s, e in offsets:
        # blingfire's offsets are character offsets into its input; keep every character
        # that is not whitespace by letting a sentence run up to the next one's start.
        s = max(s, prev_end)
        if e <= s:
            continue
        spans.append((a + s, a + e))
        prev_end = e
    if not spans:
        return [(a, b)]
    # close any gaps so nothing between sentences is lost (blingfire may drop odd characters)
    fixed = []
    for i, (s, e) in enumerate(spans):
        s = a if i == 0 else s
        e = spans[i + 1][0] if i + 1 < len(spans) else b
        s, e = _trim(text, s, e)
        if s < e:
            fixed.append((s, e))
    return fixed


def _cut_long(text: str, a: int, b: int, limit: int) -> list[tuple[int, int]]:
    """Cut ``text[a:b]`` into pieces of at most ``limit`` characters at natural boundaries."""
    pieces = []
    while b - a > limit:
        window = text[a : a + limit]
        cut = None
        for m in _CUT_AT.finditer(window):
            if m.start() >= limit // 3:
                cut = m.start() + 1 if not window[m.start()].isspace() else m.start()
        if cut is None or cut <= 0:
            cut = limit
        s, e = _trim(text, a, a + cut)
        if s < e:
            pieces.append((s, e))
        a, b = _trim(text, a + cut, b)
    if a < b:
        pieces.append((a, b))
    return pieces


def split_sentences(text: str, params: ChunkParams = ChunkParams()) -> list[tuple[int, int, int]]:
    """``(start, end, paragraph_index)`` for every sentence, in order."""
    out = []
    for p, (a, b) in enumerate(paragraphs(text)):
        for la, lb in _line_blocks(text, a, b, params.short_line):
            for s, e in _sentence_offsets(text, la, lb):
                for ps, pe in _cut_long(text, s, e, params.max_sentence_chars):
                    out.append((ps, pe, p))
    return out


def chunk(text: str, params: ChunkParams = ChunkParams(), page_starts: tuple[int, ...] = ()) -> Chunked:
    """Split ``text`` into sentences and sentence-aligned chunks with offsets, lines and pages."""
    sents = split_sentences(text, params)
    starts = line_starts(text)
    sentences = tuple(
        Span(s, e, line_of(starts, s), page_of(page_starts, s)) for s, e, _ in sents
    )
    chunks: list[Chunk] = []
    i = 0
    n = len(sents)
    while i < n:
        j = i
        size = 0
        while j < n:
            s, e, para = sents[j]
            length = e - sents[i][0]
            if j > i and length > params.chunk_chars:
                break
            if j > i and para != sents[j - 1][2] and size >= params.min_chunk_chars:
                break
            size = length
            j += 1
        a, b = sents[i][0], sents[j - 1][1]
        chunks.append(Chunk(Span(a, b, line_of(starts, a), page_of(page_starts, a)), i, j))
        if j >= n:
            break
        # overlap only inside a paragraph, and always move forward
        back = params.overlap if sents[j][2] == sents[j - 1][2] else 0
        i = max(j - back, i + 1)
    return Chunked(sentences, tuple(chunks))


def headings_at(sections, offset: int) -> list[str]:
    """The headings ``offset`` sits under, outermost first ([] for none).

    ``sections`` are ``(start, level, title)`` in text order: each heading holds what follows
    it up to the next heading of its level or a higher one.
    """
    path: list[tuple[int, str]] = []
    for start, level, title in sections:
        if start > offset:
            break
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, title))
    return [title for _, title in path]


def section_of(sections, offset: int) -> str | None:
    """``headings_at`` joined by " > ", as an answer's ``section`` gives them (None: no heading)."""
    return " > ".join(headings_at(sections, offset)) or None
