"""Bad corpora, bad questions and corpus text that tries to take over the terminal.

Every bad file gets one warning and the build goes on; every bad question gets an answer (or
a one-line usage error), never a traceback; whatever a document holds, plain output carries
no control character a terminal acts on, the chat shows markup literally, and ``--json`` stays
valid JSON. The core is tested with the fake embedder; the command line, at the end, with the
real model over one hostile corpus.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import BUNDLED_CORPUS, ROOT, FakeEmbedder

from qa.answers import AnswerParams, answer
from qa.documents import discover, load, read_file
from qa.errors import CorpusError, UnreadableFile
from qa.index import open_index
from qa.indexing import build, corpus_status
from qa.safe import clean_question

NASTY = (
    "The escape file says \x1b[31mred\x1b[0m, \x1b]8;;http://evil.test\x1b\\a link\x1b]8;;\x1b\\, "
    "\x1b]52;c;ZXZpbA==\x07 a clipboard write, \x1b]0;title\x07 a title, \x9b2J a C1 clear, "
    "back\x08\x08\x08XX, a carriage\rreturn, a bell\x07, \u202eright to left\u202c and "
    "[bold red]markup[/] and [@click=app.quit]quit[/] and [link=https://x.test]click[/link].\n"
)
GOOD = {
    "plain.txt": "The alpha bridge was built in 1901 by the county engineers.",
    "with space 'quote\" .txt": "The otters swim in the cold river every morning.",
    "new\nline.txt": "The badgers dig their setts under the old oak tree.",
    "tab\tname.md": "The herons nest on the island in the lake.",
    "ünïcødé 日本.md": "日本語の文章です。The walruses rest on the ice floes.",
    "sub/deep/nested.rst": "The gamma lake is very deep and cold all year.",
    "esc.txt": NASTY,
}
DECODED = {  # name: (bytes, the text they hold, the encoding named in the warning)
    "latin1.txt": ("Le café crème coûte cinq euros à Zürich.".encode("latin-1"),
                   "Le café crème coûte cinq euros à Zürich.", "Windows-1252"),
    "cp1252.txt": ("He said “hello” – the fee was €5 for the lynx.".encode("cp1252"),
                   "He said “hello” – the fee was €5 for the lynx.", "Windows-1252"),
    "utf16.txt": ("The zebra keeper fed the zebras at noon.\n".encode("utf-16"),
                  "The zebra keeper fed the zebras at noon.\n", "UTF-16"),
    "utf16be.txt": (b"\xfe\xff" + "The giraffe keeper fed giraffes at dawn.".encode("utf-16-be"),
                    "The giraffe keeper fed giraffes at dawn.", "UTF-16"),
    "utf32.txt": ("The ibex climbs the steep cliffs.".encode("utf-32"), "The ibex climbs the steep cliffs.", "UTF-32"),
}
MAX_BYTES = 4000  # the per-file limit in these tests: "big.txt" is over it


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def hostile_corpus(base: Path) -> tuple[Path, dict[str, str]]:
    """A corpus holding every kind of bad file next to good ones with odd names.

    Returns the corpus and, for each bad entry, the words its one warning must hold.
    """
    corpus, outside = base / "corpus", base / "outside"
    for rel, text in GOOD.items():
        _write(corpus / rel, text)
    for rel, (raw, _, _) in DECODED.items():
        _write(corpus / rel, raw)
    _write(outside / "secret.txt", "The secret outside the corpus mentions lemurs.")
    bad = {
        "binary.txt": "binary data",
        "notutf8.txt": "not text",
        "empty.txt": "empty file",
        "blank.md": "only white space",
        "big.txt": "too big",
        "fifo.txt": "not a regular file",
        "dangling.txt": "symbolic link",
        "passwd.txt": "symbolic link",
        "outdir": "symbolic link",
        "sub/loop": "symbolic link",
        "bad\\xe9name.txt": "not valid UTF-8",
        "locked.txt": "Permission denied",
    }
    _write(corpus / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    _write(corpus / "notutf8.txt", b"caf\x81\x8d\x8f\x90\x9d cr\x90me \x81\x8d")
    _write(corpus / "empty.txt", b"")
    _write(corpus / "blank.md", b" \n\n\t \r\n")
    _write(corpus / "big.txt", "word " * (MAX_BYTES // 5 + 10))
    os.mkfifo(corpus / "fifo.txt")
    os.symlink("nowhere.txt", corpus / "dangling.txt")
    os.symlink(outside / "secret.txt", corpus / "passwd.txt")
    os.symlink(outside, corpus / "outdir")
    os.symlink("..", corpus / "sub" / "loop")
    (corpus / "sub" / "deep" / "nested.rst").parent.mkdir(parents=True, exist_ok=True)
    with open(os.fsencode(corpus) + b"/bad\xe9name.txt", "wb") as fh:
        fh.write(b"The badly named file mentions walruses.")
    _write(corpus / "locked.txt", "Nobody may read this.")
    (corpus / "locked.txt").chmod(0)
    return corpus, bad


@pytest.fixture
def locked_out(monkeypatch: pytest.MonkeyPatch):
    """``locked.txt`` unreadable: by its permissions, or, for root (who reads anything), by
    making opening it fail as it would for anyone else."""
    if os.geteuid() == 0:
        import qa.documents

        real_open = os.open

        def deny(path, flags, *args, **kw):
            if os.fspath(path).endswith("locked.txt"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_open(path, flags, *args, **kw)

        monkeypatch.setattr(qa.documents.os, "open", deny)


def _build(corpus: Path, root: Path, fake: FakeEmbedder, **kw):
    warnings: list[str] = []
    summary = build(corpus, root, "fake", lambda: fake, warn=warnings.append, **kw)
    return summary, warnings


# ---------------------------------------------------------------- bad corpora


def test_every_bad_file_gets_one_warning_and_the_rest_is_indexed(tmp_path: Path, locked_out) -> None:
    corpus, bad = hostile_corpus(tmp_path)
    fake = FakeEmbedder()
    summary, warnings = _build(corpus, tmp_path / "index", fake, max_file_bytes=MAX_BYTES)
    index = open_index(tmp_path / "index")
    assert sorted(f.source for f in index.files) == sorted([*GOOD, *DECODED])
    for name, why in bad.items():
        about = [w for w in warnings if w.startswith(f"skipped {name}:")]
        assert len(about) == 1, (name, warnings)
        assert why in about[0], about
    for name, (_, _, encoding) in DECODED.items():
        (note,) = [w for w in warnings if w.startswith(f"{name}:")]
        assert f"read as {encoding}" in note
    assert len(warnings) == len(bad) + len(DECODED)
    assert not [w for w in warnings if "\n" in w.replace("new\nline", "")]
    assert "lemurs" not in index.doc_text(index.by_source["plain.txt"])
    assert not any("secret" in f.source for f in index.files)
    # the unreadable files are remembered, so an unchanged corpus is not stale
    status = corpus_status(corpus, tmp_path / "index")
    assert not status.stale
    assert {"binary.txt", "empty.txt", "big.txt"} <= set(status.skipped)
    assert set(summary.warnings) >= {"binary.txt", "notutf8.txt", "empty.txt", "big.txt", "locked.txt"}


def test_text_in_other_encodings_is_quoted_from_its_decoded_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for rel, (raw, _, _) in DECODED.items():
        _write(corpus / rel, raw)
    _write(corpus / "utf8.txt", "The okapi lives in the rain forest.")
    fake = FakeEmbedder()
    _build(corpus, tmp_path / "index", fake)
    index = open_index(tmp_path / "index")
    for rel, (raw, text, _) in DECODED.items():
        entry = index.files[index.by_source[rel]]
        assert entry.offsets == "extracted" and entry.sha256 == __import__("hashlib").sha256(raw).hexdigest()
        assert index.doc_text(index.by_source[rel]) == text
    assert index.files[index.by_source["utf8.txt"]].offsets == "file"
    r = answer(index, fake, "What did the zebra keeper feed?", AnswerParams(k=3))
    best = r.answers[0]
    assert best.source == "utf16.txt" and best.offsets == "extracted"
    assert best.text == DECODED["utf16.txt"][1][best.start : best.end]
    assert best.to_json()["offsets"] == "extracted"


def test_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _write(corpus / "ok.txt", "The small file is fine to read.")
    with open(corpus / "huge.txt", "wb") as fh:  # 200 MB on one line, sparse: no disk used
        fh.truncate(200_000_000)
    tracemalloc.start()
    try:
        summary, warnings = _build(corpus, tmp_path / "index", FakeEmbedder())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, peak  # the 200 MB were never held
    (w,) = warnings
    assert w.startswith("skipped huge.txt: too big (200.0 MB") and "--max-file-mb" in w
    assert [f.source for f in open_index(tmp_path / "index").files] == ["ok.txt"]


def test_a_file_growing_after_it_was_measured_is_read_no_further_than_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.documents

    path = _write(tmp_path / "c" / "grows.txt", "x" * 50_000)
    (f,) = discover(tmp_path / "c")
    real_fstat = os.fstat
    small = os.stat_result((*real_fstat(os.open(path, os.O_RDONLY))[:6], 10, 0, 0, 0))

    def fstat(fd):  # the file says it is 10 bytes when it is opened
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, *st[1:6], 10, *st[7:])) if st.st_size > 10 else small

    monkeypatch.setattr(qa.documents.os, "fstat", fstat)
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile, match="too big"):
            load(f, max_bytes=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000


def test_a_file_that_changes_while_it_is_read_is_read_again_or_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.documents

    corpus = tmp_path / "c"
    path = _write(corpus / "moving.txt", "The first version of the file.")
    (f,) = discover(corpus)
    # changed between the listing and the reading: the bytes read are the ones hashed and kept
    _write(path, "The second version, longer than the first one was.")
    got = read_file(f)
    assert got.document.text == "The second version, longer than the first one was."
    assert got.file.size == path.stat().st_size != f.size
    assert got.document.sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    # changing under every read: skipped with a warning, never half-read
    real_fstat, calls = os.fstat, [0]

    def fstat(fd):
        calls[0] += 1
        st = real_fstat(fd)
        return os.stat_result((*st[:8], st[8] + calls[0], st[9])) if calls[0] % 2 == 0 else st

    monkeypatch.setattr(qa.documents.os, "fstat", fstat)
    with pytest.raises(UnreadableFile, match="kept changing"):
        read_file(f)


def test_files_that_change_or_vanish_during_a_build(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    for n in range(4):
        _write(corpus / f"f{n}.txt", f"File number {n} talks about topic {n}.")
    fake = FakeEmbedder()

    def meddle(stage: str, done: int, total: int) -> None:
        if stage == "scan":  # listed, not yet read
            (corpus / "f1.txt").unlink()
            _write(corpus / "f2.txt", "File two was rewritten while the build ran, and is longer now.")

    warnings: list[str] = []
    build(corpus, tmp_path / "i", "fake", lambda: fake, progress=meddle, warn=warnings.append)
    index = open_index(tmp_path / "i")
    assert sorted(f.source for f in index.files) == ["f0.txt", "f2.txt", "f3.txt"]
    assert [w for w in warnings if "f1.txt" in w] == ["skipped f1.txt: No such file or directory"]
    f2 = index.files[index.by_source["f2.txt"]]
    assert index.doc_text(index.by_source["f2.txt"]).startswith("File two was rewritten")
    assert f2.size == (corpus / "f2.txt").stat().st_size
    assert not corpus_status(corpus, tmp_path / "i").stale
    _write(corpus / "f1.txt", "File one is back.")
    summary, _ = _build(corpus, tmp_path / "i", fake)
    assert summary.added == 1 and summary.changed == 0


def test_an_empty_or_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="nothing to index in .*0 file"):
        build(tmp_path / "empty", tmp_path / "i", "fake", FakeEmbedder)
    with pytest.raises(CorpusError, match="corpus folder not found"):
        build(tmp_path / "nope", tmp_path / "i", "fake", FakeEmbedder)
    _write(tmp_path / "only-bad" / "empty.txt", b"")
    _write(tmp_path / "only-bad" / "one.txt", "0")  # text, but not one word BM25 can index
    summary, warnings = _build(tmp_path / "only-bad", tmp_path / "i", FakeEmbedder())
    assert summary.added == 1 and warnings == ["skipped empty.txt: empty file"]


def test_links_are_followed_only_into_the_folders_named(tmp_path: Path) -> None:
    corpus, outside, other = tmp_path / "corpus", tmp_path / "outside", tmp_path / "other"
    _write(corpus / "own.txt", "The corpus's own file is about owls.")
    _write(outside / "deep" / "lynx.txt", "The outside file is about lynxes.")
    _write(other / "private.txt", "A private file about passwords.")
    os.symlink(outside, corpus / "papers")
    os.symlink(other / "private.txt", corpus / "private.txt")
    os.symlink(corpus, corpus / "self")
    os.symlink("../..", outside / "deep" / "up")  # from outside, back over everything
    os.symlink(corpus / "own.txt", corpus / "again.txt")
    fake, root = FakeEmbedder(), tmp_path / "index"

    def sources() -> list[str]:
        return sorted(f.source for f in open_index(root).files)

    _, warnings = _build(corpus, root, fake)
    assert sources() == ["own.txt"]
    assert len([w for w in warnings if "not followed" in w]) == 4  # papers, private.txt, self, again.txt
    summary, warnings = _build(corpus, root, fake, follow_links=(outside,))
    assert sources() == ["own.txt", "papers/deep/lynx.txt"]
    assert any(w.startswith("skipped private.txt: a symbolic link out of") for w in warnings)
    assert any(w.startswith("skipped self: a symbolic link to a folder already read") for w in warnings)
    assert any(w.startswith("skipped again.txt: a symbolic link to a file already read") for w in warnings)
    assert any(w.startswith("skipped papers/deep/up: a symbolic link out of") for w in warnings)
    # the setting is kept: a later build (from `qa ask`, the chat) reads the corpus the same way
    summary, _ = _build(corpus, root, fake)
    assert sources() == ["own.txt", "papers/deep/lynx.txt"] and summary.removed == 0
    assert not corpus_status(corpus, root).stale
    summary, _ = _build(corpus, root, fake, follow_links=())
    assert sources() == ["own.txt"] and summary.removed == 1


def test_folders_nested_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus.joinpath(*["d"] * 300, "bottom.txt"), "The bottom of the folders.")
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)  # 300 folders deep would overflow a recursive walk
    try:
        (f,) = discover(corpus)
    finally:
        sys.setrecursionlimit(limit)
        # remove the tree here, bottom up: pytest's recursive clean-up of old temporary folders
        # would overflow on it later
        deep = corpus.joinpath(*["d"] * 300)
        (deep / "bottom.txt").unlink()
        while deep != corpus:
            deep.rmdir()
            deep = deep.parent
    assert f.source == "d/" * 300 + "bottom.txt"


# ---------------------------------------------------------------- bad questions


BAD_QUESTIONS = [
    "",
    "   \t\n ",
    "x" * 100_000,
    " ".join(f"word{i}" for i in range(15_000))[:100_000],
    "what did \x1b]52;c;ZXZpbA==\x07 the \x1b[2J council\r invest\x08\x08?",
    "市议会投资了多少钱？🏛️💷",
    "Что построили в 1901 году?",
    "the of and to a is it",
    "\ud800 lone \udcff surrogates",
    "\x00",
    "[bold]markup[/bold] [@click=app.quit]",
]


def test_bad_questions_get_answers_not_errors(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    _write(corpus / "esc.txt", NASTY)
    fake = FakeEmbedder()
    build(corpus, tmp_path / "i", "fake", lambda: fake)
    index = open_index(tmp_path / "i")
    for q in BAD_QUESTIONS:
        t0 = time.perf_counter()
        result = answer(index, fake, clean_question(q), AnswerParams(k=5))
        assert time.perf_counter() - t0 < 10, q[:40]
        out = json.dumps(result.to_json(), ensure_ascii=False)
        out.encode("utf-8")  # printable: no lone surrogate left
        assert json.loads(out)["question"] in (clean_question(q), clean_question(q).strip())
        for a in result.answers:
            text = index.doc_text(index.by_source[a.source])
            assert a.text == text[a.start : a.end]


# ---------------------------------------------------------------- the chat shows corpus text as data


def test_the_chat_shows_escapes_and_markup_as_text(tmp_path: Path) -> None:
    import asyncio

    from qa.engine import Engine
    from tui.app import create_app

    corpus = tmp_path / "c"
    _write(corpus / "esc.txt", NASTY)
    _write(corpus / "new\nline.txt", "The badgers dig their setts under the old oak tree.")
    fake = FakeEmbedder()
    engine = Engine(corpus=corpus, root=tmp_path / "i", embedder_factory=lambda name: fake)
    engine.build()

    async def scenario() -> list[str]:
        app = create_app(engine, export_dir=tmp_path, status_every=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.app.workers.wait_for_complete()
            shown = []
            for q in ("What does the escape file say about markup?", "Where do badgers dig?"):
                app.chat.question_input.value = q
                await pilot.press("enter")
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
                turn = app.chat.log_view.turns[-1]
                shown += [str(w.render()) for w in turn.query("Static")]
            turn = app.chat.log_view.turns[-2]
            card = next(c for c in turn.cards if c.answer.source == "esc.txt")
            card.focus()
            await pilot.press("enter")
            await pilot.pause()
            shown += [str(w.render()) for w in app.screen.query("Static")]
            assert app.is_running  # nothing in the document made it quit
            return shown

    shown = "\n".join(asyncio.run(scenario()))
    assert "[@click=app.quit]quit[/]" in shown and "[bold red]markup[/]" in shown
    assert "␛]52;c;ZXZpbA==␇" in shown and "␛]8;;http://evil.test" in shown
    controls = {ch for ch in shown if (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) < 0xA0}
    assert not controls, controls
    assert "\u202e" not in shown


# ---------------------------------------------------------------- the command line, real model


def _qa_executable() -> str:
    sibling = Path(sys.executable).parent / "qa"
    return str(sibling) if sibling.exists() else shutil.which("qa") or "qa"


QA = _qa_executable()
TERMINAL_ACTS_ON = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class CLI:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.corpus, self.bad = hostile_corpus(base)
        (self.corpus / "locked.txt").chmod(0o644)  # the CLI runs as this user: root reads it anyway
        (self.corpus / "locked.txt").unlink()
        self.index = base / "index"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
        self.env.update(XDG_CACHE_HOME=str(base / "xdg"), QA_MODEL_CACHE=str(base / "models"),
                        PYTHONIOENCODING="utf-8", OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1",
                        TRANSFORMERS_OFFLINE="1", COLUMNS="120")

    def run(self, *args, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([QA, *map(os.fsdecode, args)], capture_output=True, env=self.env, cwd=ROOT,
                              timeout=600, **kw)

    def ask(self, *args) -> subprocess.CompletedProcess:
        return self.run("ask", *args, "--corpus", self.corpus, "--index", self.index)


def _text(out: bytes) -> str:
    return out.decode("utf-8")  # strict: output is always valid UTF-8


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> CLI:
    c = CLI(tmp_path_factory.mktemp("hostile-cli"))
    c.first = c.run("index", "--corpus", c.corpus, "--index", c.index, "--max-file-mb", str(MAX_BYTES / 1e6))
    return c


@pytest.mark.integration
def test_cli_index_warns_once_per_bad_file_on_one_line_each(cli: CLI) -> None:
    assert cli.first.returncode == 0, cli.first.stderr
    err = _text(cli.first.stderr)
    assert "Traceback" not in err and not TERMINAL_ACTS_ON.search(err)
    lines = err.strip().splitlines()
    assert all(line.startswith("qa: warning: ") for line in lines), lines
    for name in cli.bad:
        if name != "locked.txt":
            assert len([line for line in lines if line.startswith(f"qa: warning: skipped {name}:")]) == 1, name
    status = cli.run("status", "--corpus", cli.corpus, "--index", cli.index)
    out = _text(status.stdout)
    assert status.returncode == 0 and not TERMINAL_ACTS_ON.search(out)
    assert "up to date" in out


@pytest.mark.integration
def test_cli_plain_answers_carry_no_control_characters(cli: CLI) -> None:
    run = cli.ask("What does the escape file say about a clipboard write?")
    out, err = _text(run.stdout), _text(run.stderr)
    assert run.returncode in (0, 1), err
    assert "The escape file says" in out and "[@click=app.quit]quit[/]" in out
    assert not TERMINAL_ACTS_ON.search(out) and not TERMINAL_ACTS_ON.search(err)
    run = cli.ask("Where do the badgers dig?")
    cite = next(line for line in _text(run.stdout).splitlines() if "line.txt" in line)
    assert "new␤line.txt:1" in cite


@pytest.mark.integration
def test_cli_json_stays_valid_and_keeps_the_text_as_it_is(cli: CLI) -> None:
    run = cli.ask("What does the escape file say about a clipboard write?", "--json")
    result = json.loads(_text(run.stdout))
    a = next(a for a in result["answers"] if a["source"] == "esc.txt")
    assert a["text"] == NASTY[a["start"] : a["end"]] and "\x1b]52;" in a["text"]
    assert "\x1b" not in _text(run.stdout)  # escaped in the JSON text: \u001b
    run = cli.ask("What does the zebra keeper do?", "--json")
    a = json.loads(_text(run.stdout))["answers"][0]
    assert a["source"] == "utf16.txt" and a["offsets"] == "extracted"


@pytest.mark.integration
def test_cli_bad_questions(cli: CLI, tmp_path: Path) -> None:
    for q in ("", "   \t "):
        run = cli.ask(q)
        assert run.returncode == 2 and b"the question is empty" in run.stderr and b"Traceback" not in run.stderr
    batch = tmp_path / "q.jsonl"
    batch.write_text("".join(json.dumps({"id": str(i), "question": q}) + "\n" for i, q in enumerate(BAD_QUESTIONS)),
                     encoding="utf-8")
    run = cli.ask("--batch", batch, "--json")
    assert run.returncode == 0, run.stderr
    lines = _text(run.stdout).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [str(i) for i in range(len(BAD_QUESTIONS))]
    # undecodable bytes on the command line, and a question of 100,000 characters
    run = cli.ask(b"council \xff\xfe invest?")
    assert run.returncode in (0, 1) and b"Traceback" not in run.stderr and not run.stderr.strip(), run.stderr
    assert _text(run.stdout).startswith("Q: council \ufffd\ufffd invest?")
    run = cli.ask("how much " * 11_112)
    out = _text(run.stdout)
    first = out.splitlines()[0]
    assert run.returncode in (0, 1) and re.search(r"… \(100,00\d characters\)$", first) and len(first) < 400


@pytest.mark.integration
def test_cli_asks_while_a_build_holds_the_index_and_a_second_build_is_refused(cli: CLI) -> None:
    from embeddings.store import build_lock

    with build_lock(cli.index):
        (cli.index / ".staging-v-20990101T000000-000000000-1").mkdir()  # a build half way through
        asked = cli.ask("Where do the badgers dig?")
        second = cli.run("index", "--corpus", cli.corpus, "--index", cli.index)
    assert asked.returncode == 0 and "badgers" in _text(asked.stdout)
    assert second.returncode == 3
    (line,) = _text(second.stderr).strip().splitlines()
    assert line == (f"qa: error: another build (process {os.getpid()}) is running on {cli.index}; "
                    "wait for it to finish and try again")


def test_the_size_limit_is_the_formats_own_unless_the_user_sets_one(tmp_path: Path) -> None:
    from qa.documents import MAX_FILE_BYTES, file_limit
    from qa.readers import format_for

    assert file_limit(Path("a.txt"), None) == file_limit(Path("b.md"), None) == MAX_FILE_BYTES
    pdf = format_for(Path("x.pdf")).max_bytes
    assert file_limit(Path("x.pdf"), None) == pdf >= 50 * MAX_FILE_BYTES
    assert file_limit(Path("x.html"), None) == format_for(Path("x.html")).max_bytes
    assert file_limit(Path("x.pdf"), 5) == file_limit(Path("a.txt"), 5) == 5
