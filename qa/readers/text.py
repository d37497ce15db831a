"""Plain text and Markdown: the file's own characters, so citations are exact file offsets."""

from __future__ import annotations

from pathlib import Path

from qa.errors import UnreadableFile


def decode(path: Path, raw: bytes) -> str:
    """Decode UTF-8 exactly as the file holds it (newlines untouched); refuse binary data."""
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary data, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text (invalid byte at offset {exc.start})") from None
