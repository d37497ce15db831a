"""Bylines: who wrote a piece, and when it was published.

A news page or a blog says who wrote each piece on a line of its own: "By Lisa McNally | 09
February 2026", "William Eichler 01 November 2019". People ask "who wrote the piece on total
place", "who wrote about suffolk", "when was the stoke article published". The reader, trained on
encyclopedia paragraphs, has never seen such a line answer a question; it rates one far below a
sentence that quotes the same person ("…, says Lisa McNally."). Where a question asks who wrote
something or when it was published, ``qa.answers`` has the bylines of the candidates' files read
too and adds to their score; everything else about the answer (its file, the names it must
mention, the threshold) is as for any question.
"""

from __future__ import annotations

import re
import weakref

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})"
)
_HONORIFIC = r"(?:(?:Cllr|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Baroness|Rev|Mr|Mrs|Ms|Miss)\.?\s+)"
_NAME_WORD = r"[A-Z][\w'’.-]*"
_PARTICLE = r"(?:de|da|van|von|der|den|la|le|al|bin|du|di)"
# a person's name: two to four capitalised words, after an honorific perhaps ("Cllr Carl Jackson")
_NAME = rf"{_HONORIFIC}?{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+){{0,2}}{_NAME_WORD}){{1,3}}"
_NAMES = rf"{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*"
_SEP = r"\s*[|·•,–—-]?\s*"
_BYLINE = re.compile(
    rf"^\s*(?:(?:(?:Written|Posted|Words|Story|Report(?:ed)?)\s+)?[Bb]y\s+{_NAMES}(?:{_SEP}(?:{_DATE}|on\s+{_DATE}))?"
    rf"|{_NAMES}{_SEP}{_DATE})\s*$"
)

# "who wrote the piece on total place", "who's the author of the stoke article", "whose article is it"
_ASKS_AUTHOR = re.compile(
    r"\bwho\s+(?:wrote|writes|has\s+written|had\s+written|authored|penned)\b"
    r"|\bwho(?:'s|’s|\s+is|\s+was)\s+(?:the\s+)?(?:author|writer|journalist|reporter)\b"
    r"|\bwhose\s+(?:article|piece|story|column|post|blog|report|byline)\b"
    r"|\b(?:written|authored|penned)\s+by\s+(?:whom|who)\b|\bby\s+whom\b",
    re.IGNORECASE,
)
# "when was the stoke article published", "what date was it posted"
_ASKS_PUBLISHED = re.compile(
    r"\b(?:when|what\s+(?:date|day))\b.*\b(?:published|posted|written|dated|filed)\b", re.IGNORECASE
)


def asks_byline(question: str) -> bool:
    """True when ``question`` asks who wrote a piece or when it was published."""
    return bool(_ASKS_AUTHOR.search(question) or _ASKS_PUBLISHED.search(question))


def is_byline(text: str) -> bool:
    """True when ``text`` (a sentence of the index, a line of its own) is a byline: "By Lisa
    McNally | 09 February 2026", "William Eichler 01 November 2019", "By Cllr Carl Jackson"."""
    return len(text) <= 120 and _BYLINE.match(text) is not None


# per loaded index: a file's byline rows, found once
_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def byline_rows(index, file: int) -> list[int]:
    """The sentence rows of ``file`` that are bylines (``is_byline``)."""
    found = _FOUND.setdefault(index, {})
    if file not in found:
        lo, hi = index.files[file].sentences
        found[file] = [s for s in range(lo, hi) if is_byline(index.sentence_text(s))]
    return found[file]
