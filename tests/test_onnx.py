"""The model run from its ONNX export gives the vectors and answers sentence-transformers gives."""

from __future__ import annotations

import json

import numpy as np
import onnx as onnx_format
import pytest
from conftest import BUNDLED_CORPUS, SEED_QUESTIONS, require_shared

from embeddings import onnx
from embeddings.model import SentenceTransformerEmbedder, load_embedder, resolve_model

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    cache = tmp_path_factory.mktemp("models")
    embedder = load_embedder(None, cache=cache)
    return cache, embedder


def test_default_model_runs_from_an_export_in_the_cache(exported):
    cache, embedder = exported
    assert embedder.backend == "onnxruntime"
    (folder,) = list(cache.iterdir())
    info = json.loads((folder / onnx.EXPORT_JSON).read_text())
    assert info["dim"] == 384 and info["pooling"] == "mean" and info["max_seq_length"] == 256
    assert info["min_cosine"] >= onnx.MIN_COSINE
    # attention fused (one op a layer), the staging graphs gone
    assert info["fused_attention"] is True
    graph = onnx_format.load(str(folder / onnx.ONNX_FILE), load_external_data=False).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("Attention") == 6 and "Softmax" not in ops
    assert sorted(f.name for f in folder.iterdir()) == sorted(
        [onnx.EXPORT_JSON, onnx.ONNX_FILE, onnx.WEIGHTS_FILE, onnx.TOKENIZER])
    # a second load reuses the export: no sentence-transformers needed
    again = load_embedder(None, cache=cache)
    assert again.backend == "onnxruntime" and list(cache.iterdir()) == [folder]


def test_query_and_passage_vectors_agree_with_sentence_transformers(exported, real_embedder):
    _, embedder = exported
    assert isinstance(real_embedder, SentenceTransformerEmbedder)
    require_shared()
    questions = [json.loads(line)["question"] for line in SEED_QUESTIONS.read_text().splitlines() if line.strip()]
    passages = [p for f in sorted(BUNDLED_CORPUS.iterdir()) for p in f.read_text().split("\n\n") if p.strip()]
    for texts in (questions, passages):
        for one in texts[:3]:  # one at a time, as questions are asked
            cos = float(embedder.encode([one])[0] @ real_embedder.encode([one])[0])
            assert cos >= 0.999
        a, b = embedder.encode(texts), real_embedder.encode(texts)
        assert a.shape == b.shape and a.dtype == np.float32
        assert np.min(np.sum(a * b, axis=1)) >= 0.999
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_empty_input_and_model_folder_key(exported):
    _, embedder = exported
    assert embedder.encode([]).shape == (0, 384)
    name, path = resolve_model(None)
    assert onnx.export_key(name, path) == onnx.export_key(name, path)
    assert onnx.export_key(name, path).startswith("all-MiniLM-L6-v2-")


def test_qa_onnx_0_runs_sentence_transformers(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_ONNX", "0")
    assert load_embedder(None, cache=tmp_path).backend == "sentence-transformers"
    assert list(tmp_path.iterdir()) == []


def test_a_model_with_extra_modules_is_not_exported(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]))
    with pytest.raises(onnx.ExportError, match="other than"):
        onnx._pipeline(folder)


def test_seed_answers_are_the_same_as_with_sentence_transformers(tmp_path, monkeypatch, real_embedder):
    """The whole pipeline, built and asked with each backend: the same answers, in the same order."""
    from qa.engine import Engine

    monkeypatch.setenv("QA_MODEL_CACHE", str(tmp_path / "models"))
    require_shared()
    questions = [json.loads(line) for line in SEED_QUESTIONS.read_text().splitlines() if line.strip()]
    results = {}
    for backend in ("onnx", "torch"):
        factory = (lambda name: real_embedder) if backend == "torch" else None
        engine = Engine(corpus=BUNDLED_CORPUS, root=tmp_path / backend, embedder_factory=factory)
        engine.build()
        assert engine.embedder.backend == ("onnxruntime" if backend == "onnx" else "sentence-transformers")
        results[backend] = [
            (r.answered, [(a.source, a.start, a.end) for a in r.answers])
            for r in (engine.ask(q["question"]) for q in questions)
        ]
    assert results["onnx"] == results["torch"]


def test_a_model_the_fusions_do_not_know_is_exported_unfused(tmp_path):
    from types import SimpleNamespace

    raw = tmp_path / "raw.onnx"
    raw.write_bytes(b"not read")
    for config in (SimpleNamespace(model_type="gpt2", num_attention_heads=12, hidden_size=768),
                   SimpleNamespace(model_type="bert")):
        assert onnx.fuse_attention(raw, tmp_path / "fused.onnx", config) is False
    # a graph they cannot read: no fused graph either, and no error (the unfused one is used)
    assert onnx.fuse_attention(raw, tmp_path / "fused.onnx", SimpleNamespace(model_type="bert", num_attention_heads=12,
                                                                     hidden_size=384)) is False
    assert not (tmp_path / "fused.onnx").exists()
