"""BM25 over sentences and chunks; tokens are lower-cased, stop-worded and stemmed (PyStemmer).

bm25s builds the index and writes it (plain ``.npy`` arrays and JSON). The query side reads
those files itself with NumPy instead of importing bm25s, whose import (it loads scipy.sparse)
costs more than a whole warm question; the scoring is the same sum over the precomputed
per-token columns that bm25s's ``get_scores_from_ids`` does. ``tokenize`` is bm25s's
tokenizer (its default pattern and English stop words, then the stemmer), written out here for
the same reason, with one addition (names such as "M&S" as tokens); a test checks that the two
agree on text without such names.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import numpy as np

# question words carry no content for matching ("who", "how much"); bm25s keeps some of them
QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how much many does did do is are was were "
    "can could would should will shall".split()
)


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# bm25s's defaults: ``bm25s.tokenization.tokenize``'s token pattern and ``bm25s.stopwords.STOPWORDS_EN``
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)


# "M&S", "AT&T", "B&Q", "R&D": a name with an ampersand, which the word pattern drops (one letter
# a side) or splits, is also one token of its own ("m_s"), so that "who's the boss of m&s" finds
# "M&S". Only short sides with nothing around the "&": "Ant & Dec" stays two words.
_AMPERSAND = re.compile(r"(?<![\w&])(\w{1,2})&(\w{1,2})(?![\w&])")


def _with_names(text: str) -> str:
    return _AMPERSAND.sub(lambda m: f"{m.group(1)}_{m.group(2)} {m.group(0)}", text) if "&" in text else text


def tokenize(texts: list[str]) -> list[list[str]]:
    """Each text's tokens: lower-cased words of two or more characters, stop words out, stemmed;
    bm25s's tokenizer, and an ampersand name ("M&S") as a token too."""
    stem = _stemmer().stemWords
    return [stem([w for w in _TOKEN.findall(_with_names(t.lower())) if w not in STOPWORDS]) for t in texts]


def query_tokens(question: str) -> list[str]:
    """The question's content words, stemmed; question words dropped, order kept, no repeats."""
    words = [w for w in tokenize([question])[0] if w not in QUESTION_WORDS]
    return list(dict.fromkeys(words))


class Lexical:
    """A BM25 index over a list of texts (bm25s's eager CSC scores), with document frequencies."""

    DATA, INDICES, INDPTR = "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"
    VOCAB, PARAMS = "vocab.index.json", "params.index.json"

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, vocab: dict[str, int], n_docs: int) -> None:
        self._data, self._indices, self._indptr = data, indices, indptr
        self.vocab = vocab
        self.n_docs = n_docs
        self._df = np.diff(np.asarray(indptr))

    @classmethod
    def build(cls, tokens: list[list[str]]) -> Lexical:
        import bm25s
        import tqdm

        # bm25s wraps its loops in tqdm even with progress off, and tqdm then starts a monitor
        # thread that lives on: a process that forks later (a fault harness, a server) could fork
        # while it holds tqdm's lock. The monitor only tunes progress bars we never show.
        tqdm.tqdm.monitor_interval = 0
        if not any(tokens):  # no words at all (bm25s refuses such a corpus): an index that matches nothing
            return cls(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int32), {}, len(tokens))
        bm25 = bm25s.BM25()  # Lucene's BM25, k1 1.5, b 0.75
        bm25.index(tokens, show_progress=False)
        data, indices, indptr = (np.asarray(bm25.scores[k]) for k in ("data", "indices", "indptr"))
        # ``top`` and ``scores_of`` need each column's documents in order (scipy's canonical CSC)
        steps = np.diff(indices.astype(np.int64))
        starts = indptr[1:-1][(indptr[1:-1] > 0) & (indptr[1:-1] < len(indices))] - 1
        backwards = steps < 0
        backwards[starts] = False  # a new column may start lower
        for t in np.unique(np.searchsorted(indptr, np.flatnonzero(backwards), side="right") - 1):
            lo, hi = indptr[t], indptr[t + 1]
            order = np.argsort(indices[lo:hi], kind="stable") + lo
            indices[lo:hi], data[lo:hi] = indices[order], data[order]
        return cls(data, indices, indptr, dict(bm25.vocab_dict), int(bm25.scores["num_docs"]))

    def save(self, path: Path) -> None:
        """bm25s's own on-disk layout (``bm25s.BM25.load`` reads it)."""
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / self.DATA, self._data, allow_pickle=False)
        np.save(path / self.INDICES, self._indices, allow_pickle=False)
        np.save(path / self.INDPTR, self._indptr, allow_pickle=False)
        (path / self.VOCAB).write_text(json.dumps(self.vocab), encoding="utf-8")
        params = {"k1": 1.5, "b": 0.75, "delta": 0.5, "method": "lucene", "idf_method": "lucene",
                  "dtype": str(self._data.dtype), "int_dtype": str(self._indices.dtype), "num_docs": self.n_docs}
        (path / self.PARAMS).write_text(json.dumps(params, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Lexical:
        """Memory-mapped: a large index costs only the pages a question touches."""
        params = json.loads((path / cls.PARAMS).read_text(encoding="utf-8"))
        if params.get("method", "lucene") not in ("lucene", "robertson", "atire"):
            raise ValueError(f"unsupported BM25 variant {params.get('method')!r}")
        vocab = json.loads((path / cls.VOCAB).read_text(encoding="utf-8"))
        arrays = [np.load(path / name, mmap_mode="r", allow_pickle=False) for name in (cls.DATA, cls.INDICES, cls.INDPTR)]
        data, indices, indptr = arrays
        # bm25s's vocabulary may hold one more entry, the empty token, which has no column
        if not len(vocab) <= len(indptr) <= len(vocab) + 1 or len(data) != len(indices) or int(indptr[-1]) != len(data):
            raise ValueError("BM25 arrays do not match its vocabulary")
        return cls(data, indices, indptr, vocab, int(params["num_docs"]))

    def known(self, tokens: list[str]) -> list[int]:
        columns = len(self._indptr) - 1
        return [i for i in (self.vocab.get(t) for t in tokens) if i is not None and i < columns]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document for the query tokens (zeros when none is known)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for t in self.known(tokens):
            lo, hi = int(self._indptr[t]), int(self._indptr[t + 1])
            np.add.at(out, self._indices[lo:hi], self._data[lo:hi])
        return out

    def _postings(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The (document, score) pairs of the known tokens' columns, concatenated."""
        cols = self.known(tokens)
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        parts = [(int(self._indptr[t]), int(self._indptr[t + 1])) for t in cols]
        docs = np.concatenate([np.asarray(self._indices[lo:hi]) for lo, hi in parts])
        vals = np.concatenate([np.asarray(self._data[lo:hi]) for lo, hi in parts])
        return docs, vals

    def top(self, tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(documents, scores)`` of the ``k`` best-scoring documents (score > 0), best first.

        Work is in proportion to the query tokens' postings, not to the number of documents, so
        a million chunks cost what their matching chunks cost. Ties go to the earlier document.
        """
        docs, vals = self._postings(tokens)
        if k <= 0 or len(docs) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        total = np.bincount(docs, weights=vals, minlength=self.n_docs)
        # a document appears once per query token it holds: take enough to cover repeats
        wanted = min(len(docs), k * len(self.known(tokens)))
        scores = total[docs]
        if wanted < len(docs):  # every document scoring at least the wanted-th best: ties included
            floor = -np.partition(-scores, wanted - 1)[wanted - 1]
            cand = np.unique(docs[scores >= floor])
        else:
            cand = np.unique(docs)
        order = np.lexsort((cand, -total[cand]))[:k]
        best = cand[order]
        keep = total[best] > 0
        return best[keep].astype(np.int64), total[best][keep].astype(np.float32)

    def scores_of(self, tokens: list[str], docs: np.ndarray) -> np.ndarray:
        """BM25 scores of just ``docs`` (columns are sorted by document, so a binary search each)."""
        docs = np.asarray(docs, dtype=np.int64)
        out = np.zeros(len(docs), dtype=np.float32)
        for t in self.known(tokens):
            lo, hi = int(self._indptr[t]), int(self._indptr[t + 1])
            col = self._indices[lo:hi]
            pos = np.searchsorted(col, docs)
            inside = pos < len(col)
            hit = np.zeros(len(docs), dtype=bool)
            hit[inside] = np.asarray(col[pos[inside]]) == docs[inside]
            out[hit] += np.asarray(self._data[lo:hi][pos[hit]])
        return out

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency of each token (unknown tokens get the rarest weight)."""
        n = max(self.n_docs, 1)
        out = {}
        for t in tokens:
            i = self.vocab.get(t)
            df = int(self._df[i]) if i is not None and i < len(self._df) else 0
            out[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out
