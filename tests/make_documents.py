"""Small real documents made in the test itself: PDF (a hand-written writer), HTML, .docx, and
hostile ones (a PDF whose page tree loops, a zip bomb named .docx)."""

from __future__ import annotations

import io
import zipfile
import zlib

_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(lines: list[str]) -> bytes:
    """A page's content stream: one line of Helvetica 11pt per entry, top down."""
    ops = [b"BT /F1 11 Tf 14 TL 72 760 Td"]
    for line in lines:
        ops.append(_pdf_string(line) + b" Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def _assemble(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """Objects numbered from 1, an exact cross-reference table and a trailer."""
    out = bytearray(_HEADER)
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer_extra, xref)
    return bytes(out)


def _stream(data: bytes, compress: bool = False, extra: bytes = b"") -> bytes:
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf(pages: list[list[str] | None], compress: bool = False) -> bytes:
    """A PDF with one page per entry of ``pages``, each a list of text lines (cp1252 text).

    A page given as ``[]`` is blank; one given as ``None`` is a scanned page: an image, no text.
    """
    n = len(pages)
    kids = b" ".join(b"%d 0 R" % (5 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        _stream(b"\x80", extra=b" /Type /XObject /Subtype /Image /Width 1 /Height 1 "
                b"/ColorSpace /DeviceGray /BitsPerComponent 8"),
    ]
    for i, lines in enumerate(pages):
        image = b" /XObject << /Im1 4 0 R >>" if lines is None else b""
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >>%s >> /Contents %d 0 R >>" % (image, 6 + 2 * i)
        )
        content = b"q 612 0 0 792 0 0 cm /Im1 Do Q" if lines is None else _content(lines) if lines else b""
        objects.append(_stream(content, compress))
    return _assemble(objects)


def pdf_looping_pages() -> bytes:
    """A page tree whose /Kids holds the tree itself, and a second node pointing back to it."""
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>",
    ])


def pdf_looping_form() -> bytes:
    """A page that draws a form XObject that draws itself, forever."""
    form = b"BT /F1 11 Tf 72 700 Td (Loop) Tj ET /X1 Do"
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> /XObject << /X1 6 0 R >> >> /Contents 5 0 R >>",
        _stream(b"/X1 Do"),
        _stream(form, extra=b" /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                b"/Resources << /Font << /F1 3 0 R >> /XObject << /X1 6 0 R >> >>"),
    ])


def pdf_looping_xref() -> bytes:
    """A cross-reference table whose /Prev points back at itself."""
    body = pdf([["Text that should never be reached."]])
    xref = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    return body.replace(b"/Root 1 0 R", b"/Root 1 0 R /Prev %d" % xref)


def pdf_huge_page(megabytes: int = 60) -> bytes:
    """One page whose compressed content stream inflates to ``megabytes`` of text operators."""
    line = b"(Filler text that repeats) Tj T*\n"
    content = b"BT /F1 11 Tf 14 TL 72 760 Td\n" + line * (megabytes * (1 << 20) // len(line)) + b"ET"
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        _stream(content, compress=True),
    ])


def html_page(title: str, article: str, nav: str = "", footer: str = "") -> str:
    """An HTML page: head with title and a script, navigation, the article, a footer."""
    links = "".join(f'<li><a href="/{i}">{w}</a></li>' for i, w in enumerate(nav.split("|")))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>\n<script>var tracker = 'SCRIPT TEXT';</script>"
        "<style>body { color: #333 }</style></head>\n<body>\n"
        f"<nav><ul>{links}</ul></nav>\n"
        f"<main><article>\n{article}\n</article></main>\n"
        f"<footer><p>{footer}</p></footer>\n</body></html>\n"
    )


def docx(blocks: list, path=None) -> bytes:
    """A .docx made with python-docx: ``blocks`` are ``("h1", text)``, ``("p", text)`` or
    ``("table", [[cell, ...], ...])``, in order."""
    import docx as python_docx

    document = python_docx.Document()
    for kind, value in blocks:
        if kind.startswith("h"):
            document.add_heading(value, level=int(kind[1:]))
        elif kind == "p":
            document.add_paragraph(value)
        elif kind == "table":
            table = document.add_table(rows=len(value), cols=len(value[0]))
            for r, row in enumerate(value):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def zip_bomb(member: str = "word/document.xml", gigabytes: float = 4.0) -> bytes:
    """A small zip whose one member inflates to ``gigabytes`` of zeros, its size declared
    honestly (the CRC is not computed: a reader must refuse long before it would check it)."""
    block = b"\0" * (1 << 24)
    n = max(1, int(gigabytes * (1 << 30)) // len(block))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    # a full flush resets the compressor, so every block compresses to the same bytes
    one = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    data = one * n + comp.flush()
    info = zipfile.ZipInfo(member)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size, info.CRC = n * len(block), len(data), 0
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", allowZip64=True) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        info.header_offset = buf.tell()
        zf.fp.write(info.FileHeader(zip64=True))
        zf.fp.write(data)
        zf.filelist.append(info)
        zf.NameToInfo[info.filename] = info
        zf.start_dir = buf.tell()
    return buf.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_xml(body: str, styles: str = "", doctype: str = "") -> bytes:
    """A minimal .docx whose document body is ``body`` (WordprocessingML, prefix ``w:``)."""
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<w:document xmlns:w="{W_NS}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("_rels/.rels", rels)
        zf.writestr("word/document.xml", document)
        if styles:
            zf.writestr("word/styles.xml", f'<?xml version="1.0"?><w:styles xmlns:w="{W_NS}">{styles}</w:styles>')
    return buf.getvalue()


# readers that misbehave, for the worker process's limits (they run in the worker)


def sleepy_reader(path, raw):
    import time

    time.sleep(60)


def hungry_reader(path, raw):
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))


def crashing_reader(path, raw):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)
