"""Corpus text is data: make it safe to print on a terminal.

Control characters (an escape sequence, a carriage return, a bell) become visible symbols and
bidirectional overrides a space, one character for one, so offsets into the text still hold.
Everything printable, non-breaking spaces and non-Latin scripts included, is left as it is.
"""

from __future__ import annotations

import unicodedata

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
    if category == "Cc":
        return "\ufffd"
    if ch in _BIDI or category in ("Zl", "Zp"):
        return " "
    return ch


def terminal_safe(text: str) -> str:
    """``text`` with every control character replaced by a visible one (same length)."""
    if text.isprintable():
        return text
    return "".join(map(_safe_char, text))
