"""Each format's reader on small real documents made here, hostile ones included.

Readers are called in this process (``pdf.read``...) to test what they extract; ``extract``
goes through the worker process with its limits, as a build does.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import make_documents as make
import pytest
from conftest import ROOT

from qa.chunking import section_of
from qa.errors import UnreadableFile
from qa.readers import extract, format_for, html, isolate, markdown, pdf, plain, rst, supported_suffixes, word

LIGHTHOUSE = [
    ["Harbour Lighthouse Report", "",
     "The harbour lighthouse was built in 1873 by the engineer Thomas Stevenson on",
     "the northern breakwater. Its tower stands twenty-six metres tall and is paint-",
     "ed white with a single red band.", ""],
    ["Keepers", "",
     "The last resident keeper, Margaret Ross, left the lighthouse in 1989 when the",
     "light was automated by the Northern Lighthouse Board. She had served there for",
     "thirty-one years and kept a daily log of every ship that passed.", ""],
    ["Visiting", "", "Visitors climb the 120 steps to the lantern room on summer weekends."],
]


def P(name: str) -> Path:
    return Path(name)


# ---------------------------------------------------------------- PDF


def test_pdf_text_per_page_lines_joined_into_paragraphs() -> None:
    got = pdf.read(P("a.pdf"), make.pdf(LIGHTHOUSE))
    assert got.offsets == "extracted"
    assert len(got.page_starts) == 3 and got.page_starts[0] == 0
    pages = [got.text[a:b] for a, b in zip(got.page_starts, [*got.page_starts[1:], len(got.text)])]
    assert pages[0].startswith("Harbour Lighthouse Report\n\nThe harbour lighthouse was built in 1873")
    assert "Thomas Stevenson on the northern breakwater." in pages[0]  # a wrapped line joined
    assert "is painted white" in pages[0]  # a hyphenated word joined again
    assert "Margaret Ross, left the lighthouse in 1989" in pages[1]
    assert pages[2].strip() == "Visiting\n\nVisitors climb the 120 steps to the lantern room on summer weekends."
    assert got.warnings == ()


def test_pdf_pages_with_no_text_layer() -> None:
    with pytest.raises(UnreadableFile, match="no text layer"):
        pdf.read(P("scan.pdf"), make.pdf([None, None]))
    got = pdf.read(P("mixed.pdf"), make.pdf([["First page text."], None, [], None, ["Last page text."]]))
    assert got.text == "First page text.\n\nLast page text."
    assert got.warnings == ("no text layer on pages 2, 4 (scanned?): not indexed",)  # page 3 is blank
    assert section_of((), 0) is None
    from qa.chunking import page_of

    assert page_of(got.page_starts, got.text.index("Last")) == 5


def test_pdf_encrypted_opens_without_a_password_or_says_it_needs_one() -> None:
    import pypdf

    def encrypted(user: str) -> bytes:
        w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make.pdf([["Secured but readable."]]))))
        w.encrypt(user_password=user, owner_password="owner", algorithm="AES-256")
        out = io.BytesIO()
        w.write(out)
        return out.getvalue()

    assert pdf.read(P("a.pdf"), encrypted("")).text == "Secured but readable."
    with pytest.raises(UnreadableFile, match="needs a password"):
        pdf.read(P("b.pdf"), encrypted("secret"))


@pytest.mark.parametrize("raw, why", [
    (b"%PDF-1.4\n garbage", "damaged PDF"),
    (make.pdf([["Cut short."]])[:150], "damaged PDF"),
    (make.pdf_looping_pages(), "damaged PDF"),
    (b"<html>not a pdf</html>", "not a PDF"),
])
def test_pdf_damaged_or_not_a_pdf(raw: bytes, why: str) -> None:
    with pytest.raises(UnreadableFile, match=why):
        pdf.read(P("x.pdf"), raw)


def test_pdf_loops_are_cut_short() -> None:
    t0 = time.monotonic()
    assert pdf.read(P("form.pdf"), make.pdf_looping_form()).text == "Loop"  # a form that draws itself
    assert "never be reached" in pdf.read(P("xref.pdf"), make.pdf_looping_xref()).text  # /Prev to itself
    assert time.monotonic() - t0 < 5


def test_pdf_a_page_with_too_much_content_is_skipped(monkeypatch) -> None:
    monkeypatch.setattr(pdf, "MAX_PAGE_CONTENT", 1_000_000)
    raw = make.pdf_huge_page(megabytes=3)  # 8 kB that inflate to 3 MB of text operators
    assert len(raw) < 50_000
    with pytest.raises(UnreadableFile, match="no page could be read: page 1: 3 MB of page content"):
        pdf.read(P("huge.pdf"), raw)


def test_pdf_a_slow_page_is_given_up_and_the_rest_kept(monkeypatch) -> None:
    monkeypatch.setattr(pdf, "MAX_PAGE_SECONDS", 0.0)  # every page overruns at its first operator
    with pytest.raises(UnreadableFile, match="gave up after"):
        pdf.read(P("slow.pdf"), make.pdf([["One."], ["Two."]]))
    monkeypatch.setattr(pdf, "MAX_PAGE_SECONDS", 15.0)
    monkeypatch.setattr(pdf, "MAX_SECONDS", -1.0)  # the whole file's budget spent before page 1
    with pytest.raises(UnreadableFile, match="stopped after .* at page 1 of 2"):
        pdf.read(P("slow.pdf"), make.pdf([["One."], ["Two."]]))


def test_pdf_paragraphs_from_lines() -> None:
    text = ("A heading\n"
            "This is a long line of body text that runs to the right margin of\n"
            "the page and goes on for a while, like any para-\n"
            "graph does.\n"
            "- an item of a list\n"
            "Another paragraph starts here and it is also long enough to wrap\n"
            "over two lines of the page.")
    assert pdf.paragraphs(text) == [
        "A heading",
        "This is a long line of body text that runs to the right margin of the page and goes on for "
        "a while, like any paragraph does.",
        "- an item of a list",
        "Another paragraph starts here and it is also long enough to wrap over two lines of the page.",
    ]


# ---------------------------------------------------------------- HTML

ARTICLE = (
    "<h1>The Maritime Museum</h1>"
    "<p>The maritime museum opened in 1952 in the old customs house on Quay Street. Its collection "
    "holds over four thousand objects from the age of sail.</p>"
    "<h2>Opening hours</h2>"
    "<p>The museum is open from ten until five every day except Mondays. Entry is free.</p>"
    "<table><tr><th>Day</th><th>Hours</th></tr><tr><td>Saturday</td><td>10 to 5</td></tr></table>"
    "<ul><li>Guided tours at noon</li><li>Café on the ground floor</li></ul>"
)


def test_html_main_text_without_navigation_footer_or_scripts() -> None:
    page = make.html_page("Maritime Museum | Harbour Town", ARTICLE, nav="Home|Collections NAVLINK|Shop",
                          footer="Copyright 2024 Harbour Town Council FOOTERTEXT. Cookie policy.")
    got = html.read(P("m.html"), page.encode())
    assert got.offsets == "extracted"
    for junk in ("NAVLINK", "FOOTERTEXT", "SCRIPT TEXT", "color:", "Cookie"):
        assert junk not in got.text
    assert got.text.startswith("The Maritime Museum\n\nThe maritime museum opened in 1952")
    assert "Day | Hours\n\nSaturday | 10 to 5" in got.text  # a table row is a paragraph
    assert "Guided tours at noon\n\nCafé on the ground floor" in got.text
    heads = [(lvl, t) for _, lvl, t in got.sections]
    assert heads == [(1, "The Maritime Museum"), (2, "Opening hours")]
    assert section_of(got.sections, got.text.index("Entry is free")) == "The Maritime Museum > Opening hours"


def test_html_title_kept_when_the_page_has_no_heading_for_it() -> None:
    body = "<p>" + "The ferry to the island leaves at nine every morning from the south quay. " * 5 + "</p>"
    got = html.read(P("f.html"), make.html_page("Ferry timetable", body).encode())
    assert got.text.startswith("Ferry timetable\n\nThe ferry to the island leaves at nine")


def test_html_fragments_and_pages_without_main_text_still_give_their_text() -> None:
    assert html.read(P("a.html"), b"<p>Only a fragment of text, short.</p>").text == "Only a fragment of text, short."
    with pytest.raises(UnreadableFile, match="no text"):
        html.read(P("b.html"), b"<html><body><script>x()</script></body></html>")


# ---------------------------------------------------------------- Word


def test_docx_paragraphs_and_tables_in_order_with_headings() -> None:
    raw = make.docx([
        ("h0", "Harbour Budget"),
        ("h1", "Summary"),
        ("p", "The harbour board approved a budget of 2.4 million pounds for the year."),
        ("h2", "Spending by area"),
        ("table", [["Area", "Spend"], ["Dredging", "1.5 million pounds"], ["Repairs", "300,000 pounds"]]),
        ("p", "The board meets again in March."),
    ])
    got = word.read(P("b.docx"), raw)
    assert got.offsets == "extracted"
    assert got.text == (
        "Harbour Budget\n\nSummary\n\n"
        "The harbour board approved a budget of 2.4 million pounds for the year.\n\n"
        "Spending by area\n\nArea | Spend\n\nDredging | 1.5 million pounds\n\nRepairs | 300,000 pounds\n\n"
        "The board meets again in March."
    )
    assert [(lvl, t) for _, lvl, t in got.sections] == [(0, "Harbour Budget"), (1, "Summary"), (2, "Spending by area")]
    assert section_of(got.sections, got.text.index("Dredging")) == "Harbour Budget > Summary > Spending by area"


def test_docx_leaves_out_deleted_text_field_codes_and_drawing_fallbacks() -> None:
    body = (
        '<w:p><w:pPr><w:pStyle w:val="Kop1"/></w:pPr><w:r><w:t>Inleiding</w:t></w:r></w:p>'
        "<w:p><w:r><w:t xml:space=\"preserve\">Kept </w:t></w:r>"
        "<w:del><w:r><w:delText>deleted </w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>inserted</w:t></w:r></w:ins>"
        "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>"
        "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>, page 7</w:t></w:r>"
        "<w:r><w:tab/><w:t>end.</w:t></w:r>"
        "<w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent><w:p><w:r><w:t>Box text.</w:t></w:r></w:p>"
        "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r>"
        "<w:t>Box text.</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>outer</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>inner</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc>"
        "<w:tc><w:p><w:r><w:t>two</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>In a content control.</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    styles = '<w:style w:type="paragraph" w:styleId="Kop1"><w:name w:val="heading 1"/></w:style>'
    got = word.read(P("x.docx"), make.docx_xml(body, styles))
    assert got.text == "Inleiding\n\nKept inserted, page 7 end.\n\nBox text.\n\nouter inner | two\n\nIn a content control."
    assert got.sections == ((0, 1, "Inleiding"),)


def test_docx_zip_bomb_is_refused_at_once() -> None:
    raw = make.zip_bomb(gigabytes=4)
    t0 = time.monotonic()
    with pytest.raises(UnreadableFile, match="would unpack to 4,295 MB .*zip bomb"):
        word.read(P("bomb.docx"), raw)
    assert time.monotonic() - t0 < 1


def test_docx_hostile_or_wrong_files() -> None:
    laughs = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    with pytest.raises(UnreadableFile, match="DOCTYPE"):
        word.read(P("e.docx"), make.docx_xml("<w:p><w:r><w:t>&b;</w:t></w:r></w:p>", doctype=laughs))
    with pytest.raises(UnreadableFile, match="old-format"):
        word.read(P("old.docx"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(UnreadableFile, match="not a Word document"):
        buf = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("hello.txt", "hi")
        word.read(P("zip.docx"), buf.getvalue())
    with pytest.raises(UnreadableFile, match="damaged"):
        word.read(P("cut.docx"), make.docx([("p", "Some text.")])[:-200])


# ---------------------------------------------------------------- Markdown


def test_markdown_is_its_own_text_with_headings_as_sections() -> None:
    source = (
        "---\ntitle: not a heading\n---\n# Guide\n\nIntro **text**.\r\n\r\nInstall\n-------\n\n"
        "Run `qa index`.\n\n```sh\n# a comment, not a heading\n```\n\n### Linux ###\n\nUse apt.\n\n- a list item\n---\n"
    )
    got = markdown.read(P("g.md"), source.encode())
    assert got.text == source and got.offsets == "file"  # quotes are the text as written
    assert [(lvl, t) for _, lvl, t in got.sections] == [(1, "Guide"), (2, "Install"), (3, "Linux")]
    for start, _, title in got.sections:
        assert title in source[start:].split("\n", 2)[0] + source[start:].split("\n", 2)[1]
    assert section_of(got.sections, source.index("Use apt")) == "Guide > Install > Linux"
    assert section_of(got.sections, source.index("Intro")) == "Guide"
    assert section_of(got.sections, 0) is None


def test_restructuredtext_is_its_own_text_with_titles_as_sections() -> None:
    """Titles underlined, or over- and underlined, numbered by their styles' order; a transition,
    a short underline, an indented line, a paragraph's last line and a literal block are not titles."""
    source = (
        "=======\n tqdm\n=======\n\nA progress bar.\n\nInstallation\n------------\n\nRun::\n\n"
        "    pip install tqdm\n    ----------------\n\nLatest release\n~~~~~~~~~~~~~~\n\nUse pip.\n"
        "More text\n---------\n\n----------\n\nToo short\n---\n\nLicense\r\n-------\r\n\r\nMIT.\n"
    )
    got = rst.read(P("tqdm.rst"), source.encode())
    assert got.text == source and got.offsets == "file"  # quotes are the text as written
    assert [(lvl, t) for _, lvl, t in got.sections] == [
        (1, "tqdm"), (2, "Installation"), (3, "Latest release"), (2, "License")]
    assert got.sections[0][0] == 0 and source[got.sections[1][0]:].startswith("Installation")
    assert section_of(got.sections, source.index("Use pip")) == "tqdm > Installation > Latest release"
    assert section_of(got.sections, source.index("MIT")) == "tqdm > License"
    assert format_for(P("README.rst")).name == "reStructuredText"


def test_a_text_file_cites_its_underlined_titles_and_prose_has_none() -> None:
    """A README kept as text (PyPI's text/plain descriptions) has underlined titles; a story's
    lines, a list after a dash rule and a signature line do not make any."""
    readme = "Python Sorted Containers\n========================\n\nFast.\n\nFeatures\n--------\n\n- Pure-Python\n"
    got = plain.read(P("sortedcontainers.txt"), readme.encode())
    assert got.text == readme and [(lvl, t) for _, lvl, t in got.sections] == [(1, "Python Sorted Containers"), (2, "Features")]
    prose = ("Dame Julie pops in to see Poppins\n\nMary Poppins star Julie Andrews watched the show.\n"
             "------\nScores: 3-1\n\nBest wishes,\n--\nAnn\n")
    assert plain.read(P("news.txt"), prose.encode()).sections == ()


def test_section_of_climbs_out_of_deeper_headings() -> None:
    sections = ((0, 1, "A"), (10, 2, "B"), (20, 3, "C"), (30, 2, "D"), (40, 1, "E"))
    assert [section_of(sections, o) for o in (5, 15, 25, 35, 45)] == ["A", "A > B", "A > B > C", "A > D", "E"]


# ---------------------------------------------------------------- choosing a reader


def test_formats_by_extension() -> None:
    assert {".pdf", ".html", ".htm", ".docx", ".md", ".txt", ".rst"} <= set(supported_suffixes())
    assert format_for(P("A.PDF")).name == "PDF" and format_for(P("x.doc")) is None


def test_content_wins_over_a_wrong_extension() -> None:
    assert extract(P("notes.txt"), make.pdf([["A PDF named notes.txt."]])).text == "A PDF named notes.txt."
    page = make.html_page("Saved page", "<p>" + "A web page saved with the wrong name. " * 8 + "</p>")
    got = extract(P("paper.pdf"), page.encode())
    assert got.text.startswith("Saved page") and "wrong name" in got.text
    with pytest.raises(UnreadableFile, match="not a PDF"):
        extract(P("fake.pdf"), b"just some text")
    with pytest.raises(UnreadableFile, match=r"not a Word document .*taken for Word"):
        extract(P("archive.md"), _zip_with("a.txt"))


def _zip_with(name: str) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, "x")
    return buf.getvalue()


# ---------------------------------------------------------------- the worker process


@pytest.fixture
def test_readers_in_worker(monkeypatch):
    """A worker that can import this folder's modules (hostile readers live in make_documents)."""
    here = str(Path(__file__).parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p))
    with isolate._lock:
        isolate._stop()
    yield
    with isolate._lock:
        isolate._stop()


def test_worker_limits_time_and_memory_and_survives_crashes(test_readers_in_worker) -> None:
    t0 = time.monotonic()
    with pytest.raises(UnreadableFile, match="gave up after 1 s"):
        isolate.read(make.sleepy_reader, P("a.pdf"), b"", seconds=1)
    assert time.monotonic() - t0 < 5
    with pytest.raises(UnreadableFile, match="needs more than 0.2 GB of memory"):
        isolate.read(make.hungry_reader, P("a.pdf"), b"", memory=256 << 20)
    with pytest.raises(UnreadableFile, match="crashed|stopped"):
        isolate.read(make.crashing_reader, P("a.pdf"), b"")
    # a new worker takes the next file
    assert isolate.read(pdf.read, P("a.pdf"), make.pdf([["Still working."]])).text == "Still working."


def test_hostile_files_through_extract_are_warnings_in_bounded_time() -> None:
    t0 = time.monotonic()
    for name, raw, why in [
        ("bomb.docx", make.zip_bomb(gigabytes=8), "zip bomb"),
        ("loop.pdf", make.pdf_looping_pages(), "cyclic"),
        ("huge.html", b"<html>" + b" " * (html.MAX_BYTES + 1), "too big for HTML"),
    ]:
        with pytest.raises(UnreadableFile, match=why):
            extract(P(name), raw)
    assert time.monotonic() - t0 < 10


def test_a_text_corpus_never_loads_a_format_library_or_starts_a_worker(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The alpha river flows north. It floods every spring.\n")
    (corpus / "b.md").write_text("# Beta\n\nThe beta summit is 3,000 metres high.\n")
    code = (
        "import sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from pathlib import Path\n"
        "from conftest import FakeEmbedder\n"
        "from qa.engine import Engine\n"
        "from qa.readers import isolate\n"
        f"e = Engine(corpus=Path({str(corpus)!r}), root=Path({str(tmp_path / 'index')!r}),\n"
        "           embedder_factory=lambda name: FakeEmbedder())\n"
        "e.build()\n"
        "assert e.ask('How high is the beta summit?').answers\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "             ('pypdf', 'docx', 'trafilatura', 'lxml', 'justext', 'htmldate', 'cryptography'))\n"
        "assert not bad, bad\n"
        "assert isolate._worker is None\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr


def test_a_short_html_page_keeps_its_headings_and_drops_its_menus() -> None:
    """trafilatura keeps every word of a page this short, menus too; the boilerplate goes anyway."""
    from qa.readers import html

    raw = make.html_page(
        "The Maritime Museum",
        "<h2>Opening hours</h2><p>The museum opens at 10am and closes at 5pm except on Monday.</p>",
        nav="Home|Shop|Visit us", footer="Copyright 2024 Museum Trust",
    ).encode()
    got = html.read(Path("museum.html"), raw)
    assert "Shop" not in got.text and "Copyright" not in got.text and "SCRIPT" not in got.text
    assert got.text.startswith("The Maritime Museum\n\nOpening hours\n\nThe museum opens at 10am")
    assert [s[1:] for s in got.sections] == [(2, "Opening hours")]
    loose = b"<html><body><div>Loose words in a div.<p>A paragraph.</p></div><table><tr><th>Year</th><th>Cost</th></tr><tr><td>2020</td><td>5</td></tr></table></body></html>"
    assert html.read(Path("t.html"), loose).text == "Loose words in a div.\n\nA paragraph.\n\nYear | Cost\n\n2020 | 5"
