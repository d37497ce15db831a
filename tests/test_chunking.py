"""Sentences and chunks keep exact offsets and line numbers, for any text."""

from __future__ import annotations

import re

from conftest import BUNDLED_CORPUS, line_at, read_exact
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.chunking import ChunkParams, chunk, split_sentences

# ---------------------------------------------------------------- strategies

_words = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=12)
_long_words = st.text(alphabet="abcdefghij", min_size=250, max_size=700)
_punct = st.sampled_from([".", ". ", "? ", "! ", "; ", ", ", ": ", " - ", " — ", "...", "(", ") ", "“", "”", "'"])
_spaces = st.sampled_from([" ", "  ", "\n", "\n\n", "\r\n", "\r\n\r\n", "\t", " \n \n", "\u00a0", "\u2028", "\f"])
_markdown = st.sampled_from(["\n# ", "\n## ", "\n- ", "\n* ", "\n1. ", "\n> "])
_unicode = st.text(min_size=1, max_size=3)  # anything at all: emoji, combining marks, controls
_piece = st.one_of(_words, _words, _words, _punct, _spaces, _markdown, _unicode, _long_words)
texts = st.lists(_piece, max_size=80).map("".join)

params_st = st.builds(
    ChunkParams,
    chunk_chars=st.integers(80, 900),
    min_chunk_chars=st.integers(0, 300),
    overlap=st.integers(0, 2),
    max_sentence_chars=st.integers(20, 400),
)

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_sentences(text: str, spans: list[tuple[int, int]], limit: int) -> None:
    prev_end = 0
    for s, e in spans:
        assert 0 <= prev_end <= s < e <= len(text), (s, e)
        # only whitespace between sentences: every other character is in some sentence
        gap = text[prev_end:s]
        assert all(ch.isspace() for ch in gap), repr(gap)
        piece = text[s:e]
        assert not piece[0].isspace() and not piece[-1].isspace(), repr(piece)
        assert len(piece) <= limit, len(piece)
        prev_end = e
    assert all(ch.isspace() for ch in text[prev_end:])


# ---------------------------------------------------------------- properties


@_SETTINGS
@given(texts, params_st)
@example("", ChunkParams())
@example("   \n\n\t  ", ChunkParams())
@example("x" * 1000, ChunkParams())
@example("word " * 400, ChunkParams(max_sentence_chars=300))
def test_sentences_cover_text_in_order(text: str, params: ChunkParams) -> None:
    sents = split_sentences(text, params)
    _check_sentences(text, [(s, e) for s, e, _ in sents], params.max_sentence_chars)
    paras = [p for _, _, p in sents]
    assert paras == sorted(paras)
    # the non-whitespace characters of the sentences, in order, are exactly the text's
    kept = "".join(ch for s, e, _ in sents for ch in text[s:e] if not ch.isspace())
    assert kept == "".join(ch for ch in text if not ch.isspace())


@_SETTINGS
@given(texts, params_st)
def test_chunks_are_runs_of_consecutive_sentences(text: str, params: ChunkParams) -> None:
    out = chunk(text, params)
    sents = out.sentences
    assert [(s.start, s.end) for s in sents] == [(s, e) for s, e, _ in split_sentences(text, params)]
    for s in sents:
        assert s.line == line_at(text, s.start)
        assert s.page is None
    if not sents:
        assert out.chunks == ()
        return
    covered: set[int] = set()
    prev = None
    for c in out.chunks:
        assert 0 <= c.first_sentence < c.last_sentence <= len(sents)
        assert c.span.start == sents[c.first_sentence].start
        assert c.span.end == sents[c.last_sentence - 1].end
        assert c.span.line == line_at(text, c.span.start)
        if c.last_sentence - c.first_sentence > 1:
            assert c.span.end - c.span.start <= params.chunk_chars
        if prev is not None:
            assert c.first_sentence > prev.first_sentence  # always moves forward
            assert c.first_sentence <= prev.last_sentence  # no sentence skipped
            assert prev.last_sentence - c.first_sentence <= params.overlap
        covered.update(range(c.first_sentence, c.last_sentence))
        prev = c
    assert covered == set(range(len(sents)))
    assert out.chunks[-1].last_sentence == len(sents)


@_SETTINGS
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=25), min_size=1, max_size=200),
       st.sampled_from([" ", "\n", " \t"]))
def test_long_sentences_are_cut_at_word_boundaries(words: list[str], sep: str) -> None:
    """A run of words with no sentence end is cut between words, never inside one."""
    text = sep.join(words)
    sents = split_sentences(text)
    _check_sentences(text, [(s, e) for s, e, _ in sents], 300)
    for s, e, _ in sents:
        assert s == 0 or text[s - 1].isspace()
        assert e == len(text) or text[e].isspace()
    assert [w for s, e, _ in sents for w in text[s:e].split()] == words


# ---------------------------------------------------------------- examples


def test_real_sentence_splitter_not_full_stops() -> None:
    text = "Mr. Smith paid £5.5m to the council. It was late. Was it? Yes!"
    got = [text[s:e] for s, e, _ in split_sentences(text)]
    assert got == ["Mr. Smith paid £5.5m to the council.", "It was late.", "Was it?", "Yes!"]


def test_blank_lines_split_paragraphs() -> None:
    text = "A title without a full stop\n\nFirst body sentence here. Second one.\n \t\nLast paragraph"
    sents = split_sentences(text)
    got = [(text[s:e], p) for s, e, p in sents]
    assert got == [
        ("A title without a full stop", 0),
        ("First body sentence here.", 1),
        ("Second one.", 1),
        ("Last paragraph", 2),
    ]


def test_markdown_heading_starts_a_paragraph() -> None:
    text = "Some intro text\n# A heading\n\nBody."
    got = [text[s:e] for s, e, _ in split_sentences(text)]
    assert got[0] == "Some intro text"
    assert "Some intro text" not in got[1]


def test_crlf_offsets_and_lines() -> None:
    text = "Line one here.\r\n\r\nSecond paragraph starts. It goes on.\r\nThird line\r\n"
    out = chunk(text)
    pieces = [text[s.start : s.end] for s in out.sentences]
    assert pieces[0] == "Line one here."
    assert pieces[1] == "Second paragraph starts."
    assert [s.line for s in out.sentences][:2] == [1, 3]
    for s in out.sentences:
        assert s.line == line_at(text, s.start)


def test_long_sentence_is_cut_below_limit() -> None:
    text = " ".join(f"word{i}" for i in range(200)) + "."
    sents = split_sentences(text)
    assert len(sents) >= 2
    assert all(e - s <= 300 for s, e, _ in sents)
    assert all(text[s - 1] == " " for s, _, _ in sents[1:])


def test_one_very_long_word_is_cut_anyway() -> None:
    text = "x" * 1000
    sents = split_sentences(text)
    assert "".join(text[s:e] for s, e, _ in sents) == text
    assert all(e - s <= 300 for s, e, _ in sents)


def test_page_numbers_from_page_starts() -> None:
    text = "Page one text. More.\n\nPage two text here. End."
    second = text.index("Page two")
    out = chunk(text, page_starts=(0, second))
    pages = {text[s.start : s.end]: s.page for s in out.sentences}
    assert pages["Page one text."] == 1
    assert pages["Page two text here."] == 2


def test_bundled_corpus_spans_are_exact() -> None:
    for path in sorted(BUNDLED_CORPUS.iterdir()):
        text = read_exact(path)
        out = chunk(text)
        assert out.sentences and out.chunks
        _check_sentences(text, [(s.start, s.end) for s in out.sentences], 300)
        for s in out.sentences:
            assert s.line == line_at(text, s.start)
        assert re.search(r"£5\.5m", text)
        assert any("£5.5m" in text[s.start : s.end] for s in out.sentences)
