"""Names a question asks about that its answer's document never mentions.

A question that names something ("how much prize money does the dubai winner get") is not
answered by a document that never mentions it, however well one of its sentences scores: the
reader sees a sentence and its neighbours, and cannot tell that the winner there is of another
tournament. A word of the question (three letters or more) is a name when the corpus always
writes it capitalised: it occurs inside the candidate sentences (not first in one), every time
with a capital ("Dubai", "M&S", "OPEC"), and so it does in the candidates' whole files. Words
the candidates never hold, or hold in lower case anywhere, are not names: a misspelt name, or
"president" in "the president said", decides nothing. Two words next to each other are a name
together where the candidates always capitalise both ("foreign office": "the Foreign Office",
where "foreign" alone is a word). A question typed with capitals says itself which words are names. A name is mentioned in the singular or the plural, a people's
name by its place's ("asian": "Asia"), a party by its nickname ("tories": "Conservatives"), and an
acronym ("ISP") also when it is spelt out."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import PurePosixPath

# words that are never the name a question turns on, even where a heading capitalises them
_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its me more most my no nor not
    now of off on once only or other our out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we were
    what when where which while who whom whose why will with would you your yours
    also new said says one two many much get got go going make made take took like well back
    first last year years people time way day week month tell told latest next""".split()
)
_WORD = re.compile(r"[^\W\d_][\w&]*(?:['’-][^\W\d_][\w&]*)*")  # "winn-dixie", "o'connor", "opec's"
_YEAR = re.compile(r"(?<![\w£$€])(?<!\d[.,])(?:1[89]|20)\d\d(?![\w%])(?![.,]\d)(?!['’]s)")  # not "the 1950's"
_DECADE = re.compile(r"(?<![\w£$€])(?<!\d[.,])((?:1[89]|20)\d)0['’]?s\b")
_SENTENCE_END = ".!?:;\"“”‘’'(–—-•*#"


def _word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w&])" + re.escape(word) + r"(?![\w&])", re.IGNORECASE)


def _occurrences(word: str, texts: Sequence[str]) -> tuple[int, int, int]:
    """How often ``word`` occurs inside ``texts`` (not first in a sentence, a quote or a list
    item), how often capitalised there, and how often in capitals throughout ("OPEC")."""
    seen = capital = upper = 0
    pattern = _word(word)
    for text in texts:
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 16) : m.start()].rstrip()
            if not before or before[-1] in _SENTENCE_END:
                continue  # a capital here says nothing
            seen += 1
            capital += all(w[0].isupper() for w in m.group(0).split())
            upper += m.group(0).isupper()
    return seen, capital, upper


def asked_names(question: str, texts: Sequence[str]) -> list[str]:
    """The question's words (lower case, in order) that ``texts`` (the candidate sentences) hold
    only ever capitalised, counting no occurrence that opens a sentence, a quote or a list item.
    Where the question itself has capitals past its first word, only the words it capitalises."""
    return [word for word, _ in _asked(question, texts)]


def _asked(question: str, texts: Sequence[str]) -> list[tuple[str, bool]]:
    """``asked_names``, each with whether ``texts`` write it in capitals throughout ("OPEC")."""
    names: list[tuple[str, bool]] = []
    typed = _WORD.findall(question)
    # a question typed with capitals ("Who did the Panthers play in their division game?") says
    # which of its words are names: one typed in lower case there is not
    cased = any(w[0].isupper() for w in typed[1:] if len(w) > 1)
    for raw in typed:
        if cased and raw[0].islower():
            continue
        word = re.sub(r"['’]s$", "", raw.lower())
        if len(word) < 3 or word in _STOP or any(word == n for n, _ in names):  # "tv", "eu", "us": too ambiguous
            continue
        seen, capital, upper = _occurrences(word, texts)
        if seen and capital == seen:
            names.append((word, upper == seen))
    # two words that make a name only together: "foreign office" ("foreign" alone is a word)
    words = [re.sub(r"['’]s$", "", w.lower()) for w in typed]
    for a, b, raw_a, raw_b in zip(words, words[1:], typed, typed[1:]):
        if (cased and not (raw_a[0].isupper() and raw_b[0].isupper())) or min(len(a), len(b)) < 3 or a in _STOP or b in _STOP:
            continue
        if any(n in (a, b) for n, _ in names):
            continue
        seen, capital, _ = _occurrences(f"{a} {b}", texts)
        if seen and capital == seen:
            names.append((f"{a} {b}", False))
    return names


def own_names(question: str, texts: Sequence[str], wider: Callable[[], Sequence[str]]) -> list[str]:
    """``asked_names`` that the candidates' whole files (``wider()``) also write capitalised
    throughout: what a question names as its own subject ("robert jackson"), not a word a heading
    or a title capitalises ("License" in "Apache License", where the files also say "license")."""
    names = asked_names(question, texts)
    if not names:
        return []
    more = wider()
    return [n for n in names if _always_capitalised(n, more)]


def _spelt_out(acronym: str) -> re.Pattern[str]:
    """Words of three letters or more whose initials spell ``acronym``, small linking words allowed
    between them: "internet service providers" for "isp" (not "in some places")."""
    letters = [c for c in acronym if c.isalpha()]
    link = r"(?:\s+(?:of|the|and|for|&))*\s+"
    return re.compile(r"(?<![\w&])" + link.join(re.escape(c) + r"[\w'’-]{2,}" for c in letters) + r"(?![\w&])", re.IGNORECASE)


# a chief officer's title: "CEO", "CFO", "CTO", often written without its "officer"
_CHIEF = re.compile(r"c[a-z]o", re.IGNORECASE)


# a name people type clipped: "prem" for the Premiership, "uni" for a university (letters only, 3 or
# 4: "dubai" is a name of its own, not the start of "Dubaiville")
_CLIPPED = re.compile(r"[a-z]{3,4}")


def _clipped(name: str) -> re.Pattern[str]:
    """A capitalised word that ``name`` is the start of: "Premiership" for "prem", "University"
    for "uni"."""
    return re.compile(r"(?<![\w&])" + re.escape(name[0].upper()) + re.escape(name[1:]) + r"[a-z]{2,}")


# peoples and their places whose names are not one word with a suffix: a closed list, written
# here (no well-kept library gives it: pycountry has countries' names, not their peoples')
_IRREGULAR = {
    "irish": ("ireland",), "dutch": ("netherlands", "holland"), "french": ("france",), "british": ("britain",),
    "english": ("england",), "welsh": ("wales",), "scottish": ("scotland",), "scots": ("scotland",),
    "swiss": ("switzerland",), "spanish": ("spain",), "danish": ("denmark",), "swedish": ("sweden",),
    "finnish": ("finland",), "polish": ("poland",), "turkish": ("turkey",), "greek": ("greece",),
    "norwegian": ("norway",), "portuguese": ("portugal",), "thai": ("thailand",), "filipino": ("philippines",),
    "lebanese": ("lebanon",), "peruvian": ("peru",), "belgian": ("belgium",),
}
_PEOPLES: dict[str, tuple[str, ...]] = {
    **_IRREGULAR,
    **{place: tuple(p for p, places in _IRREGULAR.items() if place in places) for places in _IRREGULAR.values() for place in places},
}

# parties by the nicknames people type for them, each way: "tories" for a file that writes only
# "Conservatives" (a closed list, written here like the peoples above)
_PARTY = ("conservative", "conservatives", "tory", "tories")
_NICKNAMES: dict[str, tuple[str, ...]] = {name: tuple(n for n in _PARTY if n != name) for name in _PARTY}


def _forms(name: str) -> re.Pattern[str]:
    """The name as a word, singular or plural ("americans" is mentioned by "American"), in British
    or American spelling ("licence" by "license"), a
    people's name by its place's ("asian" by "Asia", "american" by "America"), and a place's
    name by its people's ("palestine" by "Palestinian", "japan" by "Japanese", "germany" by
    "German", "europe" by "European", "israel" by "Israeli"), and where the two are not one word
    with a suffix, each by the other ("irish" by "Ireland", "netherlands" by "Dutch": ``_PEOPLES``);
    a party by its nickname and the nickname by the party ("tories" by "Conservatives": ``_NICKNAMES``)."""
    stem = re.sub(r"(?<=[^s])e?s$", "", name) if len(name) > 3 else name
    forms = [re.escape(stem) + r"(?:s|es)?"]
    if len(stem) >= 5 and stem.endswith("an"):
        forms.append(re.escape(stem[:-1]))
    if len(stem) >= 7 and stem.endswith("ian"):  # "ukrainian": Ukraine, "canadian": Canada, "italian": Italy
        forms.append(re.escape(stem[:-3]) + r"(?:e|a|y)?")
    if len(stem) >= 7 and stem.endswith("ese"):  # "chinese": China, "vietnamese": Vietnam
        forms.append(re.escape(stem[:-3]) + r"a?")
    forms += [re.escape(other) for other in (*_PEOPLES.get(name, ()), *_NICKNAMES.get(name, ()))]
    if len(name) >= 4:
        root = re.escape(re.sub(r"[aeiouy]$", "", name))
        # "germany": "German" (a bare root only for a "y": "chin" is no form of "china")
        forms.append(root + (r"(?:ians?|eans?|ans?|ese|ish|is?)?" if name.endswith("y") else r"(?:ians?|eans?|ans?|ese|ish|is?)"))
    return re.compile(r"(?<![\w&])(?:" + "|".join(_spellings(f) for f in forms) + r")(?![\w&])", re.IGNORECASE)


# British and American spellings of one word: licence/license, colour/color, organise/organize,
# analyse/analyze, centre/center (a pattern's letters, as ``_forms`` writes them)
_SPELLINGS = ((re.compile(r"en[cs]e"), "en[cs]e"), (re.compile(r"(?<=[a-z]{3})our(?=\(|$|ed|ing|ite|able)"), "ou?r"),
              (re.compile(r"(?<=[a-z]{2})i[sz](?=e|ation|ing)"), "i[sz]"), (re.compile(r"y[sz]e"), "y[sz]e"),
              (re.compile(r"(?<=[a-z]{2})(?:tre|ter)(?=\(|$)"), "t(?:re|er)"))


def _spellings(pattern: str) -> str:
    for find, variants in _SPELLINGS:
        pattern = find.sub(lambda _m, v=variants: v, pattern)
    return pattern


def unmentioned(
    question: str, texts: Sequence[str], documents: Sequence[str], wider: Callable[[], Sequence[str]] = tuple,
    file_names: Collection[str] = (), sources: Sequence[str] = (),
) -> tuple[str, ...]:
    """The names ``question`` asks about (``asked_names`` over ``texts``) that none of
    ``documents`` (the answer's file and the files that repeat it) mentions, in the singular or
    the plural, or for an acronym, spelt out ("ISP": "internet service provider"). A name found
    missing must also be capitalised throughout ``wider()`` (the candidates' whole files, read
    only then): "Division" in a title, "division" in the text is a word, not a name.

    A word of the question that is the name of one of the corpus's files (``file_names``: their
    names without extension, in lower case, where they are coined words: ``coined``) is a name
    too, however it is written: in a folder of READMEs, "what license is tokenizers released
    under" is not answered from ``syrupy.md``, which never mentions tokenizers. The answer's own
    files (``sources``) mention their names. A year the question names (1800 to 2099) is a name
    too."""
    # a file named by its name's first part ("faiss" for faiss-cpu.md) is mentioned by that part
    lowered = question.lower()
    forms = [word if word in lowered else first_part(word) for word in named_files(question, file_names, sources)]
    by_file = [form for form in forms if not any(mentions(d, (form,)) for d in documents)]
    missing = []
    typed = [re.sub(r"['’]s$", "", w.lower()) for w in _WORD.findall(question)]
    for name, in_capitals in _asked(question, texts):
        if name in by_file:
            continue
        patterns = [_forms(name), *_joined(name, typed)]
        # an acronym of three to six letters ("ISP"); two ("M&S", "UK") are spelt out too often by chance
        if in_capitals and 3 <= sum(c.isalpha() for c in name) <= 6:
            patterns.append(_spelt_out(name))
            if _CHIEF.fullmatch(name):  # "CEO": "chief executive", as British papers write it
                patterns.append(_spelt_out(name[:-1]))
        if _CLIPPED.fullmatch(name):
            patterns.append(_clipped(name))
        if not any(p.search(d) for p in patterns for d in documents):
            missing.append(name)
    if missing:
        more = wider()
        missing = [n for n in missing if _always_capitalised(n, more)]
    # a year the question names ("what was merriam webster's word of the year for 2005"): not
    # answered from a file that never writes it ("the 1880s" writes 1880); nor a decade ("in the
    # 1980's") from one that writes no year of it
    years = [y for y in dict.fromkeys(_YEAR.findall(question)) if not _writes_year(y, documents)]
    years += [f"{c}0s" for c in dict.fromkeys(_DECADE.findall(question)) if not _writes_year(c + r"\d", documents)]
    return (*by_file, *missing, *years)


def _joined(name: str, words: Sequence[str]) -> list[re.Pattern[str]]:
    """``name`` written as one word with the question's word before or after it, as a brand or a
    web address writes it: "hugging face" (or "hugging" before "face") as "HuggingFace",
    "huggingface.co"; "open ai" as "OpenAI"."""
    parts = name.split()
    pairs = [parts] if len(parts) == 2 else []
    if len(parts) == 1:
        for i, w in enumerate(words):
            if w == name:
                pairs += [[words[i - 1], w]] if i and words[i - 1] not in _STOP else []
                pairs += [[w, words[i + 1]]] if i + 1 < len(words) and words[i + 1] not in _STOP else []
    return [re.compile(r"(?<![\w&])" + re.escape(a) + r"[-_]?" + re.escape(b) + r"(?![\w&])", re.IGNORECASE) for a, b in pairs]


def _writes_year(year: str, documents: Sequence[str]) -> bool:
    """Whether one of ``documents`` writes the year ``year`` (a pattern: "1880", or "198\\d" for
    any year of a decade), alone or as its decade ("the 1880s"), and not as a sum or a share."""
    pattern = re.compile(rf"(?<![\w£$€]){year}(?:['’]?s)?(?![\w%])")
    return any(pattern.search(d) for d in documents)


def named_files(question: str, file_names: Collection[str], sources: Sequence[str] = ()) -> list[str]:
    """The question's words (three letters or more, no stop word) that name a file of the corpus
    (``file_names``, as ``file_name`` gives them) and are coined words (``coined``), but for the
    ``sources``' own names: "who is the author of pytz" names ``pytz.txt``."""
    if not file_names:
        return []
    own = {file_name(s) for s in sources}
    words = (re.sub(r"['’]s$", "", w.lower()) for w in _WORD.findall(question))
    # a name's first part names the file too where it names only that one: "faiss" names faiss-cpu.md
    parts = _first_parts(frozenset(file_names))
    named = [parts.get(w, w) for w in dict.fromkeys(words) if len(w) >= 3 and w not in _STOP]
    named = [w for w in dict.fromkeys(named) if w in file_names and w not in own]
    return [w for w in named if coined(w)]  # the vocabulary is read only for a question that names a file


@functools.lru_cache(maxsize=8)
def _first_parts(file_names: frozenset[str]) -> dict[str, str]:
    """The first part of each file name joined by a dash or an underscore, where it is no file's
    name itself and starts no other: "faiss" for "faiss-cpu" (not "charset" where there are
    "charset-normalizer" and "charset-detect")."""
    firsts: dict[str, list[str]] = {}
    for name in file_names:
        first = first_part(name)
        if first != name and len(first) >= 3:
            firsts.setdefault(first, []).append(name)
    return {first: names[0] for first, names in firsts.items() if len(names) == 1 and first not in file_names}


def first_part(name: str) -> str:
    """A file name's part before its first dash or underscore ("faiss" of "faiss-cpu"); the name
    itself where it has none."""
    return re.split(r"[-_]", name, maxsplit=1)[0]


def mentions(text: str, names: Collection[str]) -> bool:
    """Whether ``text`` mentions one of ``names`` (lower case) in one of its forms (``_forms``)."""
    return any(_forms(n).search(text) for n in names)


def coined(word: str) -> bool:
    """``word`` is not one of the 30,000 words and word pieces of the models' vocabulary
    (bert-base-uncased, which all-MiniLM-L6-v2 and the reader read with): a package's name
    ("tokenizers", "syrupy", "faiss-cpu") names one thing; "budget", "notes" or "minutes" name a
    topic, which a file that never says the word may well answer."""
    vocab = _vocabulary()
    return vocab is not None and vocab.token_to_id(word) is None


@functools.cache
def _vocabulary():
    """The reader's tokenizer; None where it cannot be read (a damaged install: the reader says
    so when it loads, and without it no file name is taken for a name)."""
    from embeddings.reader import READER_DIR, TOKENIZER, load_tokenizer

    try:
        return load_tokenizer(READER_DIR / TOKENIZER)
    except Exception:
        return None


def file_name(source: str) -> str:
    """A file's name as a question would type it: without folders or extension, in lower case."""
    return PurePosixPath(source).stem.lower()


def _always_capitalised(word: str, texts: Sequence[str]) -> bool:
    seen, capital, _ = _occurrences(word, texts)
    return capital == seen
