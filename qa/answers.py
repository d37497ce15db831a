"""Extractive answers: choose sentences from the retrieved passages, merge duplicates, abstain.

Candidates are the sentences of the retrieved chunks plus the best sentences by BM25. Each gets
a few features (``FEATURES``), and its score is their weighted sum (``AnswerParams.weights``,
fitted on the dev sets with ``bench/tune_answers.py``):

- ``dense``: cosine similarity of the sentence to the question;
- ``passage``: cosine similarity of the best retrieved chunk holding it;
- ``lexical``: the share of the question's content words (weighted by IDF) in the sentence;
- ``window``: the same share over the sentence, its neighbours (two before, one after: a
  heading and the lines under it, a pronoun and its antecedent) and its document's title
  (``qa.reading.file_title``: a news story's headline, a README's name), which the reader reads
  it with too;
- ``echo``: 1 when the sentence has no content word outside the question (it only repeats it);
- ``neighbour``: the best cosine similarity of a neighbouring sentence;
- ``bm25``: the sentence's BM25 score over the question's total IDF;
- ``bigram``: the share of the question's consecutive content-word pairs found in the sentence;
- ``names``: the share of the question's capitalised words (past its first) in the sentence;
- ``length``: log of the sentence's length (longer sentences hold more facts);
- ``type_*``: 1 when the question asks for a kind of thing (a date for "when", a number for
  "how many", a person for "who", a place for "where", a name for "which ...") and the
  sentence holds one the question does not; one feature per kind.

The quote is the chosen sentence, with its neighbour in the paragraph closer to the question
when the two fit in 300 characters (a sentence that opens on "He", "She" or "They": with the
sentence before it, which names them, across a paragraph break too). A sentence that appears, word for word or nearly, in several files is one
answer that names every file. When the best score is under ``threshold`` the result says the corpus does not
answer, and still lists the nearest sentences.

A statement rather than a question ("0-dimensional biomaterials lack inductive properties":
``qa.answer_types.is_statement``) asks where the documents speak to it. It is ranked by the
features alone, and its answers are the best sentence of each of the ``statement_k`` (10) best
files, as a search lists its results (and, when fewer files have one, the next best sentences of
those files): the reader was
trained to find the sentence that answers a question, and on SciFact's held-out claims it put the
relevant abstract first less often than the ranker (README, "The reader").
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.model import Embedder
from embeddings.vectors import rows
from qa.answer_types import (
    DATE,
    HONORIFICS,
    NAME,
    NUMBER,
    PERSON,
    PLACE,
    asks_body,
    asks_date,
    asks_license,
    asks_party,
    asks_quantity,
    asks_version,
    carries_on,
    describes_role,
    expected_type,
    gives_date,
    gives_quantity,
    gives_version,
    holds_type,
    is_small_talk,
    is_statement,
    names_license,
    names_party,
    names_person,
    restates,
)
from qa.chunking import section_of
from qa.credits import (
    asks_published,
    credit_asked,
    credit_rows,
    defined,
    definition_rows,
    installer_asked,
    is_byline,
    own_byline,
    topic_of,
)
from qa.followup import contextualise, is_claim, resolve_person, resolve_thing, substitute, thread
from qa.index import Index
from qa.lexical import query_tokens
from qa.markup import markup_only
from qa.names import file_name, first_part, mentions, named_files, own_names, unmentioned
from qa.reading import file_title, near_previous, rescore
from qa.records import Answer, Result
from qa.retrieval import retrieve
from qa.roles import names_title, title_asked
from qa.spelling import correct, spell_out, unclip

TYPE_KINDS = (DATE, NUMBER, PERSON, PLACE, NAME)
FEATURES = ("dense", "passage", "lexical", "window", "echo", "neighbour") + tuple(
    f"type_{k}" for k in TYPE_KINDS
) + ("bm25", "bigram", "names", "length")
# a logistic model over the features: score = sigmoid(weights . features + bias), so a score
# reads as the chance that the sentence holds the answer; fitted by bench/tune_answers.py
DEFAULT_WEIGHTS = (
    2.052, 1.672, 1.864, 2.107, -0.356, 0.6, 0.646, 0.459, 0.285, 0.273, 0.258, 0.594, 0.52, -0.349, 0.241
)
DEFAULT_BIAS = -6.507


@dataclass(frozen=True)
class AnswerParams:
    k: int = 5
    passages: int = 20  # chunks retrieved
    lexical_sentences: int = 20  # extra candidates straight from sentence BM25
    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    bias: float = DEFAULT_BIAS
    # below this best score the corpus does not answer: off-topic questions score under 0.02
    # (99.7% of SQuAD questions asked of the sample corpus), answerable seed questions over 0.04
    threshold: float = 0.03
    duplicate_jaccard: float = 0.6
    echo_factor: float = 0.1
    context_chars: int = 600
    # a quote is the sentence and its paragraph neighbour closer to the question when both fit in this
    # many characters: "He is the oldest quarterback … at age 39." with the sentence naming him
    max_quote_chars: int = 300
    # the reader (qa.reading): how many of the ranker's best it reads, and the abstention threshold
    # on its calibrated relevance (the chance that the best sentence answers the question)
    # rank with the reader (on by default: better on every chat-style set measured, README "The reader")
    reader: bool = True
    spans: bool = True  # the reader still finds the short answer inside the quotes shown
    read_top: int = 12
    reader_threshold: float | None = None  # None: the reader's own, fitted on validation (reader.json)
    # a date asked by name: where the best answer gives none, the best that does and passes the
    # threshold comes first (a figure asked: not so, unanswerable questions found one elsewhere)
    date_first: bool = True
    # "who is the children's commissioner": a logit for a sentence naming the title next to its
    # holder ("the children's commissioner Eleanor Brazil"), over one that names both apart
    # (measured on 495 who-is questions: 3 gained, none lost at 1.0; at 2.0, 3 gained and 10 lost)
    appositive_bonus: float = 1.0
    follow_bonus: float = 1.0  # with the reader: logit added to a follow-up's candidates in the previous answer's file
    # with the reader: logit added, in a chat, to the previous answer's file for a question that
    # does not lean on the last turn but names nothing that file does not mention ("where are the
    # interviews going to end up" after a question on a study's findings): people go on asking
    # about what they were reading
    stay_bonus: float = 1.0
    stay_read: int = 3  # that file's best sentences by the ranker read whatever the ranking
    # with the reader: logit taken from candidates of files that mention a file the question names
    # without being it ("who is the author of pytz", in a folder with pytz.txt: not tzlocal.rst)
    named_penalty: float = 1.0
    # the names check reads a follow-up with the question it follows: its answer's file must mention
    # that question's names too
    history_names: bool = True
    # with the reader: logit added to a credit line (a byline, "By Lisa McNally | 09 February 2026";
    # a README's "Maintainer" section: qa.credits) where the question asks who wrote a piece, when
    # it was published, or who maintains or created a thing (the reader, never trained on such
    # lines, rates them near -5: 1 left the page's own byline under a sentence quoting someone);
    # and taken from a byline where the question asks anything else (``byline_penalty``)
    credit_bonus: float = 3.0
    byline_penalty: float = 1.0
    # a sentence ending in a full stop, or an input of this many words or more, with no question
    # word is a statement (qa.answer_types.is_statement): ranked without the reader, one answer a
    # file (0: every input is read as a question)
    statement_words: int = 8
    # a statement lists the best passage of up to this many files, as a search lists its results,
    # and fills up to ``k`` answers with those files' next best (SciFact's claims are ranked by the
    # first ten files)
    statement_k: int = 10
    # decline an answer whose file never mentions a name the question asks about (qa.names)
    names_must_match: bool = True
    # decline an answer to "how much/many/old/long" whose short answer (the reader's span, else the
    # quote) gives no number, sum or duration
    quantity_must_show: bool = True
    # decline an answer to "who is the <title> of …" whose quote names no such title: "who is the
    # director of children's services" is not answered by "the children's commissioner Eleanor Brazil"
    title_must_show: bool = True
    # decline an answer to "what date/year/day/month …" whose quote holds no date
    date_must_show: bool = True
    # decline an answer to "which party …" whose quote names no party
    party_must_show: bool = True
    # decline an answer to "what license …" whose quote names no licence
    license_must_show: bool = True
    # decline an answer to "which council/company/club …" whose short answer is a person, or
    # names only what the question names already
    body_must_show: bool = True
    # read a word the corpus never has, and no model knows, as the corpus word one edit away
    # ("willamson": "williamson"; qa.spelling)
    spelling: bool = True


@dataclass
class Candidates:
    """The candidate sentences for one question and their feature matrix."""

    question: str
    ids: np.ndarray  # sentence rows
    features: np.ndarray  # (n, len(FEATURES))
    texts: list[str] = field(default_factory=list)
    qvec: np.ndarray | None = None

    def scores(self, weights: Sequence[float], bias: float = 0.0) -> np.ndarray:
        logits = self.features @ np.asarray(weights, dtype=np.float32) + bias
        return 1.0 / (1.0 + np.exp(-logits))


_WORD = re.compile(r"\w+")
_NAME = re.compile(r"\b[A-Z][\w'’-]*")
# a sentence that opens on a personal pronoun names its person in the sentence before
_PRONOUN_OPENING = re.compile(r"^\W*(?:he|she|they|his|her|their)\b", re.IGNORECASE)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("\u2019", "'").replace("\u2018", "'")


def word_set(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(_fold(text)))


def near_duplicate(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    if not a or not b:
        return a == b
    small, large = sorted((len(a), len(b)))
    if small < threshold * large:  # the Jaccard index is at most small / large
        return False
    return len(a & b) / len(a | b) >= threshold


def _coverage(tokens: set[str], weights: dict[str, float], total: float) -> float:
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in tokens) / total


def _neighbours(index: Index, s: int) -> tuple[int, ...]:
    """Two sentences before (a heading, an antecedent) and one after, within the file."""
    f = int(index.sentences[s, 0])
    lo, hi = index.files[f].sentences
    return tuple(n for n in (s - 2, s - 1, s + 1) if lo <= n < hi)


def _context(index: Index, first: int, last: int, limit: int) -> str:
    """Sentences ``first..last`` with their neighbours in the same document, up to about
    ``limit`` characters (never less than the quote itself)."""
    f, a = int(index.sentences[first, 0]), int(index.sentences[first, 1])
    b = int(index.sentences[last, 2])
    lo_row, hi_row = index.files[f].sentences
    i, j = first - 1, last + 1
    while True:
        grew = False
        if i >= lo_row and b - int(index.sentences[i, 1]) <= limit:
            a = int(index.sentences[i, 1])
            i -= 1
            grew = True
        if j < hi_row and int(index.sentences[j, 2]) - a <= limit:
            b = int(index.sentences[j, 2])
            j += 1
            grew = True
        if not grew:
            break
    return index.doc_text(f)[a:b]


def quote_rows(index: Index, s: int, qvec: np.ndarray | None, params: AnswerParams) -> tuple[int, int]:
    """The sentence rows ``(first, last)`` quoted for sentence ``s``: ``s`` and its neighbour
    in the same paragraph closer to the question when the two fit in ``params.max_quote_chars``.
    A sentence that opens on "He", "She" or "They" is quoted with the sentence before it, across
    a paragraph break too, where the two fit: "He was sacked for his gaffe" says who only with
    the sentence that names him. One that ends in a colon is quoted with what it introduces, the
    next sentence that shows words (a code fence is passed over): "Run the following to test
    Rich output on your terminal:" says how only with "python -m rich"."""
    f = int(index.sentences[s, 0])
    lo, hi = index.files[f].sentences
    near = [n for n in (s - 1, s + 1) if lo <= n < hi]
    if qvec is None or not near:
        return s, s
    antecedent = s - 1 >= lo and bool(_PRONOUN_OPENING.match(index.sentence_text(s)))
    introduced = None if antecedent else _introduced(index, s, hi)
    if antecedent:
        n = s - 1
    elif introduced is not None:
        n = introduced
    else:
        sims = np.asarray(index.sentence_vectors[near]) @ qvec
        n = near[int(np.argmax(sims))]
    first, last = min(s, n), max(s, n)
    end_first, start_last = int(index.sentences[first, 2]), int(index.sentences[last, 1])
    if int(index.sentences[last, 2]) - int(index.sentences[first, 1]) > params.max_quote_chars:
        return s, s
    if not antecedent and introduced is None and index.doc_text(f)[end_first:start_last].count("\n") > 1:
        return s, s  # a run stays in its paragraph
    return first, last


def _introduced(index: Index, s: int, hi: int) -> int | None:
    """The row that sentence ``s``, ending in a colon, introduces: the next of the file that shows
    words, up to three rows of markup passed over (a code fence, a directive, the ``<div>`` a
    README wraps its terminal sessions in) (None: ``s`` ends otherwise)."""
    if not index.sentence_text(s).rstrip().endswith(":"):
        return None
    return next((n for n in range(s + 1, min(s + 4, hi)) if not markup_only(index.sentence_text(n))), None)


def _chunk_of(index: Index, sentence: int) -> int:
    """The first chunk that holds ``sentence`` (chunks are in sentence order)."""
    c = int(np.searchsorted(index.chunks[:, 5], sentence, side="right")) - 1
    return max(c, 0)


def candidates(
    index: Index,
    qvec: np.ndarray,
    question: str,
    params: AnswerParams = AnswerParams(),
    mode: str = "hybrid",
    asked: str | None = None,
    extra: Sequence[int] = (),
) -> Candidates:
    """The candidate sentences for ``question`` with their features.

    ``asked`` is the question as the user put it, when ``question`` is a follow-up widened
    with the conversation: the kind of answer wanted is read from it. ``extra`` are sentence
    rows that are candidates whatever the retrieval finds (a follow-up's: around the last answer).
    """
    tokens = query_tokens(question)
    hits = retrieve(index, qvec, tokens, k=params.passages, mode=mode)
    passage_of: dict[int, float] = {}
    for h in hits:
        lo, hi = (int(x) for x in index.chunks[h.chunk, 5:7])
        for s in range(lo, hi):
            passage_of[s] = max(passage_of.get(s, -1.0), h.dense)
    lexical = tokens and len(index.sentences) > 0
    more = [int(s) for s in extra]
    if mode != "dense" and lexical and params.lexical_sentences:
        best, _ = index.bm25_sentences.top(tokens, params.lexical_sentences)
        more = best.tolist() + more
    more = [s for s in dict.fromkeys(more) if s not in passage_of]
    if more:
        sims = rows(index.chunk_vectors, [_chunk_of(index, s) for s in more]) @ qvec
        passage_of.update(zip(more, sims.tolist()))
    if not passage_of:
        return Candidates(question, np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES)), np.float32))

    ids = np.fromiter(passage_of, dtype=np.int64)
    id_list = ids.tolist()
    texts = [index.sentence_text(s) for s in id_list]
    # neighbours that are not candidates themselves: their words (window) and similarity (neighbour)
    neigh = [_neighbours(index, s) for s in id_list]
    near = sorted({n for pair in neigh for n in pair} - set(id_list))
    seqs = {s: index.sentence_tokens(s) for s in id_list + near}
    toks = {s: set(t) for s, t in seqs.items()}

    weights = index.bm25_sentences.idf(tokens) if tokens and mode != "dense" else {}
    if not weights and tokens:
        weights = {t: 1.0 for t in tokens}
    total = sum(weights.values())
    qset = set(tokens)
    kind = expected_type(asked or question)
    q_bigrams = set(zip(tokens, tokens[1:]))
    q_names = {m.group(0) for m in _NAME.finditer(asked or question) if m.start() > 0}

    # the question's words in each candidate's document title (its headline, its name): context, as
    # a heading or an antecedent is, for the window feature (and what the reader reads it with)
    title_words = {f: set(query_tokens(file_title(index, f))) & qset if qset else set()
                   for f in {int(index.sentences[s, 0]) for s in id_list}}
    feats = np.zeros((len(ids), len(FEATURES)), dtype=np.float32)
    sims = rows(index.sentence_vectors, id_list + near) @ qvec
    feats[:, 0] = sims[: len(ids)]
    feats[:, 1] = [passage_of[s] for s in id_list]
    sim_of = dict(zip(id_list + near, sims.tolist()))
    for row, s in enumerate(id_list):
        own = toks[s]
        window = set(own)
        for n in neigh[row]:
            window |= toks[n]
        window |= title_words[int(index.sentences[s, 0])]
        feats[row, 2] = _coverage(own, weights, total)
        feats[row, 3] = _coverage(window, weights, total)
        feats[row, 4] = 1.0 if own and own <= qset else (1.0 if not own else 0.0)
        feats[row, 5] = max((sim_of[n] for n in neigh[row]), default=0.0)
        if kind and holds_type(texts[row], kind, asked or question):
            feats[row, 6 + TYPE_KINDS.index(kind)] = 1.0
        seq = seqs[s]
        if q_bigrams:
            feats[row, 12] = len(q_bigrams & set(zip(seq, seq[1:]))) / len(q_bigrams)
        if q_names:
            feats[row, 13] = sum(n in texts[row] for n in q_names) / len(q_names)
        feats[row, 14] = np.log1p(len(texts[row])) / 6.0
    if lexical and total > 0:
        feats[:, 11] = index.bm25_sentences.scores_of(tokens, ids) / total
    return Candidates(question, ids, feats, texts, qvec)


def answer(
    index: Index,
    embedder: Embedder,
    question: str,
    params: AnswerParams = AnswerParams(),
    mode: str = "hybrid",
    history: Sequence[str] = (),
    qid: str | None = None,
    reader=None,
    previous: Answer | None = None,
) -> Result:
    """Answer ``question`` from the index: up to ``params.k`` answers, best first.

    With a ``reader`` (``embeddings.reader.Reader``) the ranker's best candidates are read and
    scored by it (``qa.reading``); ``previous`` is the last turn's answer, which a follow-up
    leans on: the sentences around it are read too and its file is preferred.
    """
    t0 = time.perf_counter()
    question = question.strip()
    if not question or len(index.sentences) == 0:
        return Result(question, False, (), qid, time.perf_counter() - t0)
    typed = question
    if is_small_talk(question):  # "thanks!", "hi", "what can you do": nothing to look for
        return Result(question, False, (), qid, time.perf_counter() - t0, lacks="question")
    history = [h for h in history if not is_small_talk(h)]  # "thanks!" between two turns is no topic
    if not any(h.strip() for h in history) and carries_on(question):  # "tell me more", first thing
        return Result(question, False, (), qid, time.perf_counter() - t0, lacks="question")
    # "whos the ceo of phytopharm" read as "who is …": no correction to show (qa.spelling)
    question, history = spell_out(question), [spell_out(h) for h in history]
    if params.spelling:  # "which ref", "the govt": read in full where the corpus writes them so (qa.spelling)
        question, history = unclip(index, question), [unclip(index, h) for h in history]
    unmistyped = question
    if params.spelling:  # "gavin willamson" read as the corpus's "gavin williamson" (qa.spelling)
        question = correct(index, question)
        history = [correct(index, h) for h in history]
    # "what about sortedcontainers" after "what license is trafilatura under": the last question,
    # asked of that file (shown as read_as)
    question = substitute(question, history, lambda w: w in index.file_names)
    # a follow-up (it leans on the last turn: qa.followup) is searched with the last question
    # not a claim of its own (qa.followup.is_claim): pronouns in it are its own, not the last turn's
    claim = is_claim(question, params.statement_words)
    # a folder whose files are named for their subjects (READMEs): a short question naming none
    # carries on the one the chat named ("what's the base exception called" after idna's)
    names_file = (lambda text: bool(named_files(text, index.file_names))) if index.file_names else None
    query = question if claim else contextualise(question, history, last_answer=previous.text if previous else "", names=names_file)
    follows = query != question
    qvec = embedder.encode([query])[0]
    # a follow-up is most often answered next to the last answer: the sentences around it are
    # candidates too (with the reader, its file is preferred; the ranker alone measured no better
    # for it and worse when the last answer was wrong)
    prev_rows = near_previous(index, previous.source, previous.start, previous.end) if follows and previous else []
    cands = candidates(index, qvec, query, params, mode, asked=question, extra=prev_rows)
    if follows and previous is not None and previous.source in index.by_source and _PERSONAL.search(question):
        # "which seat did robert jackson hold when he defected" after a question on Balco: "he" is
        # a person, and the one the question names itself where the last answer's file never
        # mentions them: asked as if first ("it" may still be the last turn's thing: "which dutch
        # group lost out when it was sold")
        own = own_names(question, cands.texts, lambda: _candidate_files(index, cands))
        if own and not mentions(index.doc_text(index.by_source[previous.source]), own):
            query, follows, prev_rows = question, False, []
            qvec = embedder.encode([query])[0]
            cands = candidates(index, qvec, query, params, mode, asked=question)
    stay = None  # a question that names nothing new, in a chat: the file it stays on, its rows candidates
    if (params.stay_bonus and reader is not None and params.reader and previous is not None and not follows
            and not claim and previous.source in index.by_source):
        stay = _stays_on(index, question, cands, previous.source)
        if stay is not None:
            prev_rows = list(range(*index.files[stay].sentences))
            cands = candidates(index, qvec, query, params, mode, asked=question, extra=prev_rows)
    base = ranker_scores(cands, params)
    # read whatever the ranking: the sentences around a follow-up's last answer, or the best few by
    # the ranker of the file a chat stays on
    must_read = prev_rows if stay is None else _best_of(cands, base, set(prev_rows), params.stay_read)
    credit = _credits(index, question, cands, base, params, query) if reader is not None and params.reader else {}
    credited = [s for s, b in credit.items() if b > 0]  # read whatever the ranker thinks of them
    if credited:
        cands = candidates(index, qvec, query, params, mode, asked=question, extra=[*prev_rows, *credited])
        base = ranker_scores(cands, params)
    spans: dict[int, tuple[int, int]] = {}
    threshold = params.threshold
    statement = claim or (not follows and is_statement(question, params.statement_words))
    shown = params.statement_k if statement else None  # a statement: the best of up to that many files
    if reader is not None and params.reader and not statement and len(cands.ids):
        prefer = int(index.sentences[prev_rows[0], 0]) if prev_rows else None
        # a follow-up is searched for with the earlier question (and next to the earlier answer),
        # but read as asked: with the earlier question appended, the reader answered that one again
        # ("what does that job pay?" got the council's name). On the follow-ups of seed, bbc and
        # the project's own sets: 8 of 25 wrong, against 9 reading the appended query.
        # "how old is he" after "who's roddick's new coach?" (answered "Dean Goldfine") is read as
        # "how old is Dean Goldfine" (the search has the earlier question already; the ranker's
        # features, given the name, favoured any sentence naming that person)
        read_as = resolve_person(question, history, previous.span_text) if follows and previous else question
        if follows and read_as == question:  # "how long did it take" after "who did the review"
            read_as = resolve_thing(question, history)
        bonus = {f: -params.named_penalty for f in _mentioning_others(index, query, cands)} if params.named_penalty else {}
        if prefer is not None:
            bonus[prefer] = bonus.get(prefer, 0.0) + (params.follow_bonus if stay is None else params.stay_bonus)
        read = rescore(index, reader, read_as, cands.ids, base, params.read_top, [*must_read, *credited], bonus, credit)
        base, spans = read.scores, read.spans
        threshold = reader.threshold if params.reader_threshold is None else params.reader_threshold
    elif reader is not None and params.spans and len(cands.ids):
        # the ranker's order and score; the reader reads only the sentences likely to be shown
        spans = rescore(index, reader, question, cands.ids, base, max(shown or 0, params.k) + 2).spans
    answers = select(index, cands, params, base, spans, per_file=1 if statement else 0, most_files=shown)
    if answers and expected_type(question) == PERSON and describes_role(answers[0].span_text):
        # "who did the lib dems bring in from bt": "… appointed a senior figure from BT to be the
        # party's new communications chief …", and the next sentence names him
        answers[0] = _named_next(index, answers[0], params) or answers[0]
    if params.date_first and len(answers) > 1:
        answers = _date_first(answers, question, threshold)
    answered = bool(answers) and answers[0].score >= threshold
    missing: tuple[str, ...] = ()
    if answered and params.names_must_match:
        # "how much prize money does the dubai winner get": not from a file that never says "Dubai"
        # a follow-up asks about the last question's subject too: "and what license is it under"
        # after "who maintains tzlocal", not from a file that never mentions tzlocal; unless it names
        # its own ("which seat did robert jackson hold when he defected" after a question on Balco)
        wider = functools.cache(lambda: _candidate_files(index, cands))  # read once, for any answer
        leans = follows and params.history_names and not own_names(question, cands.texts, wider)
        asked = [question, *thread(history, names=names_file)] if leans else [question]
        missing = _unmentioned(index, cands, answers[0], asked, wider)
        answered = not missing
    lacks = None
    # the reader's short answer where it found one, else the quote: "how old is kathy butler" is
    # not answered by "Britain" in "Britain's Kathy Butler ... in Sunday's 25th Cross ..."
    best = answers[0] if answers else None
    after = best.text[best.span[1] - best.start :] if best is not None and best.span is not None else ""
    if answered and params.quantity_must_show and asks_quantity(question) and not gives_quantity(best.span_text, best.text, question, after):
        # "how much did federer offer roche": not "Roche 'turns down Federer offer'"
        answered, lacks = False, "quantity"
    if answered and params.quantity_must_show and asks_version(question) and not gives_version(best.span_text or best.text, question, best.text):
        # "which cuda version does faiss gpu need": not "… on AMD ROCm"
        answered, lacks = False, "quantity"
    if answered and params.date_must_show and asks_date(question) and not gives_date(best.text, question):
        # "what date was the balco trial moved to": not "The trial date for … has been postponed."
        answered, lacks = False, "date"
    title = title_asked(question) if answered and params.title_must_show and best is not None else None
    if title is not None and not names_title(best.text, title[1]):
        answered, lacks = False, "title"
    if answered and params.party_must_show and asks_party(question) and not names_party(best.text):
        # "which party controls stoke council": not "Ofsted rated Stoke-on-Trent City Council's …"
        answered, lacks = False, "party"
    if answered and params.license_must_show and asks_license(question) and not names_license(best.text):
        # "what license does cloudpickle use": not "However, since `cloudpickle 2.0.0`, one can …"
        answered, lacks = False, "license"
    if answered and params.body_must_show and asks_body(question) and (
        names_person(best.span_text, best.text) or restates(best.span_text, question)
    ):
        # "which council did they end up partnering with": not "Council leader, Cllr Abi Brown";
        # "which council ended up partnering with stoke": not "Stoke-on-Trent City Council"
        answered, lacks = False, "body"
    return Result(typed, answered, tuple(answers), qid, time.perf_counter() - t0, missing, lacks,
                  read_as=question if question != unmistyped else None)


def _date_first(answers: list[Answer], question: str, threshold: float) -> list[Answer]:
    """``answers`` with the best that gives a date first, where ``question`` asks for one by name
    ("what deadline did he set", "what year did he win it") and the best gives none: "three
    months" of "… gives Stoke-on-Trent City Council three months to establish a partnership"
    answered "whats the deadline for stoke" in 7 of the own sample sets, whose next answer,
    "until 31 January 2020", is the deadline. Only an answer that passes the ``threshold``."""
    if not asks_date(question) or gives_date(answers[0].text, question):
        return answers
    for i, a in enumerate(answers[1:], 1):
        if a.score >= threshold and gives_date(a.text, question):
            return [a, *answers[:i], *answers[i + 1 :]]
    return answers


# a pronoun that can only stand for a person
_PERSONAL = re.compile(r"\b(?:he|she|him|his|her|hers|himself|herself)\b", re.IGNORECASE)


# a person's name opening a sentence: "Sandy Walkington will now …", "Judy Boynton finally left …"
_NAME_OPENING = re.compile(r"(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Cllr)\.?\s+)?[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,2}\b(?!\s+[A-Z])")


def _named_next(index: Index, best: Answer, params: AnswerParams) -> Answer | None:
    """``best``, whose short answer describes a person by a role and names none, with the next
    sentence of its file where that opens on a person's name: quoted with it (or alone, where the
    two do not fit ``params.max_quote_chars``), the name its short answer; None where it does not."""
    f = index.by_source.get(best.source)
    if f is None or best.offsets != "file":
        return None
    lo, hi = index.files[f].sentences
    nxt = next((s for s in range(lo, hi) if int(index.sentences[s, 1]) >= best.end), None)
    if nxt is None:
        return None
    text = index.sentence_text(nxt)
    m = _NAME_OPENING.match(text)
    if m is None or m.group(0).split()[0] in ("The", "A", "An", "This", "That", "It", "In", "On", "But", "And"):
        return None
    start, end = int(index.sentences[nxt, 1]), int(index.sentences[nxt, 2])
    first = best.start if end - best.start <= params.max_quote_chars else start
    doc = index.doc_text(f)
    return dataclasses.replace(
        best, text=doc[first:end], start=first, end=end, span=(start + m.start(), start + m.end()),
        line=best.line if first == best.start else int(index.sentences[nxt, 3]),
    )


def _unmentioned(index: Index, cands: Candidates, best: Answer, asked: Sequence[str], wider) -> tuple[str, ...]:
    """The names ``asked`` (the question, and for a follow-up the questions it leans on) that neither ``best``'s
    file nor the files repeating its passage mention (``qa.names.unmentioned``)."""
    # the file and those repeating the passage (at most 20: boilerplate can be in every file)
    files = [index.by_source[s] for s in (best.source, *best.also_in[:19]) if s in index.by_source]
    texts, sources = [index.doc_text(f) for f in files], [index.files[f].source for f in files]
    return tuple(dict.fromkeys(
        name for q in asked for name in unmentioned(q, cands.texts, texts, wider, index.file_names, sources)
    ))


def _mentioning_others(index: Index, question: str, cands: Candidates) -> set[int]:
    """The candidates' files that mention a file the question names (``qa.names.named_files``)
    without being it: ``tzlocal.rst``, which says "tzlocal no longer returned pytz objects", for
    "who is the author of pytz" in a folder with ``pytz.txt``. (Files that never mention it are
    left alone: an answer from one is declined, ``qa.names.unmentioned``.)"""
    names = named_files(question, index.file_names)
    if not names:
        return set()
    files = {int(index.sentences[s, 0]) for s in cands.ids}
    return {f for f in files if file_name(index.files[f].source) not in names and mentions(index.doc_text(f), names)}


def _credits(
    index: Index, question: str, cands: Candidates, base: np.ndarray, params: AnswerParams, about: str = ""
) -> dict[int, float]:
    """Sentence rows and the logit they gain or lose (``qa.credits``). "who wrote about suffolk",
    "who maintains tzlocal": the credit lines of the best candidates' three files (bylines, a
    README's "Maintainer") gain ``credit_bonus``; "who wrote the story", "when was it published":
    their own bylines gain it, and the bylines of the other pieces a page lists lose
    ``byline_penalty`` (for a follow-up, what the piece is about is read from ``about``, the
    question with the one it follows, as searched). Any other question: a byline among the
    candidates loses ``byline_penalty`` ("By Cllr Carl Jackson | 09 February 2026" is no answer to "what's the
    pilot in bucks about"). "what is faiss": the sentences that say what it is (``_definitions``);
    "who is the children's commissioner": a sentence naming the title next to a name gains
    ``appositive_bonus`` (``_appositive``)."""
    if not params.credit_bonus:
        return {}
    kind = credit_asked(question)
    if kind is None and params.appositive_bonus and (title := title_asked(question)) is not None:
        pattern = _appositive(title[1])
        credit = {int(s): params.appositive_bonus for s in cands.ids if pattern.search(index.sentence_text(int(s)))}
        return credit | _bylines_marked_down(index, cands, params)
    if kind == "definition":
        credit = _definitions(index, question, cands, about)
        if credit:
            return dict.fromkeys(credit, params.credit_bonus)
        kind = None
    if kind is None:
        return _bylines_marked_down(index, cands, params)
    topic: list[str] = []
    if kind in ("byline", "piece"):
        # for a follow-up ("when was that put up" after "who wrote the wandsworth piece") what the
        # piece is about is in the question it follows (``about``: the two as searched)
        topic = topic_of(about or question)
        kind = "byline" if topic else "piece"
    best = np.argsort(-base, kind="stable")[: params.read_top]
    files = list(dict.fromkeys(int(index.sentences[cands.ids[i], 0]) for i in best))[:3]
    if kind in ("license", "install", "usage", "dependencies"):  # "what license is h11 under": h11's own lines, wherever the ranker put them
        # (a licence: only a file the question names, "what license does rich use" is not asking
        # of any file that names a licence, and a named file that names none gets none; an
        # install command: the best three files' where it names none, "how do i install rich")
        named = set(named_files(about or question, index.file_names))
        named_files_here = [f for f, e in enumerate(index.files) if file_name(e.source) in named]
        files = named_files_here if named_files_here or kind == "license" else files
    rows = [s for f in files for s in credit_rows(index, f, kind, topic)]
    if kind == "install" and (installer := installer_asked(question)):  # "… from conda": its commands only
        rows = [s for s in rows if re.search(rf"\b{installer}\b", index.sentence_text(s), re.IGNORECASE)]
    if not rows and kind in ("usage", "dependencies"):  # no such section: as for any other question
        return _bylines_marked_down(index, cands, params)
    credit = dict.fromkeys(rows, params.credit_bonus)
    if kind == "byline" and files and asks_published(question) and not any(is_byline(index.sentence_text(s)) for s in credit):
        # "when was the first article on the stoke deadline published": no byline's piece has the
        # question's rarest word (the article says "three months", not "deadline"); a piece's date
        # is in its byline only, so the best file's own byline is read, as for a piece the question
        # does not describe (who wrote it may be named elsewhere: "Saara Idelbi and Conor Monighan
        # consider …", the summary of a piece a page lists)
        own = own_byline(index, files[0])
        if own is not None:
            credit[own] = params.credit_bonus
    if kind == "piece":  # "who wrote the story": not one of the other pieces a page lists
        credit |= {s: b for s, b in _bylines_marked_down(index, cands, params).items() if s not in credit}
    return credit


def _bylines_marked_down(index: Index, cands: Candidates, params: AnswerParams) -> dict[int, float]:
    """The candidates that are bylines, each with ``-byline_penalty``: what any question that asks
    for no credit gets ("By Cllr Carl Jackson | 09 February 2026" answers no "what's the pilot in
    bucks about")."""
    return {int(s): -params.byline_penalty for s in cands.ids if is_byline(index.sentence_text(int(s)))}


def _definitions(index: Index, question: str, cands: Candidates, about: str = "") -> list[int]:
    """The rows that say what the thing ``question`` asks about is ("what is faiss": ``qa.credits.
    defined``): of the file it names (its name, or the name's first part: "faiss" names
    ``faiss-cpu.md``; an English word too, the question being about nothing else: "what is rich"),
    or for "what is it", of the file the thread named (``about``, as searched); else among the
    candidates ("Ofcom is the UK's communications regulator")."""
    thing = defined(question)
    if thing is None:
        return []
    if thing in ("it", "that", "this", "they", "them"):
        names = named_files(about, index.file_names)
        if not names:
            return []
    else:
        names = [thing]
    files = [f for f, e in enumerate(index.files) if (name := file_name(e.source)) in names or first_part(name) in names]
    if files:
        rows = []
        for f in files:  # the file's name and its first part: faiss-cpu.md says "Faiss is a library …"
            own = file_name(index.files[f].source)
            rows += definition_rows(index, f, [*names, own, first_part(own)])
        return rows
    return definition_rows(index, -1, names, rows=[int(s) for s in cands.ids])


_HONORIFIC = r"(?:(?:" + "|".join(HONORIFICS) + r")\.?\s+)?"
_A_NAME = r"[A-Z][\w'’-]+(?:\s+(?:de|da|van|von|der|la|le)?\s*[A-Z][\w'’-]+){1,3}"


@functools.lru_cache(maxsize=64)
def _appositive(words: tuple[str, ...]) -> re.Pattern[str]:
    """A title next to its holder's name: "children's commissioner Eleanor Brazil", "Council
    leader, Cllr Abi Brown", "Tim Danton, editor of PC Pro"."""
    title = r"(?i:\b(?:" + "|".join(re.escape(w) for w in words) + r"))"
    return re.compile(rf"{title},?\s+{_HONORIFIC}{_A_NAME}|\b{_A_NAME},\s+(?:(?i:the|a|an)\s+)?(?:[\w'’&.-]+\s+){{0,3}}?{title}\b")


def _stays_on(index: Index, question: str, cands: Candidates, source: str) -> int | None:
    """The file of the last answer (``source``) where ``question`` names nothing it does not
    mention (``qa.names.unmentioned``): "where are the interviews going to end up" after a turn
    answered from a study's report asks about that study; "who is roddick's coach" after it
    names another subject. None otherwise."""
    f = index.by_source[source]
    wider = functools.cache(lambda: _candidate_files(index, cands))
    if unmentioned(question, cands.texts, [index.doc_text(f)], wider, index.file_names, [source]):
        return None
    return f


def _best_of(cands: Candidates, base: np.ndarray, rows: set[int], most: int) -> list[int]:
    """The ``most`` candidates among ``rows`` that the ranker (``base``) scores best, best first."""
    among = [i for i, s in enumerate(cands.ids.tolist()) if s in rows]
    return [int(cands.ids[i]) for i in sorted(among, key=lambda i: -base[i])[:most]]


def _candidate_files(index: Index, cands: Candidates, most: int = 10) -> list[str]:
    """The texts of the first ``most`` files the candidates come from: where the names check
    confirms that a name it found missing is always capitalised (read only then)."""
    files = dict.fromkeys(int(index.sentences[s, 0]) for s in cands.ids)
    return [index.doc_text(f) for f in list(files)[:most]]


def ranker_scores(cands: Candidates, params: AnswerParams) -> np.ndarray:
    """The ranker's score of each candidate: the logistic model, with echoes of the question damped."""
    score = cands.scores(params.weights, params.bias)
    # a sentence with nothing but the question's own words cannot answer it
    return np.where(cands.features[:, FEATURES.index("echo")] > 0, score * params.echo_factor, score)


def select(
    index: Index,
    cands: Candidates,
    params: AnswerParams,
    score: np.ndarray | None = None,
    spans: dict[int, tuple[int, int]] | None = None,
    per_file: int = 0,
    most_files: int | None = None,
) -> list[Answer]:
    """The best ``params.k`` candidates as answers (by ``score``, the ranker's when None);
    near-duplicates merge into one. ``spans`` maps a sentence row to its short answer. With
    ``per_file``, the best that many of each file are chosen first (from up to ``most_files`` files,
    else ``k`` answers), then the next best up to ``k``; either way the answers come best first."""
    if len(cands.ids) == 0:
        return []
    if score is None:
        score = ranker_scores(cands, params)
    spans = spans or {}
    order = np.argsort(-score, kind="stable").tolist()
    word_sets = [word_set(t) for t in cands.texts]  # once: a statement's candidates are seen twice
    # (first row, last row, score, words, files); rows index sentences across the whole index
    chosen: list[tuple[int, int, float, frozenset[str], list[int], tuple[int, int] | None]] = []
    # with per_file, a first pass keeps to that many answers a file; a second fills up to k
    for capped in ((True, False) if per_file else (False,)):
        for o in order:
            s = int(cands.ids[o])
            words = word_sets[o]
            f = int(index.sentences[s, 0])
            for *_, w, files, _span in chosen:
                if near_duplicate(w, words, params.duplicate_jaccard):
                    if f not in files:
                        files.append(f)
                    break
            else:
                # a file counts as quoted where an answer names it (a story filed twice: its copy's
                # next sentence would show the same passage again)
                if capped and sum(f in fs for *_, fs, _span in chosen) >= per_file:
                    continue
                if len(chosen) < ((most_files or params.k) if capped else params.k):
                    first, last = quote_rows(index, s, cands.qvec, params)
                    if not any(first <= b and a <= last for a, b, *_ in chosen):  # not quoted already
                        chosen.append((first, last, float(score[o]), words, [f], spans.get(s)))
    chosen.sort(key=lambda c: -c[2])  # best first (each file's first answer stays before its others)
    answers = []
    for first, last, sc, _, files, span in chosen:
        f, start, _, line, page = (int(x) for x in index.sentences[first, :5])
        end = int(index.sentences[last, 2])
        entry = index.files[f]
        also = tuple(sorted({index.files[x].source for x in files[1:]} - {entry.source}))
        answers.append(
            Answer(
                text=index.doc_text(f)[start:end],
                source=entry.source,
                start=start,
                end=end,
                line=line,
                page=page or None,
                score=sc,
                context=_context(index, first, last, params.context_chars),
                also_in=also,
                offsets=entry.offsets,
                section=section_of(entry.sections, start),
                span=span if span and start <= span[0] < span[1] <= end else None,
            )
        )
    return answers

