"""Building and rebuilding the index: only what changed is embedded; failures leave the old index."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, line_at, read_exact

from embeddings.store import build_lock
from qa.answers import AnswerParams, answer
from qa.chunking import ChunkParams, chunk
from qa.engine import Engine
from qa.errors import BadIndex, CorpusError, QAError
from qa.index import META, open_index
from qa.indexing import build, corpus_status

FILES = {
    "a.txt": (
        "The alpha river flows north through the valley of stones. It floods every spring.\n\n"
        "The alpha bridge was built in 1901 by the county engineers. It is made of red brick."
    ),
    "b.md": (
        "# Beta mountain\n\nThe beta summit is 3,000 metres high. Climbers reach it in two days.\n\n"
        "A hut stands below the beta summit; it sleeps twelve people."
    ),
    "sub/c.txt": "Gamma lake is very deep.\r\nIts water is cold all year.\r\n\r\nFish are rare in gamma lake.",
}
QUESTIONS = [
    "When was the alpha bridge built?",
    "How high is the beta summit?",
    "Is gamma lake deep?",
    "Where does the river flow?",
]


class Boom(RuntimeError):
    pass


def _write(corpus: Path, rel: str, text: str | bytes) -> Path:
    path = corpus / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for rel, text in FILES.items():
        _write(root, rel, text)
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "index"


def _build(corpus: Path, root: Path, embedder: FakeEmbedder, **kw):
    warnings: list[str] = []
    summary = build(corpus, root, embedder.name, lambda: embedder, warn=warnings.append, **kw)
    return summary, warnings


def _counts(summary) -> tuple[int, int, int, int]:
    return summary.added, summary.changed, summary.removed, summary.unchanged


def _chunk_texts(text: str) -> list[str]:
    return [text[c.span.start : c.span.end] for c in chunk(text).chunks]


def _answers(root: Path, embedder: FakeEmbedder) -> list[dict]:
    index = open_index(root)
    out = []
    for q in QUESTIONS:
        r = answer(index, embedder, q, AnswerParams(k=5))
        out.append({"answered": r.answered, "answers": [a.to_json() for a in r.answers]})
    return out


def _no_leftovers(root: Path) -> None:
    assert not [p.name for p in root.iterdir() if p.name.startswith(".staging")]


# ---------------------------------------------------------------- first build


def test_first_build_indexes_every_file_exactly(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    summary, warnings = _build(corpus, root, fake_embedder)
    expected_chunks = sum(len(chunk(t).chunks) for t in FILES.values())
    assert _counts(summary) == (3, 0, 0, 0)
    assert summary.chunks_embedded == expected_chunks
    assert summary.full and summary.seconds >= 0 and warnings == []
    assert summary.to_json().keys() == {"added", "changed", "removed", "unchanged", "chunks_embedded", "seconds"}
    for text in FILES.values():
        for c in _chunk_texts(text):
            assert c in fake_embedder.seen

    index = open_index(root)
    assert [f.source for f in index.files] == sorted(FILES)
    meta = json.loads((index.version / META).read_text(encoding="utf-8"))
    assert meta["model"] == "fake" and meta["dim"] == fake_embedder.dim
    assert meta["chunking"] == ChunkParams().to_json()
    assert {f["source"]: f["sha256"] for f in meta["files"]} == {
        rel: hashlib.sha256(t.encode()).hexdigest() for rel, t in FILES.items()
    }
    assert len(index.chunks) == expected_chunks
    for i, f in enumerate(index.files):
        text = read_exact(corpus / f.source)
        assert index.doc_text(i) == text
        for row in index.sentences[f.sentences[0] : f.sentences[1]]:
            fi, s, e, line, _ = (int(x) for x in row)
            assert fi == i and line == line_at(text, s) and text[s:e].strip()
        for row in index.chunks[f.chunks[0] : f.chunks[1]]:
            assert int(row[0]) == i and int(row[3]) == line_at(text, int(row[1]))


def test_progress_reports_each_stage(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    seen: list[tuple[str, int, int]] = []
    build(corpus, root, "fake", lambda: fake_embedder, progress=lambda *a: seen.append(a))
    stages = [s for s, _, _ in seen]
    assert {"scan", "read", "embed", "index"} <= set(stages)
    assert stages.index("read") < stages.index("embed") < stages.index("index")
    for stage, done, total in seen:
        assert 0 <= done <= total, (stage, done, total)


# ---------------------------------------------------------------- incremental rebuilds


def test_rebuild_without_changes_embeds_nothing(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    before = _answers(root, fake_embedder)
    encoded, calls = fake_embedder.texts_encoded, fake_embedder.calls
    loads = []
    summary = build(corpus, root, "fake", lambda: loads.append(1) or fake_embedder)
    assert _counts(summary) == (0, 0, 0, 3)
    assert summary.chunks_embedded == 0 and not summary.full
    assert loads == []  # the model is not even loaded
    assert (fake_embedder.texts_encoded, fake_embedder.calls) == (encoded, calls)
    assert _answers(root, fake_embedder) == before
    _no_leftovers(root)


def test_files_a_newer_reader_reads_differently_are_read_again_once(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    """An index whose .rst files were read before reStructuredText had its own reader (as plain
    text: no sections), and its .txt files before their underlined titles were read: `qa status`
    names them, the next build reads them again and embeds nothing (their text is the same), and
    their titles are sections from then on."""
    corpus, root = tmp_path / "c", tmp_path / "i"
    _write(corpus, "guide.rst", "Guide\n=====\n\nInstall\n-------\n\nRun pip install qa to install it.\n")
    _write(corpus, "notes.txt", "Garden\n------\n\nPlain notes about the garden and its tall oak trees.")
    _write(corpus, "page.html", "<html><body><h1>Oaks</h1><p>Oaks grow slowly in the garden.</p></body></html>")
    _build(corpus, root, fake_embedder)
    version = root / (root / "CURRENT").read_text().strip()
    meta = json.loads((version / META).read_text())
    assert meta["readers"]["reStructuredText"] == 2
    del meta["readers"]  # as an index built before reader versions were kept
    for f in meta["files"]:
        f["sections"] = []  # and before .rst titles were read
    (version / META).write_text(json.dumps(meta))
    status = corpus_status(corpus, root)
    assert status.changed == ("guide.rst", "notes.txt") and status.reread == ("guide.rst", "notes.txt")
    encoded = fake_embedder.texts_encoded
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (0, 2, 0, 1) and summary.chunks_embedded == 0  # the page is not read again
    assert fake_embedder.texts_encoded == encoded  # the same text: its vectors are kept
    index = open_index(root)
    assert [t for _, _, t in index.files[index.by_source["guide.rst"]].sections] == ["Guide", "Install"]
    assert [t for _, _, t in index.files[index.by_source["notes.txt"]].sections] == ["Garden"]
    assert corpus_status(corpus, root).changed == ()
    assert _counts(_build(corpus, root, fake_embedder)[0]) == (0, 0, 0, 3)


def test_added_file_is_the_only_one_embedded(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    new = "Delta forest is full of oak trees. The delta forest ranger is Ms Holt."
    _write(corpus, "sub/deeper/d.txt", new)
    mark = len(fake_embedder.seen)
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (1, 0, 0, 3)
    assert summary.chunks_embedded == len(_chunk_texts(new))
    fresh = fake_embedder.seen[mark:]
    assert fresh and all(t in new for t in fresh)
    assert set(_chunk_texts(new)) <= set(fresh)
    index = open_index(root)
    assert "sub/deeper/d.txt" in index.by_source
    r = answer(index, fake_embedder, "Who is the delta forest ranger?")
    assert r.answers[0].source == "sub/deeper/d.txt"


def test_changed_file_is_the_only_one_re_embedded(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    new = FILES["b.md"].replace("3,000 metres", "3,100 metres") + "\n\nThe beta glacier is shrinking."
    _write(corpus, "b.md", new)
    mark = len(fake_embedder.seen)
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (0, 1, 0, 2)
    assert summary.chunks_embedded == len(_chunk_texts(new))
    fresh = fake_embedder.seen[mark:]
    assert fresh and all(t in new for t in fresh)
    index = open_index(root)
    assert index.doc_text(index.by_source["b.md"]) == new
    # the unchanged files' text and rows are carried over intact
    for rel in ("a.txt", "sub/c.txt"):
        i = index.by_source[rel]
        assert index.doc_text(i) == FILES[rel]
        for row in index.sentences[slice(*index.files[i].sentences)]:
            assert int(row[0]) == i
            assert FILES[rel][int(row[1]) : int(row[2])].strip()


def test_same_size_change_is_detected(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    path = corpus / "a.txt"
    new = FILES["a.txt"].replace("1901", "1902")
    assert len(new) == len(FILES["a.txt"])
    st = path.stat()
    path.write_text(new, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (0, 1, 0, 2)
    index = open_index(root)
    assert "1902" in index.doc_text(index.by_source["a.txt"])


def test_deleted_file_is_removed(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    (corpus / "sub" / "c.txt").unlink()
    encoded = fake_embedder.texts_encoded
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (0, 0, 1, 2)
    assert summary.chunks_embedded == 0 and fake_embedder.texts_encoded == encoded
    index = open_index(root)
    assert [f.source for f in index.files] == ["a.txt", "b.md"]
    for q in QUESTIONS:
        for a in answer(index, fake_embedder, q).answers:
            assert a.source != "sub/c.txt" and "sub/c.txt" not in a.also_in
            assert a.text == read_exact(corpus / a.source)[a.start : a.end]


def test_renamed_or_copied_file_takes_its_old_vectors(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    old = open_index(root)
    old_vectors = np.array(old.sentence_vectors[slice(*old.files[old.by_source["a.txt"]].sentences)])
    (corpus / "a.txt").rename(corpus / "renamed.txt")
    shutil.copy(corpus / "b.md", corpus / "sub" / "b copy.md")
    encoded = fake_embedder.texts_encoded
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (2, 0, 1, 2)
    assert summary.chunks_embedded == 0 and fake_embedder.texts_encoded == encoded
    index = open_index(root)
    moved = index.files[index.by_source["renamed.txt"]]
    np.testing.assert_array_equal(index.sentence_vectors[slice(*moved.sentences)], old_vectors)
    r = answer(index, fake_embedder, "When was the alpha bridge built?")
    assert r.answers[0].source == "renamed.txt"
    assert r.answers[0].text == read_exact(corpus / "renamed.txt")[r.answers[0].start : r.answers[0].end]
    # a changed file with another's old bytes is not mistaken for it: its own text is embedded
    _write(corpus, "renamed.txt", FILES["a.txt"] + "\n\nThe alpha ferry runs hourly.")
    summary, _ = _build(corpus, root, fake_embedder)
    assert summary.chunks_embedded > 0


def test_touched_file_is_unchanged(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    path = corpus / "a.txt"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert corpus_status(corpus, root).changed == ()
    encoded = fake_embedder.texts_encoded
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (0, 0, 0, 3)
    assert fake_embedder.texts_encoded == encoded


def test_full_rebuild_re_embeds_everything(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    first, _ = _build(corpus, root, fake_embedder)
    first_texts = list(fake_embedder.seen)
    before = _answers(root, fake_embedder)
    mark = len(fake_embedder.seen)
    summary, _ = _build(corpus, root, fake_embedder, full=True)
    assert summary.full
    assert summary.chunks_embedded == first.chunks_embedded
    assert summary.added + summary.changed + summary.unchanged == 3
    assert fake_embedder.seen[mark:] == first_texts  # the first build's texts, all of them again
    assert _answers(root, fake_embedder) == before


def test_add_change_delete_together(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    _write(corpus, "new.txt", "Epsilon station opened in 1955.")
    _write(corpus, "a.txt", FILES["a.txt"] + "\n\nThe alpha ferry runs hourly.")
    (corpus / "b.md").unlink()
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (1, 1, 1, 1)
    assert [f.source for f in open_index(root).files] == ["a.txt", "new.txt", "sub/c.txt"]


# ---------------------------------------------------------------- status (no model)


def _engine(corpus: Path, root: Path) -> Engine:
    def no_model(name: str):
        raise AssertionError(f"status must not load a model (asked for {name})")

    return Engine(corpus=corpus, root=root, embedder_factory=no_model)


def test_status_lists_changes_without_the_model(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    st = _engine(corpus, root).status()
    assert not st.has_index and st.stale
    assert st.added == tuple(sorted(FILES))

    _build(corpus, root, fake_embedder)
    encoded = fake_embedder.texts_encoded
    st = _engine(corpus, root).status()
    assert st.has_index and not st.stale
    assert st.unchanged == tuple(sorted(FILES)) and st.added == st.changed == st.removed == ()

    _write(corpus, "z-new.md", "Zeta.")
    _write(corpus, "a.txt", "Rewritten.")
    (corpus / "b.md").unlink()
    st = _engine(corpus, root).status()
    assert st.stale
    assert (st.added, st.changed, st.removed, st.unchanged) == (("z-new.md",), ("a.txt",), ("b.md",), ("sub/c.txt",))
    assert fake_embedder.texts_encoded == encoded


def test_status_on_missing_corpus_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError):
        corpus_status(tmp_path / "nope", tmp_path / "index")


# ---------------------------------------------------------------- unreadable files


def test_unreadable_file_warns_and_the_build_goes_on(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _write(corpus, "bad.txt", b"\x00\x01\x02 binary")
    _write(corpus, "latin.md", b"caf\x81\x8d\x8f\x90\x9d")  # not UTF-8, not Windows-1252 or Latin-1 text
    summary, warnings = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (3, 0, 0, 0)
    assert len(warnings) == 2
    assert any("bad.txt" in w for w in warnings) and any("latin.md" in w for w in warnings)
    assert all("\n" not in w for w in warnings)
    assert set(summary.warnings) == {"bad.txt", "latin.md"}
    assert [f.source for f in open_index(root).files] == sorted(FILES)


def test_status_is_clean_right_after_a_build_that_skipped_a_file(
    corpus: Path, root: Path, fake_embedder: FakeEmbedder
) -> None:
    _write(corpus, "bad.txt", b"\x00\x01\x02 binary")
    _build(corpus, root, fake_embedder)
    st = corpus_status(corpus, root)
    assert "bad.txt" not in st.added
    assert not st.stale


def test_file_that_becomes_unreadable_leaves_the_index(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    _write(corpus, "a.txt", b"\xff\xfe\x00\x00")
    summary, warnings = _build(corpus, root, fake_embedder)
    assert summary.added == summary.changed == 0
    assert summary.removed == 1 and summary.unchanged == 2
    assert any("a.txt" in w for w in warnings)
    assert "a.txt" not in open_index(root).by_source


# ---------------------------------------------------------------- failures midway


class FailingEmbedder(FakeEmbedder):
    def encode(self, texts, progress=None):
        raise Boom("the model fell over")


def _assert_old_index_intact(root: Path, before: list[dict], version: Path, embedder: FakeEmbedder) -> None:
    assert open_index(root).version == version
    assert _answers(root, embedder) == before
    _no_leftovers(root)


def _change_everything(corpus: Path) -> None:
    _write(corpus, "new.txt", "Omega tower is the tallest building in town.")
    _write(corpus, "a.txt", "The alpha river is now a canal.")
    (corpus / "b.md").unlink()


def test_embedder_failure_leaves_the_previous_index(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    before, version = _answers(root, fake_embedder), open_index(root).version
    _change_everything(corpus)
    with pytest.raises(Boom):
        build(corpus, root, "fake", lambda: FailingEmbedder())
    _assert_old_index_intact(root, before, version, fake_embedder)
    # the next build completes (the lock was released) and sees every change
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (1, 1, 1, 1)
    assert [f.source for f in open_index(root).files] == ["a.txt", "new.txt", "sub/c.txt"]


def test_interrupt_during_embedding_leaves_the_previous_index(
    corpus: Path, root: Path, fake_embedder: FakeEmbedder
) -> None:
    _build(corpus, root, fake_embedder)
    before, version = _answers(root, fake_embedder), open_index(root).version
    _change_everything(corpus)

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(corpus, root, "fake", lambda: fake_embedder, progress=progress)
    _assert_old_index_intact(root, before, version, fake_embedder)
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (1, 1, 1, 1)


def test_failure_while_writing_leaves_the_previous_index(
    corpus: Path, root: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(corpus, root, fake_embedder)
    before, version = _answers(root, fake_embedder), open_index(root).version
    _change_everything(corpus)
    import qa.indexing

    def disk_full(*_a, **_kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qa.indexing.Lexical, "save", disk_full)
    with pytest.raises(QAError, match="no space left"):
        build(corpus, root, "fake", lambda: fake_embedder)
    monkeypatch.undo()
    _assert_old_index_intact(root, before, version, fake_embedder)
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (1, 1, 1, 1)


def test_second_build_while_one_runs_is_refused(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    with build_lock(root):
        with pytest.raises(QAError, match="another build"):
            build(corpus, root, "fake", lambda: fake_embedder)
    _build(corpus, root, fake_embedder)


# ---------------------------------------------------------------- incompatible old index


def test_model_change_forces_a_full_rebuild(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    other = FakeEmbedder(name="other-model", dim=32)
    summary, warnings = _build(corpus, root, other)
    assert summary.full
    assert summary.chunks_embedded == sum(len(chunk(t).chunks) for t in FILES.values())
    assert any("model" in w for w in warnings)
    index = open_index(root)
    assert index.model == "other-model" and index.dim == 32
    assert index.chunk_vectors.shape[1] == 32


def test_chunking_change_forces_a_full_rebuild(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    params = ChunkParams(chunk_chars=120, min_chunk_chars=50)
    summary, _ = _build(corpus, root, fake_embedder, params=params)
    assert summary.full
    assert summary.chunks_embedded == sum(len(chunk(t, params).chunks) for t in FILES.values())
    assert open_index(root).meta["chunking"] == params.to_json()


def test_damaged_index_is_rebuilt(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    (open_index(root).version / META).write_text("{ not json", encoding="utf-8")
    with pytest.raises(QAError, match=r"qa index --full"):
        open_index(root)
    summary, _ = _build(corpus, root, fake_embedder)
    assert summary.full and summary.added == 3
    assert len(open_index(root).files) == 3


# ---------------------------------------------------------------- where the index lives


def test_index_inside_the_corpus_is_not_indexed(corpus: Path, fake_embedder: FakeEmbedder) -> None:
    root = corpus / "qa-index"
    _build(corpus, root, fake_embedder)
    summary, _ = _build(corpus, root, fake_embedder)
    assert _counts(summary) == (0, 0, 0, 3)
    assert not any(f.source.startswith("qa-index") for f in open_index(root).files)
    assert not corpus_status(corpus, root).stale


def test_copied_index_still_answers(corpus: Path, root: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    """The index folder is self-contained plain files: a copy answers the same."""
    _build(corpus, root, fake_embedder)
    before = _answers(root, fake_embedder)
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    assert _answers(copy, fake_embedder) == before


# ---------------------------------------------------------------- nothing to index


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "files, deleted",
    [({}, False), ({"empty.txt": b""}, False), ({"bin.txt": b"\x00\x01"}, False), ({}, True)],
    ids=["empty-folder", "empty-file", "only-unreadable", "all-deleted"],
)
def test_nothing_to_index_is_a_clear_error_or_an_empty_index(
    tmp_path: Path, fake_embedder: FakeEmbedder, files: dict, deleted: bool
) -> None:
    corpus, root = tmp_path / "c", tmp_path / "i"
    corpus.mkdir()
    if deleted:
        _write(corpus, "x.txt", "Some text that is indexed first.")
        _build(corpus, root, fake_embedder)
        (corpus / "x.txt").unlink()
    for rel, data in files.items():
        _write(corpus, rel, data)
    try:
        build(corpus, root, "fake", lambda: fake_embedder)
    except CorpusError:
        return
    r = answer(open_index(root), fake_embedder, "Is there anything here?")
    assert not r.answered


# ---------------------------------------------------------------- a damaged index says what to run


@pytest.mark.parametrize(
    "damage",
    ["no-meta", "old-format", "vectors-missing", "vectors-short", "faiss-garbage", "bm25-missing"],
)
def test_damaged_index_names_the_fix(corpus: Path, root: Path, fake_embedder: FakeEmbedder, damage: str) -> None:
    import numpy as np

    _build(corpus, root, fake_embedder)
    version = open_index(root).version
    if damage == "no-meta":
        (version / META).unlink()
    elif damage == "old-format":
        meta = json.loads((version / META).read_text(encoding="utf-8"))
        (version / META).write_text(json.dumps({**meta, "format": 999}), encoding="utf-8")
    elif damage == "vectors-missing":
        (version / "chunk_vectors.npy").unlink()
    elif damage == "vectors-short":
        np.save(version / "sentence_vectors.npy", np.zeros((1, fake_embedder.dim), dtype=np.float32))
    elif damage == "faiss-garbage":
        (version / "chunks.faiss").write_bytes(b"garbage")
    elif damage == "bm25-missing":
        shutil.rmtree(version / "bm25_chunks")
    with pytest.raises(BadIndex) as exc:
        answer(open_index(root), fake_embedder, QUESTIONS[0])
    assert "qa index --full" in str(exc.value)
    # and the fix works
    build(corpus, root, "fake", lambda: fake_embedder, full=True)
    assert answer(open_index(root), fake_embedder, QUESTIONS[0]).answers


def test_index_opened_before_a_rebuild_still_answers(corpus: Path, root: Path, fake_embedder: FakeEmbedder) -> None:
    _build(corpus, root, fake_embedder)
    reader = open_index(root)
    _write(corpus, "new.txt", "Omega tower is the tallest building in town.")
    _build(corpus, root, fake_embedder)
    r = answer(reader, fake_embedder, "When was the alpha bridge built?")
    assert r.answers and all(a.source in FILES for a in r.answers)
