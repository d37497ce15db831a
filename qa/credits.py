"""Credits: who wrote a piece, when it was published, who maintains a project.

A news page or a blog says who wrote each piece on a line of its own, its byline: "By Lisa
McNally | 09 February 2026", "William Eichler 01 November 2019". A README names its people under
a heading ("Maintainer", "Authors") or in its copyright line. People ask "who wrote the piece on
total place", "when was the stoke article published", "who maintains tzlocal". The reader, trained
on encyclopedia paragraphs, has never seen such a line answer a question; it rates one far below
a sentence that quotes the same person ("…, says Lisa McNally."). Where a question asks for them,
``qa.answers`` has the credit lines of the candidates' files read too and adds to their score;
everything else about the answer (its file, the names it must mention, the threshold) is as for
any question. Bylines answer who wrote a piece and when; who maintains, created or is behind a
thing is answered from credit headings and copyright lines only ("who created the campaign" on
a news page is not asking for the reporter). Any other question finds no answer in a byline: one
among its candidates loses as much ("By Cllr Carl Jackson | 09 February 2026" was the reader's
best for "what's the pilot in bucks about").

A README says which licence a project is under and how to install it on lines of their own too
("MIT" under an FAQ's "*License?*", "python -m pip install rich" in a fence), which the reader
rates below prose about them ("Rich can be installed in the Python REPL"): "what license is h11
under" credits the lines that name a licence of the file it names, "how do i install rich" the
install commands of the file it names (else of the best three files).

"what is faiss", "what does tqdm do", "tell me about rich": a README says what its project is in a
sentence of its own ("Faiss is a library for efficient similarity search …", "Welcome to `bm25s`,
a library that …", "This is a little HTTP/1.1 library …"), which the reader, given "what is
faiss", rated below any sentence opening on the name ("Faiss is MIT-licensed, …" at 0.80). Such
a question credits the sentences that say what the thing it names is: of the file it names,
else of the candidates. "how do i use tqdm" and "what does typer depend on" credit the first
lines under the file's usage or dependencies heading (the reader put "… tqdm uses smart
algorithms …" first: it matched "use").
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence

from qa.answer_types import HONORIFICS, asks_license, names_license
from qa.chunking import headings_at
from qa.lexical import query_tokens, tokenize

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})"
)
_HONORIFIC = r"(?:(?:" + "|".join(HONORIFICS) + r")\.?\s+)"
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

# what a page's byline credits: the piece itself ("the stoke article", "this", "it"), or what it is
# about ("who wrote about suffolk"); not a thing the piece tells of ("who wrote the review": the
# commissioner who did it, not the reporter)
_PIECE = r"(?:articles?|pieces?|stor(?:y|ies)|posts?|blogs?|columns?|features?|editorials?|op-?eds?|write-?ups?|news)"
_TO_PIECE = (
    rf"(?:about|on)\b|(?:it|this|that)\W*$"
    rf"|(?:(?:the|this|that|a|an|his|her|their)\s+)?(?:[\w'’&-]+\s+){{0,3}}?{_PIECE}\b"
)
_WROTE = r"who\s+(?:wrote|writes|has\s+written|had\s+written|authored|penned)"
_AUTHOR = r"who(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+)?(?:authors?|writers?)"
# "who wrote the piece on total place", "who's the author of the stoke article", "whose article is it"
_ASKS_AUTHOR = re.compile(
    rf"\b{_WROTE}\s+(?:{_TO_PIECE})"
    rf"|\b{_AUTHOR}(?:\W*$|\s+of\s+(?:{_TO_PIECE}))"
    r"|\bwho(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+)?(?:journalists?|reporters?|columnists?|bloggers?)\b"
    r"|\bwhose\s+(?:article|piece|story|column|post|blog|report|byline)\b"
    r"|\b(?:written|authored|penned)\s+by\s+(?:whom|who)\b|\bby\s+whom\b",
    re.IGNORECASE,
)
# "when was the stoke article published", "what date was it posted", "when did the article come out",
# "when was that put up" (not "when was the review published")
_ASKS_PUBLISHED = re.compile(
    rf"\b(?:when|what\s+(?:date|day))\b(?=.*\b(?:{_PIECE}|it|this|that)\b)"
    r".*\b(?:published|posted|written|dated|filed|(?:come|came|comes)\s+out|(?:put|go|went|goes)\s+(?:up|online|out))\b",
    re.IGNORECASE,
)
# "who maintains tzlocal", "who is the lead maintainer of tqdm", "who is behind sortedcontainers",
# "who wrote bm25s", "who is the author of pytz"
_ASKS_MAKER = re.compile(
    r"\bwho\s+(?:maintains|maintained|created|creates|developed|develops|started|is\s+behind|was\s+behind|are\s+behind)\b"
    r"|\bwho(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+)?(?:\w+\s+)?(?:maintainers?|creators?|developers?)\b"
    rf"|\b{_WROTE}\b|\b{_AUTHOR}\b",
    re.IGNORECASE,
)
# a heading whose lines name a project's people; a copyright line
_CREDIT_HEADING = re.compile(
    r"^\W*(?:(?:the\s+|core\s+|original\s+)?(?:authors?|maintainers?|credits?|creators?)|about\s+the\s+authors?"
    r"|authors?\s+(?:and|&)\s+maintainers?|maintainers?\s+(?:and|&)\s+authors?)\W*$",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"^\W*(?:copyright|\(c\)|©)(?=[\s©(]|$)", re.IGNORECASE)
_MARK = re.compile(r"\b(?:1[89]|20)\d\d\b|©|\(c\)", re.IGNORECASE)  # a year, or the sign
_UNDER_HEADING = 8  # the first sentences under a credit heading are its credits


# the words of a question that asks who wrote a piece or when, and names nothing it is about
_NO_TOPIC = frozenset(
    "who whom whose when what which date day did do does wrote writes write written authored penned has had is "
    "was are were s the this that a an his her their it by of on about author authors writer writers "
    "journalist journalists reporter reporters columnist columnists blogger bloggers byline published "
    "posted dated filed article articles piece pieces story stories post posts blog blogs column columns "
    "feature features editorial editorials news come came comes out put go went goes up online".split()
)


# "how do i install rich", "how to install tqdm from conda" (not "how do i get …": a how-to)
_ASKS_INSTALL = re.compile(
    r"\bhow\s+(?:do|can|should|would)\s+(?:i|you|we|one)\s+install\b|\bhow\s+to\s+install\b"
    r"|\b(?:what(?:'s|’s|\s+is)?|which)\s+(?:the\s+)?(?:\w+\s+)?install(?:ation)?\s+command\b",
    re.IGNORECASE,
)
# a command that installs a package: "$ pip install rich", "python -m pip install rich",
# "conda install -c conda-forge tqdm", "uv add typer"
_INSTALLER = r"pip3?|pipx|uv|conda|mamba|poetry|brew|apt(?:-get)?|snap"
_INSTALLS = re.compile(
    rf"^\W*(?:python3?(?:\.\d+)?\s+-m\s+)?(?:{_INSTALLER})(?:\s+pip)?\s+(?:install|add)\b", re.IGNORECASE
)
_INSTALLER_NAMED = re.compile(rf"\b(?:{_INSTALLER})\b", re.IGNORECASE)


# "what is faiss", "whats h11", "what's the h11 library", "what does tqdm do", "what is rich for",
# "tell me about typer": the thing asked about, one or two words after the question's opening
_THING = r"(?:an?\s+|the\s+)?(?P<{}>[^\W_][\w.+-]*(?:\s+[^\W_][\w.+-]*)?)"
_ASKS_DEFINITION = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\s+)?(?:"
    rf"what(?:'s|’s|s|\s+is|\s+are)\s+{_THING.format('a')}(?:\s+(?:for|about|used\s+for|good\s+for))?"
    rf"|what\s+(?:does|do)\s+{_THING.format('b')}\s+do"
    rf"|tell\s+me\s+(?:more\s+)?about\s+{_THING.format('c')}"
    r")\W*$",
    re.IGNORECASE,
)
_OWNERS = frozenset("his her its their my your our this that these those".split())
_NOT_THINGS = frozenset("called short not".split())  # "what's the show called", "what is QED short for"
_KIND_WORDS = frozenset("library package module project tool thing framework app program".split())


def defined(question: str) -> str | None:
    """The thing ``question`` asks what it is ("what is faiss", "what does tqdm do", "what's the h11
    library": "faiss", "tqdm", "h11"), in lower case; None for any other question ("what is the
    capital of australia" asks for a capital, not what it is)."""
    m = _ASKS_DEFINITION.match(question.strip())
    if m is None:
        return None
    words = (m.group("a") or m.group("b") or m.group("c")).lower().split()
    if any(re.search(r"['’]s$", w) for w in words) or (len(words) == 2 and (words[0] in _OWNERS or words[1] in _NOT_THINGS)):
        return None  # "what is eritrea's capital", "whats his job": asks for the capital, the job
    if len(words) == 2 and words[1] in ("for", "about", "used", "good"):  # "what is rich for"
        words = words[:1]
    if len(words) == 2 and words[1] in _KIND_WORDS:  # "the h11 library"
        words = words[:1]
    return " ".join(words)


# "how do i use tqdm", "how to get started with typer": a README's usage section;
# "what does typer depend on", "what are dateparser's dependencies": its dependencies section
_ASKS_USAGE = re.compile(
    r"\bhow\s+(?:do|can|should|would)\s+(?:i|you|we|one)\s+(?:use|get\s+started\s+with|start\s+with)\b"
    r"|\bhow\s+to\s+(?:use|get\s+started)\b|\b(?:usage\s+(?:of|example)|quick\s*start|getting\s+started)\b|\b(?:an?\s+)?(?:quick\s+|simple\s+|basic\s+)?example\s+of\b",
    re.IGNORECASE,
)
_ASKS_DEPENDENCIES = re.compile(r"\b(?:depends?\s+on|dependen(?:cy|cies)|prerequisites?|requirements?)\b", re.IGNORECASE)
_SECTION = {
    "usage": re.compile(
        r"^\W*(?:basic\s+|quick\s+)?(?:usage|quick\s*start|getting\s+started|examples?|tutorial|how\s+to\s+use|using\s+the)\b", re.IGNORECASE
    ),
    "dependencies": re.compile(r"^\W*(?:requirements|dependencies|prerequisites)\b", re.IGNORECASE),
}


def credit_asked(question: str) -> str | None:
    """"byline" when ``question`` asks who wrote a piece about something ("the stoke article",
    "about suffolk") or when it was published; "piece" when it asks that of the piece and names
    nothing it is about ("who wrote the story", "when was it published"); "maker" when it asks who
    maintains, created, is behind or wrote some other thing ("who wrote bm25s"; "who wrote the
    review" asks for whoever did the review, whom the piece names, not its reporter); "license"
    when it asks which licence a thing is under ("what license is h11 under"); "install" when it
    asks how to install one ("how do i install rich"); "usage" or "dependencies" when it asks how
    to use one or what it depends on (``section_rows``); "definition" when it asks what a thing is
    ("what is faiss": ``defined``), else None."""
    if _ASKS_AUTHOR.search(question) or _ASKS_PUBLISHED.search(question):
        return "byline" if topic_of(question) else "piece"
    if _ASKS_MAKER.search(question):
        return "maker"
    if asks_license(question):
        return "license"
    if _ASKS_INSTALL.search(question):
        return "install"
    if _ASKS_USAGE.search(question):
        return "usage"
    if _ASKS_DEPENDENCIES.search(question):
        return "dependencies"
    return "definition" if defined(question) else None


def asks_published(question: str) -> bool:
    """True when ``question`` asks when a piece was published ("when was the stoke article put up")."""
    return _ASKS_PUBLISHED.search(question) is not None


def topic_of(question: str) -> list[str]:
    """What a question about a piece's byline says the piece is about: its other words, stemmed
    ("who wrote about negligence": ``["neglig"]``)."""
    return query_tokens(" ".join(w for w in re.findall(r"[^\W_]+", question.lower()) if w not in _NO_TOPIC))


def is_byline(text: str) -> bool:
    """True when ``text`` (a sentence of the index, a line of its own) is a byline: "By Lisa
    McNally | 09 February 2026", "William Eichler 01 November 2019", "By Cllr Carl Jackson"."""
    return len(text) <= 120 and _BYLINE.match(text) is not None


def is_copyright(text: str) -> bool:
    """True when ``text`` is a copyright line: "Copyright 2014-2019 Grant Jenks", "© The Authors";
    not a sentence about copyright ("Copyright law protects the work"): a line gives a year or
    the sign."""
    return len(text) <= 160 and _COPYRIGHT.match(text) is not None and _MARK.search(text) is not None


# per loaded index: a file's (bylines, other credit lines), found once
_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _words(text: str) -> str:
    """``text``'s words in lower case, for telling a heading's own line ("## Authors") from its lines."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def credit_rows(index, file: int, kind: str = "byline", topic: Sequence[str] = ()) -> list[int]:
    """The sentence rows of ``file`` that answer a question of ``kind`` (``credit_asked``): for
    "byline", its bylines and its credit lines (with a ``topic``, ``topic_of`` the question, only
    the bylines of pieces about it: ``about``); for "piece", its own byline (``own_byline``); for
    "maker", its credit lines only (the first sentences under a heading such as "Maintainer" or
    "Authors", and copyright lines); for "license", its lines that name a licence (``license_rows``)."""
    if kind == "license":
        return license_rows(index, file)
    if kind == "install":
        return install_rows(index, file)
    if kind in _SECTION:
        return section_rows(index, file, kind)
    if kind == "piece":
        own = own_byline(index, file)
        return [] if own is None else [own]
    if kind == "byline" and topic:
        return [s for s in credit_rows(index, file) if not is_byline(index.sentence_text(s)) or about(index, s, topic)]
    found = _FOUND.setdefault(index, {})
    if file not in found:
        entry = index.files[file]
        lo, hi = entry.sentences
        bylines, credits, under = [], [], {}
        for s in range(lo, hi):
            text = index.sentence_text(s)
            heads = headings_at(entry.sections, int(index.sentences[s, 1])) if entry.sections else []
            if heads and _CREDIT_HEADING.match(heads[-1]) and _words(text) not in ("", _words(heads[-1])):
                under[heads[-1]] = under.get(heads[-1], 0) + 1
                if under[heads[-1]] <= _UNDER_HEADING:
                    credits.append(s)
                    continue
            if is_byline(text):
                bylines.append(s)
            elif is_copyright(text):
                credits.append(s)
        found[file] = (bylines, credits)
    bylines, credits = found[file]
    return sorted(bylines + credits) if kind == "byline" else list(credits)


# per loaded index: a file's lines that name a licence, found once
_LICENSES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def license_rows(index, file: int) -> list[int]:
    """The sentence rows of ``file`` that name a licence: a README's "MIT" on a line of its own
    under "*License?*", "This package is distributed under the Apache 2.0 license."; not a
    heading's own line ("Sorted Containers License" names the project, the licence is under it)."""
    found = _LICENSES.setdefault(index, {})
    if file not in found:
        entry = index.files[file]
        lo, hi = entry.sentences
        rows = []
        for s in range(lo, hi):
            text = index.sentence_text(s)
            if len(text) > 300 or not names_license(text):
                continue
            heads = headings_at(entry.sections, int(index.sentences[s, 1])) if entry.sections else []
            if heads and _words(text) == _words(heads[-1]):
                continue
            rows.append(s)
        found[file] = rows
    return found[file]


def section_rows(index, file: int, kind: str) -> list[int]:
    """The first sentences under ``file``'s first heading of ``kind``: "usage" ("Usage", "Basic
    Usage", "Quickstart", "Example", "How To Use") or "dependencies" ("Requirements",
    "Dependencies"), not the heading's own line. "how do i use tqdm" was answered "… tqdm uses
    smart algorithms to predict the remaining time …": the reader matched "use"."""
    entry = index.files[file]
    if not entry.sections:
        return []
    lo, hi = entry.sentences
    rows, heading = [], None
    for s in range(lo, hi):
        heads = headings_at(entry.sections, int(index.sentences[s, 1]))
        if not heads:
            continue
        if heading is None and _SECTION[kind].match(heads[-1]):
            heading = heads[-1]
        if heading is not None:
            if heads[-1] != heading and heading not in heads:
                break
            text = index.sentence_text(s)
            if _words(text) not in ("", _words(heads[-1])):
                rows.append(s)
                if len(rows) >= _UNDER_HEADING:
                    break
    return rows


def install_rows(index, file: int) -> list[int]:
    """The sentence rows of ``file`` that are a command installing a package: a README's "python
    -m pip install rich" (the reader, trained on prose, put "Rich can be installed in the Python
    REPL" first), "conda install -c conda-forge tqdm", "$ uv add typer"."""
    lo, hi = index.files[file].sentences
    return [s for s in range(lo, hi) if _INSTALLS.match(index.sentence_text(s))]


def installer_asked(question: str) -> str | None:
    """The installer a question names ("how do i install tqdm from conda": "conda"), or None."""
    m = _INSTALLER_NAMED.search(question)
    return m.group(0).lower() if m else None


_DEFINES_FROM = 40  # a README says what its project is in its first sentences
_IS_A = r"[\W_]*(?:\s*\([^)]{1,60}\))?,?\s+(?:is|are)\s+(?:a|an|the|one)\s"
_THIS_IS = re.compile(r"^[\W_]*(?:this|it)\s+is\s+(?:a|an)\s", re.IGNORECASE)  # "This is a little HTTP/1.1 library …"
# "This Python module returns …", "This project offers …": what it does, among its first sentences of prose
_THIS_DOES = re.compile(
    r"^[\W_]*this\s+(?:python\s+)?(?:module|package|library|project|tool|plugin)\s+(?!is\b|was\b|has\b)[a-z]{2,}s\s", re.IGNORECASE
)
_PROSE = re.compile(r"^[*_`]*[^\W\d_]")  # a sentence, not markup: "<p align=…", "[![Build", "|Logo|", ":Author:"
_LEADS = 2  # a file's first sentences of prose: its tagline and what follows


def definition_rows(index, file: int, names: Sequence[str], rows: Sequence[int] | None = None) -> list[int]:
    """The sentence rows of ``file`` (or of ``rows``, any file's) that say what one of ``names`` is:
    "Faiss is a library for …", "*attrs* is the Python package that …", "BM25S (or BM25-Sparse)
    is an ultrafast implementation …", "Welcome to `bm25s`, a library that …"; not "Faiss is
    MIT-licensed" (what it is licensed under, not what it is). Of a whole file, also its first
    sentences of prose ("`cloudpickle` makes it possible to serialize …", "Python helpers to limit
    the number of threads …", "This Python module returns …"), where a README most often says
    what its project does without saying what it is."""
    forms = "|".join(_spaced(n) for n in sorted(set(names), key=len, reverse=True) if n)
    if not forms:
        return []
    opening = r"^[\W_]*(?:welcome\s+to\s+[\W_]*)?(?:the\s+)?(?:python\s+)?"
    says = re.compile(rf"{opening}(?:{forms}){_IS_A}|^[\W_]*welcome\s+to\s+[\W_]*(?:{forms})[\W_]*,\s+(?:a|an|the)\s", re.IGNORECASE)
    if rows is not None:
        return [s for s in rows if len(index.sentence_text(s)) <= 400 and says.match(index.sentence_text(s))]
    entry = index.files[file]
    lo, hi = entry.sentences
    doc = index.doc_text(file)
    early, late, leads = [], [], []
    for s in range(lo, hi):
        text = index.sentence_text(s)
        if len(text) > 400:
            continue
        first = s < lo + _DEFINES_FROM
        if says.match(text) or (first and _THIS_IS.match(text)):
            (early if first else late).append(s)
        elif first and (_THIS_DOES.match(text) or (len(leads) < _LEADS and _leads(index, entry, doc, s, text))):
            leads.append(s)
    # what the file says its project is near its top ("Trafilatura is a comprehensive Python
    # package …"), not what its name means further down ("*Trafilatura* is an Italian word …");
    # where it says neither there, its first sentences of prose too
    return early or sorted(late + leads)


def _spaced(name: str) -> str:
    """A pattern for ``name`` written as a title writes it: "sortedcontainers" as "Sorted
    Containers", "charset-normalizer" as "Charset Normalizer" (a space, a dash or an underscore
    between any two of its letters)."""
    return r"[\s_-]?".join(re.escape(c) for c in name if c not in " -_")


def _leads(index, entry, doc: str, s: int, text: str) -> bool:
    """Whether row ``s`` is a sentence of prose of five words or more: not markup, not a heading's
    own line, not in a reStructuredText comment or directive (".. Note that we use raw HTML …")."""
    if len(text.split()) < 5 or not _PROSE.match(text):
        return False
    start = int(index.sentences[s, 1])
    line = doc[doc.rfind("\n", 0, start) + 1 : start]
    if line.lstrip().startswith(("..", ":", ">", "|")):
        return False
    heads = headings_at(entry.sections, start) if entry.sections else []
    return not (heads and _words(text) == _words(heads[-1]))


def own_byline(index, file: int) -> int | None:
    """The row of ``file``'s own byline: its first, where less than a third of the file's text
    comes before it (a page's byline is by its headline; the bylines after its story are those of
    the other pieces it lists, "Total Place requires total trust / By Lisa McNally | …"); None."""
    bylines = [s for s in credit_rows(index, file) if is_byline(index.sentence_text(s))]
    if not bylines:
        return None
    lo, hi = index.files[file].sentences
    start, end = int(index.sentences[lo, 1]), int(index.sentences[hi - 1, 2])
    return bylines[0] if int(index.sentences[bylines[0], 1]) - start < (end - start) / 3 else None


_AROUND = 1  # a listed piece's byline: its headline is the sentence before it, its summary the one after


def about(index, row: int, topic: Sequence[str]) -> bool:
    """Whether the piece byline ``row`` credits is about ``topic`` (stemmed words), by the rarest
    of its words in the index: the file's own byline where the file has that word; another piece
    the page lists where its headline or summary, the sentences next to its byline, has it ("who
    wrote the piece about social services being negligent": not Lisa McNally, whose piece on
    Total Place is about social services too, but is not the one about negligence)."""
    idf = index.bm25_sentences.idf(list(topic))
    if not idf:
        return False
    rarest = max(idf, key=idf.get)
    f = int(index.sentences[row, 0])
    lo, hi = index.files[f].sentences
    if own_byline(index, f) == row:
        rows = range(lo, hi)
    else:
        rows = range(max(lo, row - _AROUND), min(hi, row + _AROUND + 1))
    return rarest in tokenize(["\n".join(index.sentence_text(s) for s in rows)])[0]
