"""A folder of mixed documents made here (a PDF of three pages, an HTML page with navigation and
a footer, a .docx with a table, Markdown with headings) built, asked and shown: answers cite the
page and the section, and their positions index the text ``qa show`` prints.

The core tests use the fake embedder; one test runs the real model through the ``qa`` command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import make_documents as make
import pytest
from click.testing import CliRunner
from conftest import FakeEmbedder, read_exact

from qa.cli import main
from qa.engine import Engine
from qa.index import open_index

PDF_PAGES = [
    ["Harbour Lighthouse Annual Report", "",
     "The harbour lighthouse was built in 1873 by the engineer Thomas Stevenson on",
     "the northern breakwater. Its tower stands twenty-six metres tall and is painted",
     "white with a single red band.", ""],
    ["Keepers and Automation", "",
     "The last resident keeper, Margaret Ross, left the lighthouse in 1989 when the",
     "light was automated by the Northern Lighthouse Board. She had served there for",
     "thirty-one years and kept a daily log of every ship that passed.", ""],
    ["Visiting", "",
     "Visitors can climb the 120 steps to the lantern room on summer weekends. Tickets",
     "cost four pounds for adults and two pounds for children under twelve.", ""],
]
MUSEUM = (
    "<h1>The Maritime Museum</h1>"
    "<p>The maritime museum opened in 1952 in the old customs house on Quay Street. Its collection "
    "holds over four thousand objects from the age of sail.</p>"
    "<h2>Opening hours</h2>"
    "<p>The museum is open from ten in the morning until five in the afternoon, every day except "
    "Mondays. Entry is free for all visitors.</p>"
)
BUDGET = [
    ("h1", "Harbour Budget 2024"),
    ("p", "The harbour board approved a budget of 2.4 million pounds for the year."),
    ("h2", "Spending by area"),
    ("table", [["Area", "Spend"], ["Dredging the channel", "1.5 million pounds"], ["Pier repairs", "300,000 pounds"]]),
    ("p", "The board meets again in March to review the dredging contract."),
]
GUIDE = (
    "# Harbour guide\n\nA short guide to the harbour.\n\n## Fishing\n\n"
    "Fishing from the pier needs a permit from the harbour office, which costs ten pounds a year.\n\n"
    "## Boats\n\nThe ferry to the island leaves at nine every morning from the south quay.\n"
)


def write_corpus(corpus: Path, hostile: bool = True) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "lighthouse.pdf").write_bytes(make.pdf(PDF_PAGES))
    (corpus / "museum.html").write_text(make.html_page(
        "The Maritime Museum", MUSEUM, nav="Home|Collections|Shop|Opening times NAVLINK",
        footer="Copyright 2024 Harbour Town Council FOOTERTEXT. All rights reserved."), encoding="utf-8")
    (corpus / "budget.docx").write_bytes(make.docx(BUDGET))
    (corpus / "guide.md").write_text(GUIDE, encoding="utf-8")
    if hostile:
        (corpus / "scanned.pdf").write_bytes(make.pdf([None, None]))
        (corpus / "bomb.docx").write_bytes(make.zip_bomb(gigabytes=2))
        (corpus / "loop.pdf").write_bytes(make.pdf_looping_pages())
        (corpus / "locked.pdf").write_bytes(_locked_pdf())


def _locked_pdf() -> bytes:
    import io

    import pypdf

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make.pdf([["Locked text."]]))))
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("formats")
    write_corpus(base / "corpus")
    warnings: list[str] = []
    fake = FakeEmbedder()
    engine = Engine(corpus=base / "corpus", root=base / "index", embedder_factory=lambda name: fake)
    summary = engine.build(warn=warnings.append)
    return engine, summary, warnings


def _top(engine: Engine, question: str):
    result = engine.ask(question, k=3)
    assert result.answers, question
    return result.answers[0]


def test_every_format_is_read_and_hostile_files_are_one_warning_each(built) -> None:
    engine, summary, warnings = built
    assert summary.added == 4
    assert sorted(f.source for f in engine.index.files) == ["budget.docx", "guide.md", "lighthouse.pdf", "museum.html"]
    by_file = {w.split(":", 1)[0].removeprefix("skipped "): w for w in warnings}
    assert set(by_file) == {"bomb.docx", "loop.pdf", "locked.pdf", "scanned.pdf"}, warnings
    assert "zip bomb" in by_file["bomb.docx"]
    assert "no text layer" in by_file["scanned.pdf"]
    assert "needs a password" in by_file["locked.pdf"]
    assert "damaged PDF" in by_file["loop.pdf"]
    assert all("\n" not in w for w in warnings)
    status = engine.status()
    assert not status.stale and set(status.skipped) == set(by_file)


def test_a_pdf_answer_cites_its_page(built) -> None:
    engine, *_ = built
    a = _top(engine, "When did Margaret Ross leave the lighthouse?")
    assert "left the lighthouse in 1989" in a.text
    assert (a.source, a.page, a.offsets) == ("lighthouse.pdf", 2, "extracted")
    a = _top(engine, "How many steps do visitors climb to the lantern room?")
    assert "120 steps" in a.text and a.page == 3


def test_html_answers_come_from_the_main_text_with_their_section(built) -> None:
    engine, *_ = built
    a = _top(engine, "Until what time in the afternoon is the museum open?")
    assert a.source == "museum.html" and "ten in the morning" in a.text
    assert (a.page, a.offsets, a.section) == (None, "extracted", "The Maritime Museum > Opening hours")
    text = engine.index.doc_text(engine.index.by_source["museum.html"])
    assert "NAVLINK" not in text and "FOOTERTEXT" not in text and "SCRIPT" not in text
    assert text.startswith("The Maritime Museum\n\n")


def test_a_docx_table_row_is_an_answer(built) -> None:
    engine, *_ = built
    result = engine.ask("How much was spent on dredging the channel?", k=3)
    row = next(a for a in result.answers if a.source == "budget.docx" and "|" in a.text)
    assert row.text == "Dredging the channel | 1.5 million pounds"
    assert row.section == "Harbour Budget 2024 > Spending by area" and row.offsets == "extracted"


def test_markdown_answers_quote_the_file_as_written_with_their_section(built) -> None:
    engine, *_ = built
    a = _top(engine, "How much does a fishing permit cost?")
    assert a.source == "guide.md" and a.offsets == "file"
    assert a.text == "Fishing from the pier needs a permit from the harbour office, which costs ten pounds a year."
    assert read_exact(engine.corpus / "guide.md")[a.start : a.end] == a.text
    assert a.section == "Harbour guide > Fishing"


def test_positions_index_the_text_qa_show_prints(built) -> None:
    engine, *_ = built
    index = engine.index
    runner = CliRunner()
    args = ["--corpus", str(engine.corpus), "--index", str(engine.root)]
    for q in ("When did Margaret Ross leave the lighthouse?", "Until what time in the afternoon is the museum open?",
              "How much was spent on dredging the channel?", "How much does a fishing permit cost?"):
        for a in engine.ask(q, k=5).answers:
            shown = runner.invoke(main, ["show", a.source, *args])
            assert shown.exit_code == 0, shown.output
            assert shown.output[a.start : a.end] == a.text
            assert shown.output == index.doc_text(index.by_source[a.source])
            data = json.loads(runner.invoke(main, ["show", a.source, "--json", *args]).output)
            assert data["offsets"] == a.offsets and data["text"][a.start : a.end] == a.text
            if a.page:
                assert data["page_starts"][a.page - 1] <= a.start
                assert a.page == len(data["page_starts"]) or a.start < data["page_starts"][a.page]


def test_qa_show_takes_a_page_or_a_citation(built) -> None:
    engine, *_ = built
    runner = CliRunner()
    args = ["--corpus", str(engine.corpus), "--index", str(engine.root)]
    page2 = runner.invoke(main, ["show", "lighthouse.pdf", "--page", "2", *args]).output
    assert page2.startswith("Keepers and Automation\n\nThe last resident keeper") and "Visiting" not in page2
    assert runner.invoke(main, ["show", "lighthouse.pdf p.2", *args]).output == page2
    assert runner.invoke(main, ["show", "guide.md:7 § Harbour guide > Fishing", *args]).output == GUIDE
    data = json.loads(runner.invoke(main, ["show", "lighthouse.pdf", "--page", "3", "--json", *args]).output)
    assert data["start"] == data["page_starts"][2] and data["text"].startswith("Visiting")
    missing = runner.invoke(main, ["show", "nowhere.pdf", *args])
    assert missing.exit_code == 2 and "not in the index" in missing.output
    too_far = runner.invoke(main, ["show", "lighthouse.pdf", "--page", "4", *args])
    assert too_far.exit_code == 2 and "3 page(s)" in too_far.output
    no_pages = runner.invoke(main, ["show", "guide.md", "--page", "1", *args])
    assert no_pages.exit_code == 2 and "no pages" in no_pages.output


def test_plain_output_cites_the_page_and_the_section(built, monkeypatch) -> None:
    engine, *_ = built
    monkeypatch.setattr("qa.engine.load_embedder", lambda name, **_: FakeEmbedder())
    args = ["--corpus", str(engine.corpus), "--index", str(engine.root), "-k", "1"]
    out = CliRunner().invoke(main, ["ask", "When did Margaret Ross leave the lighthouse?", *args]).output
    assert "left the lighthouse in 1989" in out and "    lighthouse.pdf p.2   score" in out
    out = CliRunner().invoke(main, ["ask", "How much does a fishing permit cost?", *args]).output
    assert "guide.md:7 § Harbour guide > Fishing   score" in out


def test_json_answer_fields(built) -> None:
    engine, *_ = built
    a = _top(engine, "When did Margaret Ross leave the lighthouse?").to_json()
    assert a["page"] == 2 and a["offsets"] == "extracted" and "section" in a
    assert list(a)[:7] == ["text", "source", "start", "end", "line", "page", "section"]


def test_incremental_rebuild_keeps_pages_and_sections(built, tmp_path: Path) -> None:
    engine, *_ = built
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(engine.corpus, corpus)
    shutil.copytree(engine.root, root)
    (corpus / "notes.txt").write_text("The harbour master is Ann Jones.\n", encoding="utf-8")
    fake = FakeEmbedder()
    again = Engine(corpus=corpus, root=root, embedder_factory=lambda name: fake)
    summary = again.build()
    assert summary.added == 1 and summary.unchanged == 4
    a = _top(again, "Until what time in the afternoon is the museum open?")
    assert a.section == "The Maritime Museum > Opening hours"
    assert _top(again, "When did Margaret Ross leave the lighthouse?").page == 2
    entry = open_index(root).files[open_index(root).by_source["guide.md"]]
    assert [t for _, _, t in entry.sections] == ["Harbour guide", "Fishing", "Boats"]


# ---------------------------------------------------------------- the real model, through `qa`


@pytest.mark.integration
def test_the_qa_command_on_mixed_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, hostile=False)
    (corpus / "bomb.docx").write_bytes(make.zip_bomb(gigabytes=2))
    qa = str(Path(sys.executable).parent / "qa")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1", PYTHONIOENCODING="utf-8",
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    where = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([qa, *args, *where], capture_output=True, text=True, env=env, timeout=300)

    built = run("index", "--json")
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["added"] == 4
    assert "skipped bomb.docx" in built.stderr and "zip bomb" in built.stderr
    questions = tmp_path / "q.jsonl"
    asked = {
        "pdf": ("When did Margaret Ross leave the lighthouse?", "lighthouse.pdf", "in 1989"),
        "html": ("Until what time in the afternoon is the museum open?", "museum.html", "ten in the morning"),
        "docx": ("How much did the harbour board budget for the year?", "budget.docx", "2.4 million pounds"),
        "md": ("How much does a fishing permit cost?", "guide.md", "ten pounds a year"),
    }
    questions.write_text("".join(json.dumps({"id": k, "question": q}) + "\n" for k, (q, _, _) in asked.items()))
    out = run("ask", "--batch", str(questions), "--json")
    assert out.returncode == 0, out.stderr
    shown: dict[str, str] = {}
    for line in out.stdout.splitlines():
        result = json.loads(line)
        _, source, words = asked[result["id"]]
        top = result["answers"][0]
        assert result["answered"] and top["source"] == source and words in top["text"], result
        for a in result["answers"]:
            if a["source"] not in shown:
                show = run("show", a["source"])
                assert show.returncode == 0, show.stderr
                shown[a["source"]] = show.stdout
            assert shown[a["source"]][a["start"] : a["end"]] == a["text"]
            assert a["offsets"] == ("file" if a["source"].endswith(".md") else "extracted")
        if source == "lighthouse.pdf":
            assert top["page"] == 2
