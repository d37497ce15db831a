"""Corpus text made safe for the terminal, as ``rich.text.Text`` (never parsed as markup).

Documents are data: ``[bold]`` in a file is shown as it is (``Text``, never markup), and
control characters are shown as visible symbols (``qa.safe.terminal_safe``).
"""

from __future__ import annotations

from rich.text import Text

from qa.highlight import match_spans
from qa.safe import terminal_safe


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces."""
    return " ".join(text.split())


def highlighted(text: str, question: str, style: str = "", match_style: str = "bold underline") -> Text:
    """``text`` (made safe) with the words the question asked about in ``match_style``."""
    out = Text(terminal_safe(text), style=style, no_wrap=False)
    for start, end in match_spans(question, text):
        out.stylize(match_style, start, end)
    return out


def plain(text: str, style: str = "") -> Text:
    return Text(terminal_safe(text), style=style)
