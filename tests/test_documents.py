"""Finding and reading the corpus's files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import BUNDLED_CORPUS, SAMPLE_FILES

from qa.documents import discover, read, read_all
from qa.errors import CorpusError, UnreadableFile


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _sources(corpus: Path, **kw) -> list[str]:
    return [f.source for f in discover(corpus, **kw)]


def test_bundled_corpus_holds_the_two_samples() -> None:
    assert _sources(BUNDLED_CORPUS) == list(SAMPLE_FILES)


def test_discover_finds_supported_files_sorted_with_posix_paths(tmp_path: Path) -> None:
    for rel in ("b.txt", "a.md", "sub/deeper/c.markdown", "sub/d.rst", "e.TXT", "f.text"):
        _write(tmp_path / rel, "hello")
    for rel in ("photo.jpg", "data.csv", "noext", "report.pdf.bak", "script.py"):
        _write(tmp_path / rel, "not indexed")
    files = discover(tmp_path)
    assert [f.source for f in files] == sorted(
        ["a.md", "b.txt", "e.TXT", "f.text", "sub/d.rst", "sub/deeper/c.markdown"]
    )
    for f in files:
        assert f.path == tmp_path / f.source
        assert f.size == 5
        assert f.mtime_ns == f.path.stat().st_mtime_ns


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "seen.txt", "x")
    _write(tmp_path / ".hidden.txt", "x")
    _write(tmp_path / ".git" / "notes.txt", "x")
    _write(tmp_path / "sub" / ".cache" / "deep" / "x.md", "x")
    _write(tmp_path / "sub" / "ok.md", "x")
    assert _sources(tmp_path) == ["seen.txt", "sub/ok.md"]


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside / "secret.txt", "private")
    corpus = tmp_path / "corpus"
    _write(corpus / "real.txt", "public")
    (corpus / "link.txt").symlink_to(outside / "secret.txt")
    (corpus / "linkdir").symlink_to(outside, target_is_directory=True)
    (corpus / "inner.txt").symlink_to(corpus / "real.txt")
    assert _sources(corpus) == ["real.txt"]


def test_skip_leaves_out_the_index_folder(tmp_path: Path) -> None:
    _write(tmp_path / "doc.txt", "x")
    _write(tmp_path / "qa-index" / "v-1" / "text.txt", "indexed text")
    _write(tmp_path / "sub" / "qa-index" / "keep.txt", "x")  # only the given folder is skipped
    assert "qa-index/v-1/text.txt" in _sources(tmp_path)
    assert _sources(tmp_path, skip=(tmp_path / "qa-index",)) == ["doc.txt", "sub/qa-index/keep.txt"]
    # a relative path naming the same folder is skipped too
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert _sources(Path("."), skip=(Path("qa-index"),)) == ["doc.txt", "sub/qa-index/keep.txt"]
    finally:
        os.chdir(cwd)


def test_missing_corpus_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        discover(tmp_path / "nope")
    _write(tmp_path / "file.txt", "x")
    with pytest.raises(CorpusError, match="not a folder"):
        discover(tmp_path / "file.txt")


def test_read_keeps_crlf_and_unicode_exactly(tmp_path: Path) -> None:
    raw = "Line one\r\nLine two – £5.5m\r\n\r\nÉtat ‘quoted’ 😀\rold mac\n".encode()
    f = discover(_write(tmp_path / "c" / "crlf.txt", raw).parent)[0]
    doc = read(f)
    assert doc.text == raw.decode("utf-8")
    assert "\r\n" in doc.text and "\r" in doc.text.replace("\r\n", "")
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.source == "crlf.txt"
    assert doc.offsets == "file"
    assert doc.page_starts == ()


def test_read_keeps_a_byte_order_mark_so_offsets_match_the_file(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbfHello there."
    f = discover(_write(tmp_path / "c" / "bom.md", raw).parent)[0]
    doc = read(f)
    with open(f.path, encoding="utf-8", newline="") as fh:
        assert doc.text == fh.read()


def test_binary_file_with_text_extension_is_unreadable(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (f,) = discover(corpus)
    with pytest.raises(UnreadableFile, match="image.txt"):
        read(f)


def test_invalid_utf8_is_unreadable(tmp_path: Path) -> None:
    # not UTF-8, and full of C1 controls in Latin-1 (Latin-1 text is read: tests/test_hostile.py)
    corpus = tmp_path / "c"
    _write(corpus / "latin1.txt", b"caf\x81\x8d\x8f\x90\x9d cr\x90me")
    (f,) = discover(corpus)
    with pytest.raises(UnreadableFile, match=r"latin1\.txt.*UTF-8"):
        read(f)


def test_file_vanishing_after_discovery_is_unreadable(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus / "gone.txt", "x")
    (f,) = discover(corpus)
    f.path.unlink()
    with pytest.raises(UnreadableFile, match="gone.txt"):
        read(f)


def test_read_all_yields_warnings_and_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus / "a.txt", "fine")
    _write(corpus / "b.txt", b"\x00b\x00a\x00d")
    _write(corpus / "c.txt", "also fine")
    out = list(read_all(discover(corpus)))
    assert [(f.source, doc is not None, warn is not None) for f, doc, warn in out] == [
        ("a.txt", True, False),
        ("b.txt", False, True),
        ("c.txt", True, False),
    ]
    assert "b.txt" in out[1][2]
