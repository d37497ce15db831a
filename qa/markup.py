"""What a sentence of Markdown or reStructuredText says, without its markup.

A README quotes as it is written: ``Copyright © [Ahmed TAHRI @Ousret](https://github.com/Ousret).``
The reader, though, was trained on prose, and a link's address costs it a dozen word pieces of
its 56 for a sentence. ``plain`` gives the text a person sees on the rendered page, with each
character's offset in the original, so that a short answer found in the plain text is cited in
the file's own characters. Lines that render as no text at all (badges, link targets,
directives, table rules) are left out, and a sentence made only of them (``markup_only``) is
not an answer to anything.

Why not a Markdown parser (markdown-it-py is installed, with rich): its tokens carry the source
lines they came from, not character offsets, and a sentence here is a slice of a file that may
start or end inside a paragraph; reStructuredText would need docutils besides. The few
constructs below are those READMEs are made of.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# whole lines that render as nothing: RST directives, comments, targets and substitution
# definitions (``.. image:: URL``, ``.. _name: URL``), their options (``:target: URL``), Markdown
# link definitions (``[1]: URL``), code fences (```` ```sh ````), badge rows (``[![alt](img)](link)``
# only), table rules. A field of another name is a field list, which a page shows
# (``:Author: Stuart Bishop``: below).
_OPTIONS = (r"target|alt|width|height|align|scale|class|name|figwidth|figclass|loading|caption|language"
            r"|linenos|lineno-start|emphasize-lines|dedent|force|start-after|end-before|literal|encoding"
            r"|tab-width|header-rows|stub-columns|widths|maxdepth|local|depth|backlinks|glob|titlesonly")
_HIDDEN_LINE = re.compile(
    r"^[ \t]*(?:\.\.[ \t]+\S.*|:(?:" + _OPTIONS + r"):(?:[ \t].*)?|\[[^\]\n]+\]:[ \t]*\S+.*|(?:`{3,}|~{3,})[\w+.-]*[ \t]*"
    r"|(?:\[?!\[[^\]\n]*\]\([^)\n]*\)(?:\]\([^)\n]*\))?[ \t]*)+|\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*)$",
    re.MULTILINE,
)
_ATTR = r"""[\w:-]+=(?:"[^"\n]*"|'[^'\n]*')"""  # an HTML attribute: name="value"
# inline constructs; each keeps its one group (the text shown), or nothing where it has none
_INLINE = re.compile(
    r"\[!\[[^\]\n]*\]\([^)\n]*\)\]\([^)\n]*\)"  # a linked image (a badge): nothing
    r"|!\[[^\]\n]*\]\([^)\n]*\)"  # an image: nothing
    r"|\[([^\]]{1,200})\]\([^)\n]*\)"  # [text](url): text
    r"|\[([^\]]{1,200})\]\[[^\]\n]*\]"  # [text][ref]: text
    r"|`([^`<\n]+?)[ \t]*<[^>\n]+>`__?"  # `text <url>`_: text
    r"|``?((?:[^`\n]|\n(?![ \t]*\n))+?)``?_{0,2}"  # `code`, ``literal``, `reference`_: their text (one paragraph)
    r"|\*\*([^*\n]+?)\*\*"  # **strong**: its text
    r"|\|[\w][\w -]*\|_{0,2}"  # |substitution|: nothing
    r"|</?[a-zA-Z][a-zA-Z0-9-]*(?:[ \t/][^>\n]*)?>"  # an HTML tag: nothing (not <a@b.c>, <http://…>)
    # a link or badge a sentence boundary cut in two (a row of badges is cut where it runs too
    # long): a linked image's tail, a link's or image's tail (its text), an image's head, a link's head
    r"|\A[^\[\]\n]*\]\([^)\s]*\)\]\([^)\s]*\)"
    r"|\A([^\[\]\n]*)\]\([^)\s]*\)"
    r"|\[?!\[[^\[\]\n]*\Z"
    r"|\[([^\[\]\n]*)\Z"
    # a tag a sentence boundary cut in two: its head ending a text, its attributes opening one
    r"|<[a-zA-Z][a-zA-Z0-9-]*(?:\s+" + _ATTR + r")*\s*\Z"
    r"|\A\s*(?:" + _ATTR + r"\s*)+/?>"
    r"|^[ \t]*:([\w -]+:)(?=[ \t]|$)",  # a field, ``:Author: X``: "Author: X"
    re.MULTILINE,
)
_MARKUP_HINT = re.compile(
    r"\]\(|\]\[|!\[|`|\*\*|^\s*\.\.\s|^\s*:\w|\|\w|</?[a-zA-Z]|^\s*\|?\s*:?---|^\s*\[[^\]]+\]:|\A\s*[\w:-]+=[\"']",
    re.MULTILINE
)
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Plain:
    """``text`` as rendered; ``at[i]`` is the offset in the original of ``text[i]``."""

    text: str
    at: Sequence[int]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The original's ``(start, end)`` for ``text[start:end]`` (``end > start``)."""
        return self.at[start], self.at[end - 1] + 1


def has_markup(text: str) -> bool:
    return _MARKUP_HINT.search(text) is not None


def plain(text: str) -> Plain:
    """``text`` without its markup (the whole text, unchanged, where it has none)."""
    if not has_markup(text):  # most text: itself, at its own offsets
        return Plain(text, range(len(text)))
    keep: list[tuple[int, int]] = []  # kept (start, end) ranges of the original, in order
    pos = 0
    for line in _HIDDEN_LINE.finditer(text):
        _inline(text, pos, line.start(), keep)
        pos = line.end() + (text[line.end() : line.end() + 1] == "\n")  # the line and its newline
    _inline(text, pos, len(text), keep)
    out, at = [], []
    for a, b in keep:
        out.append(text[a:b])
        at.extend(range(a, b))
    joined = "".join(out)
    # the lines left out leave blank lines behind: trim the ends so a span never starts there
    lead = len(joined) - len(joined.lstrip())
    joined = joined.strip()
    return Plain(joined, tuple(at[lead : lead + len(joined)]))


def _inline(text: str, a: int, b: int, keep: list[tuple[int, int]]) -> None:
    pos = a
    for m in _INLINE.finditer(text, a, b):
        if m.start() > pos:
            keep.append((pos, m.start()))
        if m.lastindex:  # the group of the alternative that matched: the text shown
            keep.append(m.span(m.lastindex))
        pos = m.end()
    if b > pos:
        keep.append((pos, b))


def markup_only(text: str) -> bool:
    """True for a sentence that renders as no words: a badge row, a link target, a directive."""
    return has_markup(text) and _WORD.search(plain(text).text) is None
