"""Typos: a question's word that the corpus never has, read as the corpus word it was meant to be.

People type fast into a chat: "what deadline did gavin willamson set", "how much did the councl
invest". A word the documents never use finds nothing in BM25, splits into pieces the reader has
never seen together, and is a name the names check cannot find: the answer that was there scores
a tenth of what it does spelt right (0.37 → 0.05 for the deadline). ``correct`` reads such a word
as the corpus's word nearest it (pyspellchecker, over the corpus's own words), where

- the word is typed in lower case (or capitalised as the question's first word): "Mims", "Tssl"
  and "NLRP3" are names as their writer spells them,
- it is not a token of the index's BM25 vocabulary (nothing to correct when it is), nor a
  contraction typed without its apostrophe ("cant", "whats"),
- it is not a word of its own in the models' vocabulary nor in pyspellchecker's English word
  list (an English word or a name the corpus simply lacks, "dubai", "invent", is asked about,
  not mistyped: the names check must still see it),
- the corpus word starts with the same letter and is one edit away (a letter dropped, added or
  changed, or two swapped); the most frequent such word wins. (Two edits for long words read
  "supposition" as "superposition" and "deceleration" as "declaration" in SQuAD's questions.)

The words of the index's files are counted once per loaded index, and only for a question that
has a word to correct.

``spell_out`` reads a contraction typed without its apostrophe as the words it stands for
("whos the ceo of phytopharm": "who is the ceo of phytopharm"), where it can be no other word
("its", "ill", "wont" and "lets" are words): what reads the question's form ("who is the <title>
of …", the names it asks about) reads it as meant, and so does the reader (of the own sets' 17
such questions, 12 right as typed, 13 with the apostrophe put back, 14 spelt out). It is no
correction a person is shown.
"""

from __future__ import annotations

import functools
import re
import weakref

from qa.index import Index
from qa.lexical import QUESTION_WORDS, STOPWORDS, query_tokens

MIN_LETTERS = 4  # shorter words are left as typed: too many corpus words are one edit away
_LETTERS = re.compile(r"[^\W\d_]+")  # a word's letters ("jégou"; "willamson" of "willamson's")
_TOKEN = re.compile(r"[^\W_]+")  # a question's words, figures and all ("NLRP3" is one)

# those that are no other word, typed without their apostrophe, spelt out
_SPELT_OUT = {
    "whos": "who is", "whats": "what is", "thats": "that is", "theres": "there is", "heres": "here is",
    "wheres": "where is", "hows": "how is", "whens": "when is", "whys": "why is", "cant": "cannot",
    "dont": "do not", "isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not",
    "doesnt": "does not", "didnt": "did not", "hasnt": "has not", "havent": "have not", "hadnt": "had not",
    "couldnt": "could not", "shouldnt": "should not", "wouldnt": "would not", "mustnt": "must not",
    "neednt": "need not", "aint": "is not", "youre": "you are", "theyre": "they are", "weve": "we have",
    "youve": "you have", "theyve": "they have",
}
_CONTRACTED = re.compile(r"\b(?:" + "|".join(_SPELT_OUT) + r")\b", re.IGNORECASE)
# contractions typed without their apostrophe, as people do in a chat: words, not typos ("cant" is
# no "can"); those that are words too ("its", "wont") are neither spelt out nor corrected
_CONTRACTIONS = frozenset(_SPELT_OUT) | frozenset("wont ive id ill im hes shes its lets".split())


def spell_out(question: str) -> str:
    """``question`` with each contraction typed without its apostrophe spelt out ("whos" → "who
    is", "cant" → "cannot"), its first letter's case kept."""

    def put(m: re.Match[str]) -> str:
        word = m.group(0)
        new = _SPELT_OUT[word.lower()]
        return new[0].upper() + new[1:] if word[0].isupper() else new

    return _CONTRACTED.sub(put, question)


# words people clip in a chat, typed in lower case, each standing for one word ("which ref ruled
# out the try": the referee; "the q mag poll": the magazine); "sec" only after a department's
# name ("the education sec"), since "the sec" is also the SEC
_CLIPPINGS = {
    "govt": "government", "govts": "governments", "ref": "referee", "refs": "referees", "ppl": "people",
    "dept": "department", "depts": "departments",
    "mag": "magazine", "mags": "magazines", "uni": "university", "unis": "universities",
}
_CLIPPED = re.compile(r"\b(?:" + "|".join(_CLIPPINGS) + r")\b")
_SECRETARY = re.compile(
    r"\b(?P<office>education|home|foreign|health|culture|transport|defence|business|trade|work|environment)\s+sec\b",
    re.IGNORECASE,
)


def unclip(index: Index, question: str) -> str:
    """``question`` with each clipped word read in full where the corpus writes the full word more
    often than the clipped one ("govt" → "government", "which ref" → "which referee", "the
    education sec" → "the education secretary"): in a folder of READMEs that write of git "refs"
    more than of referees, "ref" is left as typed. No correction a person is shown."""

    def fuller(clipped: str, full: str) -> bool:  # the sentences' index read only for a clipped word
        short, whole = query_tokens(clipped)[0], query_tokens(full)[0]
        idf = index.bm25_sentences.idf([short, whole])
        return idf[whole] < idf[short]

    def put(m: re.Match[str]) -> str:
        word = m.group(0)
        return _CLIPPINGS[word] if fuller(word, _CLIPPINGS[word]) else word

    question = _CLIPPED.sub(put, question)
    return _SECRETARY.sub(lambda m: f"{m.group('office')} secretary" if fuller("sec", "secretary") else m.group(0), question)


# per loaded index: a spell checker over its files' words, counted
_SPELLERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _corpus_speller(index: Index):
    """pyspellchecker over the words of ``index``'s files (its dictionary, no language's)."""
    if index not in _SPELLERS:
        from spellchecker import SpellChecker

        speller = SpellChecker(language=None, distance=1)
        speller.word_frequency.load_words([w for f in range(len(index.files)) for w in _LETTERS.findall(index.doc_text(f).lower())])
        _SPELLERS[index] = speller
    return _SPELLERS[index]


@functools.lru_cache(maxsize=1)
def _model_words() -> frozenset[str]:
    """The whole words of the models' (bert-base-uncased) vocabulary."""
    from embeddings.reader import READER_DIR, TOKENIZER, load_tokenizer

    vocab = load_tokenizer(READER_DIR / TOKENIZER).get_vocab()
    return frozenset(w for w in vocab if w.isalpha())


@functools.lru_cache(maxsize=1)
def _english():
    """pyspellchecker's English word list: a word in it is a word, not a typo ("invent",
    "leaky", "supposition"), though the models split it into pieces."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


def _suspect(word: str, index: Index) -> bool:
    """True when ``word`` (lower case) may be a typo: long enough, no stop or question word nor
    contraction, not in the index's BM25 vocabulary, no English word and no word of its own to
    the models."""
    if len(word) < MIN_LETTERS or not word.isalpha() or word in STOPWORDS or word in QUESTION_WORDS or word in _CONTRACTIONS:
        return False
    tokens = query_tokens(word)
    if not tokens or index.bm25_sentences.known(tokens):
        return False
    return word not in _model_words() and word not in _english()


def _nearest(word: str, speller) -> str | None:
    """The corpus's most frequent word one edit from ``word`` that starts with its letter."""
    found = [w for w in speller.candidates(word) or () if w[:1] == word[:1]]
    return max(found, key=lambda w: (speller[w], w)) if found else None


def _typed(word: str, first: bool) -> bool:
    """Whether ``word`` may be a typo of a word: letters in lower case, or capitalised as the
    question's first word. A capitalised name ("Mims", "Tssl"), capitals ("BBC") or a figure
    ("NLRP3") is as its writer spells it: a gene or a name one letter from the corpus's is
    another gene or name."""
    return word.isalpha() and (word.islower() or (first and word.istitle()))


def correct(index: Index, question: str) -> str:
    """``question`` with each word that looks mistyped replaced by the corpus's word it was meant
    to be (its case kept for a capitalised word); the question itself where there is none."""
    tokens = _TOKEN.findall(question)
    suspects = {w.lower() for i, w in enumerate(tokens) if _typed(w, i == 0) and _suspect(w.lower(), index)}
    if not suspects:
        return question
    speller = _corpus_speller(index)
    fixes = {w: n for w in suspects if (n := _nearest(w, speller)) is not None}
    if not fixes:
        return question
    first = _TOKEN.search(question).start()

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        new = fixes.get(word.lower()) if _typed(word, m.start() == first) else None
        if new is None:
            return word
        return new.capitalize() if word.istitle() else new

    return _TOKEN.sub(fix, question)
