"""What kind of thing a question asks for, whether a sentence holds one, and whether the input
is a question at all.

Cheap surface cues, no model: "who" wants a name, "when" a date, "how many/much" a number or a
sum, "where" a place. A sentence "holds" the type when it has such a token that the question
itself does not already contain.
"""

from __future__ import annotations

import re

PERSON, DATE, NUMBER, PLACE, NAME, NONE = "person", "date", "number", "place", "name", ""

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion trillion dozen half quarter third percent"
).split()

_DATE_RE = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b|\b(?:" + "|".join(_MONTHS + _WEEKDAYS) + r")\b|\bcentur(?:y|ies)\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)\b|\bdecades?\b|\b(?:today|yesterday|tomorrow)\b",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(
    r"\d|[£$€¥%]|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]*[a-z][\w'’-]*")

# "what's the deadline", "what deadline did he set", "what's the closing date": a deadline is a date
_DEADLINE = (
    r"\bwhat(?:(?:'s|’s|s)\s+|\s+(?:(?:is|was|are|were)\s+)?)(?:(?:the|their|its)\s+)?(?:\w+\s+)?"
    r"(?:deadline|due\s+date|closing\s+date|cut-?off\s+date)s?\b"
)
_WHEN = re.compile(
    r"^\s*when\b|\bwhat (?:year|date|day|month|time|century|decade|period|era)\b"
    r"|\bwhich (?:year|date|day|month|century|decade)\b|\bhow long ago\b|\bby when\b|" + _DEADLINE,
    re.IGNORECASE,
)
# "what was the crowd at clyde v celtic", "what was turnout in the by-election", "what's the
# population of …", "what was the final score": a count or a score, named by what it counts
_COUNT_NAMED = (
    r"\bwhat(?:'s|’s|s|\s+is|\s+was|\s+were|\s+are|\s+will\s+be)\s+(?:the\s+)?(?:\w+\s+)?"
    r"(?:crowd|attendance|turnout|population|head-?count|score|scoreline)"
    r"(?=\s*$|\s*[?.!,]|\s+(?:at|in|of|for|on|when|that|this|last|against|like|was|then|after|before|between)\b)"
)
_HOW_MUCH = re.compile(
    r"\bhow (?:much|many|long|old|far|big|large|tall|high|deep|wide|often|fast|heavy)\b|" + _COUNT_NAMED +
    r"|\bwhat (?:percentage|percent|proportion|number|amount|fraction|size|salary|price|cost|sum|rate|speed|distance)\b"
    r"|\b(?:salary|pay|cost|price|budget|figure)\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b|\bwho(?:m|se)?\b|\b(?:which|what) (?:person|people|man|woman|author|writer|leader)\b", re.IGNORECASE)
_WHICH = re.compile(
    r"\bwhich\s+(?!is\b|are\b|was\b|were\b|do\b|does\b|did\b|has\b|have\b|had\b|can\b|of\b)[a-z]+"
    r"|\bwhat\s+(?:team|company|council|organi[sz]ation|group|party|university|college|school|band|"
    r"agency|club|firm|newspaper|magazine|network|brand|church|book|film|album|river|language)\b",
    re.IGNORECASE,
)
_WHERE = re.compile(r"^\s*where\b|\bwhere\b|\b(?:which|what) (?:city|country|state|town|place|region|continent|location)\b", re.IGNORECASE)


def expected_type(question: str) -> str:
    if _WHEN.search(question):
        return DATE
    if _HOW_MUCH.search(question):
        return NUMBER
    if _WHO.search(question):
        return PERSON
    if _WHERE.search(question):
        return PLACE
    if _WHICH.search(question):
        return NAME
    return NONE


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def holds_type(sentence: str, kind: str, question: str) -> bool:
    """True when ``sentence`` has a token of ``kind`` that ``question`` does not contain."""
    if kind == NONE:
        return False
    asked = _words(question)
    if kind == DATE:
        return any(m.group(0).lower() not in asked for m in _DATE_RE.finditer(sentence))
    if kind == NUMBER:
        return any(m.group(0).lower() not in asked for m in _NUMBER_RE.finditer(sentence))
    # person / place / name: a capitalised word (not the sentence's first) the question lacks
    return any(m.group(0).lower().strip("'’") not in asked for m in _CAPITALISED.finditer(sentence))


# "what does the job pay", "what will it cost" (not "what do they pay for"): a sum is asked
_WHAT_IT_PAYS = (
    r"\bwhat (?:does|do|did|will|would) (?:[\w'’-]+ ){1,4}(?:cost|pay(?! for)|earn|charge)\b"
    # "whats the price of the nokia 7710" (spelt out: "what is the price …")
    r"|\bwhat(?:'s|’s|\s+is|\s+was|\s+are|\s+were|\s+will\s+be)\s+the\s+(?:price|cost|fee|salary|fine|budget|wage)s?\b"
)
# a question that asks for a count, a sum, an age, a share or a duration: its answer holds one
_QUANTITY = re.compile(
    r"\bhow (?:much|many|old|long|big|large)\b|" + _COUNT_NAMED +
    r"|\bwhat (?:percentage|percent|proportion|share|number|amount|fraction|salary|price|cost|sum|age)\b"
    r"|" + _WHAT_IT_PAYS,
    re.IGNORECASE,
)
# ... and one that asks for a sum of money: its answer names one
_MONEY_WORDS = (
    r"(?:costs?|pa(?:y|ys|id)|spen[dt]|spending|worth|charged?|earn(?:s|ed)?|prices?|tickets?|fees?|"
    r"salary|fined?|prize|bid|offer(?:ed)?|sold|sell|invest(?:ed)?|budget|money|cash|funding|subscriptions?|rent|fares?|"
    r"bonus(?:es)?|pensions?|compensation|payouts?|pay-?offs?|damages|loans?|profits?|revenues?|turnover|wages?)"
)
_MONEY_ASKED = re.compile(
    r"\bhow (?:much|big|large)\b.*\b" + _MONEY_WORDS + r"\b"
    r"|\bwhat (?:price|salary|cost|fee|fine)\b"
    r"|" + _WHAT_IT_PAYS,
    re.IGNORECASE,
)
# "how much memory does each reference cost", "how much time did it take": what is measured is
# named, and it is no money
_HOW_MUCH_OF = re.compile(
    r"\bhow much\s+((?:[a-z][\w-]*\s+){1,3}?)(?:do|does|did|is|was|are|were|will|would|can|could|has|have|had|should)\b",
    re.IGNORECASE,
)
_NOT_A_MEASURE = re.compile(r"^(?:(?:more|less|extra|in|of|the|a|an|that|this|it|they|he|she|we|you|i)\s+)+$", re.IGNORECASE)
_MONEY_WORD = re.compile(r"\b" + _MONEY_WORDS + r"\b", re.IGNORECASE)


def _asks_money(question: str) -> bool:
    """True when ``question`` asks for a sum of money: "how much did universal pay", "what does the
    job pay"; not "how much memory does each reference cost", which names what it measures."""
    if not _MONEY_ASKED.search(question):
        return False
    m = _HOW_MUCH_OF.search(question)
    if m is None or _NOT_A_MEASURE.match(m.group(1)):
        return True
    return _MONEY_WORD.search(m.group(1)) is not None
# "free" that is no price: "90 duty free stores", "a free kick", "free trade"
_NOT_A_PRICE = re.compile(
    r"\b(?:duty|tax|toll|debt|interest|risk|rent|royalty|scot)[- ]free\b"
    r"|\bfree[- ](?:trade|kicks?|agents?|agency|markets?|speech|will|world|software|throws?|press|votes?|elections?|flow)\b",
    re.IGNORECASE,
)
_SPENT = re.compile(r"\bspen[dt]\b|\bspending\b", re.IGNORECASE)  # a sum spent is never "free", as a price may be
# a price paid or spent, which a share is not ("how much did it cost"; not "how much was the pay rise")
_PRICE_ASKED = re.compile(
    r"\b(?:pa(?:y|ys|id)|sold|sell|sells|bought|buy|buys)\s+(?:\w+\s+)?for\b|" + _SPENT.pattern + r"|\bcosts?\b", re.IGNORECASE
)
# a change asked for ("by how much is military spending going up"): a share is its answer too
_CHANGE_ASKED = re.compile(
    r"\bby how much\b|\bhow much (?:[\w'’-]+ ){0,8}?(?:ris(?:e|es|ing|en)|rose|increas\w*|grow\w*|grew|fall\w*|fell|"
    r"drop\w*|go(?:es|ing|ne)? (?:up|down)|went (?:up|down)|climb\w*|jump\w*|soar\w*|slump\w*|declin\w*|shr[iu]nk\w*)\b",
    re.IGNORECASE,
)
_SHARE = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_MONEY = re.compile(
    r"[£$€¥%]|\b(?:pence|pounds?|dollars?|euros?|cents?|yen|yuan|francs?|marks?|lir[ae]|rupees?|pesos?|roubles?|rubles?|"
    r"krona|kronor|crowns?|free|per ?cent|\d+p)\b",
    re.IGNORECASE,
)
# what such an answer is written with: figures, sums, number words (also "dozens"), and the
# words that give a quantity without one ("several", "none", "free", "many times")
_VAGUE_WORDS = "several few couple handful double twice triple free none zero many numerous considerable substantial".split()
_QUANTITY_WORDS = _NUMBER_WORDS + _VAGUE_WORDS
_QUANTITY_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[£$€¥%]|\b(?:" + "|".join(_QUANTITY_WORDS) + r")s?\b", re.IGNORECASE)
# ... and those that give no age ("thousands of his possessions")
_VAGUE = frozenset(_VAGUE_WORDS + "hundred thousand million billion trillion dozen".split())
_AGE_ASKED = re.compile(r"\bhow old\b|\bwhat age\b|\bat what age\b", re.IGNORECASE)
_DAY_OF_MONTH = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + "|".join(_MONTHS) + r")\b|\b(?:" + "|".join(_MONTHS) + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)
_NUMBER_NAMES = "|".join(w.capitalize() for w in _NUMBER_WORDS)
# a capitalised number word, with the capitalised word before it (its group "prev") or after it ("next")
_NAMED_NUMBER = re.compile(
    r"(?:(?P<prev>\b[A-Z][\w'’-]*)[ \t]+)?(?P<num>\b(?:" + _NUMBER_NAMES + r")\b)(?:[ \t]+(?P<next>[A-Z][\w'’-]*))?"
)
_SENTENCE_OPENERS = ".!?:\"“‘'(•-–—*#"
_DURATION = re.compile(
    r"\b(?:second|minute|hour|day|night|week|fortnight|month|year|decade|centur(?:y|ie)|season)s?\b", re.IGNORECASE
)
# a number that is no one's age: one that measures a time ("a four-month review", "20 years ago";
# not "seven months old", "a 39-year-old"), or an ordinal ("his 17th turn"; not "his 60th birthday")
_TIME_SPAN = re.compile(
    r"\b(?:\d+(?:[.,]\d+)?|" + "|".join(_NUMBER_WORDS) + r")[- ](?:second|minute|hour|day|week|fortnight|month|year|decade)s?\b(?![- ]old)"
    r"|\b\d+(?:st|nd|rd|th)\b(?=\s+(?!birthday)\w)",
    re.IGNORECASE,
)


# "which party controls the council", "what political party is she in": its answer names a party
_PARTY_ASKED = re.compile(r"\b(?:which|what)\s+(?:political\s+)?part(?:y|ies)\b", re.IGNORECASE)
_PARTY_NAMED = re.compile(
    r"\bpart(?:y|ies)\b|\b(?:labour|labor|conservatives?|tory|tories|liberals?|lib\s?dems?|greens?|democrats?|"
    r"republicans?|snp|ukip|plaid|sinn\s+f[eé]in|nationals|socialists?|communists?|nationalists?|unionists?)\b",
    re.IGNORECASE,
)


# "which council did they end up partnering with", "what company bought it": a body is asked for,
# which no person is (the kind of thing, then a verb: not "what university alumni member …")
_BODY_ASKED = re.compile(
    r"^\W*(?:which|what)\s+(?:[\w'’-]+\s+)?(?:council|company|firm|club|team|country|city|town|school|university|"
    r"paper|newspaper|band|label|organi[sz]ation|agency|bank|hospital|court|authority|department|channel|"
    r"station|network|broadcaster|studio|airline|government|party|parties|group)s?"
    r"\s+(?:is|was|are|were|did|does|do|has|had|will|would|can|could|should|\w+ed)\b",
    re.IGNORECASE,
)
# the titles a person's name is written after ("Cllr Abi Brown", "Dr Foster"; also qa.credits' bylines)
HONORIFICS = "Cllr Councillor Mr Mrs Ms Miss Dr Sir Dame Lord Lady Baroness Prof Professor Rev".split()
_HONORIFIC = re.compile(r"\b(?:" + "|".join(HONORIFICS) + r")\.?\s+[A-Z]")
# a person's name in a quote: after one of these, two or three capitalised words ("Education
# secretary Gavin Williamson")
_PERSON_ROLE = re.compile(
    r"\b(?:secretary|leader|minister|commissioner|director|chairman|chairwoman|chair|president|executive|boss|"
    r"head|coach|manager|captain|editor|spokesman|spokeswoman|spokesperson|mayor|governor|chancellor|member|"
    r"councillor|professor|analyst|founder|owner|presenter|actor|actress|singer|player)\W{0,2}\s*$",
    re.IGNORECASE,
)
_FULL_NAME = re.compile(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2}")


_BODY_WORDS = frozenset(
    "council councils city county borough district metropolitan company firm club team group the of and plc ltd fc".split()
)


def restates(short: str | None, question: str) -> bool:
    """True when the short answer ``short`` names only what ``question`` names already, besides
    words such as "council", "city", "club": "Stoke-on-Trent City Council" for "which council
    ended up partnering with stoke" (a word of the answer counts as the question's where it
    starts with one of its words of four letters or more)."""
    if not short:
        return False
    asked = [w for w in re.findall(r"[^\W\d_]+", question.lower()) if len(w) >= 4]
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", short.lower()) if w not in _BODY_WORDS]
    return bool(words) and all(any(w.startswith(a) for a in asked) for w in words)


def asks_body(question: str) -> bool:
    """True when ``question`` asks which body (council, company, club, country …) did something."""
    return bool(_BODY_ASKED.search(question))


def names_person(short: str | None, text: str) -> bool:
    """True when the short answer ``short`` (in the quote ``text``) is a person: it names one
    with an honorific ("Council leader, Cllr Abi Brown"), or it is a full name the quote gives
    after a person's role ("Education secretary Gavin Williamson")."""
    if not short:
        return False
    if _HONORIFIC.search(short):
        return True
    at = text.find(short)
    return bool(_FULL_NAME.fullmatch(short.strip())) and at >= 0 and bool(_PERSON_ROLE.search(text[max(0, at - 40) : at]))


def asks_party(question: str) -> bool:
    """True when ``question`` asks which (political) party: "which party controls stoke council"."""
    return bool(_PARTY_ASKED.search(question))


def names_party(text: str) -> bool:
    """True when ``text`` names a party: the word itself, or one of the usual parties' names
    ("Labour", "the Tories", "Lib Dems", "Republicans")."""
    return bool(_PARTY_NAMED.search(text))


# "which python version does rich need", "whats the min python version for idna", "since which
# release": a version, which is written with a figure ("3.8", "0.26.0", "2021.11.10"); not "what
# does photosynthesis release"
_VERSION_ASKED = re.compile(
    r"\b(?:which|what)(?:'s|’s|\s+is|\s+are|\s+was|\s+were)?\s+(?:the\s+)?"
    r"(?:(?!(?:does|do|did|is|was|are|were|will|would|can|could|has|have|had|to)\b)[\w'’.-]+\s+){0,2}?"
    r"(?:versions?|releases?)\b(?!\s+dates?)|\bmin(?:imum)?\s+(?:[\w'’.-]+\s+)?versions?\b",
    re.IGNORECASE,
)


def asks_version(question: str) -> bool:
    """True when ``question`` asks which version or release: its answer gives one, with a figure."""
    return bool(_VERSION_ASKED.search(question))


def gives_version(short: str, question: str, quote: str) -> bool:
    """True when ``short`` (the short answer, else the quote) holds a figure, as a version is
    written ("3.8", "v1.8.0", "0.11.x"), and the ``quote`` names what the ``question`` asks the
    version of, where it names one ("which python version does typer need": not "Since version
    0.26.0, Typer has vendored Click"; "CPython 3.9" names Python)."""
    if not re.search(r"\d", short):
        return False
    thing = _VERSION_OF.search(question)
    return thing is None or thing.group(1).lower() in _STOP_THINGS or bool(
        re.search(r"(?<![\w-])c?" + re.escape(thing.group(1)) + r"(?![\w-])", quote, re.IGNORECASE)
    )


# what a version is asked of: "which python version", "the minimum cuda version", "min python version"
_VERSION_OF = re.compile(
    r"\b(?:(?:which|what)(?:'s|’s|\s+is|\s+are|\s+was|\s+were)?\s+(?:the\s+)?|\bmin\s+|\bminimum\s+)"
    r"(?:(?:min|minimum|oldest|lowest|latest|newest|last|first|current|supported|required)\s+)?([a-z][\w.+-]*)\s+versions?\b",
    re.IGNORECASE,
)
_STOP_THINGS = frozenset("the a an its their his her this that which what new old other same major minor".split())

# "what license does msgpack use", "whats the licence on typer", "syrupy licence?": a licence is asked
_LICENSE_ASKED = re.compile(
    r"\b(?:which|what)(?:'s|’s|s|\s+is|\s+was)?\s+(?:the\s+|a\s+)?"
    r"(?:(?!(?:does|do|did|is|was|are|were|will|would|can|could|has|have|had|to)\b)[\w-]+\s+){0,2}?licen[cs]e\b(?!\s+(?:fee|holder|plate|payer|key|compliance)s?\b)"
    r"|\blicen[cs]e\s*\??\s*$",
    re.IGNORECASE,
)
# a licence named: a family (case as written: "MIT", "BSD3-Clause", "GPLv3+", "Apache 2.0"), or
# any "… Public License" / "… License" with a capitalised name ("the Zope Public License")
_LICENSE_NAMED = re.compile(
    r"\bApache(?:[\s-]*(?:v|version\s*)?2\b|\s+(?:Software\s+)?Licen[cs]e)|\b(?:MIT|BSD|A?GPL|LGPL|MPL|ISC|EUPL|EPL|PSF|CC0|CC[- ]BY|WTFPL|Unlicen[sc]e|Zlib|Boost)"
    r"|\b(?:Mozilla|Eclipse|Artistic|Creative Commons|Python Software Foundation)\b|\bpublic domain\b|\bproprietary\b"
    r"|\b[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*\s+Licen[cs]e\b",
)


def asks_license(question: str) -> bool:
    """True when ``question`` asks which licence something is under."""
    return bool(_LICENSE_ASKED.search(question))


def names_license(text: str) -> bool:
    """True when ``text`` names a licence ("MIT", "Apache License, Version 2.0", "BSD3-Clause")."""
    return bool(_LICENSE_NAMED.search(text))


# "what date was it moved to", "which year did he join", "on what day": a date is asked by name
_DATE_ASKED = re.compile(r"\b(?:what|which)\s+(?:year|date|day|month)\b|" + _DEADLINE, re.IGNORECASE)


def asks_date(question: str) -> bool:
    """True when ``question`` asks for a date, a year, a day or a month by name ("what date …"; a
    bare "when" may be answered by "after the match" too)."""
    return bool(_DATE_ASKED.search(question))


def gives_date(text: str, question: str) -> bool:
    """True when ``text`` holds a year, a month, a weekday (or weekdays: "on Sundays"), a day of a
    month ("6th"), a named day ("Christmas Eve"), a decade or a century that the question does not
    already hold."""
    if holds_type(text, DATE, question):
        return True
    asked = _words(question)
    return any(m.group(0).lower() not in asked for m in (*_WEEKDAYS_RE.finditer(text), *_HOLIDAY.finditer(text)))


_WEEKDAYS_RE = re.compile(r"\b(?:" + "|".join(_WEEKDAYS) + r")s\b", re.IGNORECASE)
# a day by its name: "Christmas Eve", "Boxing Day", "Easter", "Thanksgiving"
_HOLIDAY = re.compile(r"\b(?:[A-Z][\w'’]+\s+)?(?:Day|Eve)\b|\b(?:Christmas|Easter|Thanksgiving|Hanukkah|Ramadan|Diwali|Passover)\b")


def asks_quantity(question: str) -> bool:
    """True when ``question`` asks how much, how many, how old, how long or how big, or a price, a share
    or a sum ("what does the job pay"): its answer must give a quantity."""
    return bool(_QUANTITY.search(question))


def holds_quantity(text: str, question: str) -> bool:
    """True when ``text`` gives a quantity the question does not already hold: a figure, a sum, a
    number word, a vague one ("several", "none"), or for "how long" a duration ("for weeks"). Where
    the question asks for a sum of money ("how much are tickets", "what does the job pay"), only
    money counts: a currency, "free" (not "duty free", "a free kick"), or a share ("cut its prices by
    24%"; not for a price paid or spent, "how much did universal pay for …", unless the question asks
    by how much it changed, "by how much is military spending going up"; nor "free" for a sum
    spent). Where it asks an age
    ("how old is she"), a day of a month ("15 January"), a vague quantity ("thousands of his
    possessions") and a time something took ("a four-month review") are none."""
    asked = _words(question)
    if _asks_money(question):
        text = _NOT_A_PRICE.sub(" ", text)
        if _PRICE_ASKED.search(question) and not _CHANGE_ASKED.search(question):  # "how much did universal pay for …": not "the remaining 50%"
            text = _SHARE.sub(" ", text)
        if _SPENT.search(question):  # "how much is microsoft spending on …": not "replaced for free"
            text = re.sub(r"\bfree\b", " ", text, flags=re.IGNORECASE)
        return any(m.group(0).lower() not in asked for m in _MONEY.finditer(text))
    if _AGE_ASKED.search(question):
        text = _TIME_SPAN.sub(" ", _DAY_OF_MONTH.sub(" ", text))
        return any(m.group(0).lower() not in asked and m.group(0).lower().rstrip("s") not in _VAGUE
                   for m in _QUANTITY_TOKEN.finditer(text))
    if _new_figure(text, asked):
        return True
    return bool(re.search(r"\bhow long\b", question, re.IGNORECASE)) and any(
        m.group(0).lower() not in asked for m in _DURATION.finditer(text)
    )


def _new_figure(text: str, asked: set[str]) -> bool:
    """True when ``text`` has a figure, sum or number word that is not one of the ``asked`` words."""
    return any(m.group(0).lower() not in asked for m in _QUANTITY_TOKEN.finditer(text))


# an ordinal on its own, a place in a row: no quantity ("a third", a share, is one)
_ORDINAL = re.compile(
    r"^\s*(?:(?:the|his|her|its|their)\s+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
    r"|eleventh|twelfth|\d*(?:1st|2nd|3rd|[04-9]th|1[1-3]th))\s*$",
    re.IGNORECASE,
)


# who a "how many" question counts, when it counts people; and things a figure may count instead
_PEOPLE_COUNTED = frozenset(
    "people persons kids children staff workers employees users fans visitors students pupils patients customers "
    "members players spectators voters residents adults men women teenagers viewers listeners subscribers soldiers "
    "troops officers doctors nurses teachers passengers tourists refugees migrants immigrants inhabitants citizens "
    "victims casualties astronauts settlers males females families households".split()
)
_HOW_MANY_PEOPLE = re.compile(r"\bhow\s+many\s+(?:\w+\s+)?(?:" + "|".join(sorted(_PEOPLE_COUNTED)) + r")\b", re.IGNORECASE)
_THINGS = frozenset(
    "posts gadgets products engines years months weeks days hours minutes cars vehicles units copies homes houses "
    "properties stores shops branches games matches goals points votes seats awards nominations titles songs albums "
    "films books pages websites sites phones handsets computers machines devices barrels tonnes miles kilometres acres "
    "pounds dollars euros shares stakes contracts deals projects schemes services".split()
)
_STOP_AFTER = frozenset("a an the of in on at to for by with from and or but as is are was were has have had that which who".split())


def _counts_things_for_people(question: str, after: str) -> bool:
    """True when ``question`` counts people ("how many kids are in care") and the figure, by the
    words right ``after`` it in the quote, counts things ("… into over 130 new social care
    posts", "50,000 new gadgets"): up to four words before a function word, one of them a thing
    and none a person. A figure joined to its next word ("four-cylinder") is left alone."""
    if not _HOW_MANY_PEOPLE.search(question) or not after or after[0] in "-–":
        return False
    words = []
    for w in re.findall(r"[A-Za-z'’]+", after)[:4]:
        if w.lower() in _STOP_AFTER:
            break
        words.append(w.lower())
    return any(w in _THINGS for w in words) and not any(w in _PEOPLE_COUNTED for w in words)


def gives_quantity(short: str | None, text: str, question: str, after: str = "") -> bool:
    """``holds_quantity`` of the short answer (the reader's span) where there is one, else of the
    quote ``text``. Where a sum of money is asked, a short answer that gives the figure counts when
    the word right ``after`` it in the quote names the money: "four million" of "will spend four
    million pounds" (not "350" of "350 hotspots", in a quote that also says "free"). A number word
    that is part of a name in the quote gives no quantity: "Six Nations", "Formula One"; nor, for
    an age, one that measures a time: "four" of "a four-month review". For an age, a short answer
    that is the person counts when the quote writes the age right ``after`` the name ("Robert
    Jackson, 58, MP for …")."""
    if short and _ORDINAL.match(short) and not _AGE_ASKED.search(question):
        return False  # "third" of "winning his third cap" counts no caps (an age may be one: "his 60th birthday")
    if short and _counts_things_for_people(question, after):
        return False  # "how many kids are in care": not "over 130" of "over 130 new social care posts"
    named = _without_named_numbers(text)
    if _AGE_ASKED.search(question):  # "four" of "a four-month review" is no age
        named = _TIME_SPAN.sub(lambda m: " " * len(m.group(0)), named)
        named = _without_countless_number_words(named)
    if not short:
        return holds_quantity(named, question)
    at = text.find(short)
    if at >= 0:
        short = named[at : at + len(short)]
    if holds_quantity(short, question):
        return True
    if _AGE_ASKED.search(question) and _AGE_AFTER_NAME.match(after):
        return True  # the span is the person, the age written after the name: "Robert Jackson, 58, MP for …"
    if not _asks_money(question) or not _new_figure(short, _words(question)):
        return False
    # the money's name: the next word, or the first after at most two capitalised ones ("3.1bn
    # Australian dollars", "5m Hong Kong dollars")
    for word in re.findall(r"[\w£$€¥%]+", after)[:3]:
        if holds_quantity(word, question):
            return True
        if not word[0].isupper():
            return False
    return False


# a number word written as an age: "seven months old", "a four-year-old", "aged seventy"
_AGE_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_AGE_AFTER = re.compile(r"[- ](?:years?|months?|weeks?|days?)[- ]old\b", re.IGNORECASE)
_AGE_BEFORE = re.compile(r"\b(?:aged|age\s+of|ages?)\s+$", re.IGNORECASE)
# an age as papers write it after a name: "Robert Jackson, 58, said …", "Jackson (58)"
_AGE_AFTER_NAME = re.compile(r"\s*[,(]\s*\d{1,3}\s*[,);.]")


def _without_countless_number_words(text: str) -> str:
    """``text`` with each number word that is not written as an age blanked out, at the same
    offsets: "a proud grandfather of four" gives no age; "seven months old", "aged seventy" do
    (figures are left as they are: "Viktor Makarov, 50, …")."""
    def blank(m: re.Match[str]) -> str:
        aged = _AGE_AFTER.match(text, m.end()) or _AGE_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
        return m.group(0) if aged else " " * len(m.group(0))

    return _AGE_WORD.sub(blank, text)


def _without_named_numbers(text: str) -> str:
    """``text`` with each number word that is part of a name blanked out, at the same offsets: a
    capitalised number word after a capitalised word ("Formula One"), or before one where it does
    not open its sentence ("his Six Nations career"; not "Three Britons were held")."""
    def blank(m: re.Match[str]) -> str:
        before = text[: m.start()].rstrip()
        opens = not before or before[-1] in _SENTENCE_OPENERS
        named = m.group("prev") is not None or (m.group("next") is not None and not opens)
        return " " * len(m.group("num")) if named else m.group("num")

    return _NAMED_NUMBER.sub(lambda m: text[m.start() : m.start("num")] + blank(m) + text[m.end("num") : m.end()], text)


# the words a question (or a request: "tell me", "list the") starts with
_QUESTION_START = frozenset(
    "who whom whose what whats when where why how which "
    "is isn are aren was wasn were weren am do don does doesn did didn can could will would should "
    "shall may might must has have had tell show give list find name define explain describe "
    # a request in the first person ("i want to know the budget for next year") or a polite one
    "i please".split()
)
_WH = re.compile(r"\b(?:who|whom|whose|what|whats|when|where|why|how|which)\b", re.IGNORECASE)


# what a person types into a chat that asks the documents nothing: greetings, thanks,
# acknowledgements (any run of these words: "ok thanks", "thank you very much"), and questions
# about the bot itself
_CHAT_WORDS = frozenset(
    "hi hello hey hiya yo howdy greetings bye goodbye cya thanks thank thankyou thx ty cheers ta ok okay k kk cool "
    "great nice perfect awesome brilliant lovely excellent yes yeah yep yup no nope nah sure right fine alright lol "
    "hmm hmmm wow sorry please mate good morning afternoon evening night got it i see you very much so a lot again "
    "then there all".split()
)
_ABOUT_THE_BOT = re.compile(
    r"^(?:help|what\s+can\s+you\s+do|what\s+do\s+you\s+do|who\s+are\s+you|what\s+are\s+you|how\s+are\s+you"
    r"|are\s+you\s+there|how\s+does\s+this\s+work)\W*$",
    re.IGNORECASE,
)


def is_small_talk(text: str) -> bool:
    """True when ``text`` asks the documents nothing: greetings, thanks or acknowledgements alone
    ("hi", "thanks!", "ok cool"), a question about the bot ("what can you do"), or no word at all
    ("?"). A question word alone ("why", "and?") asks of the last turn: not small talk."""
    words = re.findall(r"[^\W_]+", text.lower())
    if not words:
        return True
    return all(w in _CHAT_WORDS for w in words) or bool(_ABOUT_THE_BOT.match(text.strip()))


# a person described by a role, not named: "the ex-finance chief", "paparazzi photographers",
# "a senior figure"
_ROLE_NOUN = re.compile(
    r"\b(?:chief|boss|head|executive|director|manager|officer|official|figure|photographers?|spokes(?:wo)?man"
    r"|minister|secretary|chair(?:wo)?man|president|founder|owner|editor|coach|captain|leader|lawyer|judge"
    r"|reporter|journalist|presenter|investor|buyer|bidder|businessman|businesswoman|tycoon|entrepreneur)s?$",
    re.IGNORECASE,
)


def describes_role(short: str | None) -> bool:
    """True when the short answer ``short`` describes a person by a role and names none ("new
    communications chief", "paparazzi photographers"): lower case, ending in a role's noun."""
    return bool(short) and not re.search(r"[^\W\d_a-z]", short) and bool(_ROLE_NOUN.search(short.strip()))


# what carries a chat on and names nothing itself: "why", "and?", "tell me more", "go on"
_CARRY_ON_WORDS = frozenset(
    "why how what when where who which whats and so then else more tell me us about it that this go on really "
    "explain elaborate detail details anything something please is was".split()
)


def carries_on(text: str) -> bool:
    """True when ``text`` only carries the chat on ("why", "and?", "tell me more"): it asks of the
    last turn, and with none it asks nothing."""
    words = re.findall(r"[^\W_]+", text.lower())
    return bool(words) and all(w in _CARRY_ON_WORDS for w in words)


def is_statement(text: str, min_words: int = 8) -> bool:
    """True when ``text`` is a statement to find evidence for, not a question: no question mark, no
    question word, not opening as a question or a request does, and either a sentence (ending in a
    full stop, three words or more: "0-dimensional biomaterials lack inductive properties.") or a
    run of ``min_words`` words or more. Keywords typed into a chat ("british empire population at
    its peak") stay questions."""
    text = text.strip()
    if min_words <= 0 or not text or text.endswith("?") or _WH.search(text) or "__" in text:  # a blank to fill
        return False
    tokens = re.findall(r"[^\W_]+", text.lower())
    if not tokens or tokens[0] in _QUESTION_START:
        return False
    return len(tokens) >= min_words or (text.endswith(".") and len(tokens) >= 3)

