"""Follow-up questions: fold the conversation into a question that leans on it.

"What is her other cabinet role?" after "Who leads Stoke-on-Trent City Council?" cannot be
answered alone: "her" points back. When a question has such a pointer (a pronoun, "that
job", "the same"), too few content words of its own, or names with "the" a thing the last
question or its answer spoke of ("what's the show called" after an answer about a radio show),
the earlier questions are added to what is searched for, most recent first; a question that
stands alone is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.answer_types import is_statement
from qa.lexical import query_tokens

_POINTERS = re.compile(
    r"\b(?:he|she|him|her|hers|his|they|them|their|theirs|it|its|that|these|those|"
    r"there|then|the same|the former|the latter|such)\b"
    # a person named by no more than "the guy", "that woman": the one the last turn spoke of
    r"|\b(?:the|that|this)\s+(?:guy|bloke|chap|fellow|fella|man|woman|lady|girl|boy|person)(?:'s|’s)?\b"
    # "this year", "this week": today's, not a time the last turn named ("that year" is one)
    r"|\bthis\b(?!\s+(?:year|week|month|season|morning|afternoon|evening|weekend|summer|winter|spring|autumn)\b)",
    re.IGNORECASE,
)


# "and when was that?", "what about the first one?": a turn that opens by carrying on
_CARRIES_ON = re.compile(r"^\W*(?:and|but|so|also|then|plus|what about|how about)\b", re.IGNORECASE)


# "the show", "the hotspots": a thing named with the definite article, as one already spoken of
_DEFINITE = re.compile(r"\bthe\s+([\w'’-]+)(?:\s+([\w'’-]+))?", re.IGNORECASE)


def _takes_up(question: str, last_turn: str) -> bool:
    """True when ``question`` names with "the" a thing the last turn spoke of and adds at most one
    content word of its own: "what's the show called" after an answer about Peel's "radio show",
    "who runs the hotspots" after "how many hotspots will offer free calls"; not "who wrote the
    stoke article" after an answer from Stoke-on-Trent (it names what it asks about itself), nor
    "who is the author of pytz" after an answer naming Faiss's authors (its own word is a coined
    name: ``qa.names.coined``)."""
    if not last_turn:
        return False
    spoken = set(query_tokens(last_turn))
    own = set(query_tokens(question)) - spoken
    if len(own) > 1 or _names_its_own(question, own):  # "who is the author of pytz": a new subject, named
        return False
    return any(spoken & set(query_tokens(" ".join(w for w in m.groups() if w))) for m in _DEFINITE.finditer(question))


def _names_its_own(question: str, own: set[str]) -> bool:
    """Whether a word of ``question`` that gives one of its ``own`` tokens (those the last turn did
    not have) is no word of the models' vocabulary ("pytz", "tzlocal"): a name, which a question
    taking up the last turn's thing would not bring (``qa.names.coined``)."""
    from qa.names import coined

    words = (w for w in re.findall(r"[^\W_][\w'’-]*", question.lower()) if set(query_tokens(w)) & own)
    return any(any(c.isalpha() for c in w) and coined(w) for w in words)


def leans_on_history(question: str, last_turn: str = "") -> bool:
    """True when ``question`` cannot be asked alone: it points back ("her", "that job"), carries on
    ("and when?"), has fewer than two content words, or names with "the" a thing the last turn
    (its question and the answer it got, ``last_turn``) spoke of."""
    return (
        bool(_POINTERS.search(question) or _CARRIES_ON.search(question))
        or len(query_tokens(question)) < 2
        or _takes_up(question, last_turn)
    )


_NAMES_NOTHING = 4  # content words at most of a question that carries on the thread's named subject


def _keeps_subject(question: str, earlier: Sequence[str], names: Callable[[str], bool] | None) -> bool:
    """True when ``question``, a short one (four content words at most) that names nothing
    (``names``: whether a text names a file of the corpus, "faiss" for ``faiss-cpu.md``), follows
    questions of which the last, or one it leans on, named its subject: "what's the base exception
    called" after "what's the idna package for" and "what python does it need", "who implemented
    the gpu part" after "what is faiss" ask about idna and Faiss, as a person in a chat on them
    means. Without ``names`` (a corpus whose files are not named for their subjects), False."""
    if names is None or not earlier or len(query_tokens(question)) > _NAMES_NOTHING or names(question):
        return False
    return any(names(h) for h in thread(earlier, names=names))


def is_claim(text: str, min_words: int = 8) -> bool:
    """True when ``text`` is a statement (``qa.answer_types.is_statement``) of ``min_words`` words
    or more that does not open by carrying on ("and …"): a claim of its own, which no earlier turn
    completes. "Mobile phone makers are adding better cameras to their handsets this year." typed
    after another turn is such a claim; its "their" is its own makers, not the last answer's."""
    return (len(re.findall(r"[^\W_]+", text)) >= max(min_words, 1) and not _CARRIES_ON.search(text)
            and is_statement(text, min_words))


def thread(history: Sequence[str], most: int = 3, names: Callable[[str], bool] | None = None) -> list[str]:
    """The earlier questions a follow-up leans on, the last first: the last question, and where it
    leaned on the one before it (it points back, carries on or names too little to stand alone),
    that one too, up to ``most``. In "how do i install typer", "what python does it need", "and
    whats the license", the licence asked of is typer's, which only the first names."""
    earlier = [h.strip() for h in history if h and h.strip()]
    out: list[str] = []
    for i in range(len(earlier) - 1, -1, -1):
        out.append(earlier[i])
        if len(out) >= most or not (leans_on_history(earlier[i]) or _keeps_subject(earlier[i], earlier[:i], names)):
            break
    return out


def contextualise(
    question: str, history: Sequence[str], turns: int = 1, last_answer: str = "", names: Callable[[str], bool] | None = None
) -> str:
    """The text to search for: the question, plus the earlier questions it leans on (``thread``;
    at least the last ``turns``) if it leans on them (``last_answer``: the quote the last question
    got, which the question may take up)."""
    earlier = [h.strip() for h in history if h and h.strip()]
    if not earlier or not (leans_on_history(question, f"{earlier[-1]} {last_answer}") or _keeps_subject(question, earlier, names)):
        return question
    leaned = thread(earlier, names=names)
    return " ".join([question, *(leaned if len(leaned) >= turns else reversed(earlier[-turns:]))])


# a person's pronoun: after "who …?" it most often means the person just named in the answer
_PERSON = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|theirs)\b", re.IGNORECASE)
_WHO = re.compile(r"^\W*who(?:m|'s|’s)?\b", re.IGNORECASE)
_BE = re.compile(r"^\W*who(?:'s|’s|\s+(?:is|was|are|were))\s", re.IGNORECASE)
# "her" as an object (nothing or a preposition after it), not "her review"
_AFTER_OBJECT = frozenset("to for from with at in on about and or up out back off down by as than".split())
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|of|de|da|van|von|der|la|le|al|bin|du)$")


def _name_like(text: str) -> bool:
    """A short run of capitalised words, as a person's or body's name is: "Dean Goldfine", "Ofsted"."""
    words = text.split()
    return 0 < len(words) <= 5 and words[0][:1].isupper() and all(_NAME_WORD.match(w) for w in words)


def resolve_person(question: str, history: Sequence[str], previous_span: str | None) -> str:
    """``question`` with its first personal pronoun replaced by the name the last answer gave,
    when the last question asked who did something: "how old is he" after "who's set to be
    roddick's new coach" (answered "Dean Goldfine") is read as "how old is Dean Goldfine".
    Anything else is left as it is: "who is Eleanor Brazil?" names its person itself, and
    "it", "that", "there" point at things, not people."""
    earlier = [h.strip() for h in history if h and h.strip()]
    if not earlier or not previous_span or not _WHO.match(earlier[-1]) or not leans_on_history(question):
        return question
    name = previous_span.strip(" ,.;:\"'()")
    if not _name_like(name) or name.lower() in earlier[-1].lower():
        return question
    if _BE.match(earlier[-1]) and len(query_tokens(earlier[-1])) <= 3:
        return question  # "who is eleanor brazil": the question named the person; the answer says what they are
    m = _PERSON.search(question)
    if not m:
        return question
    word = m.group(1).lower()
    rest = question[m.end():].split()
    following = rest[0].strip("?!.,;:").lower() if rest else ""
    possessive = word in ("his", "their", "hers", "theirs") or (word == "her" and following and following not in _AFTER_OBJECT)
    return question[: m.start()] + (f"{name}'s" if possessive else name) + question[m.end():]


# "it" after "who did the review?": not the person (that is the answer), the thing the question named
_IT = re.compile(r"\b(it|its)\b", re.IGNORECASE)
_OBJECT = re.compile(
    r"\b(?:the|this|that|a|an)\s+((?:[\w'’-]+\s+){0,2}?[\w'’-]+)"
    r"(?=\s+(?:for|of|in|on|at|to|with|by|from|about|into|instead|after|before|during|when|while|and|or|as)\b|\s*[?.!,;:]|\s*$)",
    re.IGNORECASE,
)


def resolve_thing(question: str, history: Sequence[str]) -> str:
    """``question`` with "it" replaced by the thing the last question named, when that question
    asked who did something: "how long did it take" after "who did the review" is read as "how
    long did the review take" (the reader, given "it", preferred "It is going to take time").
    "it" cannot be the person asked for; the thing is the first noun phrase with an article after
    the verb ("who set up the wifi network for the pandas" names "the wifi network")."""
    earlier = [h.strip() for h in history if h and h.strip()]
    if not earlier or not _WHO.match(earlier[-1]) or not leans_on_history(question):
        return question
    thing = _OBJECT.search(earlier[-1])
    m = _IT.search(question)
    if not thing or not m:
        return question
    phrase = thing.group(0).strip().rstrip("?.!,;:")
    if m.group(1).lower() == "its":
        phrase = f"{phrase}'s"
    return question[: m.start()] + phrase.lower() + question[m.end():]


# "what about sortedcontainers", "and how about typer?": the last question again, of another thing
_ABOUT = re.compile(r"^\W*(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+([^\W_][\w.+-]*)\W*$", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_][\w.+-]*")
_THING = re.compile(r"\b(?:it|its)\b", re.IGNORECASE)  # what "it" points at in the last question


def substitute(question: str, history: Sequence[str], is_name: Callable[[str], bool]) -> str:
    """The last question asked again of another thing, when ``question`` is "what about X" and X
    and one word of the last question are names (``is_name``: a file of the corpus, a word no
    model knows): "what about sortedcontainers" after "what license is trafilatura under" is read
    as "what license is sortedcontainers under". Left as it is otherwise ("what about the first
    one?" names nothing to put in another's place; the search still leans on the last question)."""
    earlier = [h.strip() for h in history if h and h.strip()]
    m = _ABOUT.match(question)
    if not m or not earlier:
        return question
    new = m.group(1)
    if not is_name(new.lower()):
        return question
    last = earlier[-1]
    olds = [w for w in _TOKEN.finditer(last) if w.group(0).lower() != new.lower() and is_name(w.group(0).lower())]
    if not olds:
        # "what about rich" after "how do i install typer" … "who made it": the thing "it" stood
        # for is named earlier in the thread; X takes the pronoun's place ("who made rich")
        named = {w.group(0).lower() for h in thread(earlier, most=5)[1:] for w in _TOKEN.finditer(h) if is_name(w.group(0).lower())}
        it = _THING.search(last)
        if it is None or len(named) != 1 or new.lower() in named:
            return question
        return last[: it.start()] + (f"{new}'s" if it.group(0).lower() == "its" else new) + last[it.end() :]
    if len({w.group(0).lower() for w in olds}) != 1:
        return question  # more than one thing it could stand for
    for w in reversed(olds):
        last = last[: w.start()] + new + last[w.end() :]
    return last
