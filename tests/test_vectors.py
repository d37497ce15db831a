"""Vectors on disk and the FAISS index over them; the embedder contract of the fake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder

from embeddings.model import ModelError, resolve_model
from embeddings.vectors import VectorIndex, load_vectors, save_vectors


def _unit(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_vectors_round_trip_as_plain_npy(tmp_path: Path) -> None:
    v = _unit(7, 16)
    save_vectors(tmp_path / "v.npy", v.astype(np.float64))
    loaded = load_vectors(tmp_path / "v.npy")
    assert loaded.dtype == np.float32 and np.array_equal(loaded, v)
    assert np.array_equal(np.load(tmp_path / "v.npy", allow_pickle=False), v)  # no pickles


def test_search_best_first_and_k_clamped(tmp_path: Path) -> None:
    v = _unit(10, 8)
    index = VectorIndex.build(v)
    index.save(tmp_path / "x.faiss")
    index = VectorIndex.load(tmp_path / "x.faiss")
    assert index.size == 10
    scores, ids = index.search(v[3], 4)
    assert ids[0] == 3 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)
    assert np.allclose(scores, v[ids] @ v[3], atol=1e-5)
    assert len(index.search(v[0], 100)[1]) == 10
    assert len(index.search(v[0], 0)[1]) == 0
    assert len(index.search(v[0], -3)[1]) == 0


def test_search_in_an_empty_index() -> None:
    index = VectorIndex.build(np.zeros((0, 8), dtype=np.float32))
    scores, ids = index.search(_unit(1, 8)[0], 5)
    assert index.size == 0 and len(scores) == len(ids) == 0


def test_fake_embedder_keeps_the_embedder_contract() -> None:
    fake = FakeEmbedder()
    v = fake.encode(["alpha beta", "", "alpha beta"])
    assert v.dtype == np.float32 and v.shape == (3, fake.dim)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0)
    assert np.array_equal(v[0], v[2])


def test_resolve_model_refuses_a_missing_or_foreign_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        resolve_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a sentence-transformers model"):
        resolve_model(tmp_path / "empty")


def _clustered(rows: int, dim: int, centres: int = 64, seed: int = 1) -> np.ndarray:
    """Vectors around a few centres, like sentence embeddings of a corpus on a few topics."""
    rng = np.random.default_rng(seed)
    c = _unit(centres, dim, seed)
    v = c[rng.integers(0, centres, rows)] + 0.08 * rng.normal(size=(rows, dim)).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_index_type_follows_the_number_of_vectors() -> None:
    from embeddings.vectors import EXACT_LIMIT, ivf_lists, kind_for

    assert kind_for(10) == kind_for(EXACT_LIMIT) == "flat-ip"
    assert kind_for(EXACT_LIMIT + 1).startswith("ivf") and kind_for(1_000_000).startswith(f"ivf{ivf_lists(1_000_000)}-sq8")
    assert ivf_lists(1_000_000) == 2048
    small = VectorIndex.build(_unit(50, 8))
    assert not small.approximate and small.kind == "flat-ip"


def test_approximate_index_finds_what_exact_search_finds(tmp_path: Path) -> None:
    v = _clustered(20_000, 32)
    ivf = VectorIndex.build(v, exact_limit=1_000)
    assert ivf.approximate and ivf.kind.startswith("ivf")
    ivf.save(tmp_path / "ivf.faiss")
    save_vectors(tmp_path / "v.npy", v)
    ivf = VectorIndex.load(tmp_path / "ivf.faiss", vectors=load_vectors(tmp_path / "v.npy"))
    exact = VectorIndex.build(v)
    queries = _clustered(100, 32, seed=7)
    found = 0
    for q in queries:
        s_approx, ids_approx = ivf.search(q, 10)
        _, ids_exact = exact.search(q, 10)
        found += len(set(ids_approx.tolist()) & set(ids_exact.tolist()))
        # scores are the exact cosine similarities, best first
        assert np.allclose(s_approx, v[ids_approx] @ q, atol=1e-5)
        assert list(s_approx) == sorted(s_approx, reverse=True)
    assert found / (10 * len(queries)) >= 0.95
    assert len(ivf.search(queries[0], 0)[1]) == 0
