"""qa.markup: the text a README shows, with the way back to the file's characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.highlight import shown_span
from qa.markup import has_markup, markup_only, plain


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        (
            "Copyright © [Ahmed TAHRI @Ousret](https://github.com/Ousret).<br />\nThis project is "
            "[MIT](https://example.com/LICENSE) licensed.",
            "Copyright © Ahmed TAHRI @Ousret.\nThis project is MIT licensed.",
        ),
        (
            "- Casper da Costa-Luis `casperdcl <https://github.com/casperdcl>`__ primary maintainer |Gift-Casper|",
            "- Casper da Costa-Luis casperdcl primary maintainer",
        ),
        (
            "`Sorted Containers`_ is an Apache2 licensed `sorted collections library`_,",
            "Sorted Containers is an Apache2 licensed sorted collections library,",
        ),
        (
            "Support is part of the [Tidelift\nSubscription][1].",
            "Support is part of the Tidelift\nSubscription.",
        ),
        ("Run ``pip install x`` or `y` first.", "Run pip install x or y first."),
        ("installed (such as with `uv\ntool` or `pipx`), via the `idna` script:", "installed (such as with uv\ntool or pipx), via the idna script:"),
        ("**Python parser** for *human* dates", "Python parser for *human* dates"),
        ("version of Faiss, please cite:\n```bibtex\n@article{johnson2019billion,", "version of Faiss, please cite:\n@article{johnson2019billion,"),
        (
            "Intro line.\n.. image:: https://img.example/badge.svg\n   :target: https://example.com\nLast line.",
            "Intro line.\nLast line.",
        ),
        (  # a field list is shown, an address in angle brackets too; a directive's options are not
            ":Author: Stuart Bishop <stuart@stuartbishop.net>\n.. image:: https://x.org/b.svg\n   :alt: b",
            "Author: Stuart Bishop <stuart@stuartbishop.net>",
        ),
        (  # badges inside a heading's line: a linked image shows as nothing
            "Thread-pool Controls [![Build Status](https://ci.example/badge.svg?branch=master)](https://ci.example/x) "
            "[![codecov](https://codecov.io/b.svg)](https://codecov.io/gh)",
            "Thread-pool Controls",
        ),
        (  # a link a sentence boundary cut in two (a long row of links is cut at a space)
            "section](https://github.com/facebookresearch/faiss/wiki/Troubleshooting) of the wiki and [Unicode IDNA",
            "section of the wiki and Unicode IDNA",
        ),
    ],
)
def test_links_directives_and_tags_show_as_a_page_shows_them(source: str, shown: str) -> None:
    p = plain(source)
    assert p.text == shown
    assert all(source[p.at[i]] == ch for i, ch in enumerate(p.text))  # every character is the file's


@pytest.mark.parametrize(
    "source",
    [
        "[![Downloads](https://static.pepy.tech/badge/x/month)](https://pepy.tech/project/x)\n"
        "[![DOI](https://img.shields.io/badge/DOI-blue)](https://doi.org/1)",
        ":target: https://github.com/tqdm/tqdm/issues\n.. |PRs| image:: https://img.shields.io/x.svg",
        ".. _`Release History`: http://www.example.com/history.html",
        "[1]: https://tidelift.com/subscription",
        "|---|:---:|---|",
        '<p align="center">',
        # an HTML header a sentence boundary cut inside a tag: its head, then its attributes
        '<img src="https://example.com/logo.png" width="600"/>\n    <br>\n<p align="center">\n    <a',
        'href="https://github.com/x/y/blob/master/LICENSE">\n        <img alt="GitHub" src="https://x/y.svg">\n    </a>',
        # a row of badges cut at a space: a linked image's tail, an image's head
        "Status](https://readthedocs.org/projects/x/badge/?version=latest)](https://x.org/)\n[![Rich",
        "[![Documentation",
    ],
)
def test_a_sentence_that_shows_no_words_is_markup_only(source: str) -> None:
    assert markup_only(source)


@pytest.mark.parametrize(
    "source",
    [
        "The council invested £5.5m in 130 new posts.",
        "Growth was 0.1%... in the third quarter, he said... and no more.",  # an ellipsis is prose
        "pip install tqdm",  # a command answers "how do i install it"
        "| Feature | [Chardet](https://github.com/chardet/chardet) | Charset Normalizer |",  # a table row has words
        'Set width="600" on the image.',  # an attribute inside prose is prose
    ],
)
def test_prose_commands_and_table_rows_are_not_markup_only(source: str) -> None:
    assert not markup_only(source)


def test_prose_is_left_as_it_is() -> None:
    text = "Growth of 0.1%... in the third quarter; 3 < 4 and the ratio a:b held."
    assert not has_markup(text)
    assert plain(text).text == text


def test_a_span_of_the_shown_text_maps_to_the_same_words_in_the_file() -> None:
    source = "Written by [Jeff Johnson](https://github.com/wickedfoo) in 2017."
    p = plain(source)
    i = p.text.index("Jeff Johnson")
    a, b = p.source_span(i, i + len("Jeff Johnson"))
    assert source[a:b] == "Jeff Johnson"


@given(st.text(alphabet=st.sampled_from(list("ab []()<>`|:_.-!\n*#h/")), max_size=80))
def test_every_shown_character_is_one_of_the_file_in_order(source: str) -> None:
    p = plain(source)
    assert len(p.at) == len(p.text)
    assert list(p.at) == sorted(set(p.at))
    assert all(source[p.at[i]] == ch for i, ch in enumerate(p.text))


def test_a_quote_is_shown_to_people_as_its_page_shows_it_with_its_short_answer_in_place() -> None:
    quote = "- [Jeff Johnson](https://github.com/wickedfoo) implemented all of the GPU Faiss\n  `GpuIndex`"
    start = quote.index("Jeff")
    shown, span = shown_span(quote, (start, start + len("Jeff Johnson")))
    assert shown == "- Jeff Johnson implemented all of the GPU Faiss GpuIndex"
    assert span is not None and shown[span[0] : span[1]] == "Jeff Johnson"
    # a short answer that is all markup is not shown; a quote that shows no words is shown as written
    assert shown_span(quote, (quote.index("https"), quote.index(")")))[1] is None
    badges = "[![PyPI](https://img.shields.io/pypi/v/x.svg)](https://pypi.org/project/x/)"
    assert shown_span(badges, None) == (badges, None)
    assert shown_span("Plain  prose,\nwith a break.", (0, 5)) == ("Plain prose, with a break.", (0, 5))
