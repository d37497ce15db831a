"""Follow-up questions: fold the conversation into a question that leans on it.

"What is her other cabinet role?" after "Who leads Stoke-on-Trent City Council?" cannot be
answered alone: "her" points back. When a question has such a pointer (a pronoun, "that
job", "the same") or too few content words of its own, the earlier questions are added to
what is searched for, most recent first; a question that stands alone is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.lexical import query_tokens

_POINTERS = re.compile(
    r"\b(?:he|she|him|her|hers|his|they|them|their|theirs|it|its|this|that|these|those|"
    r"there|then|the same|the former|the latter|such)\b",
    re.IGNORECASE,
)


# "and when was that?", "what about the first one?": a turn that opens by carrying on
_CARRIES_ON = re.compile(r"^\W*(?:and|but|so|also|then|what about|how about)\b", re.IGNORECASE)


def leans_on_history(question: str) -> bool:
    return bool(_POINTERS.search(question) or _CARRIES_ON.search(question)) or len(query_tokens(question)) < 2


def contextualise(question: str, history: Sequence[str], turns: int = 1) -> str:
    """The text to search for: the question, plus the last ``turns`` questions if it leans on them."""
    earlier = [h.strip() for h in history if h and h.strip()]
    if not earlier or not leans_on_history(question):
        return question
    return " ".join([question, *reversed(earlier[-turns:])])
