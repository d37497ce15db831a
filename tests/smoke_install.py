"""Install qa as a new user would and check that it reads every format (CI runs this after the tests).

1. Build a wheel from the working tree (its tracked and new files: no stale build output).
2. Make a fresh venv with ``python3 -m venv`` and use its pip as it comes (not upgraded),
   install ``torch==2.13.0`` (the CPU build) and then the wheel: no extras, no lock file,
   the versions a user would get today.
3. Make a corpus of every format the README lists (text, Markdown, PDF, HTML, Word), index it
   with the installed ``qa`` in a fresh cache (so the model's ONNX export runs as it does on a
   user's first ``qa index``), and check: every file indexed, no warning ("skipped"), one
   question answered from each file, ``qa status`` clean.

A runtime dependency missing from ``pyproject.toml`` fails here. Run it with the project's
environment: ``make smoke`` (it makes the Word file with python-docx, a test extra).
``--keep`` leaves the work folder for a look; ``--python`` picks the interpreter for the venv;
``--no-reader`` asks with the feature ranker alone (while the reader model is being worked on).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import make_documents  # noqa: E402

# one file per format, each with a fact only it holds, and the question that asks for it
FILES = {
    "notes.txt": (
        "Harbour notes\n\nThe ferry to Skye leaves the harbour at seven every morning. "
        "Tickets are sold at the kiosk beside the pier.\n\nIn winter the last boat returns at four.\n",
        "When does the ferry to Skye leave the harbour?",
    ),
    "guide.md": (
        "# Install\n\n## Linux\n\nThe installer needs 300 megabytes of free disk space. "
        "It runs on any recent distribution.\n\n## Windows\n\nRun the setup program as an administrator.\n",
        "How much free disk space does the installer need?",
    ),
    "report.pdf": (
        [["Coastal heritage report", "",
          "The lighthouse at Hook Head was built in the twelfth century by",
          "the monks of a nearby abbey. It is one of the oldest working",
          "lighthouses in the world.", "",
          "Visitors can climb its 115 steps in a guided tour."]],
        "Who built the lighthouse at Hook Head?",
    ),
    "page.html": (
        ("City museum",
         "<h1>City museum</h1>\n<h2>Opening hours</h2>\n<p>The museum opens at ten in the morning and closes "
         "at five on weekdays.</p>\n<h2>Collections</h2>\n<p>Its galleries hold Roman coins and "
         "medieval armour.</p>",
         "Home|Visit|Shop", "Copyright the city council. All rights reserved."),
        "What time does the museum open on weekdays?",
    ),
    "budget.docx": (
        [("h1", "Spending by area"),
         ("p", "The council will spend four million pounds on road repairs next year."),
         ("p", "A further budget covers the libraries and the parks."),
         ("table", [["Area", "Amount"], ["Libraries", "two million pounds"], ["Parks", "one million pounds"]])],
        "How much will the council spend on road repairs next year?",
    ),
}


def step(what: str) -> float:
    print(f"smoke: {what}", flush=True)
    return time.perf_counter()


def done(t0: float) -> None:
    print(f"smoke:   ... {time.perf_counter() - t0:.1f} s", flush=True)


def fail(message: str) -> None:
    print(f"smoke: FAILED: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def run(args: list, *, env: dict | None = None, timeout: int = 900, cwd: Path | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)
    if res.returncode != 0:
        fail(f"{' '.join(map(str, args))} exited {res.returncode}\n--- stdout\n{res.stdout[-4000:]}\n"
             f"--- stderr\n{res.stderr[-4000:]}")
    return res


def source_tree(dst: Path) -> Path:
    """The working tree's tracked and new (not ignored) files, copied to ``dst``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        src = ROOT / name
        if src.is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)
    return dst


def make_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True)
    for name, (content, _q) in FILES.items():
        path = corpus / name
        if name.endswith(".pdf"):
            path.write_bytes(make_documents.pdf(content))
        elif name.endswith(".html"):
            path.write_text(make_documents.html_page(*content), encoding="utf-8")
        elif name.endswith(".docx"):
            path.write_bytes(make_documents.docx(content))
        else:
            path.write_text(content, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("PYTHON", "python3"),
                        help="interpreter for the fresh venv (default: python3)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--no-reader", action="store_true", help="ask with `qa ask --no-reader`")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-smoke-"))
    try:
        smoke(work, opts.python, opts.no_reader)
    finally:
        if opts.keep:
            print(f"smoke: work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def smoke(work: Path, python: str, no_reader: bool = False) -> None:
    t_all = time.perf_counter()
    t0 = step("building the wheel from the working tree")
    src = source_tree(work / "src")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", work / "dist", src])
    (wheel,) = (work / "dist").glob("qa-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(p.relative_to(src).as_posix() for p in (src / "embeddings" / "reader_model").glob("*")
                     if p.is_file())
    missing = [n for n in shipped if n not in names]
    if missing:
        fail(f"the wheel lacks files of the package: {missing}")
    print(f"smoke:   {wheel.name}, {len(names)} files")
    done(t0)

    t0 = step(f"fresh venv with {python} -m venv; its pip as it comes")
    venv = work / "venv"
    run([python, "-m", "venv", venv])
    bin_ = venv / "bin"
    print(f"smoke:   {run([bin_ / 'pip', '--version']).stdout.strip()}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(XDG_CACHE_HOME=str(work / "cache"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONIOENCODING="utf-8", OMP_NUM_THREADS="1")
    run([bin_ / "pip", "install", "--quiet", "torch==2.13.0"], env=env)
    run([bin_ / "pip", "install", "--quiet", wheel], env=env)  # no extras: what `pip install qa` gets
    run([bin_ / "pip", "check"], env=env)
    done(t0)

    qa = bin_ / "qa"
    corpus, index = work / "corpus", work / "index"
    make_corpus(corpus)
    where = ["--corpus", corpus, "--index", index]
    t0 = step(f"qa index over {len(FILES)} files: {', '.join(FILES)} (the model's ONNX export included)")
    res = run([qa, "index", *where, "--json"], env=env, cwd=work)
    summary = json.loads(res.stdout)
    if res.stderr.strip():
        fail(f"qa index warned:\n{res.stderr}")
    if summary["added"] != len(FILES):
        fail(f"qa index added {summary['added']} of {len(FILES)} files: {summary}")
    print(f"smoke:   {summary}")
    done(t0)

    t0 = step("qa status")
    status = json.loads(run([qa, "status", *where, "--json"], env=env, cwd=work).stdout)
    if status["stale"] or status["skipped"] or status["added"] or status["changed"] or status["removed"] \
            or status["unchanged"] != len(FILES):
        fail(f"qa status is not clean: {status}")
    plain = run([qa, "status", *where], env=env, cwd=work).stdout.strip()
    if plain != f"up to date: {len(FILES)} files indexed":
        fail(f"qa status says: {plain}")
    print(f"smoke:   {plain}")
    done(t0)

    t0 = step("one question about each file (qa ask --batch)")
    questions = work / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": name, "question": q}) + "\n" for name, (_c, q) in FILES.items()),
                         encoding="utf-8")
    ask = [qa, "ask", "--batch", questions, *where, "--json"]
    if no_reader or not shipped:  # no reader model in this tree: ask without it, if that can be said
        help_text = run([qa, "ask", "--help"], env=env).stdout
        if "--no-reader" in help_text:
            print("smoke:   (asking with --no-reader)" if no_reader else
                  "smoke:   (no reader model in the package: asking with --no-reader)")
            ask.append("--no-reader")
        elif no_reader:
            fail("this qa has no `qa ask --no-reader`")
    res = run(ask, env=env, cwd=work)
    results = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    if len(results) != len(FILES):
        fail(f"{len(results)} answers for {len(FILES)} questions:\n{res.stdout}\n{res.stderr}")
    for r in results:
        top = r["answers"][0] if r["answers"] else None
        got = f"{top['source']}: \u201c{top['text']}\u201d" if top else "nothing"
        print(f"smoke:   {r['id']}: {r['question']} -> {got}")
        if not r["answered"] or top is None or top["source"] != r["id"]:
            fail(f"{r['question']!r} was not answered from {r['id']}: {json.dumps(r)[:1500]}")
    done(t0)
    print(f"smoke: passed in {time.perf_counter() - t_all:.0f} s: every format indexed and answered "
          "from a plain install")


if __name__ == "__main__":
    main()
