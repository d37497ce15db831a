"""Answer-quality floors with the real model: fail when a change makes answers worse.

The floors are what the project reached when they were set (see the README's results), less
a small margin for floating-point differences between machines. Raise them as quality rises.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SEED_WRONG_WITH_READER, SHARED, require_shared

from qa.engine import Engine
from qa.evaluation import load_questions, score

pytestmark = pytest.mark.integration

# a fast slice of squad11-dev: two articles, 350 questions (about a minute on 2 cores)
SLICE = ("Civil_disobedience.txt", "Prime_number.txt")
SLICE_ACC1, SLICE_ACC5 = 0.68, 0.845  # measured 0.700 / 0.863


def _engine(corpus: Path, tmp_path: Path, embedder) -> Engine:
    engine = Engine(corpus, tmp_path / "index", embedder_factory=lambda name: embedder)
    engine.build()
    return engine


def _run(engine: Engine, path: Path):
    qs = load_questions(path)
    return qs, score(qs, [engine.ask_in_conversation(q.question, q.history, qid=q.id) for q in qs])


def test_seed_questions_right_and_unanswerable_abstained(corpus_copy: Path, tmp_path: Path, real_embedder) -> None:
    shared = require_shared()
    engine = _engine(corpus_copy, tmp_path, real_embedder)
    _, m = _run(engine, shared / "eval" / "seed" / "questions.jsonl")
    assert set(m.wrong) <= SEED_WRONG_WITH_READER and m.acc_at_1 >= 7 / 8, m.wrong
    assert m.abstained_on_unanswerable == 1.0 and m.false_abstain == 0.0, m.wrong
    _, f = _run(engine, shared / "eval" / "seed" / "followups.jsonl")
    assert f.acc_at_1 == 1.0, f.wrong


def test_squad11_slice_keeps_its_accuracy(tmp_path: Path, real_embedder) -> None:
    shared = require_shared()
    source = SHARED / "eval" / "squad11-dev"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SLICE:
        shutil.copy(source / "corpus" / name, corpus / name)
    questions = tmp_path / "questions.jsonl"
    lines = (source / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    keep = [line for line in lines if any(f'"{name}"' in line for name in SLICE)]
    questions.write_text("\n".join(keep) + "\n", encoding="utf-8")
    assert shared and len(keep) == 350
    _, m = _run(_engine(corpus, tmp_path, real_embedder), questions)
    assert m.acc_at_1 >= SLICE_ACC1 and m.acc_at_5 >= SLICE_ACC5, (m.acc_at_1, m.acc_at_5)
