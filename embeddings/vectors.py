"""Vectors on disk and the FAISS index over them."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def save_vectors(path: Path, vectors: np.ndarray) -> None:
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)


def load_vectors(path: Path, mmap: bool = True) -> np.ndarray:
    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


class VectorIndex:
    """Inner-product search over L2-normalised vectors (cosine similarity)."""

    kind = "flat-ip"

    def __init__(self, index) -> None:  # a faiss.Index
        self._index = index

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(vectors)
        return cls(index)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        import faiss

        return cls(faiss.read_index(str(path)))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` of the ``k`` nearest vectors, best first; k is clamped."""
        k = max(0, min(k, self.size))
        if k == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self._index.search(q, k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]
