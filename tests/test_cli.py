"""The `qa` console script, run as a user runs it: output contracts, exit codes, error messages.

Commands that load the model cost seconds each, so one index is built per module and cloned
(corpus and index folder together, modification times kept) by the tests that change things.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import (
    BUNDLED_CORPUS,
    INVEST_Q,
    ROOT,
    SAMPLE_FILES,
    SCORE_PY,
    SEED_QUESTIONS,
    UNANSWERABLE_Q,
    check_answer,
    line_at,
    read_exact,
    require_shared,
)

from qa.chunking import chunk

pytestmark = pytest.mark.integration

ANSWER_KEYS = {"text", "source", "start", "end", "line", "page", "score", "context", "also_in"}
EXTRA_ANSWER_KEYS = {"offsets", "section", "span"}  # what positions refer to (shared/tools/score.py reads it); headings; the short answer
METRIC_KEYS = {
    "acc_at_1", "acc_at_5", "mrr", "source_recall_at_1", "source_recall_at_5", "ndcg_at_10",
    "abstained_on_unanswerable", "false_abstain", "latency_ms_p50", "latency_ms_p95",
}
SCORE_KEYS = {
    "acc@1": "acc_at_1", "acc@5": "acc_at_5", "ndcg@10": "ndcg_at_10", "src@1": "source_recall_at_1",
    "abstained_on_unanswerable": "abstained_on_unanswerable", "false_abstain": "false_abstain",
    "mixed_accuracy": "mixed_accuracy",
}


def _qa_executable() -> str:
    # the console script of the interpreter running the tests first, so a `qa` elsewhere on
    # PATH can never stand in for the one under test
    sibling = Path(sys.executable).parent / "qa"
    if sibling.exists():
        return str(sibling)
    found = shutil.which("qa")
    if found is None:
        pytest.skip("the `qa` console script is not installed (pip install -e .)", allow_module_level=True)
    return found


QA = _qa_executable()


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        XDG_CACHE_HOME=str(tmp / "xdg-cache"),  # a default index never lands in the real cache
        PYTHONIOENCODING="utf-8",
        COLUMNS="120",
        # one torch thread: on a small shared machine (CI has 2 cores) torch's default thread
        # pool spin-waits under load and a query can take 25x longer; results do not change
        OMP_NUM_THREADS="1",
    )
    env.update(extra)
    return env


def qa(*args: str | Path, env: dict[str, str], cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [QA, *map(str, args)], capture_output=True, text=True, encoding="utf-8",
        env=env, cwd=cwd or ROOT, timeout=timeout,
    )


def _one_line_error(run: subprocess.CompletedProcess, code: int) -> str:
    assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


@dataclass
class Built:
    base: Path
    corpus: Path
    index: Path
    env: dict[str, str]
    index_run: subprocess.CompletedProcess

    def args(self) -> list[str]:
        return ["--corpus", str(self.corpus), "--index", str(self.index)]

    def clone(self, dst: Path) -> tuple[Path, Path]:
        """A private copy of the corpus and its index; copy2 keeps mtimes, so nothing looks changed."""
        corpus, index = dst / "corpus", dst / "index"
        shutil.copytree(self.corpus, corpus)
        shutil.copytree(self.index, index)
        return corpus, index


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("cli")
    corpus, index = base / "corpus", base / "index"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    env = _env(base)
    run = qa("index", "--corpus", corpus, "--index", index, "--json", env=env)
    return Built(base, corpus, index, env, run)


def _answers_ok(result: dict, corpus: Path) -> None:
    for a in result["answers"]:
        check_answer(a, corpus)


def _check_schema(result: dict) -> None:
    assert set(result) == {"question", "answered", "answers", "unmentioned", "lacks", "read_as"}
    assert isinstance(result["question"], str) and isinstance(result["answered"], bool)
    assert isinstance(result["answers"], list)
    for a in result["answers"]:
        assert ANSWER_KEYS <= set(a) <= ANSWER_KEYS | EXTRA_ANSWER_KEYS, set(a)
        assert isinstance(a["text"], str) and isinstance(a["source"], str) and isinstance(a["context"], str)
        for key in ("start", "end", "line"):
            assert type(a[key]) is int, key
        assert a["page"] is None or type(a["page"]) is int
        assert type(a["score"]) is float
        assert isinstance(a["also_in"], list) and all(isinstance(s, str) for s in a["also_in"])
        assert a.get("offsets", "file") == "file"


# ---------------------------------------------------------------- qa index


def test_index_json_summary(built: Built) -> None:
    run = built.index_run
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.count("\n") == 1
    summary = json.loads(run.stdout)
    assert list(summary) == ["added", "changed", "removed", "unchanged", "chunks_embedded", "seconds"]
    expected_chunks = sum(len(chunk(read_exact(built.corpus / f)).chunks) for f in SAMPLE_FILES)
    assert {k: summary[k] for k in list(summary)[:5]} == {
        "added": 2, "changed": 0, "removed": 0, "unchanged": 0, "chunks_embedded": expected_chunks,
    }
    assert all(type(summary[k]) is int for k in list(summary)[:5])
    assert isinstance(summary["seconds"], float) and summary["seconds"] >= 0


def test_index_again_embeds_nothing(built: Built, tmp_path: Path) -> None:
    corpus, index = built.clone(tmp_path)
    run = qa("index", "--corpus", corpus, "--index", index, "--json", env=built.env)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["added"], summary["changed"], summary["removed"], summary["unchanged"]) == (0, 0, 0, 2)
    assert summary["chunks_embedded"] == 0
    plain = qa("index", "--corpus", corpus, "--index", index, env=built.env)
    assert plain.returncode == 0, plain.stderr
    assert "0 added, 0 changed, 0 removed, 2 unchanged" in plain.stdout


# ---------------------------------------------------------------- qa status


def test_status_after_add_change_delete(built: Built, tmp_path: Path) -> None:
    corpus, index = built.clone(tmp_path)
    # a model that cannot load: status must work anyway, because it loads none
    env = _env(tmp_path, QA_MODEL="/nonexistent/model")
    args = ["--corpus", corpus, "--index", index]

    clean = qa("status", *args, "--json", env=env)
    assert clean.returncode == 0, clean.stderr
    st = json.loads(clean.stdout)
    assert set(st) == {"corpus", "index", "indexed", "stale", "added", "changed", "removed", "unchanged", "skipped", "reread"}
    assert st["skipped"] == []
    assert (st["indexed"], st["stale"], st["added"], st["changed"], st["removed"], st["unchanged"]) == (
        True, False, [], [], [], 2,
    )
    assert "up to date" in qa("status", *args, env=env).stdout

    (corpus / "notes").mkdir()
    (corpus / "notes" / "new.md").write_text("# New\n\nA new note.", encoding="utf-8")
    with open(corpus / SAMPLE_FILES[0], "a", encoding="utf-8") as fh:
        fh.write("\nOne more line.\n")
    (corpus / SAMPLE_FILES[1]).unlink()

    run = qa("status", *args, "--json", env=env)
    assert run.returncode == 0, run.stderr
    st = json.loads(run.stdout)
    assert st["stale"] is True and st["indexed"] is True
    assert (st["added"], st["changed"], st["removed"], st["unchanged"]) == (
        ["notes/new.md"], [SAMPLE_FILES[0]], [SAMPLE_FILES[1]], 0,
    )
    plain = qa("status", *args, env=env)
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert re.compile(r"^added\s+notes/new\.md$").match(lines[0])
    assert any(re.match(rf"^changed\s+{re.escape(SAMPLE_FILES[0])}$", ln) for ln in lines)
    assert any(re.match(rf"^removed\s+{re.escape(SAMPLE_FILES[1])}$", ln) for ln in lines)
    assert "qa index" in plain.stdout

    # the same environment does break a command that needs the model: QA_MODEL is honoured
    ask = qa("ask", INVEST_Q, *args, env=env)
    assert ask.returncode == 3 and "Traceback" not in ask.stderr
    errors = [ln for ln in ask.stderr.splitlines() if not ln.startswith("qa: warning:")]
    assert len(errors) == 1 and "/nonexistent/model" in errors[0]


def test_status_reads_corpus_and_index_from_the_environment(built: Built, tmp_path: Path) -> None:
    env = _env(tmp_path, QA_CORPUS=str(built.corpus), QA_INDEX=str(built.index))
    run = qa("status", "--json", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    st = json.loads(run.stdout)
    assert Path(st["corpus"]) == built.corpus and Path(st["index"]) == built.index
    assert st["indexed"] is True and st["unchanged"] == 2


def test_the_corpus_folder_may_be_given_as_an_argument(built: Built, tmp_path: Path) -> None:
    """`qa index ~/papers`: the folder as an argument says what --corpus says; two different
    folders are a usage error, the same one given twice is not."""
    run = qa("status", built.corpus, "--index", built.index, "--json", env=built.env)
    assert run.returncode == 0, run.stderr
    st = json.loads(run.stdout)
    assert Path(st["corpus"]) == built.corpus and st["indexed"] is True and st["unchanged"] == 2
    same = qa("status", built.corpus, "--corpus", built.corpus, "--index", built.index, env=built.env)
    assert same.returncode == 0, same.stderr
    two = qa("index", built.corpus, "--corpus", tmp_path, "--index", tmp_path / "i", env=built.env)
    assert two.returncode == 2 and "two corpus folders" in two.stderr and "Traceback" not in two.stderr
    assert not (tmp_path / "i").exists()
    # the argument wins over QA_CORPUS, which only sets a default
    env = _env(tmp_path, QA_CORPUS=str(tmp_path), QA_INDEX=str(built.index))
    run = qa("status", built.corpus, "--json", env=env)
    assert run.returncode == 0, run.stderr
    assert Path(json.loads(run.stdout)["corpus"]) == built.corpus
    missing = qa("index", tmp_path / "nope", "--index", tmp_path / "j", env=built.env)
    assert missing.returncode == 2 and "corpus folder not found" in missing.stderr


def test_status_without_an_index(built: Built, tmp_path: Path) -> None:
    run = qa("status", "--corpus", built.corpus, "--index", tmp_path / "none", "--json", env=built.env)
    assert run.returncode == 0, run.stderr
    st = json.loads(run.stdout)
    assert st["indexed"] is False and st["stale"] is True
    assert st["added"] == list(SAMPLE_FILES)
    plain = qa("status", "--corpus", built.corpus, "--index", tmp_path / "none", env=built.env)
    assert plain.returncode == 0 and "no index" in plain.stdout
    assert not (tmp_path / "none").exists() or not any((tmp_path / "none").iterdir())


def test_status_loads_no_model_library(built: Built) -> None:
    code = (
        "import sys\n"
        "from qa.cli import main\n"
        f"args = ['status', '--json', '--corpus', {str(built.corpus)!r}, '--index', {str(built.index)!r}]\n"
        "main.main(args=args, standalone_mode=False)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))\n"
        "assert not bad, bad[:5]\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=built.env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["unchanged"] == 2


# ---------------------------------------------------------------- qa ask


def test_ask_json_contract(built: Built) -> None:
    run = qa("ask", INVEST_Q, *built.args(), "--json", env=built.env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1  # exactly one JSON object, on one line
    result = json.loads(run.stdout)
    _check_schema(result)
    assert result["question"] == INVEST_Q
    assert result["answered"] is True
    assert len(result["answers"]) == 5  # the default k
    top = result["answers"][0]
    assert "£5.5m" in top["text"]
    assert {top["source"], *top["also_in"]} == set(SAMPLE_FILES)
    _answers_ok(result, built.corpus)
    scores = [a["score"] for a in result["answers"]]
    assert scores == sorted(scores, reverse=True)
    assert "warning" not in run.stderr and "Traceback" not in run.stderr


def test_ask_plain_output_builds_the_index_first(built: Built, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    index = tmp_path / "fresh-index"
    run = qa("ask", INVEST_Q, "--corpus", corpus, "--index", index, env=built.env)
    assert run.returncode == 0, run.stderr
    assert "building" in run.stderr and "Traceback" not in run.stderr

    quotes = re.findall(r"^\s*\d+\. \u201c(.*)\u201d$", run.stdout, re.M)
    cites = re.findall(r"^\s+(\S+):(\d+)(?:  \(also in (.+?)\))?\s+score (-?\d+\.\d+)$", run.stdout, re.M)
    assert quotes and len(quotes) == len(cites), run.stdout
    assert "£5.5m" in quotes[0]
    assert {cites[0][0], *cites[0][2].split(", ")} == set(SAMPLE_FILES)
    for quote, (source, line, _, _) in zip(quotes, cites, strict=True):
        text = read_exact(corpus / source)
        pattern = r"\s+".join(re.escape(w) for w in quote.split())
        starts = [line_at(text, m.start()) for m in re.finditer(pattern, text)]
        assert int(line) in starts, (quote, source, line)

    # the index it built is complete and current
    st = qa("status", "--corpus", corpus, "--index", index, "--json", env=built.env)
    assert json.loads(st.stdout)["indexed"] is True and json.loads(st.stdout)["stale"] is False


def test_ask_shows_a_readme_as_its_page_shows_it_and_json_as_written(built: Built, tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "faiss.md").write_text(
        "# Faiss\n\n[![Build](https://img.shields.io/badge/build-passing-green)](https://ci.example.org)\n\n"
        "## Authors\n\n- [Jeff Johnson](https://github.com/wickedfoo) implemented all of the GPU Faiss.\n"
        "- [Matthijs Douze](https://github.com/mdouze) implemented most of the CPU Faiss.\n",
        encoding="utf-8",
    )
    (corpus / "tzlocal.rst").write_text(
        "tzlocal\n=======\n\nMaintainer\n----------\n\n"
        "The project is maintained by `Lennart Regebro <https://github.com/regebro>`_ since 2012.\n",
        encoding="utf-8",
    )
    # an FAQ answers on the line under its question; another file names its licence in a sentence
    (corpus / "h11.md").write_text(
        "h11\n===\n\nA pure-Python, bring-your-own-I/O implementation of HTTP/1.1.\n\n"
        "*Is it fast?*\n\nFast enough for most uses.\n\n*License?*\n\nMIT\n\n*Code of conduct?*\n\nBe nice.\n",
        encoding="utf-8",
    )
    (corpus / "syrupy.md").write_text(
        "# syrupy\n\nA pytest snapshot plugin.\n\n## License\n\nSyrupy is licensed under Apache License Version 2.0.\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    people = qa("ask", "who wrote the gpu side of faiss", "--corpus", corpus, "--index", index, env=built.env)
    assert people.returncode == 0, people.stderr
    first = people.stdout.splitlines()[1]
    assert "Jeff Johnson implemented all of the GPU Faiss" in first and "](" not in first, people.stdout
    scripts = qa("ask", "who maintains tzlocal", "--json", "--corpus", corpus, "--index", index, env=built.env)
    top = json.loads(scripts.stdout)["answers"][0]
    assert top["text"] == "The project is maintained by `Lennart Regebro <https://github.com/regebro>`_ since 2012."
    assert top["section"] == "tzlocal > Maintainer"  # reStructuredText titles are sections
    assert top["span"]["text"] == "Lennart Regebro"
    # which licence h11 is under: its own line that names one, not another file's licence sentence
    lic = json.loads(qa("ask", "what license is h11 under", "--json", "--corpus", corpus, "--index", index, env=built.env).stdout)
    assert lic["answered"] is True and lic["answers"][0]["text"] == "MIT" and lic["answers"][0]["source"] == "h11.md"

    # an index from before reStructuredText had its reader: `qa status` says why its .rst is changed
    version = index / (index / "CURRENT").read_text().strip()
    meta = json.loads((version / "meta.json").read_text())
    del meta["readers"]
    (version / "meta.json").write_text(json.dumps(meta))
    st = qa("status", "--corpus", corpus, "--index", index, env=built.env)
    assert re.search(r"^changed\s+1 file unchanged, but this qa reads their format better \(read again\): tzlocal\.rst$",
                     st.stdout, re.M), st.stdout
    st = json.loads(qa("status", "--json", "--corpus", corpus, "--index", index, env=built.env).stdout)
    assert st["changed"] == st["reread"] == ["tzlocal.rst"] and st["stale"] is True


def test_ask_no_answer_exits_1_and_lists_nearest(built: Built) -> None:
    run = qa("ask", UNANSWERABLE_Q, *built.args(), "--json", "-k", "3", env=built.env)
    assert run.returncode == 1, (run.stdout, run.stderr)
    result = json.loads(run.stdout)
    _check_schema(result)
    assert result["answered"] is False
    assert 1 <= len(result["answers"]) <= 3  # the nearest passages, for the user to judge
    _answers_ok(result, built.corpus)


def test_ask_with_a_stale_index_answers_and_warns(built: Built, tmp_path: Path) -> None:
    corpus, index = built.clone(tmp_path)
    (corpus / "extra.txt").write_text("Bus timetables change in the spring.", encoding="utf-8")
    run = qa("ask", INVEST_Q, "--corpus", corpus, "--index", index, "--json", env=built.env)
    assert run.returncode == 0, run.stderr
    assert "qa index" in run.stderr and "warning" in run.stderr
    result = json.loads(run.stdout)
    assert result["answered"] is True and "£5.5m" in result["answers"][0]["text"]
    _answers_ok(result, corpus)
    # answering did not quietly update the index
    st = json.loads(qa("status", "--corpus", corpus, "--index", index, "--json", env=built.env).stdout)
    assert st["added"] == ["extra.txt"]


def test_ask_batch_json_one_line_per_question_in_order(built: Built, tmp_path: Path) -> None:
    rows = [
        {"id": "b1", "question": INVEST_Q, "answers": ["£5.5m"], "sources": list(SAMPLE_FILES)},
        {"id": 2, "question": UNANSWERABLE_Q, "unanswerable": True},
        {"id": "b3", "question": "What is her other cabinet role?", "history": ["Who leads the council?"]},
        {"question": "Who carried out the review?"},  # no id: none echoed
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    run = qa("ask", "--batch", batch, *built.args(), "--json", env=built.env)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(rows)
    for row, line in zip(rows, lines, strict=True):
        result = json.loads(line)
        assert result["question"] == row["question"]
        if "id" in row:
            assert list(result)[0] == "id" and str(result["id"]) == str(row["id"])
        else:
            assert "id" not in result
        assert {k for k in result if k != "id"} == {"question", "answered", "answers", "unmentioned", "lacks", "read_as"}
        _answers_ok(result, built.corpus)
    first = json.loads(lines[0])
    assert first["answered"] and "£5.5m" in first["answers"][0]["text"]


def test_ask_batch_from_stdin_answers_each_line_as_it_comes(built: Built, tmp_path: Path) -> None:
    """`--batch -`: a script drives qa through a pipe, one question at a time, reading each answer
    before it writes the next; the answers are those of the same lines in a file."""
    follow = {"id": "s2", "question": "What is her other cabinet role?", "history": ["Who leads the council?"]}
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": "s1", "question": INVEST_Q}) + "\n" + json.dumps(follow) + "\n", encoding="utf-8")
    from_file = [json.loads(line) for line in qa("ask", "--batch", batch, *built.args(), "--json", env=built.env).stdout.splitlines()]
    proc = subprocess.Popen([QA, "ask", "--batch", "-", *built.args(), "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=built.env, cwd=ROOT)
    try:
        proc.stdin.write((json.dumps({"id": "s1", "question": INVEST_Q}) + "\n").encode())
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())  # stdin still open: answered before the next line
        assert first["id"] == "s1" and first["answered"] and "£5.5m" in first["answers"][0]["text"]
        proc.stdin.write((json.dumps(follow) + "\n").encode())
        proc.stdin.close()
        second = json.loads(proc.stdout.readline())
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
        assert [first, second] == from_file
    finally:
        proc.kill()


def test_a_bad_stdin_line_stops_the_batch_naming_it(built: Built) -> None:
    lines = json.dumps({"id": "1", "question": INVEST_Q}) + "\n{this is not json\n"
    run = subprocess.run([QA, "ask", "--batch", "-", *built.args(), "--json"], input=lines, capture_output=True,
                         text=True, encoding="utf-8", env=built.env, cwd=ROOT, timeout=300)
    assert "<stdin>:2" in _one_line_error(run, 3)
    assert json.loads(run.stdout)["id"] == "1"  # the lines before it were answered as they came


# ---------------------------------------------------------------- usage errors: exit 2


@pytest.mark.parametrize(
    "args",
    [
        ["ask"],
        ["ask", INVEST_Q, "--batch", "questions.jsonl"],
        ["ask", ""],
        ["ask", "   "],
        ["ask", INVEST_Q, "--frobnicate"],
        ["ask", INVEST_Q, "-k", "0"],
        ["ask", INVEST_Q, "-k", "many"],
        ["ask", INVEST_Q, "--retriever", "magic"],
        ["eval"],
        ["frobnicate"],
    ],
    ids=["no-question", "question-and-batch", "empty", "blank", "unknown-option", "k0", "k-not-int",
         "bad-retriever", "eval-no-file", "unknown-command"],
)
def test_usage_errors_exit_2(built: Built, args: list[str]) -> None:
    run = qa(*args, *built.args(), env=built.env)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert run.stdout == ""
    assert run.stderr.strip() and "Traceback" not in run.stderr


@pytest.mark.parametrize("command", ["ask", "index", "status"])
def test_missing_corpus_is_a_usage_error(built: Built, tmp_path: Path, command: str) -> None:
    """cli.py documents a bad path as a usage error (2)."""
    extra = [INVEST_Q] if command == "ask" else []
    run = qa(command, *extra, "--corpus", tmp_path / "nope", "--index", tmp_path / "i", env=built.env)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "corpus folder not found" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "i").exists()


@pytest.mark.parametrize("command", ["ask", "eval"])
def test_missing_question_file_is_a_usage_error(built: Built, tmp_path: Path, command: str) -> None:
    missing = tmp_path / "missing.jsonl"
    args = ["ask", "--batch", missing] if command == "ask" else ["eval", missing]
    run = qa(*args, *built.args(), env=built.env)
    assert "missing.jsonl" in run.stderr and "Traceback" not in run.stderr
    assert run.returncode == 2


def test_help_and_version(built: Built) -> None:
    for args in (["--help"], ["ask", "--help"], []):
        run = qa(*args, env=built.env)
        assert run.returncode == 0 and "Usage" in run.stdout, args
    version = qa("--version", env=built.env)
    assert version.returncode == 0 and re.search(r"\d+\.\d+\.\d+", version.stdout)


# ---------------------------------------------------------------- runtime errors: exit 3


def test_damaged_index_is_a_runtime_error_naming_the_fix(built: Built, tmp_path: Path) -> None:
    corpus, index = built.clone(tmp_path)
    current = (index / "CURRENT").read_text(encoding="utf-8").strip()
    (index / current / "meta.json").write_text('{"format": 1, "files": [', encoding="utf-8")
    for args in (["ask", INVEST_Q, "--json"], ["status"]):
        run = qa(*args, "--corpus", corpus, "--index", index, env=built.env)
        message = _one_line_error(run, 3)
        assert message.startswith("qa: error:") and "qa index --full" in message
        assert run.stdout == ""


def test_bad_batch_line_is_a_runtime_error_naming_the_line(built: Built, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": "1", "question": INVEST_Q}) + "\n{this is not json\n", encoding="utf-8")
    run = qa("ask", "--batch", batch, *built.args(), "--json", env=built.env)
    message = _one_line_error(run, 3)
    assert f"{batch}:2" in message
    assert run.stdout == ""


# ---------------------------------------------------------------- qa eval


def _metrics_ok(metrics: dict, questions: int, answerable: int, unanswerable: int) -> None:
    assert METRIC_KEYS <= set(metrics)
    assert (metrics["questions"], metrics["answerable"], metrics["unanswerable"]) == (
        questions, answerable, unanswerable,
    )
    for key in METRIC_KEYS - {"latency_ms_p50", "latency_ms_p95"}:
        assert metrics[key] is None or 0.0 <= metrics[key] <= 1.0, key
    assert 0 <= metrics["latency_ms_p50"] <= metrics["latency_ms_p95"]


def test_eval_json_agrees_with_score_py(built: Built, tmp_path: Path) -> None:
    """`qa eval --json` on the seed set; its --results file, scored by shared/tools/score.py."""
    require_shared()
    corpus, index = built.clone(tmp_path)
    results = tmp_path / "results.jsonl"
    # the path as the README writes it, relative to the repository
    questions = os.path.relpath(SEED_QUESTIONS, ROOT)
    run = qa("eval", questions, "--corpus", corpus, "--index", index, "--json", "--results", results,
             env=built.env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout)
    _metrics_ok(metrics, 10, 8, 2)

    score = subprocess.run(
        [sys.executable, str(SCORE_PY), str(SEED_QUESTIONS), str(results), str(corpus), "--check-verbatim"],
        capture_output=True, text=True, timeout=60,
    )
    assert score.returncode == 0, score.stdout + score.stderr
    theirs = json.loads(score.stdout)
    assert theirs["answers_checked"] > 0
    assert theirs["verbatim_bad"] == 0 and theirs["too_long"] == 0, theirs.get("bad_examples")
    for their_key, our_key in SCORE_KEYS.items():
        assert metrics[our_key] == pytest.approx(theirs[their_key], abs=1e-4), their_key


def test_eval_all_retrievers(built: Built, tmp_path: Path) -> None:
    corpus, index = built.clone(tmp_path)
    questions = tmp_path / "small.jsonl"
    rows = [
        {"id": "1", "question": INVEST_Q, "answers": ["£5.5m"], "sources": list(SAMPLE_FILES)},
        {"id": "2", "question": "Who is the council leader?", "answers": ["Abi Brown"], "sources": list(SAMPLE_FILES)},
        {"id": "3", "question": UNANSWERABLE_Q, "unanswerable": True},
    ]
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    run = qa("eval", questions, "--corpus", corpus, "--index", index, "--retriever", "all", "--json",
             env=built.env)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) == {"hybrid", "dense", "bm25", "ranker"}  # "ranker": hybrid, without the reader
    for metrics in out.values():
        _metrics_ok(metrics, 3, 2, 1)
    # under --no-reader the other column is the reader's
    run = qa("eval", questions, "--corpus", corpus, "--index", index, "--retriever", "all", "--json", "--no-reader",
             env=built.env)
    assert run.returncode == 0, run.stderr
    assert set(json.loads(run.stdout)) == {"hybrid", "dense", "bm25", "reader"}
