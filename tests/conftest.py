"""Shared fixtures: a deterministic fake embedder for core tests, the real model for integration."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
SEED_QUESTIONS = SHARED / "eval" / "seed" / "questions.jsonl"
SCORE_PY = SHARED / "tools" / "score.py"

# the two bundled sample articles, which share several passages
SAMPLE_FILES = ("000_b63f73518fb0b647.txt", "004_35f636869249a112.txt")
INVEST_Q = "How much did the council invest in new social care posts?"
UNANSWERABLE_Q = "What is the capital of Australia?"


class FakeEmbedder:
    """Bag of hashed words: texts sharing words get similar vectors. Deterministic, instant."""

    def __init__(self, name: str = "fake", dim: int = 64) -> None:
        self.name = name
        self.dim = dim
        self.calls = 0
        self.texts_encoded = 0
        self.seen: list[str] = []  # every text encoded, in order

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            out[i, -1] += 0.01  # no zero vectors
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        if progress:
            progress(len(texts), len(texts))
        return out


# the seed questions the default (the fourth reader) gets wrong: d08's answer is a one-line heading of
# the page's job listings, which it ranks second (README, "The fourth reader"); 10 of 10 before it
SEED_WRONG_WITH_READER = {"d08"}


BRIDGE_TOWNS = "Alford Bexley Carlow Dunmore Elgin Fowey Girvan Hexham Ilkley Jarrow Keswick Lanark".split()
BRIDGE_CREWS = "masons joiners welders riggers glaziers fitters plumbers roofers tilers carvers smiths coopers".split()
BRIDGE_MONTHS = "January February March April May June July August September October November December".split()


def bridge_files() -> dict[str, str]:
    """Twelve files that each say a town's harbour bridge was painted green, none alike enough
    to merge with another into one answer: a statement about it finds all twelve."""
    return {f"{t.lower()}.txt": f"The harbour bridge of {t} was painted green by {c} from {t}hurst in {m} {1990 + i}."
            for i, (t, c, m) in enumerate(zip(BRIDGE_TOWNS, BRIDGE_CREWS, BRIDGE_MONTHS))}


def fake_index(root: Path, files: dict[str, str]):
    """``files`` (name -> text) written as a corpus under ``root`` and indexed with a FakeEmbedder
    (again on a second call, after changing them): ``(corpus, index, embedder)``."""
    from qa.index import open_index
    from qa.indexing import build

    corpus = root / "c"
    corpus.mkdir(exist_ok=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    fake = FakeEmbedder()
    build(corpus, root / "i", fake.name, lambda: fake)
    return corpus, open_index(root / "i"), fake


def read_exact(path: Path) -> str:
    """A file's characters as the JSON contract defines them: UTF-8, newlines untranslated."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def line_at(text: str, offset: int) -> int:
    """1-based line number of ``offset`` (lines end at ``\\n``)."""
    return text.count("\n", 0, offset) + 1


def check_answer(a: dict, corpus: Path) -> None:
    """The scripting contract for one answer (as ``Answer.to_json()`` gives it)."""
    src = read_exact(corpus / a["source"])
    assert 0 <= a["start"] < a["end"] <= len(src)
    assert a["text"] == src[a["start"] : a["end"]], a
    assert a["line"] == line_at(src, a["start"]), a
    assert len(a["text"]) <= 300
    assert a["text"].strip() == a["text"] and a["text"]
    assert a["text"] in a["context"]
    assert a["context"] in src
    assert a["source"] not in a["also_in"]
    assert len(set(a["also_in"])) == len(a["also_in"])
    for other in a["also_in"]:
        assert (corpus / other).is_file()


def require_shared() -> Path:
    """Skip unless ``../shared`` (eval sets, score.py) sits beside the repository."""
    if not (SEED_QUESTIONS.is_file() and SCORE_PY.is_file()):
        pytest.skip(f"the shared data folder {SHARED} is not present beside the repository")
    return SHARED


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, dst)
    return dst


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once per test session."""
    from embeddings.model import load_embedder

    return load_embedder()
