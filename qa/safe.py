"""Corpus text is data: make it safe to print on a terminal.

Control characters (an escape sequence, a carriage return, a bell) become visible symbols and
bidirectional overrides a space, one character for one, so offsets into the text still hold.
Everything printable, non-breaking spaces and non-Latin scripts included, is left as it is.
A terminal only acts on control characters (ESC starts every CSI, OSC 8 link and OSC 52
clipboard sequence; 8-bit CSI/OSC are C1 controls), so with none left nothing in a document
can move the cursor, retitle the window, write the clipboard or hide text.
"""

from __future__ import annotations

import re
import unicodedata

_SURROGATE = re.compile("[\ud800-\udfff]")
# bidirectional overrides and isolates can reorder what a terminal shows ("Trojan source")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _safe_char(ch: str) -> str:
    if ch in "\n\t":
        return ch
    code = ord(ch)
    if code < 0x20:
        return " " if ch == "\r" else chr(0x2400 + code)  # control pictures: ␛ for ESC
    if code == 0x7F:
        return "\u2421"
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs"):  # C1 controls (8-bit CSI, OSC), and lone surrogates that cannot be printed
        return "\ufffd"
    if ch in _BIDI or category in ("Zl", "Zp"):
        return " "
    return ch


def terminal_safe(text: str) -> str:
    """``text`` with every control character replaced by a visible one (same length)."""
    if text.isprintable():
        return text
    return "".join(map(_safe_char, text))


def terminal_safe_line(text: str) -> str:
    """``terminal_safe``, and newlines and tabs shown as symbols too: one line whatever ``text``
    holds (a file name with a newline in it, a warning quoting one)."""
    return terminal_safe(text).replace("\n", "\u2424").replace("\t", "\u2409")


def clean_question(text: str) -> str:
    """A question as the engine can take it: characters that are not Unicode (lone surrogates,
    which undecodable bytes in a command line become) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)
