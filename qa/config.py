"""Where the corpus and the index are, when the user does not say."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ENV_CORPUS = "QA_CORPUS"
ENV_INDEX = "QA_INDEX"
ENV_MODEL = "QA_MODEL"
ENV_MODEL_CACHE = "QA_MODEL_CACHE"

# the sample corpus that ships with the project (present in a clone / editable install)
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def default_corpus() -> Path:
    """``$QA_CORPUS``, else ``./corpus``, else the bundled sample corpus."""
    env = os.environ.get(ENV_CORPUS)
    if env:
        return Path(env).expanduser()
    local = Path("corpus")
    if local.is_dir():
        return local
    return BUNDLED_CORPUS


def cache_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qa", appauthor=False))


def default_index(corpus: Path) -> Path:
    """``$QA_INDEX``, else a folder in the user's cache named after the corpus's absolute path.

    Keeping the index out of the corpus means ``qa`` never writes into the user's documents.
    """
    env = os.environ.get(ENV_INDEX)
    if env:
        return Path(env).expanduser()
    resolved = corpus.expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in resolved.name)[:40] or "corpus"
    return cache_root() / "indexes" / f"{name}-{digest}"


def model_cache() -> Path:
    """``$QA_MODEL_CACHE``, else ``models/`` in the user's cache: the ONNX exports of models."""
    env = os.environ.get(ENV_MODEL_CACHE)
    if env:
        return Path(env).expanduser()
    return cache_root() / "models"
