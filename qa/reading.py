"""The reader's part in an answer: it reads the ranker's best candidates with the question.

The ranker (``qa.answers``) orders every candidate sentence cheaply; the reader
(``embeddings.reader``) then reads the best ``top`` of them, each with the sentence before and
after it and its document's title (``title_of``), and its calibrated relevance (combined with
the ranker's score where that measured better, as ``reader.json`` says) becomes their score: the
chance that the sentence answers the question. "Who runs X" is read with each sentence in its own
role words ("who is the director of X": ``qa.roles``). A sentence filed word for word in several
files is read once, its reading shared by the copies. Candidates it did not read keep their order
below the ones it read. For a follow-up, the sentences around the previous answer are read too, and a
candidate of a file in ``file_bonus`` gets its bonus added to its logit (``qa.answers``: the
previous answer's file, for a follow-up, since "and how much was it worth?" is most often
answered next to the last answer; a loss for the files that only mention a file the question
names, "who is the author of pytz" with ``pytz.txt``).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.chunking import headings_at
from qa.index import Index
from qa.markup import markup_only, plain
from qa.names import file_name
from qa.roles import in_words_of, role_asked
from qa.spans import widen

TITLE_WORDS = 15  # a first line with more words is text, not a title
TWINS = 3  # copies of a read sentence are looked for among the ranker's best 3 × top


@dataclass(frozen=True)
class Read:
    """The reader's scores for every candidate (same order as ``ids``) and the spans it found."""

    scores: np.ndarray
    spans: dict[int, tuple[int, int]]  # sentence row -> (start, end) in the document's text
    read: int  # how many candidates were read


def _text_or_empty(index: Index, s: int, lo: int, hi: int) -> str:
    return index.sentence_text(s) if lo <= s < hi else ""


def title_of(index: Index, row: int) -> str:
    """The title of the document sentence ``row`` is in, which the reader reads with it: its
    file's title (``file_title``), or "" for a sentence before the heading that is that title (a
    row of badges)."""
    f, start = int(index.sentences[row, 0]), int(index.sentences[row, 1])
    title, titled = _title(index, f)
    if titled and not headings_at(index.files[f].sections, start):
        return ""
    return title


# an index's files' titles, ``(title, whether a heading gives it)``, worked out once a file: a
# question's candidates ask for them, and they do not change while the index is loaded
_TITLES: weakref.WeakKeyDictionary[Index, dict[int, tuple[str, bool]]] = weakref.WeakKeyDictionary()


def _title(index: Index, f: int) -> tuple[str, bool]:
    titles = _TITLES.setdefault(index, {})
    if f not in titles:
        titled = bool(index.files[f].sections) and _titled(index, f)
        titles[f] = (_file_title(index, f, titled), titled)
    return titles[f]


def file_title(index: Index, f: int) -> str:
    """File ``f``'s title, as its page shows it (``_file_title``)."""
    return _title(index, f)[0]


def _file_title(index: Index, f: int, titled: bool) -> str:
    """File ``f``'s title, as its page shows it. Where the file has headings: its own title when
    one outermost heading holds the whole file ("# Faiss"), else the file's name ("dateparser",
    for a README whose sections, "Installation" and "License", are all it has: "License" says
    nothing of what is licensed; the name and the section together measured no better) where its
    first line is no title either. Else the file's first line when that is a line of its own of
    at most ``TITLE_WORDS`` words (a news story's headline, an article's name, an HTML page's
    title); "" for none."""
    entry = index.files[f]
    if titled:
        top = min(level for _, level, _ in entry.sections)
        return plain(next(title for _, level, title in entry.sections if level == top)).text
    first = _first_line(index, f)
    if entry.sections:
        return first or file_name(entry.source)
    return first


def _first_line(index: Index, f: int) -> str:
    """File ``f``'s first line as its title: when its first sentence is a line of its own (not
    a heading) of at most ``TITLE_WORDS`` words that a page shows; else ""."""
    entry = index.files[f]
    lo, hi = entry.sentences
    if lo >= hi:
        return ""
    a, b = int(index.sentences[lo, 1]), int(index.sentences[lo, 2])
    text = index.doc_text(f)
    own_line = not text[:a].strip() and text[b:].lstrip(" \t")[:1] in ("\n", "\r", "")
    if not own_line or any(start <= a for start, _, _ in entry.sections or ()):
        return ""
    line = plain(text[a:b]).text.strip()
    return line if line and not markup_only(line) and len(line.split()) <= TITLE_WORDS else ""


def _titled(index: Index, f: int) -> bool:
    """Whether file ``f``'s headings give it a title of its own: one heading at their outermost
    level, and nothing before it that a page shows (a row of badges may be)."""
    sections = index.files[f].sections
    top = min(level for _, level, _ in sections)
    if sum(level == top for _, level, _ in sections) != 1:
        return False
    first = next(start for start, level, _ in sections if level == top)
    lo, hi = index.files[f].sentences
    return all(markup_only(index.sentence_text(s)) for s in range(lo, hi) if int(index.sentences[s, 1]) < first)


def read_title(index: Index, row: int) -> str:
    """``title_of`` as the reader is given it: "" for the title itself and for the sentence after
    it, whose context holds it already (read once)."""
    f = int(index.sentences[row, 0])
    lo, _ = index.files[f].sentences
    title = title_of(index, row)
    near = {index.sentence_text(s).strip() for s in (row, row - 1) if s >= lo}
    return "" if title in near else title


def near_previous(index: Index, source: str, start: int, end: int, radius: int = 3) -> list[int]:
    """Sentence rows within ``radius`` sentences of the previous answer (in its file)."""
    for entry in index.files:
        if entry.source == source:
            lo, hi = entry.sentences
            rows = [s for s in range(lo, hi) if int(index.sentences[s, 2]) > start and int(index.sentences[s, 1]) < end]
            if not rows:
                return []
            return [s for s in range(max(lo, rows[0] - radius), min(hi, rows[-1] + radius + 1))]
    return []


def _read(reader, question: str, sents: list[str], before: list[str], after: list[str], titles: list[str]) -> list:
    """``reader.read`` of every sentence, each with the question in its own words where the
    question asks who runs, heads or edits something (``qa.roles.in_words_of``): one batch a wording."""
    if role_asked(question) is None:  # most questions: one batch, as asked
        return reader.read(question, sents, before, after, titles)
    asked = [in_words_of(question, s) for s in sents]
    out: list = [None] * len(sents)
    for q in dict.fromkeys(asked):
        at = [i for i, a in enumerate(asked) if a == q]
        parts = ([xs[i] for i in at] for xs in (sents, before, after, titles))
        for i, r in zip(at, reader.read(q, *parts)):
            out[i] = r
    return out


def rescore(
    index: Index,
    reader,
    question: str,
    ids: np.ndarray,
    base: np.ndarray,
    top: int,
    must_read: Sequence[int] = (),
    file_bonus: Mapping[int, float] | None = None,
    row_bonus: Mapping[int, float] | None = None,
) -> Read:
    """Reader scores for the candidates ``ids`` (ranker scores ``base``): the ``top`` best by the
    ranker with distinct texts and every row in ``must_read`` are read; the rest rank below them
    in ranker order. A sentence found word for word in several files (a story filed twice) is
    read once and its reading given to every copy among the ranker's best ``TWINS × top``: the
    copies take no reading slot from the next distinct sentence. Sentences are read as a page
    shows them (``qa.markup``), and one that shows no words (a badge row) is not read."""
    order = [int(i) for i in np.argsort(-base, kind="stable")]
    pos = {int(s): i for i, s in enumerate(ids.tolist())}
    read_as: dict[str, int] = {}  # a text -> where in ``chosen`` the candidate read for it is
    chosen: list[int] = []  # the candidates read
    copies: list[tuple[int, int]] = []  # (a copy, where in ``chosen`` its text's reading is)
    for i in [*order[: TWINS * top], *(pos[s] for s in must_read if s in pos)]:
        text = index.sentence_text(int(ids[i]))
        if int(ids[i]) not in must_read and markup_only(text):  # a badge row, a link target
            continue
        if text in read_as:
            if chosen[read_as[text]] != i:
                copies.append((i, read_as[text]))
        elif len(chosen) < top or int(ids[i]) in must_read:
            read_as[text] = len(chosen)
            chosen.append(i)
    if not chosen:
        return Read(base.copy(), {}, 0)
    rows = [int(ids[i]) for i in chosen]
    sents, views, before, after, titles = [], [], [], [], []
    for s in rows:
        lo, hi = index.files[int(index.sentences[s, 0])].sentences
        sents.append(index.sentence_text(s))
        views.append(plain(sents[-1]))  # read as the page shows it: a link's text, not its address
        before.append(plain(_text_or_empty(index, s - 1, lo, hi)).text)
        after.append(plain(_text_or_empty(index, s + 1, lo, hi)).text)
        titles.append(read_title(index, s))
    readings = _read(reader, question, [v.text for v in views], before, after, titles)
    # each copy shares its text's reading, scored with its own ranker score and file
    readings += [readings[k] for _, k in copies]
    views += [views[k] for _, k in copies]
    chosen += [i for i, _ in copies]
    rows += [int(ids[i]) for i, _ in copies]
    scores = np.empty(len(ids), dtype=np.float64)
    logits = reader.final_logits(np.array([r.logit for r in readings]), base[chosen], np.array([r.inside for r in readings]))
    if file_bonus:  # a logit added to every candidate of a file (``qa.answers``: a follow-up's, a named one's)
        logits = logits + np.array([file_bonus.get(int(index.sentences[s, 0]), 0.0) for s in rows])
    if row_bonus:  # a logit added to single sentences (``qa.answers``: bylines, for who wrote a piece)
        logits = logits + np.array([row_bonus.get(s, 0.0) for s in rows])
    read_scores = 1.0 / (1.0 + np.exp(-logits))
    floor = float(read_scores.min()) if len(read_scores) else 0.0
    # the unread keep the ranker's order, all below the least of the read
    read_set = set(chosen)
    rest = [i for i in range(len(ids)) if i not in read_set]
    if rest:
        b = base[rest]
        scores[rest] = floor * 0.5 * (b / max(float(b.max()), 1e-9))
    scores[chosen] = read_scores
    spans = {}
    for s, view, r in zip(rows, views, readings):
        if r.span is not None and r.span[1] > r.span[0]:
            off = int(index.sentences[s, 1])
            # to the whole range, name or list the phrase is part of, as the page shows it
            a, b = view.source_span(*widen(view.text, *r.span))
            spans[s] = (off + a, off + b)
    return Read(scores, spans, len(chosen))
