"""Extractive answers: choose sentences from the retrieved passages, merge duplicates, abstain.

Each candidate sentence (from the retrieved chunks, plus the best sentences by BM25) is scored
from its own dense similarity to the question, the dense similarity of the passage around it,
and how much of the question's content words (weighted by rarity) it holds. A sentence that
appears, word for word or nearly, in several files is one answer naming every file.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.model import Embedder
from qa.index import Index
from qa.lexical import query_tokens, tokenize
from qa.records import Answer, Result
from qa.retrieval import retrieve


@dataclass(frozen=True)
class AnswerParams:
    k: int = 5
    passages: int = 20  # chunks retrieved
    lexical_sentences: int = 20  # extra candidates straight from sentence BM25
    w_sentence: float = 0.45
    w_passage: float = 0.25
    w_lexical: float = 0.30
    threshold: float = 0.35  # below this best score, the corpus does not answer
    duplicate_jaccard: float = 0.6
    context_chars: int = 600


@dataclass(frozen=True)
class _Candidate:
    sentence: int
    file: int
    score: float


_WORD = re.compile(r"\w+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("\u2019", "'").replace("\u2018", "'")


def word_set(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(_fold(text)))


def near_duplicate(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= threshold


def _coverage(sentence_tokens: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in sentence_tokens) / total


def _context(index: Index, sentence: int, limit: int) -> str:
    """The sentence with its neighbours in the same document, up to about ``limit`` chars."""
    f, s, e = (int(x) for x in index.sentences[sentence, :3])
    lo_row, hi_row = index.files[f].sentences
    a, b = s, e
    i, j = sentence - 1, sentence + 1
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


def answer(
    index: Index,
    embedder: Embedder,
    question: str,
    params: AnswerParams = AnswerParams(),
    mode: str = "hybrid",
    history: Sequence[str] = (),
    qid: str | None = None,
) -> Result:
    """Answer ``question`` from the index: up to ``params.k`` answers, best first."""
    t0 = time.perf_counter()
    question = question.strip()
    if not question or len(index.sentences) == 0:
        return Result(question, False, (), qid, time.perf_counter() - t0)
    qvec = embedder.encode([question])[0]
    tokens = query_tokens(question)
    hits = retrieve(index, qvec, tokens, k=params.passages, mode=mode)

    # candidate sentences and the best passage score each one sits in
    passage_of: dict[int, float] = {}
    for h in hits:
        lo, hi = (int(x) for x in index.chunks[h.chunk, 5:7])
        for s in range(lo, hi):
            passage_of[s] = max(passage_of.get(s, -1.0), h.dense)
    if mode != "dense" and tokens and params.lexical_sentences:
        scores = index.bm25_sentences.scores(tokens)
        n = min(params.lexical_sentences, len(scores))
        for s in np.argpartition(-scores, n - 1)[:n].tolist():
            if scores[s] > 0 and s not in passage_of:
                c = _chunk_of(index, s)
                passage_of[s] = float(np.asarray(index.chunk_vectors[c]) @ qvec)
    if not passage_of:
        return Result(question, False, (), qid, time.perf_counter() - t0)

    ids = np.fromiter(passage_of, dtype=np.int64)
    dense_s = np.asarray(index.sentence_vectors[ids]) @ qvec
    dense_p = np.array([passage_of[s] for s in ids.tolist()], dtype=np.float32)
    texts = [index.sentence_text(s) for s in ids.tolist()]
    weights = index.bm25_sentences.idf(tokens) if tokens else {}
    lex = np.array([_coverage(set(t), weights) for t in tokenize(texts)], dtype=np.float32)
    if mode == "dense" or not weights:
        score = (params.w_sentence * dense_s + params.w_passage * dense_p) / (params.w_sentence + params.w_passage)
    else:
        score = params.w_sentence * dense_s + params.w_passage * dense_p + params.w_lexical * lex
    order = np.argsort(-score, kind="stable")

    # best first; near-duplicates merge into the better answer, which then names every file
    chosen: list[tuple[int, float, frozenset[str], list[int]]] = []
    for o in order.tolist():
        s = int(ids[o])
        words = word_set(texts[o])
        f = int(index.sentences[s, 0])
        for _, _, w, files in chosen:
            if near_duplicate(w, words, params.duplicate_jaccard):
                if f not in files:
                    files.append(f)
                break
        else:
            if len(chosen) < params.k:
                chosen.append((s, float(score[o]), words, [f]))
        if len(chosen) >= params.k and o > 4 * params.k:
            break

    answers = []
    for s, sc, _, files in chosen:
        f, start, end, line, page = (int(x) for x in index.sentences[s, :5])
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
                context=_context(index, s, params.context_chars),
                also_in=also,
                offsets=entry.offsets,
            )
        )
    answered = bool(answers) and answers[0].score >= params.threshold
    return Result(question, answered, tuple(answers), qid, time.perf_counter() - t0)


def _chunk_of(index: Index, sentence: int) -> int:
    """The first chunk that holds ``sentence`` (chunks are in sentence order)."""
    first = index.chunks[:, 5]
    c = int(np.searchsorted(first, sentence, side="right")) - 1
    return max(c, 0)
