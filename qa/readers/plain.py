"""Plain text (``.txt``, ``.text``): the file's own characters, decoded by ``text``."""

from __future__ import annotations

from pathlib import Path

from qa.readers import text
from qa.readers.base import Extracted, Format


def read(path: Path, raw: bytes) -> Extracted:
    return Extracted(text.decode(path, raw))


FORMAT = Format("text", (".txt", ".text"), read)
