"""The query side reads bm25s's index files itself: it must tokenize and score exactly as bm25s."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.lexical import Lexical, _stemmer, query_tokens, tokenize

TEXTS = [
    "Ofsted rated Stoke-on-Trent City Council's children's services 'inadequate' earlier this year.",
    "The council invested £5.5m into over 130 new social care posts in 2019-20.",
    "Zürich, naïve CAFÉ, 東京 and Москва: words that are not ASCII.",
    "a an the", "", "x", "Running runners ran; the run-off ran on.",
]


def _bm25s_tokenize(texts):
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


def test_tokenize_is_bm25s_tokenize():
    assert tokenize(TEXTS) == _bm25s_tokenize(TEXTS)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=5))
def test_tokenize_matches_bm25s_on_any_text(texts):
    plain = [t.replace("&", " ") for t in texts]  # ampersand names are the one addition (below)
    assert tokenize(plain) == _bm25s_tokenize(plain)


def test_a_name_with_an_ampersand_is_a_token_too():
    assert query_tokens("who's the boss of m&s") == ["boss", "m_s"]
    assert tokenize(["Marks & Spencer (M&S) and AT&T; R&D spending"]) == [
        ["mark", "spencer", "m_s", "at_t", "r_d", "spend"]]
    # the words around a spaced "&" are words as before, and nothing else changes
    assert tokenize(["Ant & Dec won"]) == _bm25s_tokenize(["Ant & Dec won"])
    assert tokenize(["rock&roll"]) == _bm25s_tokenize(["rock&roll"])
    assert tokenize(["two B&Bs"]) == [["two", "b_bs", "bs"]]  # the words the pattern keeps are kept


def test_scores_and_files_match_bm25s(tmp_path):
    import bm25s

    Lexical.build(tokenize(TEXTS)).save(tmp_path)
    ours, theirs = Lexical.load(tmp_path), bm25s.BM25.load(str(tmp_path), show_progress=False)
    for q in ("council social care posts", "run", "Zürich café", "nothing matches this"):
        tokens = query_tokens(q)
        ids = theirs.get_tokens_ids([t for t in tokens if t in theirs.vocab_dict])
        expected = theirs.get_scores_from_ids(ids) if ids else np.zeros(len(TEXTS))
        assert np.allclose(ours.scores(tokens), expected)
    assert ours.scores(query_tokens("council"))[1] > 0 == ours.scores(query_tokens("council"))[2]


def test_idf_is_higher_for_rarer_tokens(tmp_path):
    Lexical.build(tokenize(TEXTS)).save(tmp_path)
    lex = Lexical.load(tmp_path)
    idf = lex.idf(["council", "ran", "neverseen"])
    assert idf["neverseen"] > idf["council"] > 0


def test_damaged_arrays_are_refused(tmp_path):
    import pytest

    Lexical.build(tokenize(TEXTS)).save(tmp_path)
    np.save(tmp_path / Lexical.INDPTR, np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError):
        Lexical.load(tmp_path)


def _ranked(scores: np.ndarray, k: int) -> list[int]:
    order = sorted(range(len(scores)), key=lambda d: (-scores[d], d))
    return [d for d in order[:k] if scores[d] > 0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("cat dog bird fish cow hen fox owl".split()), max_size=8), min_size=1, max_size=40),
    st.lists(st.sampled_from("cat dog bird fish cow hen fox owl yak".split()), min_size=1, max_size=4),
    st.integers(1, 12),
)
def test_top_and_scores_of_agree_with_full_scoring(tmp_path_factory, docs, query, k):
    path = tmp_path_factory.mktemp("lex")
    Lexical.build(tokenize([" ".join(d) for d in docs])).save(path)
    lex = Lexical.load(path)
    tokens = query_tokens(" ".join(query))
    full = lex.scores(tokens)
    ids, scores = lex.top(tokens, k)
    assert ids.tolist() == _ranked(full, k)
    assert np.allclose(scores, full[ids])
    some = np.arange(0, len(docs), 3)
    assert np.allclose(lex.scores_of(tokens, some), full[some])


def test_top_breaks_ties_by_document_order(tmp_path):
    Lexical.build(tokenize(["cat", "cat", "cat cat", "cat cat"])).save(tmp_path)
    ids, _ = Lexical.load(tmp_path).top(["cat"], 1)
    assert ids.tolist() == [2]


def test_building_leaves_no_thread_behind():
    """bm25s runs tqdm (with progress off), whose monitor thread would outlive the build: a
    process that forks afterwards (the fault harness, a server) must not carry a lock-holding
    thread. In a fresh interpreter (other tests run bm25s themselves), counted from the
    kernel's view, so that native threads count too."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import os, threading
os.environ["OPENBLAS_NUM_THREADS"] = "1"
from qa.lexical import Lexical, tokenize
Lexical.build(tokenize(["the alpha bridge", "the beta summit", "gamma lake is deep"]))
print(len(os.listdir("/proc/self/task")), [t.name for t in threading.enumerate()])
"""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.split()[0] == "1", out.stdout
