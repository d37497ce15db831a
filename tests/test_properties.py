"""Properties that hold for any text: what is read, split, indexed and quoted maps back exactly.

For any file content: the document read is the file's characters (or, for a file that had to
be decoded, its decoded text, marked ``offsets: "extracted"``); every sentence and chunk is
``text[start:end]`` of it, and together the sentences hold every character that is not
white space, in order; the index built from it gives back the same characters; an answer's
quote is the source's characters ``[start:end]``; and whatever the text, the terminal sees no
control character.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import FakeEmbedder, line_at
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.answers import AnswerParams, answer
from qa.chunking import ChunkParams, chunk
from qa.documents import discover, read_file
from qa.errors import CorpusError, UnreadableFile
from qa.index import open_index
from qa.indexing import build
from qa.safe import clean_question, terminal_safe, terminal_safe_line

# ---------------------------------------------------------------- strategies

_any_char = st.characters(blacklist_categories=("Cs",))  # anything a file can hold as UTF-8
_words = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=12)
_punct = st.sampled_from([". ", "? ", "! ", "; ", ", ", "...", "“", "”", " — ", "(", ") "])
_spaces = st.sampled_from([" ", "\n", "\n\n", "\r\n", "\r", "\t", "\u00a0", "\u2028", "\u3000", "\f", "\v"])
_nasty = st.sampled_from(["\x1b[31m", "\x1b]8;;http://x.test\x07", "\x9b2J", "\x00", "\ufeff", "\u202e",
                          "[bold]", "[@click=app.quit]", "\x08", "\u0301", "😀", "👩‍👩‍👧"])
_piece = st.one_of(_words, _words, _words, _punct, _spaces, _nasty, st.text(_any_char, max_size=4))
texts = st.one_of(st.lists(_piece, max_size=60).map("".join), st.text(_any_char, max_size=400))

_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_spans(text: str, sentences, chunks) -> None:
    """Every span is text[start:end]; sentences, in order, hold every non-space character."""
    prev = 0
    for s in sentences:
        assert 0 <= prev <= s.start < s.end <= len(text)
        assert all(ch.isspace() for ch in text[prev : s.start])
        assert s.line == line_at(text, s.start)
        prev = s.end
    assert all(ch.isspace() for ch in text[prev:])
    kept = "".join(ch for s in sentences for ch in text[s.start : s.end] if not ch.isspace())
    assert kept == "".join(ch for ch in text if not ch.isspace())
    for c in chunks:
        assert c.span.start == sentences[c.first_sentence].start
        assert c.span.end == sentences[c.last_sentence - 1].end


# ---------------------------------------------------------------- reading


@_SETTINGS
@given(texts, st.sampled_from(["", "\ufeff"]))
@example("Line one\r\nLine two – £5.5m\r\rold mac\n", "")
@example("   \n\t ", "")
def test_a_utf8_file_reads_back_exactly_and_its_spans_map_back(text: str, bom: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = (bom + text).encode("utf-8")
        (Path(tmp) / "doc.txt").write_bytes(raw)
        (f,) = discover(Path(tmp))
        try:
            got = read_file(f)
        except UnreadableFile as exc:  # only for a file without text, or one that is not text
            assert not (bom + text).strip() or "binary" in str(exc), exc
            return
        doc = got.document
        assert doc.text == bom + text and doc.offsets == "file" and not got.notes
        out = chunk(doc.text)
        _check_spans(doc.text, out.sentences, out.chunks)


@_SETTINGS
@given(texts, st.sampled_from(["utf-16", "utf-16-be", "utf-32", "cp1252", "latin-1"]))
def test_a_file_in_another_encoding_reads_as_its_text_and_says_so(text: str, encoding: str) -> None:
    try:
        raw = (b"\xfe\xff" if encoding == "utf-16-be" else b"") + text.encode(encoding)
    except UnicodeEncodeError:
        return
    if encoding == "utf-16" and text.startswith("\x00"):
        return  # FF FE 00 00: UTF-16's byte order mark and a NUL are UTF-32's mark too; either reading is right
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "doc.txt").write_bytes(raw)
        (f,) = discover(Path(tmp))
        try:
            doc = read_file(f).document
        except UnreadableFile:
            return  # white space only, or (legacy encodings) too many control characters to be text
        if doc.offsets == "file":  # the bytes happen to be UTF-8 as well: then they are read as that
            assert doc.text.encode("utf-8") == raw
        elif encoding.startswith("utf"):
            assert doc.text == text
        else:  # legacy bytes: Windows-1252 first (Latin-1's 0x80-0x9F are controls no text holds)
            try:
                assert doc.text == raw.decode("cp1252")
            except UnicodeDecodeError:
                assert doc.text == raw.decode("latin-1")
        out = chunk(doc.text)
        _check_spans(doc.text, out.sentences, out.chunks)


# ---------------------------------------------------------------- the index


@_SLOW
@given(st.lists(texts, min_size=1, max_size=3), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_the_index_gives_back_every_sentence_and_chunk_and_quotes_exactly(docs: list[str], encoding: str) -> None:
    fake = FakeEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, root = Path(tmp) / "c", Path(tmp) / "i"
        corpus.mkdir()
        for n, text in enumerate(docs):
            (corpus / f"d{n}.txt").write_bytes(text.encode(encoding, "replace"))
        try:
            build(corpus, root, "fake", lambda: fake)
        except CorpusError:
            return  # nothing readable in any of them
        index = open_index(root)
        params = ChunkParams(**index.meta["chunking"])
        for fi, entry in enumerate(index.files):
            text = read_file(next(f for f in discover(corpus) if f.source == entry.source)).document.text
            assert index.doc_text(fi) == text
            expected = chunk(text, params)
            rows = index.sentences[entry.sentences[0] : entry.sentences[1]]
            assert [(int(s), int(e)) for s, e in rows[:, 1:3]] == [(s.start, s.end) for s in expected.sentences]
            for i in range(*entry.sentences):
                f, s, e = (int(x) for x in index.sentences[i, :3])
                assert index.sentence_text(i) == text[s:e]
            for i in range(*entry.chunks):
                f, s, e = (int(x) for x in index.chunks[i, :3])
                assert index.chunk_text(i) == text[s:e]
        for q in ("what is it?", docs[0][:40] or "x"):
            for a in answer(index, fake, clean_question(q) or "x", AnswerParams(k=3)).answers:
                text = index.doc_text(index.by_source[a.source])
                assert a.text == text[a.start : a.end]
                assert a.line == line_at(text, a.start)


# ---------------------------------------------------------------- the terminal


_CONTROL = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} | set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@_SETTINGS
@given(st.text(st.characters(), max_size=200) | texts)
def test_nothing_reaches_the_terminal_that_it_would_act_on(text: str) -> None:
    safe = terminal_safe(text)
    assert len(safe) == len(text)  # one character for one: offsets still hold
    assert not (set(safe) & (_CONTROL - {"\n", "\t"}))
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in safe)
    line = terminal_safe_line(text)
    assert not (set(line) & _CONTROL) and "\n" not in line
    safe.encode("utf-8")  # always printable on a UTF-8 terminal
    clean_question(text).encode("utf-8")  # raises on a lone surrogate
