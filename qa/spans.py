"""The short answer's edges: the reader's span head picks a phrase, which is widened to what it is
part of, so that the highlighted answer reads whole.

- a range: "£43,860" in "£43,860 - £49,827 p.a." is "£43,860 - £49,827";
- a name: "Bowman" in "director Isiah Bowman said" is "Isiah Bowman"; "10" in "the IMPOWER Top 10
  Index shows" is "IMPOWER Top 10 Index" (a number only when capitalised words are on both sides);
- a list: "corporate resources" in "cabinet member for corporate resources, strategy and
  partnerships, said" is "corporate resources, strategy and partnerships" (three or more items of
  one to three words, alike: numbers, names or plain words, none opening a clause; ending at
  punctuation).

Only whole words are added, never across a sentence's end; the span found is always kept inside.
"""

from __future__ import annotations

import re

# capitalised at a sentence's start or in a title, but not part of a name
_NOT_NAME = frozenset(
    "a an the in on at of for to by with from and or but as if so not no is was are were be has had have "
    "this that these those it its his her their our my your we he she they i you mr mrs ms dr sir lord "
    "after before when while since during under over".split()
)
_NUMBER_END = re.compile(r"(?:\d|\d[.,]?\d*\s?(?:m|bn|k|%))$")
_RANGE_AFTER = re.compile(
    r"\s?(?:-|–|—|to)\s?[£$€¥]?\d[\d,.]*\d?(?:\s?(?:m|bn|k|%|million|billion)(?![\w]))?"
)
_RANGE_BEFORE = re.compile(r"[£$€¥]?\d[\d,.]*(?:\s?(?:m|bn|k|%|million|billion))?\s?(?:-|–|—|to)\s?$")
_ITEM = r"[\w'’&-]+(?: [\w'’&-]+){0,2}"  # one to three words
_LIST_AFTER = re.compile(rf"(?:, {_ITEM})+,? (?:and|or) {_ITEM}(?=[,;:.!?()\"“”]|$)")
# a clause, not a list item, starts with these: "1973, when Syria and Egypt …", "R, an algebraic structure"
_CLAUSE = frozenset(
    "a an the which whose who whom where when while at by as such that this these those it its his her their "
    "there then thus so if but and or use using including".split()
)
_WORD = re.compile(r"[\w'’.&-]+")
_WORD_END = re.compile(r"[\w'’.&-]+$")


def _name_word(word: str) -> bool:
    """A capitalised word (or one in capitals) that is not a function word: part of a name."""
    core = re.sub(r"['’]s$", "", word)
    return bool(core) and core[0].isupper() and core.lower() not in _NOT_NAME and not core.endswith(".")


def _sentence_start(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return not before or before[-1] in ".!?\"“”:\n"


def _word_before(text: str, i: int) -> tuple[int, str] | None:
    """The word ending one space before offset ``i`` (no punctuation between), as ``(start, word)``."""
    if i < 2 or text[i - 1] != " ":
        return None
    m = _WORD_END.search(text, 0, i - 1)
    return (m.start(), m.group(0)) if m else None


def _word_after(text: str, i: int) -> tuple[int, str] | None:
    """The word starting one space after offset ``i``, as ``(end, word)``, a possessive cut off."""
    if i + 1 >= len(text) or text[i] != " ":
        return None
    m = _WORD.match(text, i + 1)
    if not m:
        return None
    word = m.group(0).rstrip(".")
    cut = re.search(r"['’]s$", word)
    return (m.start() + (cut.start() if cut else len(word)), word)


def _widen_name(text: str, start: int, end: int) -> tuple[int, int]:
    words = text[start:end].split()
    if not words:
        return start, end
    numeric = all(w[0].isdigit() for w in words)
    if numeric:  # "Top 10 Index": a number inside a name, capitalised words on both sides
        left, right = _word_before(text, start), _word_after(text, end)
        if not (left and right and _name_word(left[1]) and _name_word(right[1]) and not _sentence_start(text, left[0])):
            return start, end
    if _name_word(words[0]) or numeric:
        while (w := _word_before(text, start)) and _name_word(w[1]) and not _sentence_start(text, w[0]) \
                and not w[1].endswith(("'s", "’s")):  # "The Office's Ricky Gervais": another name's
            start = w[0]
    if _name_word(words[-1]) or numeric:
        while (w := _word_after(text, end)) and _name_word(w[1]) and not w[1].endswith(("'s", "’s")) and w[0] > end:
            end = w[0]
        if (w := _word_after(text, end)) and _name_word(w[1]) and w[1].endswith(("'s", "’s")):
            end = w[0]  # "Stoke-on-Trent City Council’s": the name, not its possessive
    return start, end


def widen(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)``, a span of ``text``, widened to the range, name or list it is part of."""
    if not 0 <= start < end <= len(text):
        return start, end
    span = text[start:end]
    if any(c.isdigit() for c in span):
        if _NUMBER_END.search(span) and (m := _RANGE_AFTER.match(text, end)):
            end = m.end()
        elif (m := _RANGE_BEFORE.search(text[:start])) and span[:1] in "£$€¥0123456789":
            start = m.start()
    start, end = _widen_name(text, start, end)
    if len(text[start:end].split()) <= 3 and (m := _LIST_AFTER.match(text, end)) and _alike(text[start:end], m.group(0)):
        end = m.end()
    return start, end


def _kind(phrase: str) -> str:
    first = phrase.split()[0] if phrase.split() else ""
    return "number" if first[:1].isdigit() else "name" if first[:1].isupper() else "word"


def _alike(span: str, rest: str) -> bool:
    """True when ``rest`` (", b and c") continues ``span`` as a list: short items of the same kind
    (numbers, names or plain words) none of which opens a clause."""
    items = [i.strip() for i in re.split(r",|\band\b|\bor\b", rest) if i.strip()]
    return bool(items) and all(i.split()[0].lower() not in _CLAUSE and _kind(i) == _kind(span) for i in items)
