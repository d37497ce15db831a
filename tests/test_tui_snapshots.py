"""Snapshots of the main screens (pytest-textual-snapshot): ``pytest --snapshot-update`` accepts changes.

Everything that varies between runs is pinned: the corpus and index are given as relative
paths (the status bar shows them as given), the clock reads five minutes after the build,
and the answers are fixed sentences of the sample files (``CANNED``), so a change to how the
core ranks answers does not change these pictures of the UI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import INVEST_Q, UNANSWERABLE_Q
from test_tui import SALARY_Q, Built, build_sample, clone, make_engine, settle

from qa.records import Answer, Result
from tui.app import QAApp, create_app

pytest.importorskip("pytest_textual_snapshot")

SIZE = (110, 34)
A, B = "000_b63f73518fb0b647.txt", "004_35f636869249a112.txt"
CANNED = {  # question: (answered, [(file, sentence, score, also in)])
    INVEST_Q: (True, [
        (A, "Ofsted rated Stoke-on-Trent City Council’s children’s services ‘inadequate’ earlier this year, "
            "prompting the council to invest £5.5m into over 130 new social care posts.", 0.81, (B,)),
        (A, "The secretary of state for education has issued a statutory direction which gives "
            "Stoke-on-Trent City Council three months to establish a partnership with another council "
            "to deliver children’s social care.", 0.27, (B,)),
        (A, "A four-month review by the children’s commissioner Eleanor Brazil has concluded", 0.12, ()),
    ]),
    UNANSWERABLE_Q: (False, [
        (A, "The successful candidate will have the opportunity to supervise junior staff and deputise "
            "in the absence of the Senior Property\xa0Lawyer.", 0.02, ()),
        (B, "Suffolk CC does a lot of great work for relatively little public money", 0.01, ()),
    ]),
    SALARY_Q: (True, [(A, "£43,860 - £49,827 p.a. inc.(pro rata)", 0.42, ())]),
}


def canned_ask(corpus: Path):
    def ask(question: str, **kwargs) -> Result:
        answered, rows = CANNED[question]
        answers = []
        for source, sentence, score, also_in in rows:
            text = (corpus / source).read_text(encoding="utf-8")
            start = text.index(sentence)
            answers.append(Answer(sentence, source, start, start + len(sentence), text.count("\n", 0, start) + 1,
                                  None, score, sentence, also_in))
        return Result(question, answered, tuple(answers))

    return ask


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("tui-snapshots"))


@pytest.fixture
def app(sample: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> QAApp:
    clone(sample, tmp_path)
    monkeypatch.chdir(tmp_path)
    engine = make_engine(Path("corpus"), Path("index"))
    engine.ask = canned_ask(Path("corpus"))
    built_at = engine.index.built_at
    return create_app(engine, export_dir=tmp_path, status_every=None, now=lambda: built_at + 300)


def asking(question: str, open_best: bool = False):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.chat.question_input.value = question
        await pilot.press("enter")
        await settle(pilot)
        if open_best:
            pilot.app.chat.log_view.turns[-1].cards[0].focus()
            await pilot.press("enter")
            await pilot.pause()

    return run_before


def test_snapshot_answer_cards(app: QAApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=asking(INVEST_Q))


def test_snapshot_not_found(app: QAApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=asking(UNANSWERABLE_Q))


def test_snapshot_source_viewer(app: QAApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=asking(SALARY_Q, open_best=True))


def test_snapshot_help(app: QAApp, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
