"""Questions about who holds a role, read in the words of the sentence that names the holder.

People ask "who runs the national gallery", "who's the boss of m&s", "who edits pc pro"; the
articles say "Charles Saumarez Smith, the gallery's director", "Stuart Rose, head of M&S", "Tim
Danton, editor of PC Pro". The reader, trained on questions that reuse the passage's words, gives
the sentence that names the director a fraction of the score it gives it when asked "who is the
director of the national gallery". ``in_words_of`` asks a candidate sentence the question that
way: where the question asks who runs (heads, leads, is the boss of, edits, founded, owns …)
something and the sentence names a role of that kind, the question is read as "who is the
<role> of <the thing asked about>", with the sentence's own role word. A question that names a
title itself ("who is the chief executive of abn amro") is read as asked: "chief" in "ABN Amro
chief Asian strategist" does not answer it. Any other question, or a sentence that names no such
role, is read as asked too.
"""

from __future__ import annotations

import re

# the roles a sentence names the one who runs something with
_LEAD_ROLES = (
    "chief executive officer", "chief executive", "chief operating officer", "managing director",
    "director general", "director-general", "secretary general", "secretary-general",
    "general secretary", "executive director", "chairman", "chairwoman", "chairperson", "president",
    "director", "chief", "boss", "head", "leader", "ceo", "chair",
)
_EDITORS = ("editor-in-chief", "editor in chief", "editor")
_FOUNDERS = ("co-founder", "founder")
_CAPTAINS = ("captain", "skipper")
# question phrasing -> the roles it asks about
_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"runs?|heads?|headed|leads?|led|(?:is )?in charge (?:of|at)"
     r"|(?:is )?(?:the )?(?:boss|head|chief|leader) (?:of|at)", _LEAD_ROLES),
    (r"edits?|edited", _EDITORS),
    (r"founded|set up|started", _FOUNDERS),
    (r"owns?|owned", ("owner",)),
    (r"manages?|managed", ("managing director", "manager")),
    (r"chairs?|chaired", ("chairman", "chairwoman", "chairperson", "chair")),
    (r"coach(?:es)?|coached", ("head coach", "coach", "manager")),
    (r"directed|directs?", ("director",)),
    (r"captains?|captained", _CAPTAINS),
)
# a role named just after these is not the one who runs it: "Ian Harris, deputy editor of Mac
# Format" does not edit it; "former chief executive"
_SECOND = re.compile(r"\b(?:deputy|assistant|vice|associate|former|ex)\b[-\s]+(?:[\w'’]+\s+)?$", re.IGNORECASE)
# each family: the question's pattern, its roles, and those roles as one pattern (longest first,
# so that at one place "chief executive" is found before "chief")
_ASKED = [
    (
        re.compile(r"^\s*who(?:'s|’s|\s+is|\s+was)?\s+(?:" + verbs + r")\s+(?P<thing>\S.*?)\s*\??\s*$", re.IGNORECASE),
        roles,
        re.compile(r"\b(?:" + "|".join(re.escape(r) for r in sorted(roles, key=len, reverse=True)) + r")\b", re.IGNORECASE),
    )
    for verbs, roles in _FAMILIES
]


def role_asked(question: str) -> tuple[str, tuple[str, ...]] | None:
    """``(the thing asked about, the role words that answer it)`` when ``question`` asks who
    runs, heads, edits, founded (…) something; None otherwise."""
    asked = _family(question)
    return None if asked is None else (asked[0], asked[1])


def _family(question: str) -> tuple[str, tuple[str, ...], re.Pattern[str]] | None:
    for pattern, roles, named in _ASKED:
        m = pattern.match(question)
        if m:
            return m.group("thing"), roles, named
    return None


def in_words_of(question: str, sentence: str) -> str:
    """``question`` as the reader is to read it with ``sentence``: "who is the <role> of <thing>"
    with the first role word ``sentence`` names of those the question asks about, else as asked."""
    asked = _family(question)
    if asked is None:
        return question
    thing, _, named = asked
    for m in named.finditer(sentence):
        if not _SECOND.search(sentence, 0, m.start()):
            return f"who is the {m.group(0).lower()} of {thing}"
    return question


# a title a question asks the holder of ("who is the director of children's services"), and the
# words a quote names its holder with: one of the same family ("Fed chief" for "chairman"; for
# those who lead, also "led" (so "led by" too; not "led to"), "under the leadership of", "governed
# by"), else the title itself
_LEAD_VERBS = ("led", "leads", "leadership", "headed by", "chaired by", "run by", "governed by", "ruled by", "in charge")
_TITLE_FAMILIES: tuple[tuple[str, ...], ...] = (
    _LEAD_ROLES + _LEAD_VERBS,
    (*_EDITORS, "edited by"),
    (*_FOUNDERS, "founded by"),
    ("owner", "owned by"),
    ("managing director", "manager", "managed by", "boss", "coach"),
    ("head coach", "coach", "coached by", "manager", "boss"),
    (*_CAPTAINS, "captained by"),
    ("prime minister", "premier", "pm"),
    ("commissioner",), ("secretary",), ("minister",), ("mayor",), ("governor",), ("chancellor",),
    ("ambassador",), ("spokesman", "spokeswoman", "spokesperson"), ("treasurer",), ("commander",),
    ("speaker",), ("king",), ("queen",), ("archbishop",), ("bishop",), ("presenter", "host"), ("producer",),
)
_TITLE_ASKED = re.compile(
    r"^\s*(?:who(?:'s|’s|\s+is|\s+was|\s+are|\s+were)|what(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+)?names?\s+of)"
    r"\s+(?:the\s+)?(?:[\w'’&.-]+\s+){0,3}?(?P<title>"
    + "|".join(sorted({re.escape(fam[0]) for fam in _TITLE_FAMILIES} | {re.escape(r) for r in _LEAD_ROLES},
                      key=len, reverse=True))
    + r")s?\b",
    re.IGNORECASE,
)


_LED_TO = re.compile(r"\b(?:led|leads)\s+(?:to|up\s+to)\b", re.IGNORECASE)


def title_asked(question: str) -> tuple[str, tuple[str, ...]] | None:
    """``(the title, the words that name its holder)`` when ``question`` asks who holds a named
    title ("who is the director of …", "who's the fed chairman", "what's the name of stoke's director
    of children's services"); None otherwise."""
    m = _TITLE_ASKED.match(question)
    if m is None:
        return None
    title = m.group("title").lower()
    words = {w for fam in _TITLE_FAMILIES if title in fam for w in fam}
    return title, tuple(sorted(words, key=len, reverse=True))


def names_title(text: str, words: tuple[str, ...]) -> bool:
    """True when ``text`` names one of the title ``words`` (or its plural); "led to" leads no one."""
    text = _LED_TO.sub(" ", text)
    return re.search(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")s?\b", text, re.IGNORECASE) is not None
