"""BM25 over sentences and chunks, with bm25s; tokens are lower-cased, stop-worded and stemmed."""

from __future__ import annotations

import functools
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


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    if not texts:
        return []
    return bm25s.tokenize(
        texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


def query_tokens(question: str) -> list[str]:
    """The question's content words, stemmed; question words dropped, order kept, no repeats."""
    words = [w for w in tokenize([question])[0] if w not in QUESTION_WORDS]
    return list(dict.fromkeys(words))


class Lexical:
    """A bm25s index over a list of texts, with per-token document frequencies."""

    def __init__(self, bm25) -> None:
        self._bm25 = bm25
        indptr = np.asarray(bm25.scores["indptr"])
        self.n_docs = int(bm25.scores["num_docs"])
        self._df = np.diff(indptr)

    @classmethod
    def build(cls, tokens: list[list[str]]) -> Lexical:
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index(tokens if tokens else [[]], show_progress=False)
        return cls(bm25)

    def save(self, path: Path) -> None:
        self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> Lexical:
        import bm25s

        return cls(bm25s.BM25.load(str(path), mmap=False, show_progress=False, verbosity=0))

    def known(self, tokens: list[str]) -> list[int]:
        return self._bm25.get_tokens_ids(tokens)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document for the query tokens (zeros when none is known)."""
        ids = self.known(tokens)
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency of each token (unknown tokens get the rarest weight)."""
        vocab = self._bm25.vocab_dict
        n = max(self.n_docs, 1)
        out = {}
        for t in tokens:
            df = int(self._df[vocab[t]]) if t in vocab else 0
            out[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out
