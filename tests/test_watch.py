"""The corpus watcher (``qa.watch``): a real watcher (inotify, through watchfiles) on a real
temporary folder, rebuilding with the fake embedder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, FakeEmbedder

from embeddings.store import current_version
from qa.answers import AnswerParams
from qa.engine import Engine
from qa.watch import Rebuilt, keep_indexed, settled_changes

QUIET = 0.3  # seconds without an event before a rebuild (short, for the tests)

FILES = {
    "harbour.txt": "The harbour master keeps the tide tables. The old pier was rebuilt in 1921 after a storm.\n",
    "notes/garden.md": "# Garden\n\nThe walled garden grows forty kinds of apple. It opens at nine every morning.\n",
}


def without_reader() -> AnswerParams:
    # the feature ranker alone: these tests are about the index, not the reader model
    fields = getattr(AnswerParams, "__dataclass_fields__", {})
    return AnswerParams(reader=False) if "reader" in fields else AnswerParams()


def answer_sources(engine: Engine, question: str) -> list[str]:
    result = engine.ask(question, params=without_reader())
    return [a.source for a in result.answers]


def make_corpus(base: Path) -> tuple[Path, Path]:
    corpus, index = base / "corpus", base / "index"
    for name, text in FILES.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus, index


class Watching:
    """``keep_indexed`` in a thread, as the chat and ``qa watch`` run it, recording each rebuild."""

    def __init__(self, engine: Engine, quiet: float = QUIET) -> None:
        self.engine = engine
        self.rebuilds: list[Rebuilt] = []
        self.errors: list[Exception] = []
        self.stop = threading.Event()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(quiet,), daemon=True)

    def _run(self, quiet: float) -> None:
        def rebuilt(done: Rebuilt) -> None:
            self.rebuilds.append(done)

        def first_done(done: Rebuilt) -> None:
            rebuilt(done)

        # the first (catch-up) build happens before started is set: wrap the engine's build
        build = self.engine.build

        def build_then_start(*a, **kw):
            try:
                return build(*a, **kw)
            finally:
                self.started.set()

        self.engine.build = build_then_start
        keep_indexed(self.engine, first_done, self.errors.append, quiet=quiet, stop=self.stop)

    def __enter__(self) -> Watching:
        self.thread.start()
        assert self.started.wait(30), "the first build did not finish"
        self.rebuilds.clear()  # the catch-up build is not under test
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the watcher did not stop"

    def wait_for(self, n: int = 1, timeout: float = 15.0) -> list[Rebuilt]:
        deadline = time.monotonic() + timeout
        while len(self.rebuilds) < n and time.monotonic() < deadline:
            assert not self.errors, self.errors
            time.sleep(0.02)
        assert len(self.rebuilds) >= n, f"{len(self.rebuilds)} rebuild(s) after {timeout} s, wanted {n}"
        return self.rebuilds

    def still(self, seconds: float = 3 * QUIET) -> None:
        """Nothing more happens for ``seconds``."""
        n = len(self.rebuilds)
        time.sleep(seconds)
        assert len(self.rebuilds) == n, self.rebuilds[n:]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    corpus, index = make_corpus(tmp_path)
    fake = FakeEmbedder()
    e = Engine(corpus=corpus, root=index, embedder_factory=lambda name: fake)
    e.build()
    return e


def test_added_file_is_indexed_and_answers(engine: Engine) -> None:
    with Watching(engine) as w:
        (engine.corpus / "lighthouse.txt").write_text(
            "The lighthouse keeper lit the lamp at dusk. Its beam reaches twenty miles.\n", encoding="utf-8")
        (done,) = w.wait_for(1)
        w.still()
    assert done.added == ("lighthouse.txt",) and not done.changed and not done.removed
    assert done.summary.chunks_embedded >= 1
    assert "lighthouse.txt" in done.line() and " embedded in " in done.line()
    assert answer_sources(engine, "How far does the lighthouse beam reach?")[0] == "lighthouse.txt"
    assert not engine.status().stale


def test_changed_file_is_read_again(engine: Engine) -> None:
    with Watching(engine) as w:
        (engine.corpus / "harbour.txt").write_text(
            "The harbour master retired. The new pier was opened by the mayor in 2004.\n", encoding="utf-8")
        (done,) = w.wait_for(1)
        w.still()
    assert done.changed == ("harbour.txt",) and not done.added and not done.removed
    assert "mayor" in engine.index.doc_text(engine.index.by_source["harbour.txt"])
    assert not engine.status().stale


def test_deleted_file_is_dropped(engine: Engine) -> None:
    with Watching(engine) as w:
        (engine.corpus / "notes" / "garden.md").unlink()
        (done,) = w.wait_for(1)
        w.still()
    assert done.removed == ("notes/garden.md",) and not done.added and not done.changed
    assert set(engine.index.by_source) == {"harbour.txt"}
    assert "notes/garden.md" not in answer_sources(engine, "How many kinds of apple grow in the garden?")


def test_renamed_file_and_folder(engine: Engine) -> None:
    with Watching(engine) as w:
        (engine.corpus / "harbour.txt").rename(engine.corpus / "port.txt")
        (done,) = w.wait_for(1)
        (engine.corpus / "notes").rename(engine.corpus / "papers")  # one event for the whole folder
        w.wait_for(2)
        w.still()
    assert done.added == ("port.txt",) and done.removed == ("harbour.txt",)
    moved = w.rebuilds[1]
    assert moved.added == ("papers/garden.md",) and moved.removed == ("notes/garden.md",)
    assert set(engine.index.by_source) == {"port.txt", "papers/garden.md"}
    assert not engine.status().stale


def test_burst_is_one_rebuild(engine: Engine) -> None:
    n = 300
    with Watching(engine, quiet=0.5) as w:
        # an unzip: many files, then a folder of them, written back to back
        for i in range(n):
            folder = engine.corpus / ("unzipped" if i % 2 else "")
            folder.mkdir(exist_ok=True)
            (folder / f"doc{i:03}.txt").write_text(f"Document number {i} talks about topic {i * 7}.\n")
        (done,) = w.wait_for(1, timeout=60)
        w.still(1.5)
    assert len(done.added) == n
    assert len(engine.index.files) == n + len(FILES)
    assert not engine.status().stale
    assert "300 added (" in done.line() and "and 297 more" in done.line()


def test_file_still_being_written_is_read_when_finished(engine: Engine) -> None:
    quiet = 0.6
    path = engine.corpus / "minutes.txt"
    with Watching(engine, quiet=quiet) as w:
        with open(path, "w", encoding="utf-8") as fh:
            for i in range(8):  # 8 pieces, less than the quiet period apart: 1.6 s in all
                fh.write(f"Item {i} of the minutes was agreed by the committee. ")
                fh.flush()
                time.sleep(quiet / 3)
            fh.write("The meeting closed at half past four.\n")
        (done,) = w.wait_for(1)
        w.still(3 * quiet)
    assert done.added == ("minutes.txt",)
    text = engine.index.doc_text(engine.index.by_source["minutes.txt"])
    assert text.endswith("The meeting closed at half past four.\n") and "Item 0" in text


def test_hidden_scratch_and_index_files_do_not_rebuild(tmp_path: Path) -> None:
    corpus, _ = make_corpus(tmp_path)
    index = corpus / "index"  # the index inside the corpus: its own writes must not start a rebuild
    fake = FakeEmbedder()
    engine = Engine(corpus=corpus, root=index, embedder_factory=lambda name: fake)
    engine.build()
    with Watching(engine) as w:
        (corpus / ".draft.txt").write_text("hidden")
        (corpus / "harbour.txt~").write_text("an editor's backup")
        (corpus / "real.txt").write_text("The ferry leaves at noon on Sundays.\n")
        (done,) = w.wait_for(1)
        w.still()  # the rebuild wrote a new index version inside the corpus: no second rebuild
    assert done.added == ("real.txt",)


def test_settled_changes_groups_a_burst(tmp_path: Path) -> None:
    stop = threading.Event()
    batches: list[set[Path]] = []

    def collect() -> None:
        for batch in settled_changes([tmp_path], quiet=0.3, stop=stop, initial=True):
            batches.append(batch)

    t = threading.Thread(target=collect, daemon=True)
    t.start()
    deadline = time.monotonic() + 5
    while not batches and time.monotonic() < deadline:  # the initial, empty batch: watching now
        time.sleep(0.01)
    assert batches == [set()]
    for i in range(50):
        (tmp_path / f"f{i}.txt").write_text("x")
    time.sleep(1.0)
    stop.set()
    t.join(5)
    assert not t.is_alive()
    assert len(batches) == 2 and {p.name for p in batches[1]} == {f"f{i}.txt" for i in range(50)}


# a `qa watch` as the command line runs it, with the fake embedder, whose build stops just
# before the new version would be made live, so that the test can kill it there
_KILLED_WATCHER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from conftest import FakeEmbedder
    import qa.indexing
    from qa.engine import Engine
    from qa.watch import keep_indexed

    marker = Path({marker!r})
    real_commit = qa.indexing.commit

    def stalled_commit(root, staging):
        marker.write_text(str(staging))
        time.sleep(120)
        return real_commit(root, staging)

    qa.indexing.commit = stalled_commit
    fake = FakeEmbedder()
    engine = Engine(corpus=Path({corpus!r}), root=Path({index!r}), embedder_factory=lambda name: fake)
    keep_indexed(engine, lambda done: print(done.line(), flush=True), lambda exc: print(exc, flush=True),
                 quiet=0.2)
""")


def test_watcher_killed_mid_rebuild_leaves_the_previous_index_live(engine: Engine, tmp_path: Path) -> None:
    live = current_version(engine.root)
    marker = tmp_path / "stalled"
    script = _KILLED_WATCHER.format(tests=str(ROOT / "tests"), marker=str(marker), corpus=str(engine.corpus),
                                    index=str(engine.root))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # the catch-up build finds nothing to do; then it watches
        (engine.corpus / "lighthouse.txt").write_text("The lighthouse beam reaches twenty miles.\n")
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert marker.exists(), proc.communicate(timeout=5)
        staging = Path(marker.read_text())
        assert staging.is_dir()  # the new version is written, not yet live
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert current_version(engine.root) == live  # the previous index is still the live one
    fresh = Engine(corpus=engine.corpus, root=engine.root, embedder_factory=engine.embedder_factory)
    assert "lighthouse.txt" not in fresh.index.by_source
    assert answer_sources(fresh, "When was the old pier rebuilt?")[0] == "harbour.txt"
    assert fresh.status().added == ("lighthouse.txt",)
    # the next watcher (or `qa index`) takes the lock the killed one held and finishes the job
    with Watching(fresh):
        pass
    assert "lighthouse.txt" in fresh.index.by_source and not fresh.status().stale
    assert not staging.exists()  # what the killed build left behind is swept away


# `qa watch` itself (qa.cli's command, as the console script runs it) with the fake embedder
_QA_WATCH = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from conftest import FakeEmbedder
    import qa.engine
    qa.engine.load_embedder = lambda name, cache=None: FakeEmbedder()
    from qa.cli import run
    sys.argv = ["qa", "watch", "--corpus", {corpus!r}, "--index", {index!r}, "--quiet-period", "0.2", *{extra!r}]
    run()
""")


def _start_qa_watch(engine: Engine, *extra: str) -> subprocess.Popen:
    script = _QA_WATCH.format(tests=str(ROOT / "tests"), corpus=str(engine.corpus), index=str(engine.root),
                              extra=list(extra))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Ctrl-C as a terminal delivers it: a test process that ran Ray may ignore SIGINT, and an
    # ignored signal is inherited across exec, so the watcher is started with the default action
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = proc.stderr.readline()
    assert first.startswith("qa: watching "), (first, proc.stderr.read() if proc.poll() is not None else "")
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_qa_watch_prints_a_line_per_rebuild_and_stops_cleanly(engine: Engine, sig: int) -> None:
    proc = _start_qa_watch(engine)
    try:
        time.sleep(0.8)  # the catch-up build (nothing to do) and the watch start
        (engine.corpus / "lighthouse.txt").write_text("The lighthouse beam reaches twenty miles.\n")
        (engine.corpus / "harbour.txt").unlink()
        line = proc.stdout.readline()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and err.strip().endswith("qa: stopped watching"), err
    assert "1 added (lighthouse.txt), 1 removed (harbour.txt); " in line and line.rstrip().endswith(" s"), line
    assert out == ""  # one line per rebuild, and there was one


def test_qa_watch_json(engine: Engine) -> None:
    import json

    proc = _start_qa_watch(engine, "--json")
    try:
        time.sleep(0.8)
        (engine.corpus / "harbour.txt").write_text("The harbour closed in winter.\n")
        record = json.loads(proc.stdout.readline())
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert record["changed"] == ["harbour.txt"] and record["added"] == [] and record["removed"] == []
    assert record["chunks_embedded"] >= 1 and record["seconds"] >= 0
