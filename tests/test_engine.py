"""The engine the CLI and the chat share: it follows rebuilds made elsewhere and refuses a model
that does not fit the index."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEmbedder

from qa.engine import Engine
from qa.errors import BadIndex


def _engine(corpus: Path, root: Path, embedder: FakeEmbedder) -> Engine:
    return Engine(corpus=corpus, root=root, embedder_factory=lambda name: embedder)


def test_an_open_engine_answers_from_a_rebuild_made_elsewhere(tmp_path: Path) -> None:
    corpus, root = tmp_path / "c", tmp_path / "i"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The harbour master keeps the tide tables.\n")
    fake = FakeEmbedder()
    chat = _engine(corpus, root, fake)
    chat.build()
    assert chat.ask("Who keeps the tide tables?").answers[0].source == "a.txt"
    for n in range(3):  # other processes rebuild, more than once (old versions are swept)
        (corpus / f"new{n}.txt").write_text(f"The lighthouse number {n} was painted zebra{n} red.\n")
        _engine(corpus, root, fake).build()
        top = chat.ask(f"Which lighthouse was painted zebra{n} red?").answers[0]
        assert top.source == f"new{n}.txt"


def test_a_model_of_another_dimension_is_refused_clearly(tmp_path: Path) -> None:
    corpus, root = tmp_path / "c", tmp_path / "i"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The harbour master keeps the tide tables.\n")
    _engine(corpus, root, FakeEmbedder(dim=64)).build()
    other = _engine(corpus, root, FakeEmbedder(dim=32))
    with pytest.raises(BadIndex, match=r"64-dimensional .* 32-dimensional.*qa index --full"):
        other.ask("Who keeps the tide tables?")
