"""Word (.docx): paragraphs and tables' text in document order, headings as sections.

Read with the standard library (zipfile and a streaming XML parser) rather than python-docx:
only the XML parts that hold text are unpacked, never the images, and each is read in blocks
up to ``MAX_PART_BYTES`` whatever size the archive declares, so a zip bomb is refused after a
bounded amount of work and memory; python-docx unpacks every part of the package into memory
first. A part with a DOCTYPE (entity expansion, the "billion laughs") is refused too.

Each paragraph is a block; a table row is a block of its cells joined by " | "; text boxes
follow the paragraph that anchors them. Deleted text (tracked changes), field codes and the
fallback copies of drawings are left out.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

from qa.errors import UnreadableFile
from qa.readers.base import Extracted, Format, TextBuilder, squeeze

MAX_PART_BYTES = 64_000_000  # the document's XML, unpacked; a book of 1,000 pages is ~20 MB
MAX_STYLES_BYTES = 8_000_000
_W = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "http://purl.oclc.org/ooxml/wordprocessingml/main")
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_SKIP = frozenset(("del", "moveFrom", "delText", "instrText", "pPr", "rPr", "footnoteReference",
                   "endnoteReference", "commentReference", "fldData"))
_HEADING = re.compile(r"heading\s*(\d)$", re.IGNORECASE)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def _split(tag: str) -> tuple[str, str]:
    if tag[:1] == "{":
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _w(tag) -> str | None:
    """The local name of a WordprocessingML element, else None."""
    if not isinstance(tag, str):
        return None  # a comment or processing instruction
    ns, name = _split(tag)
    return name if ns in _W else None


def _attr(elem, name: str) -> str | None:
    for ns in _W:
        v = elem.get(f"{{{ns}}}{name}")
        if v is not None:
            return v
    return None


def read(path: Path, raw: bytes) -> Extracted:
    if raw.startswith(_OLE2):
        raise UnreadableFile("an old-format (.doc) or password-protected Word file: save it as .docx to index it")
    if not sniff(raw):
        raise UnreadableFile("not a .docx file (not a ZIP archive)")
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(f"damaged .docx ({exc})") from None
    with zf:
        main = _main_part(zf)
        styles = _styles(zf, main)
        out = TextBuilder()
        try:
            _document(zf, main, styles, out)
        except ET.ParseError as exc:
            raise UnreadableFile(f"damaged .docx ({main}: {exc})") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise UnreadableFile(f"damaged .docx ({exc})") from None
    if not out.parts:
        raise UnreadableFile("no text in this Word document")
    return out.build()


def _chunks(zf: zipfile.ZipFile, name: str, limit: int) -> Iterator[bytes]:
    """The part ``name`` in blocks; refused past ``limit`` bytes, declared or actual."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise UnreadableFile(
            f"{name} would unpack to {info.file_size / 1e6:,.0f} MB (limit {limit / 1e6:.0f} MB): "
            f"a zip bomb? ({info.compress_size / 1e6:,.1f} MB packed)"
        )
    total = 0
    with zf.open(info) as fh:
        while block := fh.read(1 << 20):
            total += len(block)
            if total > limit:
                raise UnreadableFile(f"{name} unpacks to more than {limit / 1e6:.0f} MB: a zip bomb?")
            if total == len(block) and (b"<!DOCTYPE" in block or b"<!ENTITY" in block):
                raise UnreadableFile(f"{name} declares a DOCTYPE, which Word never writes (an entity bomb?)")
            yield block


def _parse(zf: zipfile.ZipFile, name: str, limit: int) -> ET.Element:
    parser = ET.XMLParser()
    for block in _chunks(zf, name, limit):
        parser.feed(block)
    return parser.close()


def _target(zf: zipfile.ZipFile, rels: str, kind: str, base: str) -> str | None:
    """The part a relationship of type ``.../kind`` in ``rels`` points to."""
    if rels not in zf.NameToInfo:
        return None
    try:
        root = _parse(zf, rels, MAX_STYLES_BYTES)
    except (ET.ParseError, UnreadableFile):
        return None
    for rel in root:
        if str(rel.get("Type", "")).endswith("/" + kind) and rel.get("TargetMode") != "External":
            target = str(rel.get("Target", ""))
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            if name in zf.NameToInfo:
                return name
    return None


def _main_part(zf: zipfile.ZipFile) -> str:
    name = _target(zf, "_rels/.rels", "officeDocument", "")
    if name is None and "word/document.xml" in zf.NameToInfo:
        name = "word/document.xml"
    if name is None:
        raise UnreadableFile("not a Word document (a ZIP archive without word/document.xml)")
    return name


def _styles(zf: zipfile.ZipFile, main: str) -> dict[str, int]:
    """Heading level by style id: "heading N" styles, the Title (level 0), and outline levels."""
    folder, file = posixpath.split(main)
    name = _target(zf, posixpath.join(folder, "_rels", file + ".rels"), "styles", folder)
    name = name or ("word/styles.xml" if "word/styles.xml" in zf.NameToInfo else None)
    if name is None:
        return {}
    try:
        root = _parse(zf, name, MAX_STYLES_BYTES)
    except (ET.ParseError, UnreadableFile):
        return {}  # headings are a nicety: the text is still read
    found: dict[str, tuple[str, int | None, str | None]] = {}
    for style in root:
        if _w(style.tag) != "style" or _attr(style, "type") != "paragraph":
            continue
        sid = _attr(style, "styleId") or ""
        label, outline, based = "", None, None
        for child in style.iter():
            local = _w(child.tag)
            if local == "name":
                label = (_attr(child, "val") or "").strip()
            elif local == "outlineLvl":
                outline = _int(_attr(child, "val"))
            elif local == "basedOn":
                based = _attr(child, "val")
        found[sid] = (label, outline, based)
    levels: dict[str, int] = {}
    for sid in found:
        level, seen = None, sid
        for _ in range(5):  # follow basedOn a few steps
            if seen not in found:
                break
            label, outline, based = found[seen]
            m = _HEADING.match(label)
            if m:
                level = int(m.group(1))
            elif label.lower() == "title":
                level = 0
            elif outline is not None and outline < 9:
                level = outline + 1
            if level is not None or based is None:
                break
            seen = based
        if level is not None:
            levels[sid] = level
    return levels


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _document(zf: zipfile.ZipFile, main: str, styles: dict[str, int], out: TextBuilder) -> None:
    """Stream the main part: each child of the body is handled when it ends, then dropped."""
    parser = ET.XMLPullParser(events=("start", "end"))
    depth = 0

    def handle() -> None:
        nonlocal depth
        for event, elem in parser.read_events():
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth == 2:  # w:document > w:body > this
                _block(elem, styles, out)
                elem.clear()

    for block in _chunks(zf, main, MAX_PART_BYTES):
        parser.feed(block)
        handle()
        if out.full:
            return
    parser.close()
    handle()


def _block(elem, styles: dict[str, int], out: TextBuilder) -> None:
    local = _w(elem.tag)
    if local == "p":
        boxes: list = []
        parts: list[str] = []
        _runs(elem, parts, boxes)
        out.block(squeeze("".join(parts)), heading=_level(elem, styles))
        for box in boxes:
            for child in box:
                _block(child, styles, out)
    elif local == "tbl":
        for row in elem:
            if _w(row.tag) != "tr":
                continue
            cells = [_cell_text(cell) for cell in row if _w(cell.tag) == "tc"]
            if any(cells):
                out.block(" | ".join(cells))
    elif local in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):  # wrappers around blocks
        for child in elem:
            if _w(child.tag) not in ("sdtPr", "sdtEndPr"):
                _block(child, styles, out)


def _cell_text(cell) -> str:
    """A cell's paragraphs, nested tables' and text boxes' included, on one line."""
    texts = []
    for p in cell.iter():
        if _w(p.tag) == "p":
            parts: list[str] = []
            _runs(p, parts, [], nested=False)
            texts.append("".join(parts))
    return squeeze(" ".join(texts))


def _runs(elem, parts: list[str], boxes: list, nested: bool = True) -> None:
    """The visible text under ``elem``, in order; text boxes go to ``boxes``."""
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        ns, name = _split(tag)
        if ns == _MC and name == "Fallback":
            continue  # a copy of mc:Choice for older readers
        if ns not in _W:
            _runs(child, parts, boxes, nested)
        elif name == "t":
            parts.append(child.text or "")
        elif name == "tab":
            parts.append("\t")
        elif name in ("br", "cr"):
            parts.append("\n")
        elif name == "noBreakHyphen":
            parts.append("-")
        elif name == "txbxContent":
            if nested:
                boxes.append(child)
        elif name not in _SKIP:
            _runs(child, parts, boxes, nested)


def _level(p, styles: dict[str, int]) -> int | None:
    for child in p:
        if _w(child.tag) != "pPr":
            continue
        for prop in child:
            local = _w(prop.tag)
            if local == "pStyle":
                level = styles.get(_attr(prop, "val") or "")
                if level is not None:
                    return level
            elif local == "outlineLvl":
                v = _int(_attr(prop, "val"))
                if v is not None and v < 9:
                    return v + 1
    return None


MAX_BYTES = 500_000_000  # the package, images included; only its text parts are unpacked
FORMAT = Format("Word", (".docx",), read, sniff=sniff, isolated=True, max_bytes=MAX_BYTES)
