"""Plain text and Markdown: the file's own characters, so citations are exact file offsets.

UTF-8 (with or without a byte order mark) is read exactly as the file holds it. A file with a
UTF-16 or UTF-32 byte order mark, or one that is not UTF-8 but reads as Windows-1252 or
Latin-1 text, is decoded too; its positions then index the decoded text, not the file's bytes,
and ``qa.documents.read`` marks such a document ``offsets: "extracted"``.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from qa.errors import UnreadableFile

# longest first: the UTF-32 little-endian mark starts with the UTF-16 one
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32", "cp1252": "Windows-1252", "latin-1": "Latin-1"}
_LEGACY = ("cp1252", "latin-1")  # tried in this order for text that is not UTF-8
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # Unicode's Cc, less \t \n \v \f \r
MAX_CONTROL_SHARE = 0.01  # a legacy decoding with more control characters than this is not text


def decode_as(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)``: ``raw`` decoded, with the encoding used (``"utf-8"``, ``"utf-16"``,
    ``"cp1252"``...); ``UnreadableFile`` when it is not text in any of them."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(name)  # reads the byte order mark and drops it
            except UnicodeDecodeError as exc:
                raise UnreadableFile(f"not valid {describe(name)} text (bad data at byte {exc.start})") from None
            if not _looks_like_text(text):
                raise UnreadableFile(f"binary data, not text (it starts with a {describe(name)} byte order mark)")
            return text, name
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary data, not text")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    for name in _LEGACY:
        try:
            text = raw.decode(name)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, name
        break
    raise UnreadableFile(f"not text: invalid UTF-8 at byte {first_bad}, and not Windows-1252 or Latin-1 text either")


def describe(encoding: str) -> str:
    return _NAMES.get(encoding, encoding)


def _looks_like_text(text: str) -> bool:
    if "\x00" in text:
        return False
    return len(_CONTROLS.findall(text)) <= MAX_CONTROL_SHARE * len(text)


def decode(path: Path, raw: bytes) -> str:
    """The file's text: UTF-8 exactly as the file holds it (newlines untouched, a UTF-8 byte
    order mark kept), else decoded as ``decode_as`` finds; binary data refused."""
    return decode_as(raw)[0]
