"""The chat follows the corpus by itself: a real watcher on a temporary corpus, the fake embedder."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import INVEST_Q
from test_tui import SIZE, Built, GatedEmbedder, build_sample, clone, make_engine, scenario, wait_until
from test_watch import without_reader

from embeddings.store import build_lock
from tui.app import create_app
from tui.watcher import CorpusChanged

QUIET = 0.3


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("tui-watch-index"))


async def ask(pilot, question: str):
    """Ask as a user does and wait for the answer (``settle`` would wait for the watcher too)."""
    app = pilot.app
    n = len(app.chat.log_view.turns)
    app.chat.question_input.value = question
    await pilot.press("enter")
    await wait_until(pilot, lambda: len(app.chat.log_view.turns) > n)
    turn = app.chat.log_view.turns[-1]
    await wait_until(pilot, lambda: bool(turn.cards))
    return turn


def watching_app(engine, tmp_path: Path):
    # the feature ranker alone: these tests are about the index following the corpus
    return create_app(engine, export_dir=tmp_path, status_every=None, watch=True, watch_quiet=QUIET,
                      params=without_reader())


def count_builds(engine) -> list[int]:
    """Wrap the engine's build to count the builds that ran."""
    builds: list[int] = []
    build = engine.build

    def counted(*a, **kw):
        builds.append(1)
        return build(*a, **kw)

    engine.build = counted
    return builds


@scenario
async def test_a_new_file_is_indexed_by_itself_while_questions_are_answered(built_index: Built, tmp_path: Path) -> None:
    corpus, index = clone(built_index, tmp_path)
    fake = GatedEmbedder()
    engine = make_engine(corpus, index, fake)
    app = watching_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.ready.is_set() and app.chat.status_bar.state == "ready")
        seen = []
        original = app.chat.status_bar.set_state
        app.chat.status_bar.set_state = lambda state: (seen.append(state), original(state))
        fake.release.clear()
        (corpus / "new.md").write_text(
            "# Harbour\n\nThe harbour master ordered seventeen new tugboats in March.\n", encoding="utf-8")
        await wait_until(pilot, fake.entered.is_set)
        assert app.building and app.auto_building
        assert not app.chat.build_panel.display  # the watcher's rebuild shows in the status bar only
        assert any(s.startswith("updating the index") for s in seen), seen

        # the chat keeps answering from the live index meanwhile
        turn = await ask(pilot, INVEST_Q)
        assert app.building and turn.cards[0].answer.source.startswith("00")

        fake.release.set()
        await wait_until(pilot, lambda: not app.building and app.chat.status_bar.info.files == 3)
        assert any(s.startswith("updating the index: embedding ") for s in seen), seen
        assert app.chat.status_bar.state == "ready" and not app.chat.status_bar.info.stale
        messages = [n.message for n in app._notifications]
        assert any("1 added, 0 changed, 0 removed" in m for m in messages), messages
        turn = await ask(pilot, "How many tugboats did the harbour master order?")
        assert turn.cards[0].answer.source == "new.md"


@scenario
async def test_changes_made_while_the_chat_was_closed_are_indexed_when_it_opens(built_index: Built, tmp_path: Path) -> None:
    corpus, index = clone(built_index, tmp_path)
    (corpus / "new.txt").write_text("The harbour master ordered seventeen new tugboats in March.\n")
    engine = make_engine(corpus, index)
    app = watching_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.chat.status_bar.info is not None and app.chat.status_bar.info.files == 3
                         and not app.building)
        assert not app.chat.status_bar.info.stale


@scenario
async def test_a_burst_of_changes_is_one_rebuild(built_index: Built, tmp_path: Path) -> None:
    corpus, index = clone(built_index, tmp_path)
    engine = make_engine(corpus, index)
    builds = count_builds(engine)
    app = watching_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.ready.is_set() and app.chat.status_bar.state == "ready")
        for i in range(100):
            (corpus / f"memo{i:03}.txt").write_text(f"Memo {i} is about budget line {i * 3}.\n")
        await wait_until(pilot, lambda: app.chat.status_bar.info.files == 102 and not app.building, timeout=30)
        await pilot.pause(3 * QUIET)
        assert len(builds) == 1 and not app.building


@scenario
async def test_changes_during_a_rebuild_make_one_more(built_index: Built, tmp_path: Path) -> None:
    corpus, index = clone(built_index, tmp_path)
    fake = GatedEmbedder()
    engine = make_engine(corpus, index, fake)
    builds = count_builds(engine)
    app = watching_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.ready.is_set() and app.chat.status_bar.state == "ready")
        fake.release.clear()
        (corpus / "a.txt").write_text("The first memo is about ferries.\n")
        await wait_until(pilot, fake.entered.is_set)
        (corpus / "b.txt").write_text("The second memo is about bridges.\n")
        (corpus / "c.txt").write_text("The third memo is about tunnels.\n")
        await wait_until(pilot, lambda: app.rebuild_again)
        fake.release.set()
        await wait_until(pilot, lambda: app.chat.status_bar.info.files == 5 and not app.building, timeout=20)
        await pilot.pause(3 * QUIET)
        assert len(builds) == 2 and not app.chat.status_bar.info.stale


@scenario
async def test_a_rebuild_waits_for_another_build_on_the_same_index(built_index: Built, tmp_path: Path) -> None:
    """`qa watch` in another terminal holds the build lock: the chat's rebuild waits for it, then runs."""
    corpus, index = clone(built_index, tmp_path)
    engine = make_engine(corpus, index)
    app = watching_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.ready.is_set() and app.chat.status_bar.state == "ready" and not app.building)
        with build_lock(index):  # as another process's build would hold it
            (corpus / "new.txt").write_text("The harbour master ordered seventeen new tugboats in March.\n")
            await wait_until(pilot, lambda: app.building)
            await pilot.pause(1.0)
            assert app.building  # waiting, not failed
            assert not any("another build" in n.message for n in app._notifications)
        await wait_until(pilot, lambda: not app.building and app.chat.status_bar.info.files == 3)
        turn = await ask(pilot, "How many tugboats did the harbour master order?")
        assert turn.cards[0].answer.source == "new.txt"


@scenario
async def test_without_watching_nothing_rebuilds(built_index: Built, tmp_path: Path) -> None:
    corpus, index = clone(built_index, tmp_path)
    engine = make_engine(corpus, index)
    builds = count_builds(engine)
    app = create_app(engine, export_dir=tmp_path, status_every=None, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.ready.is_set())
        (corpus / "a.txt").write_text("The first memo is about ferries.\n")
        await pilot.pause(4 * QUIET)
        assert not builds, "a build ran with watching off"
        assert not any(w.group == "watch" for w in app.workers), [w.group for w in app.workers]
        app.post_message(CorpusChanged(frozenset()))  # what the watcher would say: handled the same way
        await wait_until(pilot, lambda: len(builds) == 1 and not app.building)


def test_no_watch_option(monkeypatch, tmp_path: Path) -> None:
    import tui.app
    from tui.command import tui as tui_command

    made = []

    class Stub:
        return_code = 0

        def run(self) -> None:
            pass

    monkeypatch.setattr(tui.app, "create_app", lambda engine, **kw: (made.append(kw), Stub())[1])
    monkeypatch.setattr(threading, "enumerate", lambda: [threading.main_thread()])  # no os._exit here
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    runner = CliRunner()
    for args, expected in (([], True), (["--no-watch"], False), (["--watch"], True)):
        made.clear()
        result = runner.invoke(tui_command, ["--corpus", str(corpus), "--index", str(tmp_path / "i"), *args])
        assert result.exit_code == 0, result.output
        assert made == [{"watch": expected}]
