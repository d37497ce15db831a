"""Finding the passages for a question: dense (FAISS), BM25 (bm25s), or both fused by RRF."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings.vectors import rows
from qa.index import Index

MODES = ("hybrid", "dense", "bm25")
RRF_K = 60


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk: its fused (RRF) score and its cosine similarity to the question."""

    chunk: int
    score: float
    dense: float


def dense_ranking(index: Index, qvec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores, ids = index.faiss.search(qvec, k)
    return ids, scores


def bm25_ranking(index: Index, tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    if not tokens or len(index.chunks) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return index.bm25_chunks.top(tokens, k)


def retrieve(
    index: Index, qvec: np.ndarray, tokens: list[str], k: int = 20, mode: str = "hybrid"
) -> list[Hit]:
    """The ``k`` best chunks for the question, best first."""
    if mode not in MODES:
        raise ValueError(f"unknown retriever {mode!r}; choose one of {', '.join(MODES)}")
    depth = max(k * 2, 50)
    fused: dict[int, float] = {}
    if mode in ("hybrid", "dense"):
        ids, _ = dense_ranking(index, qvec, depth)
        for r, c in enumerate(ids.tolist(), 1):
            fused[c] = fused.get(c, 0.0) + 1.0 / (RRF_K + r)
    if mode in ("hybrid", "bm25"):
        ids, _ = bm25_ranking(index, tokens, depth)
        for r, c in enumerate(ids.tolist(), 1):
            fused[c] = fused.get(c, 0.0) + 1.0 / (RRF_K + r)
    best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    if not best:
        return []
    ids = np.array([c for c, _ in best])
    dense = rows(index.chunk_vectors, ids) @ qvec
    return [
        Hit(c, s, float(d)) for (c, s), d in zip(best, dense)
    ]
