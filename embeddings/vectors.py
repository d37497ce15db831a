"""Vectors on disk and the FAISS index over them.

The index type follows the number of vectors (``kind_for``):

- up to ``EXACT_LIMIT`` vectors, ``IndexFlatIP``: exact inner-product search (cosine similarity
  on L2-normalised vectors); a few milliseconds even at the limit;
- above it, ``IndexIVFScalarQuantizer`` with 8-bit codes: the vectors are clustered into
  ``nlist`` lists (about 2·√n) and a question scans the ``nprobe`` lists nearest to it (1/64 of
  them, at least 16; a search setting, applied when the index is loaded). Its
  ``REFINE``·k best candidates are then re-scored exactly against the float32 vectors (the
  memory-mapped ``.npy`` beside it), so 8-bit rounding never reorders the final top k and the
  index takes a quarter of the memory of the vectors.

The kind is recorded in the index metadata (``index_type``) by the build.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

EXACT_LIMIT = 200_000  # vectors; above this an approximate (IVF) index
REFINE = 4  # candidates re-scored exactly per answer wanted, for the IVF index
TRAIN_PER_LIST = 64  # training vectors per IVF list (k-means), sampled evenly
# one question is searched on one thread: FAISS's OpenMP threads cost ten times the search itself
# on a busy machine (2.4 ms vs 24 ms for 30,000 vectors on 2 cores); building uses every core
SEARCH_THREADS = 1
BUILD_THREADS = os.cpu_count() or 1


def save_vectors(path: Path, vectors: np.ndarray) -> None:
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)


def load_vectors(path: Path, mmap: bool = True) -> np.ndarray:
    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


def rows(vectors: np.ndarray, ids) -> np.ndarray:
    """``vectors[ids]`` read in file order: one forward pass over a memory-mapped file."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) == 0:
        return np.zeros((0, vectors.shape[1]), dtype=np.float32)
    order = np.argsort(ids, kind="stable")
    out = np.empty((len(ids), vectors.shape[1]), dtype=np.float32)
    out[order] = vectors[ids[order]]
    return out


def ivf_lists(n: int) -> int:
    """IVF lists for ``n`` vectors: about 2·√n, a power of two."""
    return 1 << max(4, round(math.log2(2 * math.sqrt(max(n, 1)))))


def ivf_probes(nlist: int) -> int:
    """Lists a question scans: recall@10 0.999 against exact search on a million sentence
    embeddings with 2,048 lists (1/64: 32 lists; 1/128 gave 0.996), set when the index is loaded."""
    return max(16, nlist // 64)


def kind_for(n: int) -> str:
    """The index type ``VectorIndex.build`` makes for ``n`` vectors (recorded in the metadata)."""
    if n <= EXACT_LIMIT:
        return "flat-ip"
    return f"ivf{ivf_lists(n)}-sq8-refine"


class VectorIndex:
    """Inner-product search over L2-normalised vectors (cosine similarity)."""

    def __init__(self, index, vectors: np.ndarray | None = None) -> None:  # a faiss.Index
        self._index = index
        self._vectors = vectors  # float32 rows for exact re-scoring (the IVF index's candidates)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def approximate(self) -> bool:
        return hasattr(self._index, "nprobe")

    @property
    def kind(self) -> str:
        if not self.approximate:
            return "flat-ip"
        return f"ivf{self._index.nlist}-sq8-refine"

    @classmethod
    def build(cls, vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> VectorIndex:
        import faiss

        faiss.omp_set_num_threads(BUILD_THREADS)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        if n <= exact_limit:
            index = faiss.IndexFlatIP(dim)
            if n:
                index.add(vectors)
            return cls(index)
        nlist = ivf_lists(n)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.cp.niter = 10
        step = max(1, n // (TRAIN_PER_LIST * nlist))
        index.train(vectors[::step])
        for lo in range(0, n, 65536):
            index.add(vectors[lo : lo + 65536])
        index.nprobe = ivf_probes(nlist)
        return cls(index, vectors)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray | None = None) -> VectorIndex:
        """``vectors``: the float32 rows (memory-mapped is fine) the IVF index re-scores with."""
        import faiss

        # the IVF lists are memory-mapped: a million chunks open in milliseconds, not seconds,
        # and only the lists a question scans are read (flat indexes are read whole)
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        if hasattr(index, "nprobe"):
            index.nprobe = ivf_probes(index.nlist)
        return cls(index, vectors)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` of the ``k`` nearest vectors, best first; k is clamped."""
        k = max(0, min(k, self.size))
        if k == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        import faiss

        faiss.omp_set_num_threads(SEARCH_THREADS)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if not self.approximate or self._vectors is None:
            scores, ids = self._index.search(q, k)
            keep = ids[0] >= 0
            return scores[0][keep], ids[0][keep]
        _, ids = self._index.search(q, min(self.size, k * REFINE))
        ids = ids[0][ids[0] >= 0]
        exact = rows(self._vectors, ids) @ q[0]
        best = np.argsort(-exact, kind="stable")[:k]
        return exact[best], ids[best]
