"""PDF, with pypdf: the text layer of each page, its lines joined back into paragraphs.

Positions index the extracted text (``offsets: "extracted"``); ``page_starts`` maps them to
pages. A PDF with no text layer at all (scanned pages) is refused with a warning; scanned pages
among others are reported and the rest is read. Encrypted PDFs open when they need no password
(most "secured" PDFs only restrict printing or copying). Hostile files are bounded: a page whose
content streams inflate past ``MAX_PAGE_CONTENT`` is skipped, and after ``MAX_SECONDS`` the
pages read so far are kept and the rest reported; the reader also runs in a worker process
with hard time and memory limits (``qa.readers.isolate``).
"""

from __future__ import annotations

import io
import logging
import re
import time
from pathlib import Path

from qa.errors import UnreadableFile
from qa.readers.base import Extracted, Format, TextBuilder

MAX_BYTES = 500_000_000  # scanned books run to hundreds of MB; text PDFs rarely pass 50
MAX_PAGE_CONTENT = 8_000_000  # bytes of content stream per page; a text page holds a few kB
MAX_SECONDS = 80.0  # then stop and keep what was read (the hard limit is isolate.SECONDS)
MAX_PAGE_SECONDS = 15.0

_LIGATURES = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
    "\ufb06": "st", "\u00ad": None, "\x00": None, "\r": "\n", "\x0c": "\n",
})
_ITEM = re.compile(r"(?:[-•▪◦·*–]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s")


class _Slow(Exception):
    pass


def sniff(head: bytes) -> bool:
    """A PDF whatever its name: the header right at the start (a reader allows 1 kB before it)."""
    return head.startswith(b"%PDF-")


def read(path: Path, raw: bytes) -> Extracted:
    if b"%PDF-" not in raw[:1024]:
        raise UnreadableFile("not a PDF (no %PDF header)")
    import pypdf

    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)  # pypdf logs every oddity it recovers from; the file is still read
    try:
        return _read(pypdf, raw)
    except UnreadableFile:
        raise
    except RecursionError:
        raise UnreadableFile("damaged PDF (its objects nest without end)") from None
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise UnreadableFile(f"damaged PDF ({_why(exc)})") from None
    finally:
        log.setLevel(level)


def _why(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _open(pypdf, raw: bytes):
    reader = pypdf.PdfReader(io.BytesIO(raw), strict=False)
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as exc:
            raise UnreadableFile(f"encrypted PDF that cannot be opened ({_why(exc)})") from None
        if not ok:
            raise UnreadableFile("encrypted PDF: it needs a password to open")
    return reader


def _read(pypdf, raw: bytes) -> Extracted:
    reader = _open(pypdf, raw)
    pages = reader.pages
    n = len(pages)
    started = time.monotonic()
    out = TextBuilder()
    scanned: list[int] = []
    skipped: list[str] = []
    for number in range(1, n + 1):
        if time.monotonic() - started > MAX_SECONDS:
            out.warn(f"stopped after {MAX_SECONDS:.0f} s at page {number} of {n}: "
                     f"pages {number}-{n} are not indexed")
            break
        out.page()
        try:
            page = pages[number - 1]
            size = _content_size(page)
            if size > MAX_PAGE_CONTENT:
                skipped.append(f"page {number}: {size / 1e6:.0f} MB of page content, skipped")
                continue
            text = _page_text(page)
        except _Slow:
            skipped.append(f"page {number}: gave up after {MAX_PAGE_SECONDS:.0f} s")
            continue
        except RecursionError:
            skipped.append(f"page {number}: damaged (its objects nest without end)")
            continue
        except Exception as exc:
            skipped.append(f"page {number}: damaged ({_why(exc)})")
            continue
        if not text.strip():
            if _has_image(page):
                scanned.append(number)
            continue
        for para in paragraphs(text):
            out.block(para)
        if out.full:
            break
    if not out.parts:
        if n == 0:
            raise UnreadableFile("a PDF with no pages")
        if skipped and not scanned:
            raise UnreadableFile("no page could be read: " + "; ".join(skipped[:3]))
        if out.warnings and not scanned:  # stopped for time before any text
            raise UnreadableFile(out.warnings[0])
        raise UnreadableFile("no text layer (scanned pages? run OCR on it to index it)")
    if scanned:
        out.warn(f"no text layer on {_pages(scanned)} (scanned?): not indexed")
    for message in skipped[:5]:
        out.warn(message)
    if len(skipped) > 5:
        out.warn(f"{len(skipped) - 5} more pages could not be read")
    return out.build()


def _content_size(page) -> int:
    """Bytes of the page's content streams once inflated (pypdf caps each at 75 MB)."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    total = 0
    for s in streams:
        s = s.get_object()
        total += len(s.get_data()) if hasattr(s, "get_data") else 0
        if total > MAX_PAGE_CONTENT:
            break
    return total


def _page_text(page) -> str:
    deadline = time.monotonic() + MAX_PAGE_SECONDS

    def check(*_args) -> None:  # called for every operator: a page cannot take forever
        if time.monotonic() > deadline:
            raise _Slow

    return page.extract_text(visitor_operand_before=check).translate(_LIGATURES)


def _has_image(page) -> bool:
    try:
        xobjects = page["/Resources"].get_object().get("/XObject")
        if xobjects is None:
            return False
        return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())
    except Exception:
        return False


def paragraphs(text: str) -> list[str]:
    """A page's lines joined back into paragraphs.

    The text layer has one line per printed line. A line much shorter than the page's usual
    line ends a paragraph (its last line, a heading); a blank line or a list item starts one.
    A word hyphenated across two lines is joined again.
    """
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lengths = sorted(len(x) for x in lines if x)
    if not lengths:
        return []
    usual = lengths[int(len(lengths) * 0.8)] if len(lengths) >= 3 else lengths[-1]
    short = max(20, int(usual * 0.7))
    out: list[str] = []
    current = prev = ""
    for line in lines:
        if not line:
            if current:
                out.append(current)
            current = ""
            continue
        if current and (len(prev) < short or _ITEM.match(line)):
            out.append(current)
            current = ""
        if not current:
            current = line
        elif current.endswith("-") and current[-2:-1].isalpha() and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}"
        prev = line
    if current:
        out.append(current)
    return out


def _pages(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` as "pages 3-5, 9"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    shown = ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in runs)
    return ("page " if len(numbers) == 1 else "pages ") + shown


FORMAT = Format("PDF", (".pdf",), read, sniff=sniff, isolated=True, max_bytes=MAX_BYTES)
