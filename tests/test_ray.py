"""`qa index --ray`: the build on a real local Ray cluster (no mock) gives the index a local build gives.

A Ray started in this process (two CPUs) runs the builds; the local builds beside them run the
same ONNX export in this process. Same files, chunks, sentences, text and citations, vectors to
cosine >= 0.9999, for the bundled corpus and the formats test documents; incremental builds send
only what changed; a Ray worker killed mid-build is retried and the build completes; a killed
driver leaves the previous version live; an unreachable cluster is one line and writes nothing;
without Ray installed, `qa index --ray` says how to install it (exit 2) and nothing imports it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import BUNDLED_CORPUS, INVEST_Q, ROOT
from test_formats import write_corpus

from embeddings.model import DEFAULT_MODEL, load_embedder
from embeddings.store import current_version
from qa import indexing
from qa.config import model_cache
from qa.engine import Engine
from qa.errors import QAError
from qa.index import TEXT, open_index

pytestmark = pytest.mark.integration
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install '.[ray]')")
QA = Path(sys.executable).parent / "qa"
FORMAT_QUESTIONS = (
    "When did Margaret Ross leave the lighthouse?",
    "Until what time in the afternoon is the museum open?",
    "How much was spent on pier repairs?",
    "How much does a fishing permit cost?",
)
SAMPLE_QUESTIONS = (INVEST_Q, "Who is the council leader?", "What did Ofsted rate the children's services?")


def _env() -> dict[str, str]:
    """This process's environment as it is now (Ray's ``init`` sets its auth mode in it), offline."""
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def cluster():
    """A real Ray on this machine, started once for the module (about 5 s)."""
    ray = pytest.importorskip("ray")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    if started:
        ray.shutdown()


@pytest.fixture(scope="module")
def embedder():
    """The model from its ONNX export in the model cache, as `qa index` and the Ray workers run it."""
    return load_embedder(DEFAULT_MODEL, cache=model_cache())


def local_build(corpus: Path, root: Path, embedder, warn=None):
    return indexing.build(corpus, root, DEFAULT_MODEL, lambda: embedder, warn=warn or (lambda m: None))


def ray_build(corpus: Path, root: Path, **kw):
    from qa import ray_build

    return ray_build.build(corpus, root, DEFAULT_MODEL, **kw)


def assert_same_index(a_root: Path, b_root: Path) -> None:
    """Two builds of one corpus: the same rows, text and metadata, vectors to cosine >= 0.9999."""
    a, b = open_index(a_root), open_index(b_root)
    assert [f.to_json() for f in a.files] == [f.to_json() for f in b.files]
    assert np.array_equal(a.chunks, b.chunks) and np.array_equal(a.sentences, b.sentences)
    assert (a.version / TEXT).read_bytes() == (b.version / TEXT).read_bytes()
    for va, vb in ((a.chunk_vectors, b.chunk_vectors), (a.sentence_vectors, b.sentence_vectors)):
        assert va.shape == vb.shape and va.dtype == vb.dtype == np.float32
        assert float(np.min(np.sum(va * vb, axis=1))) >= 0.9999
    skip = {"built_at", "data_files", "corpus"}
    assert {k: v for k, v in a.meta.items() if k not in skip} == {k: v for k, v in b.meta.items() if k not in skip}
    assert set(a.meta) == set(b.meta)
    assert sorted(a.meta["data_files"]) == sorted(b.meta["data_files"])


def assert_same_answers(corpus: Path, a_root: Path, b_root: Path, questions) -> None:
    ea, eb = Engine(corpus=corpus, root=a_root), Engine(corpus=corpus, root=b_root)
    for q in questions:
        ra, rb = ea.ask(q, k=3), eb.ask(q, k=3)
        cite = [(x.source, x.start, x.end, x.line, x.page, x.section, x.text) for x in ra.answers]
        assert cite and cite == [(x.source, x.start, x.end, x.line, x.page, x.section, x.text) for x in rb.answers], q
        assert ra.answered == rb.answered


@needs_ray
def test_bundled_corpus_on_ray_is_the_local_index(cluster, embedder, tmp_path) -> None:
    local_build(BUNDLED_CORPUS, tmp_path / "local", embedder)
    seen: list[tuple[str, int, int]] = []
    summary, stats = ray_build(BUNDLED_CORPUS, tmp_path / "ray", progress=lambda *a: seen.append(a))
    assert (summary.added, summary.chunks_embedded) == (2, len(open_index(tmp_path / "local").chunks))
    assert_same_index(tmp_path / "local", tmp_path / "ray")
    assert_same_answers(BUNDLED_CORPUS, tmp_path / "local", tmp_path / "ray", SAMPLE_QUESTIONS)
    assert ("cluster", 2, 2) in seen and any(s == "passages" and d > 0 for s, d, _ in seen)
    assert sum(w.files for w in stats.per_worker) == 2 and all(w.rate > 0 for w in stats.per_worker)
    assert not [p.name for p in (tmp_path / "ray").iterdir() if p.name.startswith(".")]  # no staging left


@needs_ray
def test_format_documents_on_ray_are_the_local_index(cluster, embedder, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)  # PDF, HTML, Word, Markdown, and hostile files that are skipped
    local_warnings: list[str] = []
    ray_warnings: list[str] = []
    local_build(corpus, tmp_path / "local", embedder, warn=local_warnings.append)
    summary, _ = ray_build(corpus, tmp_path / "ray", warn=ray_warnings.append, batch_files=2)
    assert summary.added == 4 and len(summary.warnings) == 4
    assert ray_warnings == local_warnings and len(local_warnings) >= 4
    assert_same_index(tmp_path / "local", tmp_path / "ray")
    assert_same_answers(corpus, tmp_path / "local", tmp_path / "ray", FORMAT_QUESTIONS)
    # the next build sends nothing: unchanged files, and the skipped ones, are known
    again, stats = ray_build(corpus, tmp_path / "ray")
    assert (again.added, again.changed, again.chunks_embedded, stats.per_worker) == (0, 0, 0, ())


@needs_ray
def test_an_incremental_ray_build_sends_only_added_and_changed_files(cluster, embedder, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    ray_build(corpus, tmp_path / "ray")
    first = sorted(corpus.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n\nThe harbour ferry now leaves at ten.\n", encoding="utf-8")
    (corpus / "new.md").write_text("# Notes\n\nThe library opens at nine on Saturdays.\n", encoding="utf-8")
    summary, stats = ray_build(corpus, tmp_path / "ray")
    assert (summary.added, summary.changed, summary.removed, summary.unchanged) == (1, 1, 0, 1)
    assert sum(w.files for w in stats.per_worker) == 2  # the unchanged file stayed on the driver
    local_build(corpus, tmp_path / "local", embedder)
    assert_same_index(tmp_path / "local", tmp_path / "ray")
    (corpus / "new.md").unlink()  # only a removal: nothing goes to the cluster
    summary, stats = ray_build(corpus, tmp_path / "ray")
    assert (summary.removed, summary.chunks_embedded, stats.per_worker) == (1, 0, ())
    shutil.rmtree(tmp_path / "local")
    local_build(corpus, tmp_path / "local", embedder)
    assert_same_index(tmp_path / "local", tmp_path / "ray")


def _many_files(corpus: Path, n: int) -> None:
    """``n`` small distinct documents made from the sample articles' paragraphs."""
    paragraphs = [p.strip() for f in sorted(BUNDLED_CORPUS.iterdir())
                  for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80]
    corpus.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        picked = [paragraphs[(i + j) % len(paragraphs)] for j in range(3)]
        (corpus / f"doc{i:03d}.txt").write_text(f"Document {i}.\n\n" + "\n\n".join(picked) + "\n", encoding="utf-8")


def _children(pid: int) -> list[int]:
    """Every process descended from ``pid`` (Linux /proc)."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out.extend(kids)
        todo.extend(kids)
    return out


def _file_workers() -> list[int]:
    """The Ray actor processes of this process's cluster that read and embed files."""
    found = []
    for pid in _children(os.getpid()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cmd.startswith("ray::") and "FileWorker" in cmd:
            found.append(pid)
    return found


@needs_ray
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker processes in /proc")
def test_a_killed_ray_worker_is_retried_and_the_build_completes(cluster, embedder, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    _many_files(corpus, 24)
    killed: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "cluster" and done >= 1 and not killed:  # results are coming: kill a worker now
            workers = _file_workers()
            assert workers, "no Ray worker process found"
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    summary, stats = ray_build(corpus, tmp_path / "ray", progress=progress, batch_files=1)
    assert killed and summary.added == 24
    assert sum(w.files for w in stats.per_worker) == 24
    local_build(corpus, tmp_path / "local", embedder)
    assert_same_index(tmp_path / "local", tmp_path / "ray")


@needs_ray
def test_a_killed_driver_leaves_the_previous_version_live(cluster, embedder, tmp_path) -> None:
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    local_build(corpus, root, embedder)
    before = current_version(root)
    _many_files(corpus, 40)
    driver = subprocess.Popen(
        [str(QA), "index", "--ray", cluster, "--corpus", str(corpus), "--index", str(root)],
        env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline, on_cluster = time.monotonic() + 90, False
        while time.monotonic() < deadline and driver.poll() is None and not on_cluster:
            on_cluster = bool(list(root.glob(".staging-v-*/.new-vectors.f32")))  # the files went to the cluster
            time.sleep(0.05)
        time.sleep(1.0)  # the actors are starting or embedding
        assert on_cluster and driver.poll() is None, driver.stderr.read().decode()
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=30)
    finally:
        if driver.poll() is None:
            driver.kill()
        driver.stderr.close()
    assert current_version(root) == before
    live = open_index(root)
    answers = Engine(corpus=corpus, root=root).ask(INVEST_Q).answers
    assert len(live.files) == 2 and answers and answers[0].source in {f.source for f in live.files}
    summary, _ = ray_build(corpus, root)  # the next build sweeps what was left, and completes
    assert summary.added == 40 and summary.unchanged == 2
    assert not list(root.glob(".staging-*"))
    assert len(open_index(root).files) == 42


@needs_ray
def test_an_unreachable_cluster_is_one_line_and_writes_nothing(tmp_path) -> None:
    root = tmp_path / "index"
    run = subprocess.run(
        [str(QA), "index", "--ray", "127.0.0.1:9", "--corpus", str(BUNDLED_CORPUS), "--index", str(root)],
        env=_env(), capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 3, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Ray cluster at 127.0.0.1:9" in lines[0], run.stderr
    assert not root.exists()
    run = subprocess.run(  # the address from the environment, when --ray names none
        [str(QA), "index", "--ray", "--corpus", str(BUNDLED_CORPUS), "--index", str(root)],
        env={**_env(), "QA_RAY_ADDRESS": "127.0.0.1:9"}, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 3 and "127.0.0.1:9" in run.stderr and not root.exists()


@needs_ray
def test_a_bad_address_and_an_address_when_connected(cluster, tmp_path) -> None:
    from qa import ray_build as rb

    with pytest.raises(QAError, match="not a Ray cluster address"):
        rb._check_reachable("nowhere")
    ray, started = rb.connect("127.0.0.1:9")  # already connected in this process: that cluster is used
    assert ray.is_initialized() and not started


def test_without_ray_qa_index_ray_says_how_to_install_it(tmp_path) -> None:
    code = (
        "import sys; sys.modules['ray'] = None\n"  # as if not installed: `import ray` fails
        "from qa.cli import run\n"
        f"sys.argv = ['qa', 'index', '--ray', '--corpus', {str(BUNDLED_CORPUS)!r}, '--index', {str(tmp_path / 'i')!r}]\n"
        "run()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=_env())
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "pip install '.[ray]'" in run.stderr
    assert not (tmp_path / "i").exists()


def test_the_default_install_and_the_query_path_never_import_ray() -> None:
    code = (
        "import sys, qa.cli, qa.engine, qa.indexing, qa.index, qa.answers, qa.status, qa.watch\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ray', 'pyarrow'))\n"
        "assert not bad, bad[:5]\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(d.split("[")[0].split("=")[0].strip() == "ray" for d in deps["dependencies"])
    from qa.ray_build import RAY_REQUIREMENT

    assert RAY_REQUIREMENT in deps["optional-dependencies"]["ray"]
