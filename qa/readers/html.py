"""HTML, with trafilatura: the page's main text, without menus, navigation, footers or scripts.

trafilatura finds the main content (benchmarked among the best main-text extractors, pure Python
over lxml). Its result is written out block by block: the page's title first, then headings,
paragraphs, list items and table rows (cells joined by " | "), each a paragraph of its own;
headings become sections. A page where trafilatura finds no main text (a short page) is read
block by block less its navigation, header, footer, forms and scripts, headings again as
sections; failing that, trafilatura's baseline extractor.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qa.errors import UnreadableFile
from qa.readers.base import Extracted, Format, TextBuilder, squeeze

SHORT = 1_000  # characters: under this, trafilatura cannot tell a page's main text from its menus
MAX_BYTES = 20_000_000  # as trafilatura's own download limit: past it, a "page" is a dump, not parsed
_BOILERPLATE = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg")


def sniff(head: bytes) -> bool:
    """An HTML document by its start: a doctype or ``<html`` after any BOM, spaces, comments."""
    h = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    while h.startswith(b"<!--") and b"-->" in h:
        h = h[h.index(b"-->") + 3 :].lstrip()
    if h.startswith(b"<?xml"):
        return b"<html" in h[:1024]
    return h.startswith((b"<!doctype html", b"<html"))


def read(path: Path, raw: bytes) -> Extracted:
    import trafilatura

    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # they log every page they find odd
    out = TextBuilder()
    doc = trafilatura.bare_extraction(
        raw, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
        include_links=False, include_formatting=False, deduplicate=False,
    )
    body = getattr(doc, "body", None) if doc is not None else None
    title = squeeze(getattr(doc, "title", None) or "") if doc is not None else ""
    first = body[0] if body is not None and len(body) else None
    if title and not (first is not None and first.tag == "head" and squeeze(_text(first)).casefold() == title.casefold()):
        out.block(title)
    if body is not None:
        _blocks(body, out)
    if len(out.parts) <= 1 or out.size < SHORT:
        # no main text found, or a short page, where trafilatura keeps everything (menus too):
        # the page less its boilerplate elements, else trafilatura's baseline
        blocks = _structured(raw)
        short = TextBuilder()
        if title and not (blocks and blocks[0][1] and blocks[0][0].casefold() == title.casefold()):
            short.block(title)
        for text, heading in blocks:
            short.block(text, heading=heading)
        if blocks:
            out = short
        elif len(out.parts) <= 1:
            out = short
            for line in _fallback(trafilatura, raw).split("\n"):
                out.block(squeeze(line))
    if not out.parts:
        raise UnreadableFile("no text in this HTML page")
    return out.build()


def _text(elem) -> str:
    return "".join(elem.itertext())


def _blocks(parent, out: TextBuilder) -> None:
    """trafilatura's XML (``head``, ``p``, ``list``/``item``, ``table``/``row``/``cell``...) as blocks."""
    for elem in parent:
        tag = elem.tag
        if tag == "head":
            rend = str(elem.get("rend", "h2"))
            level = int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1].isdigit() else 2
            out.block(squeeze(_text(elem)), heading=level)
        elif tag == "list":
            for item in elem.iter("item"):
                own = (item.text or "") + "".join(
                    _text(child) + (child.tail or "") for child in item if child.tag != "list"
                )
                out.block(squeeze(own))
        elif tag == "table":
            for row in elem.iter("row"):
                cells = [squeeze(_text(c)) for c in row if c.tag == "cell"]
                out.block(" | ".join(cells) if any(cells) else "")
        elif tag in ("graphic", "comments"):
            continue
        else:
            out.block(squeeze(_text(elem)))


_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {"p", "li", "dt", "dd", "pre", "blockquote", "figcaption", "caption", "tr", "div", "section",
           "article", "main", "body", "td", "th", "address", *_HEADINGS}


def _structured(raw: bytes) -> list[tuple[str, int | None]]:
    """The page less its boilerplate (navigation, header, footer, scripts...) as ``(text, heading
    level or None)`` blocks: for pages too short for trafilatura to tell main text from menus."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(raw)
    except Exception:  # not HTML at all (lxml raises ParserError, ValueError...)
        return []
    for bad in root.xpath("//" + " | //".join(_BOILERPLATE) + " | //title"):
        bad.drop_tree()
    blocks: list[tuple[str, int | None]] = []
    for elem in root.iter():
        tag = elem.tag if isinstance(elem.tag, str) else ""
        if tag not in _BLOCKS:
            continue
        if tag not in ("tr", *_HEADINGS) and any(isinstance(d.tag, str) and d.tag in _BLOCKS for d in elem.iterdescendants()):
            # a container: its blocks are written one by one, and its own loose text as one
            own = squeeze((elem.text or "") + " ".join(c.tail or "" for c in elem))
            if own.strip():
                blocks.append((own, None))
            continue
        if tag == "tr":
            text = " | ".join(squeeze(_text(c)) for c in elem if c.tag in ("td", "th"))
        elif tag in ("td", "th") and elem.getparent() is not None and elem.getparent().tag == "tr":
            continue  # written with its row
        else:
            text = squeeze(_text(elem))
        if text.strip(" |"):
            blocks.append((text, _HEADINGS.get(tag)))
    return blocks


def _fallback(trafilatura, raw: bytes) -> str:
    try:
        _, text, _ = trafilatura.baseline(raw)
    except Exception:
        text = ""
    if text and text.strip():
        return text
    import lxml.html

    try:
        root = lxml.html.document_fromstring(raw)
    except Exception:  # not HTML at all (lxml raises ParserError, ValueError...)
        return ""
    for bad in root.xpath("//" + " | //".join(_BOILERPLATE)):
        bad.drop_tree()
    return "\n".join(t for t in root.itertext() if t.strip())


FORMAT = Format(
    "HTML", (".html", ".htm", ".xhtml"), read, sniff=sniff, isolated=True, max_bytes=MAX_BYTES,
)
