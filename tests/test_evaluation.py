"""Scoring agrees with shared/tools/score.py; question files are read strictly."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SCORE_PY, SEED_QUESTIONS, require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import QAError
from qa.evaluation import EvalQuestion, contains_gold, load_questions, normalise, score
from qa.records import Answer, Result

# score.py's key -> Metrics.to_json() key
KEYS = {
    "acc@1": "acc_at_1",
    "acc@5": "acc_at_5",
    "ndcg@10": "ndcg_at_10",
    "src@1": "source_recall_at_1",
    "abstained_on_unanswerable": "abstained_on_unanswerable",
    "false_abstain": "false_abstain",
    "mixed_accuracy": "mixed_accuracy",
}


@functools.cache
def _load_score_py():
    spec = importlib.util.spec_from_file_location("shared_score", SCORE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score_py():
    require_shared()
    return _load_score_py()


def _ans(text: str, source: str = "a.txt", also_in: tuple[str, ...] = ()) -> Answer:
    return Answer(text, source, 0, len(text), 1, None, 0.5, text, also_in)


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _question_json(q: EvalQuestion) -> dict:
    d: dict = {"id": q.id, "question": q.question, "answers": list(q.answers), "sources": list(q.sources)}
    if q.unanswerable:
        d["unanswerable"] = True
    return d


def _compare(ours: dict, theirs: dict) -> None:
    for their_key, our_key in KEYS.items():
        if their_key in theirs:
            assert ours[our_key] == pytest.approx(theirs[their_key], abs=1e-4), their_key
        else:
            assert ours[our_key] is None, their_key
    assert ours["questions"] == theirs["questions"]


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The Quick, brown fox!", "quick brown fox"),
        ("  an apple a  day ", "apple day"),
        ("£43,860 - £49,827", "£43 860 £49 827"),
        ("“Ofsted” ‘said’", "ofsted said"),
        ("Theatre another Anthem", "theatre another anthem"),  # articles only as whole words
        ("A.B.C.", "b c"),
        ("31 January 2020", "31 january 2020"),
        ("", ""),
        ("the a an", ""),
    ],
)
def test_normalise_examples(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_contains_gold() -> None:
    assert contains_gold("Ofsted rated the council's services 'inadequate'.", ["ofsted"])
    assert contains_gold("invest £5.5m into", ["£5.5m"])
    assert contains_gold("a salary of £43,860 - £49,827 per annum", ["£43,860 - £49,827"])
    assert not contains_gold("Stoke-on-Trent", ["Stoke on Trent council"])
    assert not contains_gold("anything", ["the", ""])  # golds that normalise to nothing never match


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_agrees_with_score_py(text: str) -> None:
    assert normalise(text) == _score_py().norm(text)


# ---------------------------------------------------------------- agreement with score.py

QUESTIONS = [
    EvalQuestion("q1", "Who?", ("Ofsted",), ("a.txt", "b.txt")),
    EvalQuestion("q2", "How much?", ("£5.5m",), ("b.txt",)),
    EvalQuestion("q3", "When?", ("31 January 2020", "end of January"), ("a.txt",)),
    EvalQuestion("q4", "Leader?", ("Abi Brown",), ("c.txt",)),
    EvalQuestion("q5", "Salary?", ("£43,860 - £49,827",), ()),
    EvalQuestion("u1", "Capital of Australia?", (), (), unanswerable=True),
    EvalQuestion("u2", "Weather?", (), (), unanswerable=True),
    EvalQuestion("x1", "No gold at all?", (), ("a.txt",)),
]
RESULTS = [
    # right at rank 1, cites one gold file, the other through also_in
    Result("Who?", True, (_ans("Ofsted rated it", "a.txt", ("b.txt",)), _ans("nothing"))),
    # right only at rank 3; top answer cites the gold file through also_in
    Result("How much?", True, (_ans("x", "z.txt", ("b.txt",)), _ans("y"), _ans("invest £5.5m!", "b.txt"))),
    # abstained although answerable, right at rank 1
    Result("When?", False, (_ans("by the END of January.", "a.txt"),)),
    # wrong everywhere, gold file at rank 6 (outside @5 but inside nDCG@10)
    Result("Leader?", True, tuple(_ans(f"n{i}", f"f{i}.txt") for i in range(5)) + (_ans("n5", "c.txt"),)),
    # no answers at all
    Result("Salary?", False, ()),
    Result("Capital of Australia?", False, (_ans("Canberra is not here"),)),
    Result("Weather?", True, (_ans("sunny"),)),
    Result("No gold at all?", True, (_ans("t", "b.txt", ("a.txt", "a.txt")),)),
]


def _run_score_py(questions: Path, results: Path, corpus: Path) -> dict:
    require_shared()
    out = subprocess.run(
        [sys.executable, str(SCORE_PY), str(questions), str(results), str(corpus)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(out.stdout)


def test_score_agrees_with_score_py(tmp_path: Path) -> None:
    qfile = _write_jsonl(tmp_path / "q.jsonl", [_question_json(q) for q in QUESTIONS])
    rfile = _write_jsonl(tmp_path / "r.jsonl", [r.to_json() for r in RESULTS])
    theirs = _run_score_py(qfile, rfile, tmp_path)
    ours = score(load_questions(qfile), RESULTS).to_json()
    _compare(ours, theirs)
    # and the figures themselves, worked out by hand
    assert ours["acc_at_1"] == pytest.approx(2 / 5, abs=1e-4)
    assert ours["acc_at_5"] == pytest.approx(3 / 5, abs=1e-4)
    assert ours["mrr"] == pytest.approx((1 + 1 / 3 + 1) / 5, abs=1e-4)
    assert ours["source_recall_at_1"] == pytest.approx(4 / 5, abs=1e-4)
    assert ours["abstained_on_unanswerable"] == pytest.approx(1 / 2, abs=1e-4)
    assert ours["false_abstain"] == pytest.approx(2 / 5, abs=1e-4)
    assert ours["mixed_accuracy"] == pytest.approx((1 + 0 + 0 + 0 + 0 + 1 + 0) / 7, abs=1e-4)
    assert ours["questions"] == 8 and ours["answerable"] == 5 and ours["unanswerable"] == 2
    assert set(ours["wrong"]) == {"q2", "q3", "q4", "q5", "u2"}


def test_score_agrees_with_score_py_on_the_seed_set(tmp_path: Path) -> None:
    """Plausible results for the seed questions, through the real files and score.py."""
    require_shared()
    qs = load_questions(SEED_QUESTIONS)
    results = []
    for i, q in enumerate(qs):
        if q.unanswerable:
            results.append(Result(q.question, i % 2 == 0, (_ans("unrelated"),), q.id))
        else:
            text = f"it was {q.answers[0]} indeed" if i % 3 else "something else"
            results.append(Result(q.question, i % 4 != 1, (_ans(text, q.sources[-1]),), q.id))
    rfile = _write_jsonl(tmp_path / "r.jsonl", [r.to_json() for r in results])
    _compare(score(qs, results).to_json(), _run_score_py(SEED_QUESTIONS, rfile, tmp_path))


_answer_st = st.builds(
    _ans,
    st.sampled_from(["Ofsted", "the Ofsted report", "£5.5m", "£5,5m", "nothing", "Abi  Brown", "abi-brown", ""]),
    st.sampled_from(["a.txt", "b.txt", "c.txt"]),
    st.lists(st.sampled_from(["a.txt", "b.txt", "c.txt"]), max_size=2).map(tuple),
)
_question_st = st.builds(
    EvalQuestion,
    id=st.just("q"),
    question=st.just("?"),
    answers=st.lists(st.sampled_from(["Ofsted", "£5.5m", "Abi Brown", "the"]), max_size=2).map(tuple),
    sources=st.lists(st.sampled_from(["a.txt", "b.txt", "c.txt"]), max_size=2, unique=True).map(tuple),
    unanswerable=st.booleans(),
)
_pair_st = st.tuples(_question_st, st.builds(Result, st.just("?"), st.booleans(), st.lists(_answer_st, max_size=12).map(tuple)))


@settings(max_examples=200, deadline=None)
@given(st.lists(_pair_st, min_size=1, max_size=8))
def test_score_agrees_with_score_py_on_random_results(pairs) -> None:
    """score.py's own main(), run in-process on random question/result sets."""
    import tempfile

    module = _score_py()
    qs = [q for q, _ in pairs]
    rs = [r for _, r in pairs]
    with tempfile.TemporaryDirectory() as d:
        qfile = _write_jsonl(Path(d) / "q.jsonl", [_question_json(q) for q in qs])
        rfile = _write_jsonl(Path(d) / "r.jsonl", [r.to_json() for r in rs])
        buf = io.StringIO()
        argv = sys.argv
        sys.argv = ["score.py", str(qfile), str(rfile), d]
        try:
            with contextlib.redirect_stdout(buf):
                module.main()
        finally:
            sys.argv = argv
        theirs = json.loads(buf.getvalue())
        _compare(score(load_questions(qfile), rs).to_json(), theirs)


def test_score_needs_one_result_per_question() -> None:
    with pytest.raises(ValueError):
        score(QUESTIONS, RESULTS[:-1])


def test_latency_percentiles() -> None:
    qs = [EvalQuestion(str(i), "?", ("x",)) for i in range(5)]
    rs = [Result("?", True, (), str(i), seconds=s) for i, s in enumerate([0.01, 0.02, 0.03, 0.04, 0.10])]
    m = score(qs, rs)
    assert m.latency_ms_p50 == pytest.approx(30)
    assert 40 < m.latency_ms_p95 <= 100


def test_answers_declined_for_a_name_are_counted() -> None:
    qs = [EvalQuestion("a", "who runs m&s", ("Stuart Rose",)), EvalQuestion("b", "who runs opec", unanswerable=True),
          EvalQuestion("c", "who runs it", ("x",))]
    rs = [Result("who runs m&s", False, (), "a", unmentioned=("m&s",)), Result("who runs opec", False, (), "b", unmentioned=("opec",)),
          Result("who runs it", False, (), "c")]
    m = score(qs, rs)
    assert m.declined_for_names == 2 and m.abstained_on_unanswerable == 1.0 and m.false_abstain == 1.0
    assert m.to_json()["declined_for_names"] == 2


def test_answers_declined_for_no_quantity_are_counted() -> None:
    qs = [EvalQuestion("a", "how much did he offer", unanswerable=True), EvalQuestion("b", "how many posts", ("130",))]
    rs = [Result("how much did he offer", False, (), "a", lacks="quantity"), Result("how many posts", True, (), "b")]
    m = score(qs, rs)
    assert m.declined_for_quantity == 1 and m.declined_for_names == 0 and m.abstained_on_unanswerable == 1.0
    assert m.to_json()["declined_for_quantity"] == 1


# ---------------------------------------------------------------- reading question files


def test_load_questions_reads_the_seed_set() -> None:
    require_shared()
    qs = load_questions(SEED_QUESTIONS)
    assert len(qs) == 10
    assert sum(q.unanswerable for q in qs) == 2
    assert qs[0].id == "d01" and qs[0].answers == ("Ofsted",)


def test_load_questions_skips_blank_lines_and_keeps_history(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '\n{"id": 7, "question": "Who?", "history": ["Earlier?"]}\n\n   \n{"question": "What?"}\n',
        encoding="utf-8",
    )
    qs = load_questions(path)
    assert [(q.id, q.question, q.history) for q in qs] == [("7", "Who?", ("Earlier?",)), ("", "What?", ())]


@pytest.mark.parametrize(
    "bad, why",
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "question"),
        ('{"id": "x"}', "question"),
        ('{"question": 5}', "question"),
        ('{"question": "Q?", "history": "not a list"}', "history"),
        ('{"question": "Q?", "history": [1, 2]}', "history"),
    ],
)
def test_load_questions_names_the_bad_line(tmp_path: Path, bad: str, why: str) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text('{"question": "fine"}\n\n' + bad + '\n{"question": "also fine"}\n', encoding="utf-8")
    with pytest.raises(QAError) as exc:
        load_questions(path)
    message = str(exc.value)
    assert f"{path}:3" in message and why in message
    assert "\n" not in message


def test_load_questions_missing_or_undecodable_file(tmp_path: Path) -> None:
    with pytest.raises(QAError, match="not found"):
        load_questions(tmp_path / "missing.jsonl")
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes('{"question": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(QAError, match="latin1.jsonl"):
        load_questions(bad)


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\u0085"])
def test_load_questions_accepts_unicode_line_separators_inside_strings(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": f"Who is{sep}the council leader?"}, {"id": "b", "question": "Next?"}]
    _write_jsonl(path, rows)
    assert json.loads(path.read_text(encoding="utf-8").split("\n")[0])["question"] == rows[0]["question"]
    qs = load_questions(path)
    assert [q.question for q in qs] == [r["question"] for r in rows]
