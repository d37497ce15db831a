"""Kill a build with SIGKILL at random points and check that nothing is lost.

    python bench/faults.py                  the real `qa index` (bundled model), 20 trials
    python bench/faults.py --fake           builds in forked children with a hashing embedder:
                                            killed at a random line of the build's own code,
                                            or at a random time (fast; tests/test_faults.py)

Each trial switches the corpus between two states (files added, changed, removed), starts a
build and kills it, then checks:

1. the index answers exactly as it did before the build, or, when the kill came after the
   switch to the new version, exactly as a clean build of the new corpus answers;
2. the next build completes, and then answers as a clean build of the new corpus does;
3. no staging folder or temporary file is left behind, and the lock is free.

Prints one line per trial and a summary (``--json``: the summary as JSON); exits 1 if any
trial lost anything.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# --fake forks its builds: no BLAS or OpenMP worker threads may be running when it does (set
# before numpy is first imported; FAISS's build threads are set in run_fake)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

QUESTIONS = [
    "When was the alpha bridge built?",
    "How high is the beta summit?",
    "Is gamma lake deep?",
    "What is the tallest building in town?",
    "How much did the council invest in new social care posts?",
]
EXTRA = {  # added to the bundled sample articles
    "a.txt": "The alpha river flows north through the valley of stones. It floods every spring.\n\n"
             "The alpha bridge was built in 1901 by the county engineers. It is made of red brick.",
    "b.md": "# Beta mountain\n\nThe beta summit is 3,000 metres high. Climbers reach it in two days.",
    "sub/c.txt": "Gamma lake is very deep.\r\nIts water is cold all year.\r\n\r\nFish are rare in gamma lake.",
}
STATE_B = {  # the other state: one file changed, one added, one removed
    "a.txt": "The alpha river is now a canal. The alpha bridge was rebuilt in 1999 in grey steel.",
    "new.txt": "Omega tower is the tallest building in town. It was finished in 2010.",
    "b.md": None,
}


def set_state(corpus: Path, state: str) -> None:
    files = dict(EXTRA)
    if state == "B":
        files.update(STATE_B)
    for rel in {*EXTRA, *STATE_B}:
        path = corpus / rel
        text = files.get(rel)
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def make_corpus(dst: Path, state: str) -> Path:
    shutil.copytree(ROOT / "corpus", dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    set_state(dst, state)
    return dst


def leftovers(root: Path) -> list[str]:
    """Anything in the index folder a finished build should not leave."""
    versions = [p for p in root.iterdir() if p.name.startswith("v-")]
    extra = [p.name for p in root.iterdir() if p.name not in ("CURRENT", "build.lock") and not p.name.startswith("v-")]
    return extra + ([f"{len(versions)} versions"] if len(versions) > 2 else [])


def lock_is_free(root: Path) -> bool:
    from embeddings.store import StoreBusy, build_lock

    try:
        with build_lock(root):
            return True
    except StoreBusy:
        return False


def current_name(root: Path) -> str | None:
    try:
        return (root / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None


# ---------------------------------------------------------------- --fake: forked builds


class HashEmbedder:
    """Bag of hashed words (as tests/conftest.py's FakeEmbedder): deterministic, instant."""

    name = "fake"
    dim = 64

    def encode(self, texts, progress=None):
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            out[i, -1] += 0.01
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        if progress:
            progress(len(texts), len(texts))
        return out


def fake_answers(root: Path) -> list:
    from qa.answers import AnswerParams, answer
    from qa.index import open_index

    index = open_index(root)
    out = []
    for q in QUESTIONS:
        r = answer(index, HashEmbedder(), q, AnswerParams(k=5))
        out.append([r.answered, [a.to_json() for a in r.answers]])
    return out


def fake_build(corpus: Path, root: Path, full: bool = False) -> None:
    from qa.indexing import build

    build(corpus, root, "fake", HashEmbedder, full=full)


def _traced_modules() -> set[str]:
    import embeddings.store
    import embeddings.vectors
    import qa.chunking
    import qa.documents
    import qa.index
    import qa.indexing
    import qa.lexical

    mods = (qa.indexing, qa.documents, qa.chunking, qa.index, qa.lexical, embeddings.store, embeddings.vectors)
    return {m.__file__ for m in mods}


def _child_build(corpus: Path, root: Path, full: bool, kill_at: int | None, report_fd: int | None) -> None:
    """In a forked child: build, counting the lines run in the build's modules; SIGKILL itself
    at line ``kill_at``; with ``report_fd``, write which function ran each line."""
    import threading

    import tqdm.auto

    # tqdm's lock is a multiprocessing semaphore, made to be shared across a fork: a child killed
    # while bm25s's tqdm held it left it taken, and the parent's next build waited on it forever.
    # The child gets a lock of its own (on tqdm.auto's class too, which bm25s uses and which
    # keeps the lock it was first given)
    lock = threading.RLock()
    for cls in {tqdm.tqdm, tqdm.auto.tqdm}:
        cls.set_lock(lock)
    files = _traced_modules()
    count = 0
    where: list[str] = []

    def local(frame, event, _arg):
        nonlocal count
        if event == "line":
            count += 1
            if report_fd is not None:
                where.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return local

    def scope(frame, _event, _arg):
        return local if frame.f_code.co_filename in files else None

    try:
        sys.settrace(scope)
        fake_build(corpus, root, full)
        sys.settrace(None)
        if report_fd is not None:
            os.write(report_fd, json.dumps(where).encode())
    finally:
        os._exit(0)


def _threads() -> int:
    """This process's threads, native ones (OpenMP, BLAS) included."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _run_child(corpus, root, full, kill_at=None, report=False, kill_after=None, timeout=30.0):
    """Fork a build; return (how it ended, the lines it reported). ``ended`` is "hung" when the
    child was still running after ``timeout`` seconds (and was killed then)."""
    threads = _threads()
    if threads > 1:  # a fork copies one thread; a lock another one held stays locked forever
        raise RuntimeError(f"refusing to fork with {threads} threads running: the child could deadlock")
    r, w = os.pipe() if report else (None, None)
    pid = os.fork()
    if pid == 0:
        if r is not None:
            os.close(r)
        _child_build(corpus, root, full, kill_at, w)
    if w is not None:
        os.close(w)
    start = time.monotonic()
    sent = hung = False
    data = b""
    while True:
        if r is not None:
            chunk = os.read(r, 1 << 20)
            if chunk:
                data += chunk
                continue
            os.close(r)
            r = None
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        elapsed = time.monotonic() - start
        if elapsed > timeout and not hung:
            os.kill(pid, signal.SIGKILL)
            hung = True
        elif kill_after is not None and elapsed >= kill_after and not sent:
            os.kill(pid, signal.SIGKILL)
            sent = True
        time.sleep(0.001)
    ended = "killed" if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL else "finished"
    if hung:
        ended = "hung"
    return ended, (json.loads(data) if data else None)


def pick_kill_point(where: list[str], rng: random.Random, writing: bool) -> int:
    """A line event to die at: any, or (``writing``) one from when the new version is written
    on, chosen by distinct line of code so that the few lines that write, flush and switch the
    version are hit as often as the loops that build it."""
    if not writing:
        return rng.randint(1, len(where))
    first = next((i for i, w in enumerate(where) if w.startswith("_write_version:")), 0)
    sites: dict[str, list[int]] = {}
    for i in range(first, len(where)):
        sites.setdefault(where[i], []).append(i + 1)
    return rng.choice(sites[rng.choice(sorted(sites))])


def write_sites(where: list[str]) -> list[str]:
    """The distinct lines run from the moment the new version starts being written."""
    first = next((i for i, w in enumerate(where) if w.startswith("_write_version:")), 0)
    return sorted(set(where[first:]))


def run_fake(trials: int, time_trials: int, seed: int, work: Path, log, every_write_line: bool = False) -> dict:
    import embeddings.vectors

    # the builds run here and in forked children: one thread, so that no FAISS (OpenMP) worker
    # thread is running when the harness forks (a fork copies only the forking thread)
    embeddings.vectors.BUILD_THREADS = 1
    rng = random.Random(seed)
    corpus = make_corpus(work / "corpus", "A")
    refs = {}
    for state in "AB":
        c = make_corpus(work / f"ref-corpus-{state}", state)
        t0 = time.perf_counter()
        fake_build(c, work / f"ref-{state}")
        refs[state] = fake_answers(work / f"ref-{state}")
        refs[f"t{state}"] = time.perf_counter() - t0
    root = work / "index"
    t0 = time.perf_counter()
    fake_build(corpus, root)
    took = time.perf_counter() - t0  # a build's time, for the kills at a random time
    state, before = "A", fake_answers(root)
    assert before == refs["A"], "a build of the same corpus must answer as the reference"
    results, where_killed = [], Counter()
    sites: list[str] = []
    if every_write_line:  # one trial per line of the writing and switching code, killed at its first run
        scratch = work / "dry"
        shutil.copytree(root, scratch)
        set_state(corpus, "B")
        _, where = _run_child(corpus, scratch, False, report=True)
        shutil.rmtree(scratch)
        set_state(corpus, "A")
        sites = write_sites(where)
        trials, time_trials = len(sites), 0
    for i in range(trials + time_trials):
        target = "B" if state == "A" else "A"
        set_state(corpus, target)
        full = i % 4 == 3 and not sites
        version = current_name(root)
        kind = "line" if i < trials else "time"
        if kind == "line":
            scratch = work / f"dry-{i}"
            shutil.copytree(root, scratch)
            _, where = _run_child(corpus, scratch, full, report=True)
            shutil.rmtree(scratch)
            if sites:  # the first time that line runs once writing has begun
                first = next((j for j, w in enumerate(where) if w.startswith("_write_version:")), 0)
                k = next((j + 1 for j in range(first, len(where)) if where[j] == sites[i]), len(where))
            else:
                k = pick_kill_point(where, rng, writing=i % 2 == 1)
            ended, _ = _run_child(corpus, root, full, kill_at=k)
            function = where[k - 1].split(":")[0]
            point = f"line {k}/{len(where)}, in {function}() line {where[k - 1].split(':')[1]}"
            where_killed[function] += 1
        else:
            delay = rng.uniform(0, 1.3 * took)
            ended, _ = _run_child(corpus, root, full, kill_after=delay)
            point = f"after {delay * 1000:.0f} ms"
        problems = [] if ended != "hung" else ["the build hung (killed after 30 s)"]
        moved = current_name(root) != version
        try:
            now = fake_answers(root)
            if now != (refs[target] if moved else before):
                problems.append("answers differ from " + ("the new corpus's" if moved else "before"))
        except Exception as exc:  # noqa: BLE001 - anything here is a lost index
            problems.append(f"the index does not answer: {type(exc).__name__}: {exc}")
        try:
            t0 = time.perf_counter()
            fake_build(corpus, root)
            took = time.perf_counter() - t0
            after = fake_answers(root)
            if after != refs[target]:
                problems.append("the next build answers differently from a clean build")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"the next build failed: {type(exc).__name__}: {exc}")
            after = None
        if leftovers(root):
            problems.append(f"left behind: {leftovers(root)}")
        if not lock_is_free(root):
            problems.append("the lock is still held")
        results.append({"trial": i + 1, "kill": kind, "point": point, "ended": ended,
                        "switched": moved, "full": full, "ok": not problems, "problems": problems})
        log(f"trial {i + 1:2}: {kind} kill {point}: {ended}, "
            f"{'new version live' if moved else 'old version live'}: {'ok' if not problems else problems}")
        state, before = target, after
    return {"mode": "fake", "trials": len(results), "survived": sum(r["ok"] for r in results),
            "killed": sum(r["ended"] == "killed" for r in results),
            "old_version_live_after_kill": sum(not r["switched"] for r in results),
            "new_version_live_after_kill": sum(r["switched"] for r in results),
            "killed_in": dict(where_killed), "results": results}


# ---------------------------------------------------------------- the real `qa index`


def _qa() -> str:
    exe = Path(sys.executable).parent / "qa"
    return str(exe) if exe.exists() else shutil.which("qa") or "qa"


def _env(work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("QA_CORPUS", "QA_INDEX")}
    env.update(XDG_CACHE_HOME=env.get("XDG_CACHE_HOME", str(work / "xdg")), OMP_NUM_THREADS="1",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONIOENCODING="utf-8")
    return env


def cli_answers(corpus: Path, root: Path, env: dict, batch: Path) -> list:
    run = subprocess.run([_qa(), "ask", "--batch", str(batch), "--json", "--corpus", str(corpus),
                          "--index", str(root)], capture_output=True, text=True, env=env, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit {run.returncode}")
    return [json.loads(line) for line in run.stdout.splitlines()]


def cli_index(corpus: Path, root: Path, env: dict, full: bool = False) -> subprocess.Popen:
    args = [_qa(), "index", "--corpus", str(corpus), "--index", str(root)] + (["--full"] if full else [])
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            start_new_session=True, text=True)


def timed_index(corpus: Path, root: Path, env: dict, full: bool = False) -> tuple[int, str, float, float]:
    """Run `qa index` to the end: (exit code, stderr, seconds in all, seconds from the moment
    the new version's folder appears), the times the kills are drawn from."""
    t0 = time.monotonic()
    proc = cli_index(corpus, root, env, full)
    writing = None
    while proc.poll() is None:
        if writing is None and root.is_dir() and any(p.name.startswith(".staging-") for p in root.iterdir()):
            writing = time.monotonic()
        time.sleep(0.002)
    end = time.monotonic()
    return proc.returncode, proc.stderr.read(), end - t0, end - (writing or end)


def differences(a: list, b: list, tol: float = 0.002) -> list[str]:
    """How two runs of the questions differ: quotes, order, or scores by more than ``tol``
    (vectors embedded in other batches may differ in their last bits)."""
    if len(a) != len(b):
        return [f"{len(a)} results, not {len(b)}"]
    out = []
    for x, y in zip(a, b, strict=True):
        got = [(p["source"], p["start"], p["end"], round(p["score"], 3)) for p in x["answers"]]
        want = [(p["source"], p["start"], p["end"], round(p["score"], 3)) for p in y["answers"]]
        same = x["answered"] == y["answered"] and len(got) == len(want) and all(
            g[:3] == w[:3] and abs(g[3] - w[3]) <= tol for g, w in zip(got, want, strict=True))
        if not same:
            out.append(f"{x['question']!r}: {got} != {want}")
    return out


def run_cli(trials: int, seed: int, work: Path, log) -> dict:
    rng = random.Random(seed)
    env = _env(work)
    batch = work / "questions.jsonl"
    batch.write_text("".join(json.dumps({"id": str(i), "question": q}) + "\n" for i, q in enumerate(QUESTIONS)))
    corpus = make_corpus(work / "corpus", "A")
    refs, took = {}, {}
    for state in "AB":
        c = make_corpus(work / f"ref-corpus-{state}", state)
        t0 = time.perf_counter()
        p = cli_index(c, work / f"ref-{state}", env)
        if p.wait() != 0:
            raise SystemExit(f"qa index failed: {p.stderr.read()}")
        took[state] = time.perf_counter() - t0
        refs[state] = cli_answers(c, work / f"ref-{state}", env, batch)
    root = work / "index"
    set_state(corpus, "B")
    timed_index(corpus, root, env)
    set_state(corpus, "A")
    rc, err, total, write = timed_index(corpus, root, env)  # an update, as every trial runs
    if rc != 0:
        raise SystemExit(f"qa index failed: {err}")
    state, before = "A", cli_answers(corpus, root, env, batch)
    log(f"clean builds took {took['A']:.1f}s and {took['B']:.1f}s; an update {total:.1f}s, "
        f"{write:.2f}s of it writing the new version")
    results = []
    for i in range(trials):
        target = "B" if state == "A" else "A"
        set_state(corpus, target)
        full = i % 4 == 3
        version = current_name(root)
        proc = cli_index(corpus, root, env, full)
        t0 = time.monotonic()
        if i % 2 == 0:  # a random time in the whole run: start-up, model load, reading, embedding...
            delay = rng.uniform(0, total)
            while time.monotonic() - t0 < delay and proc.poll() is None:
                time.sleep(0.005)
            point = f"after {delay:.2f}s"
        else:  # a random time once the new version is being written: writing, flushing, switching
            while proc.poll() is None and not any(p.name.startswith(".staging-") for p in root.iterdir()):
                time.sleep(0.002)
            delay = rng.uniform(0, write)
            time.sleep(delay)
            point = f"{delay * 1000:.0f} ms after the new version was started"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        rc = proc.wait()
        ended = "killed" if rc == -signal.SIGKILL else f"finished (exit {rc})"
        problems = []
        moved = current_name(root) != version
        try:
            now = cli_answers(corpus, root, env, batch)
            if moved and differences(now, refs[target]):
                problems.append(f"the new version answers differently from a clean build: {differences(now, refs[target])}")
            if not moved and now != before:
                problems.append("answers differ from before")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"the index does not answer: {exc}")
        rc, err, t_all, t_write = timed_index(corpus, root, env)
        if rc != 0:
            problems.append(f"the next qa index failed: {err.strip()}")
        elif moved:  # nothing was left to do: keep the times of a real update
            pass
        else:
            total, write = t_all, t_write
        after = None
        try:
            after = cli_answers(corpus, root, env, batch)
            if differences(after, refs[target]):
                problems.append(f"after the next build, answers differ from a clean build: {differences(after, refs[target])}")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"after the next build the index does not answer: {exc}")
        if leftovers(root):
            problems.append(f"left behind: {leftovers(root)}")
        results.append({"trial": i + 1, "point": point, "ended": ended, "switched": moved, "full": full,
                        "ok": not problems, "problems": problems})
        log(f"trial {i + 1:2}: kill {point}: {ended}, "
            f"{'new version live' if moved else 'old version live'}: {'ok' if not problems else problems}")
        state, before = target, after
    return {"mode": "cli", "trials": len(results), "survived": sum(r["ok"] for r in results),
            "killed": sum(r["ended"] == "killed" for r in results),
            "old_version_live_after_kill": sum(not r["switched"] for r in results),
            "new_version_live_after_kill": sum(r["switched"] for r in results), "results": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fake", action="store_true", help="forked builds with a hashing embedder (fast)")
    ap.add_argument("--trials", type=int, default=20, help="kills (with --fake: at random lines of the build)")
    ap.add_argument("--time-trials", type=int, default=10, help="with --fake: kills at random times as well")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--every-write-line", action="store_true",
                    help="with --fake: one kill at each line of the code that writes and switches the version")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-faults-"))
    log = (lambda m: print(m, file=sys.stderr)) if args.json else print
    try:
        if args.fake:
            summary = run_fake(args.trials, args.time_trials, args.seed, work, log, args.every_write_line)
        else:
            summary = run_cli(args.trials, args.seed, work, log)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    line = (f"{summary['trials']} trials, {summary['killed']} killed mid-build "
            f"({summary['old_version_live_after_kill']} left the old version live, "
            f"{summary['new_version_live_after_kill']} the new one): {summary['survived']} with nothing lost")
    if args.json:
        print(json.dumps(summary))
    else:
        print(line)
    sys.exit(0 if summary["survived"] == summary["trials"] else 1)


if __name__ == "__main__":
    main()
