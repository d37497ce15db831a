"""Where the corpus and the index are when the user does not say: never inside the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import config


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in (config.ENV_CORPUS, config.ENV_INDEX, config.ENV_MODEL):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_default_index_is_in_the_user_cache_not_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "my docs"
    corpus.mkdir()
    index = config.default_index(corpus)
    assert index.is_relative_to(tmp_path / "cache")
    assert not index.resolve().is_relative_to(corpus.resolve())


def test_default_index_is_one_per_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a" / "docs", tmp_path / "b" / "docs"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    assert config.default_index(a) != config.default_index(b)  # same folder name, other place
    monkeypatch.chdir(tmp_path / "a")
    assert config.default_index(Path("docs")) == config.default_index(a)  # relative or absolute


def test_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_INDEX, str(tmp_path / "idx"))
    monkeypatch.setenv(config.ENV_CORPUS, str(tmp_path / "docs"))
    assert config.default_index(tmp_path) == tmp_path / "idx"
    assert config.default_corpus() == tmp_path / "docs"


def test_default_corpus_is_local_then_bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert config.default_corpus() == config.BUNDLED_CORPUS
    assert (config.BUNDLED_CORPUS / "000_b63f73518fb0b647.txt").is_file()
    (tmp_path / "corpus").mkdir()
    assert config.default_corpus() == Path("corpus")
