"""Credits: the lines that say who wrote a piece and when, or who maintains a project, and the
questions that ask for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fake_index

from qa.credits import (
    about,
    asks_published,
    credit_asked,
    credit_rows,
    defined,
    definition_rows,
    install_rows,
    installer_asked,
    is_byline,
    is_copyright,
    own_byline,
    section_rows,
    topic_of,
)


@pytest.mark.parametrize(
    "text, byline",
    [
        ("By Lisa McNally | 09 February 2026", True),
        ("By Cllr Carl Jackson | 09 February 2026", True),
        ("William Eichler 01 November 2019", True),
        ("By Saara Idelbi and Conor Monighan", True),
        ("Posted by Jean-Luc van der Berg on March 3, 2021", True),
        ("By Andrew Travers, 2024-02-05", True),
        ("Popular articles by William Eichler", False),  # a link to more, not a piece's byline
        ("By default, fuzzy matching searches for the first match.", False),
        ("By comparison, the well-established", False),
        ("Council leader, Cllr Abi Brown, said: 'We are fully committed.'", False),
        ("Gavin Williamson 2019", False),  # a year alone is no date
        ("Stoke-on-Trent City Council 31 January 2020 deadline", False),
    ],
)
def test_a_byline_is_a_line_that_names_who_wrote_a_piece(text: str, byline: bool) -> None:
    assert is_byline(text) is byline


@pytest.mark.parametrize(
    "question, kind",
    [
        ("who wrote the piece on total place", "byline"),
        ("who wrote about suffolk", "byline"),
        ("who's the author of the stoke article", "byline"),
        ("whose article is it", "piece"),
        ("when was the stoke article published", "byline"),
        ("what date was it posted", "piece"),
        ("written by whom?", "piece"),
        # the piece itself, named by nothing it is about: its own byline
        ("who wrote it", "piece"),
        ("who's the reporter", "piece"),
        ("who wrote the story", "piece"),
        ("when was the article published", "piece"),
        ("what date did the stoke article come out", "byline"),
        ("when was that put up", "piece"),
        # a thing the piece tells of, not the piece: whoever wrote it is named in the text
        ("who wrote the review", "maker"),
        ("who wrote the letter to the council", "maker"),
        ("who wrote the song about love", "maker"),
        ("who wrote bm25s", "maker"),
        ("who is the author of pytz", "maker"),
        ("when was the review published", None),
        ("when was the ofsted report published", None),
        ("who maintains tzlocal", "maker"),
        ("who is the lead maintainer of tqdm", "maker"),
        ("who is behind sortedcontainers", "maker"),
        ("who created the ad campaign", "maker"),
        ("who said the pace of change is too slow", None),
        ("when is the deadline", None),
        ("who runs the council", None),
        # which licence a thing is under: the lines that name one
        ("what license is h11 under", "license"),
        ("and what licence is it under", "license"),
        ("how much is the tv licence fee", None),
        # how to install a thing: the commands that install it
        ("how do i install rich", "install"),
        ("how to install tqdm from conda", "install"),
        ("how do i get the local timezone with tzlocal", None),
    ],
)
def test_questions_that_ask_who_wrote_or_maintains_a_thing(question: str, kind: str | None) -> None:
    assert credit_asked(question) == kind


def test_copyright_lines() -> None:
    assert is_copyright("Copyright 2014-2019 Grant Jenks")
    assert is_copyright("Copyright © Meta Platforms, Inc.") and is_copyright("(c) 2025 TAHRI Ahmed R.")
    assert not is_copyright("Copyrighted material may not be reproduced without permission of its owners.")
    assert not is_copyright("The copyright of the photographs stays with the agency.")
    # a sentence about copyright is no copyright line: a line gives a year or the sign
    assert not is_copyright("Copyright law protects the work of artists and writers.")
    assert not is_copyright("Copyright infringement cases rose sharply.")


def test_a_files_credit_lines_are_found_among_its_sentences(tmp_path: Path) -> None:
    """A news page's bylines; a README's lines under "Maintainer" (not the heading's own line,
    nor lines under other headings) and its copyright line. Bylines answer who wrote a piece,
    not who created or maintains a thing."""
    _, index, _ = fake_index(tmp_path, {
        "page.txt": "William Eichler 01 November 2019\n\nCouncil given three months to improve.\n\n"
        "The council must find a partner.\n\nTotal Place requires total trust\n\n"
        "By Lisa McNally | 09 February 2026\n\nCouncils can expand the Total Place ethos, says Lisa McNally.\n",
        "tool.md": "# tool\n\nA tool for things.\n\n## Install\n\nRun pip install tool.\n\n"
        "## Maintainer\n\n- Ada Lovelace, ada@example.org\n\n## License\n\nCopyright 2020 Ada Lovelace\n",
        "other.txt": "Nothing here is a credit. By default the council meets monthly.\n",
    })
    page, tool, other = (index.by_source[s] for s in ("page.txt", "tool.md", "other.txt"))
    texts = lambda rows: [index.sentence_text(s) for s in rows]  # noqa: E731
    assert texts(credit_rows(index, page)) == ["William Eichler 01 November 2019", "By Lisa McNally | 09 February 2026"]
    assert credit_rows(index, page, "maker") == []
    assert texts(credit_rows(index, tool, "maker")) == ["- Ada Lovelace, ada@example.org", "Copyright 2020 Ada Lovelace"]
    assert credit_rows(index, tool) == credit_rows(index, tool, "maker")
    assert credit_rows(index, other) == []
    # the page's own byline is by its headline; the one after its story is another piece's it lists
    assert texts(credit_rows(index, page, "piece")) == ["William Eichler 01 November 2019"]
    assert own_byline(index, page) == credit_rows(index, page)[0] and own_byline(index, other) is None
    # a byline answers who wrote about a thing where its piece is about it: the file, for its own;
    # the headline and summary next to it, for another piece the page lists
    own, listed = credit_rows(index, page)
    assert about(index, own, topic_of("who wrote the piece on the partner council"))
    assert not about(index, listed, topic_of("who wrote the piece on the partner council"))
    assert about(index, listed, topic_of("who wrote about total place")) and about(index, own, topic_of("who wrote about total place"))
    assert texts(credit_rows(index, page, "byline", topic_of("who wrote about the partner"))) == ["William Eichler 01 November 2019"]


def test_a_files_licence_lines(tmp_path: Path) -> None:
    """A README's lines that name a licence, wherever they sit: "MIT" alone under an FAQ's
    "*License?*", a sentence naming one; not the line of a heading named after the project, nor a
    sentence that names Apache's other projects."""
    _, index, _ = fake_index(tmp_path, {
        "h11.txt": "h11\n===\n\nA small HTTP library.\n\n*License?*\n\nMIT\n",
        "sc.md": "# Sorted Containers\n\nIt is an Apache2 licensed library.\n\n## Sorted Containers License\n\n"
        "Copyright 2014 Grant Jenks\n\nLicensed under the Apache License, Version 2.0.\n",
        "spark.md": "# cloudpickle\n\nIt was part of PySpark, the interface to Apache Spark.\n",
    })
    texts = lambda f: [index.sentence_text(s) for s in credit_rows(index, index.by_source[f], "license")]  # noqa: E731
    assert texts("h11.txt") == ["MIT"]
    assert texts("sc.md") == ["It is an Apache2 licensed library.", "Licensed under the Apache License, Version 2.0."]
    assert texts("spark.md") == []


def test_questions_that_ask_when_a_piece_came_out() -> None:
    assert asks_published("when did the piece on the stoke deadline come out")
    assert asks_published("when was that put up")
    assert not asks_published("who wrote the stoke article")
    assert not asks_published("when was the review done")


def test_a_files_install_commands(tmp_path: Path) -> None:
    """A README's commands that install a package, as its page shows them; not its prose about
    installing ("Rich can be installed in the Python REPL"), nor another command."""
    _, index, _ = fake_index(tmp_path, {
        "rich.md": "# Rich\n\n## Installing\n\n```sh\npython -m pip install rich\n```\n\n"
        "Rich can be installed in the Python REPL.\n\n```sh\npython -m rich\n```\n",
        "tqdm.rst": "tqdm\n====\n\nLatest Conda release\n--------------------\n\n.. code:: sh\n\n"
        "    conda install -c conda-forge tqdm\n\nLatest PyPI release\n-------------------\n\n.. code:: sh\n\n    pip install tqdm\n",
    })
    texts = lambda f: [index.sentence_text(s).strip("`\n ") for s in install_rows(index, index.by_source[f])]  # noqa: E731
    assert texts("rich.md") == ["python -m pip install rich"]
    assert [t.split()[0] for t in texts("tqdm.rst")] == ["conda", "pip"]
    assert installer_asked("how do i install tqdm from conda") == "conda" and installer_asked("how do i install rich") is None


@pytest.mark.parametrize(
    "question, thing",
    [
        ("what is faiss", "faiss"),
        ("whats h11", "h11"),
        ("what's the h11 library?", "h11"),
        ("what does tqdm do", "tqdm"),
        ("what is rich for", "rich"),
        ("tell me about typer", "typer"),
        ("and what is it", "it"),
        ("what is the capital of australia", None),  # asks for a capital, not what it is
        ("what is eritrea's capital", None),
        ("whats his job", None),  # asks for the job
        ("what's the show called", None),
        ("what license is h11 under", None),
        ("what was the score", None),  # what it was then, not what it is
        ("whats the deadline", "deadline"),  # no file of that name: only a sentence saying "The deadline is a …"
    ],
)
def test_questions_that_ask_what_a_thing_is(question: str, thing: str | None) -> None:
    assert defined(question) == thing
    assert (credit_asked(question) == "definition") == (thing is not None)


def test_the_sentences_that_say_what_a_files_project_is(tmp_path: Path) -> None:
    """What a README says its project is near its top, in any of the ways READMEs say it; not
    what it is licensed under. Where it says no such thing there, its first sentences of prose."""
    body = "".join(f"Sentence number {i} about nothing much at all.\n\n" for i in range(50))
    _, index, _ = fake_index(tmp_path, {
        "faiss-cpu.md": "# Faiss\n\nFaiss is MIT-licensed, see the LICENSE file.\n\n"
        "Faiss is a library for efficient similarity search.\n",
        "bm25s.md": "<h1>BM25S</h1>\n\nWelcome to `bm25s`, a library that implements BM25 in Python.\n",
        "h11.txt": "h11\n===\n\nThis is a little HTTP/1.1 library written from scratch in Python.\n",
        "sortedcontainers.txt": "Python Sorted Containers\n========================\n\n"
        "Sorted Containers is an Apache2 licensed sorted collections library.\n",
        "cloudpickle.md": "# cloudpickle\n\n[![Build](https://x.org/b.svg)](https://x.org)\n\n"
        "`cloudpickle` makes it possible to serialize Python constructs.\n\nIt is especially useful for clusters.\n\n"
        "Third sentence of prose here, not a lead.\n",
        "trafilatura.md": "# Trafilatura\n\nTrafilatura is a Python package and command-line tool.\n\n"
        + body + "*Trafilatura* is an Italian word for wire drawing.\n",
    })
    texts = lambda f, names: [index.sentence_text(s) for s in definition_rows(index, index.by_source[f], names)]  # noqa: E731
    assert texts("faiss-cpu.md", ["faiss"]) == ["Faiss is a library for efficient similarity search."]
    assert texts("bm25s.md", ["bm25s"]) == ["Welcome to `bm25s`, a library that implements BM25 in Python."]
    assert texts("h11.txt", ["h11"]) == ["This is a little HTTP/1.1 library written from scratch in Python."]
    assert texts("sortedcontainers.txt", ["sortedcontainers"]) == ["Sorted Containers is an Apache2 licensed sorted collections library."]
    assert texts("cloudpickle.md", ["cloudpickle"]) == [
        "`cloudpickle` makes it possible to serialize Python constructs.", "It is especially useful for clusters."]
    assert texts("trafilatura.md", ["trafilatura"]) == ["Trafilatura is a Python package and command-line tool."]
    # among any file's sentences (a question naming no file): those that say what it is
    rows = range(len(index.sentences))
    said = [index.sentence_text(s) for s in definition_rows(index, -1, ["trafilatura"], rows=list(rows))]
    assert said == ["Trafilatura is a Python package and command-line tool.", "*Trafilatura* is an Italian word for wire drawing."]


@pytest.mark.parametrize(
    "question, kind",
    [
        ("how do i use tqdm", "usage"),
        ("how to get started with syrupy", "usage"),
        ("quick example of bm25s", "usage"),
        ("what does typer depend on", "dependencies"),
        ("what are the requirements for dateparser", "dependencies"),
        ("how do i install tqdm", "install"),  # an install command, not the usage section
        ("how is the money used", None),
        ("what was the water usage in 2004", None),
    ],
)
def test_questions_that_ask_how_to_use_a_thing_or_what_it_needs(question: str, kind: str | None) -> None:
    assert credit_asked(question) == kind


def test_a_files_usage_and_dependencies_sections(tmp_path: Path) -> None:
    """The first sentences under a README's first usage heading ("Usage", "Quickstart", "How To
    Use", "Example") and under its dependencies heading; not the heading's own line, nor the next
    section's lines."""
    _, index, _ = fake_index(tmp_path, {
        "tqdm.md": "# tqdm\n\nA progress bar that uses smart algorithms.\n\n## Usage\n\n"
        "Wrap any iterable with tqdm and you are done.\n\n### Basic usage\n\nCall trange for ranges.\n\n"
        "## Dependencies\n\nIt needs nothing but Python.\n\n## License\n\nMIT\n",
        "plain.txt": "No headings here. How to use it is not said.\n",
    })
    texts = lambda f, kind: [index.sentence_text(s) for s in section_rows(index, index.by_source[f], kind)]  # noqa: E731
    assert texts("tqdm.md", "usage") == ["Wrap any iterable with tqdm and you are done.", "Call trange for ranges."]
    assert texts("tqdm.md", "dependencies") == ["It needs nothing but Python."]
    assert texts("plain.txt", "usage") == []
