"""Which words of an answer the question asked about: character spans, for highlighting.

A word matches when its stem is one of the question's content words (``query_tokens``: lower
case, stop words and question words dropped, stemmed as BM25 stems them), so "invested"
in a quote lights up for "How much did the council invest?".
"""

from __future__ import annotations

import bisect
import re

from qa.lexical import query_tokens, tokenize
from qa.markup import plain

_WORD = re.compile(r"\w+")


def match_spans(question: str, text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every word in ``text`` whose stem is a content word of ``question``."""
    wanted = set(query_tokens(question)) if question.strip() else set()
    if not wanted or not text:
        return []
    words = list(_WORD.finditer(text))
    if not words:
        return []
    stems = tokenize([m.group() for m in words])
    return [(m.start(), m.end()) for m, toks in zip(words, stems) if toks and toks[0] in wanted]


def one_line_span(text: str, span: tuple[int, int] | None) -> tuple[str, tuple[int, int] | None]:
    """``text`` with whitespace runs collapsed to single spaces, and where ``span`` (offsets into ``text``) lands in it."""
    if span is None or not 0 <= span[0] < span[1] <= len(text):
        return " ".join(text.split()), None
    a, b = span
    marked = " ".join(f"{text[:a]}\x00{text[a:b]}\x01{text[b:]}".split())
    start = marked.index("\x00")
    end = marked.index("\x01") - 1
    return marked.replace("\x00", "").replace("\x01", ""), (start, end)


def shown_span(text: str, span: tuple[int, int] | None) -> tuple[str, tuple[int, int] | None]:
    """``one_line_span`` of ``text`` as its page shows it, for people (``qa ask``, the chat): a
    README's ``[PyPI](https://pypi.org/project/idna/)`` is shown as "PyPI", its badges and
    directives not at all (``qa.markup.plain``); every character shown is the file's, in order, and
    ``--json`` gives the file's characters as they are. A quote that shows no words is shown as written."""
    view = plain(text)
    if view.text == text or not view.text.strip():
        return one_line_span(text, span)
    if span is not None:  # the shown characters inside it (their offsets ascend)
        a, b = bisect.bisect_left(view.at, span[0]), bisect.bisect_left(view.at, span[1])
        span = (a, b) if a < b else None
    return one_line_span(view.text, span)


def citation(source: str, line: int, page: int | None = None, section: str | None = None) -> str:
    """``file:line``, or ``file p.N`` where the format has pages, then `` § section`` where the
    quote sits under headings (as ``qa ask`` prints it)."""
    where = f"{source} p.{page}" if page else f"{source}:{line}"
    return f"{where} § {section}" if section else where
