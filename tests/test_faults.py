"""Faults: a killed build, two builds at once, a damaged or foreign index, a full disk.

In every case the previous index keeps answering exactly as before, the next build completes,
and what the user sees is one line that names the fix, never a traceback or a wrong answer.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, FakeEmbedder

from embeddings.store import CURRENT
from qa.answers import AnswerParams, answer
from qa.engine import Engine
from qa.errors import BadIndex, QAError
from qa.index import META, open_index
from qa.indexing import build

FILES = {
    "a.txt": "The alpha river flows north through the valley of stones. It floods every spring.\n\n"
             "The alpha bridge was built in 1901 by the county engineers. It is made of red brick.",
    "b.md": "# Beta mountain\n\nThe beta summit is 3,000 metres high. Climbers reach it in two days.",
    "sub/c.txt": "Gamma lake is very deep.\r\nIts water is cold all year.\r\n\r\nFish are rare in gamma lake.",
    "d.txt": "Le café de la gare est fermé le dimanche.".encode("cp1252"),  # read as Windows-1252
}
QUESTIONS = ["When was the alpha bridge built?", "How high is the beta summit?", "Is gamma lake deep?",
             "Quand le café est-il fermé ?"]


def write_corpus(corpus: Path, files: dict = FILES) -> Path:
    for rel, text in files.items():
        path = corpus / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return corpus


def answers(root: Path, fake: FakeEmbedder | None = None) -> list:
    index = open_index(root)
    fake = fake or FakeEmbedder()
    return [answer(index, fake, q, AnswerParams(k=5)).to_json() for q in QUESTIONS]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list]:
    """A corpus, its index built with the fake embedder, and what it answers."""
    base = tmp_path_factory.mktemp("faults")
    corpus, root = write_corpus(base / "corpus"), base / "index"
    build(corpus, root, "fake", FakeEmbedder)
    return corpus, root, answers(root)


@pytest.fixture
def copy(pristine, tmp_path: Path) -> tuple[Path, Path, list]:
    corpus, root, before = pristine
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(root, tmp_path / "index")
    return tmp_path / "corpus", tmp_path / "index", before


# ---------------------------------------------------------------- kill -9


def test_kill_9_at_random_points_loses_nothing() -> None:
    """20 builds killed at a random line of the build's code (half of them once the new version
    is being written), 10 at a random time; after each the index answers as before (or as the
    finished new version), the next build completes, nothing is left behind. The real `qa index`
    is killed the same way by `python bench/faults.py`."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "faults.py"), "--fake", "--trials", "20",
                          "--time-trials", "10", "--json"], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout)
    assert summary["trials"] == 30 and summary["survived"] == 30, [r for r in summary["results"] if not r["ok"]]
    assert summary["killed"] >= 20  # a line kill always lands; a timed one may come after the end


# ---------------------------------------------------------------- two at once


def test_a_second_build_is_refused_until_the_first_dies(copy, tmp_path: Path) -> None:
    corpus, root, before = copy
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {str(ROOT)!r})
            from pathlib import Path
            from embeddings.store import build_lock
            with build_lock(Path({str(root)!r})):
                print("holding", flush=True)
                time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(QAError, match=rf"another build \(process {holder.pid}\) is running on .*; wait for it"):
            build(corpus, root, "fake", FakeEmbedder, full=True)
        assert answers(root) == before
    finally:
        holder.send_signal(signal.SIGKILL)  # its lock dies with it
        holder.wait()
    summary = build(corpus, root, "fake", FakeEmbedder, full=True)
    assert summary.full and answers(root) == before


def test_questions_are_answered_while_a_build_runs(copy) -> None:
    corpus, root, before = copy
    (corpus / "new.txt").write_text("Omega tower is the tallest building in town.", encoding="utf-8")
    started, release = threading.Event(), threading.Event()

    class Slow(FakeEmbedder):
        def encode(self, texts, progress=None):
            started.set()
            release.wait(30)
            return super().encode(texts, progress)

    reader = Engine(corpus=corpus, root=root, embedder_factory=lambda name: FakeEmbedder(name))
    opened_before = open_index(root)
    done: list = []
    worker = threading.Thread(target=lambda: done.append(build(corpus, root, "fake", Slow)))
    worker.start()
    try:
        assert started.wait(30)
        # mid-build: the live index answers as before, a second build is refused
        assert [reader.ask(q, params=AnswerParams(reader=False, spans=False)).to_json() for q in QUESTIONS] == before
        with pytest.raises(QAError, match="another build"):
            build(corpus, root, "fake", FakeEmbedder)
    finally:
        release.set()
        worker.join(30)
    assert done and done[0].added == 1
    # an index opened before the switch still reads its own version
    assert [answer(opened_before, FakeEmbedder(), q, AnswerParams(k=5)).to_json() for q in QUESTIONS] == before
    assert "Omega" in answer(open_index(root), FakeEmbedder(), "What is the tallest building?").answers[0].text


def test_an_index_opened_two_builds_ago_says_so_rather_than_damaged(copy) -> None:
    corpus, root, _ = copy
    reader = open_index(root)
    for n in range(2):
        (corpus / f"new{n}.txt").write_text(f"Omega tower number {n} is tall.", encoding="utf-8")
        build(corpus, root, "fake", FakeEmbedder)
    with pytest.raises(BadIndex, match="rebuilt since it was opened; open it again"):
        reader.doc_text(0)


# ---------------------------------------------------------------- damaged, foreign or old indexes


def _truncate(p: Path) -> None:
    with open(p, "r+b") as fh:
        fh.truncate(p.stat().st_size // 2)


def _garbage(p: Path) -> None:  # same size, different bytes
    p.write_bytes(bytes((b * 7 + 13) % 256 for b in p.read_bytes()) or b"x")


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _delete(p: Path) -> None:
    p.unlink()


DAMAGE = {"truncated": _truncate, "garbage": _garbage, "empty": _empty, "deleted": _delete}
FILES_IN_A_VERSION = ["meta.json", "text.txt", "sentences.npy", "chunks.npy", "sentence_vectors.npy",
                      "chunk_vectors.npy", "chunks.faiss", "bm25_chunks/vocab.index.json",
                      "bm25_chunks/data.csc.index.npy", "bm25_sentences/params.index.json",
                      "bm25_sentences/indptr.csc.index.npy"]


def _outcome(root: Path, before: list) -> str:
    """``"named the fix"`` or ``"same answers"``; anything else fails the test."""
    try:
        got = answers(root)
    except BadIndex as exc:
        assert "qa index --full" in str(exc) and "\n" not in str(exc), exc
        return "named the fix"
    assert got == before, "a damaged index answered differently instead of saying it is damaged"
    return "same answers"


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("name", FILES_IN_A_VERSION)
def test_a_damaged_index_file_names_the_fix_and_the_fix_works(copy, name: str, damage: str) -> None:
    corpus, root, before = copy
    DAMAGE[damage](open_index(root).version / name)
    assert _outcome(root, before) == "named the fix"
    summary = build(corpus, root, "fake", FakeEmbedder)  # plain `qa index` repairs it too
    assert answers(root) == before
    if name != META:
        build(corpus, root, "fake", FakeEmbedder, full=True)
        assert answers(root) == before and summary is not None


def test_quoted_text_that_no_longer_matches_its_hash_is_refused(copy) -> None:
    corpus, root, before = copy
    text = open_index(root).version / "text.txt"
    raw = text.read_bytes()
    text.write_bytes(raw.replace(b"1901", b"1910"))  # same size, valid UTF-8, a wrong date
    with pytest.raises(BadIndex, match=r"text.txt: the text of 'a.txt' does not match its hash.*qa index --full"):
        answers(root)
    summary = build(corpus, root, "fake", FakeEmbedder)  # the incremental build notices and starts afresh
    assert summary.full and answers(root) == before


def test_rows_pointing_outside_the_text_are_refused(copy) -> None:
    corpus, root, before = copy
    path = open_index(root).version / "sentences.npy"
    rows = np.load(path)
    rows[3, 0] = 99  # a file that does not exist, same size on disk
    np.save(path, rows)
    with pytest.raises(BadIndex, match="tables are inconsistent.*qa index --full"):
        answers(root)


@pytest.mark.parametrize("current", ["", "v-nope\n", "../../etc\n", ".hidden\n", "\x00\xff garbage"])
def test_a_bad_current_pointer_means_no_index_and_a_build_makes_one(copy, current: str) -> None:
    corpus, root, before = copy
    (root / CURRENT).write_bytes(current.encode("utf-8", "surrogateescape") if current else b"")
    with pytest.raises(BadIndex, match="no index at .*run `qa index`"):
        answers(root)
    build(corpus, root, "fake", FakeEmbedder)
    assert answers(root) == before


@pytest.mark.parametrize("change", [{"format": 0}, {"format": 2}, {"format": "1"}, {"files": None},
                                    {"dim": "many"}, {"model": None}])
def test_an_index_of_another_format_names_the_fix(copy, change: dict) -> None:
    corpus, root, before = copy
    meta_path = open_index(root).version / META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(change)
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(BadIndex, match="qa index --full"):
        answers(root)
    build(corpus, root, "fake", FakeEmbedder)
    assert answers(root) == before


def test_an_index_built_with_another_model_is_refused_then_rebuilt(copy, tmp_path: Path) -> None:
    corpus, root, before = copy
    other = tmp_path / "other-model"
    other.mkdir()
    (other / "config.json").write_text("{}", encoding="utf-8")
    engine = Engine(corpus=corpus, root=root, model=str(other), embedder_factory=lambda name: FakeEmbedder(name))
    with pytest.raises(BadIndex, match="built with model fake, not .*other-model.*qa index --full"):
        engine.ask(QUESTIONS[0])
    warnings: list[str] = []
    summary = build(corpus, root, str(other.resolve()), FakeEmbedder, warn=warnings.append)
    assert summary.full and "the index was built with another model or chunking; rebuilding everything" in warnings
    assert engine.ask(QUESTIONS[0]).answers


def test_the_cli_says_a_damaged_index_in_one_line(copy) -> None:
    corpus, root, _ = copy
    _truncate(open_index(root).version / "chunk_vectors.npy")
    qa = Path(sys.executable).parent / "qa"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    run = subprocess.run([str(qa), "ask", QUESTIONS[0], "--corpus", str(corpus), "--index", str(root)],
                         capture_output=True, text=True, env={**env, "XDG_CACHE_HOME": str(root.parent / "xdg")},
                         timeout=120)
    assert run.returncode == 3 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"qa: error: the index at {root} is damaged (chunk_vectors.npy is ")
    assert line.endswith("run `qa index --full` to rebuild it")


# ---------------------------------------------------------------- a full disk

DISK_FULL = textwrap.dedent("""
    import json, resource, signal, subprocess, sys
    from pathlib import Path
    sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
    from conftest import FakeEmbedder
    from qa.answers import AnswerParams, answer
    from qa.errors import QAError
    from qa.index import open_index
    from qa.indexing import build

    corpus, root, mode = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    qs = json.loads(sys.argv[5])

    def answers():
        index = open_index(root)
        return [answer(index, FakeEmbedder(), q, AnswerParams(k=5)).to_json() for q in qs]

    build(corpus, root, "fake", FakeEmbedder)
    before = answers()
    (corpus / "big.txt").write_text(" ".join(f"word{i} filler" for i in range(40_000)) + ".")
    if mode == "fsize":  # no file over 64 kB: writes past it fail with EFBIG instead of a signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, resource.RLIM_INFINITY))
    error = None
    try:
        build(corpus, root, "fake", FakeEmbedder)
    except QAError as exc:
        error = str(exc)
    leftovers = sorted(p.name for p in root.iterdir() if p.name.startswith("."))
    same = answers() == before
    (corpus / "big.txt").unlink()  # make room again
    if mode == "fsize":
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    build(corpus, root, "fake", FakeEmbedder, full=True)
    print(json.dumps({"error": error, "same": same, "leftovers": leftovers, "after": answers() == before}))
""")


def _run_disk_full(tmp_path: Path, mode: str) -> dict:
    corpus = write_corpus(tmp_path / "corpus")
    script = tmp_path / "disk_full.py"
    script.write_text(DISK_FULL, encoding="utf-8")
    root = tmp_path / "small" / "index"
    args = [sys.executable, str(script), str(ROOT), str(corpus), str(root), mode, json.dumps(QUESTIONS)]
    if mode == "tmpfs":  # a real file system that is too small: tmpfs of 600 kB, in a mount namespace
        (tmp_path / "small").mkdir()
        mount = f"mount -t tmpfs -o size=600k tmpfs {tmp_path / 'small'} && exec \"$@\""
        unshare = shutil.which("unshare")
        if unshare is None:
            pytest.skip("no unshare(1) to mount a small tmpfs with")
        # root: a private mount namespace; anyone else: a user namespace too (where allowed)
        args = [unshare, "-m" if os.geteuid() == 0 else "-Urm", "sh", "-c", mount, "sh", *args]
    else:
        root.parent.mkdir()
    run = subprocess.run(args, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if mode == "tmpfs" and run.returncode != 0 and ("mount" in run.stderr or "unshare" in run.stderr):
        pytest.skip(f"cannot mount a small tmpfs here: {run.stderr.strip()[-200:]}")
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_full_disk_leaves_the_old_index_and_says_so(tmp_path: Path) -> None:
    out = _run_disk_full(tmp_path, "tmpfs")
    assert out["error"] and out["error"].startswith("no space left on the disk to write the index at ")
    assert "the previous index is unchanged: free some space and run `qa index` again" in out["error"]
    assert out["same"] and out["leftovers"] == [] and out["after"]


def test_a_file_size_limit_leaves_the_old_index_and_says_so(tmp_path: Path) -> None:
    out = _run_disk_full(tmp_path, "fsize")
    assert out["error"] and "the previous index is unchanged" in out["error"], out
    assert out["same"] and out["leftovers"] == [] and out["after"]
