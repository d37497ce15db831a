"""Finding the corpus's files and reading them into Documents."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError, UnreadableFile
from qa.readers import reader_for
from qa.records import Document


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus, before it is read."""

    source: str  # relative to the corpus root, POSIX separators
    path: Path
    size: int
    mtime_ns: int


def discover(corpus: Path, skip: tuple[Path, ...] = ()) -> list[SourceFile]:
    """Every readable-format file under ``corpus``, sorted; hidden entries and ``skip`` left out.

    Symbolic links are not followed, so a link cannot lead the index outside the corpus.
    """
    if not corpus.exists():
        raise CorpusError(f"corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise CorpusError(f"corpus is not a folder: {corpus}")
    skip_resolved = {p.resolve() for p in skip}
    found: list[SourceFile] = []
    for root, dirs, files in os.walk(corpus, followlinks=False):
        root_path = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (root_path / d).resolve() not in skip_resolved
        )
        for name in sorted(files):
            path = root_path / name
            if name.startswith(".") or path.is_symlink() or reader_for(path) is None:
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            rel = path.relative_to(corpus).as_posix()
            found.append(SourceFile(rel, path, st.st_size, st.st_mtime_ns))
    found.sort(key=lambda f: f.source)
    return found


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read(file: SourceFile) -> Document:
    """Read one file with the reader for its format; ``UnreadableFile`` says why it was skipped."""
    reader = reader_for(file.path)
    if reader is None:
        raise UnreadableFile(f"{file.source}: no reader for this format")
    try:
        raw = file.path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{file.source}: {exc.strerror or exc}") from None
    try:
        extracted = reader(file.path, raw)
    except UnreadableFile as exc:
        raise UnreadableFile(f"{file.source}: {exc}") from None
    return Document(
        source=file.source,
        text=extracted.text,
        sha256=sha256_of(raw),
        offsets=extracted.offsets,
        page_starts=extracted.page_starts,
    )


def read_all(files: list[SourceFile]) -> Iterator[tuple[SourceFile, Document | None, str | None]]:
    """Read each file; yield ``(file, document, None)`` or ``(file, None, warning)``."""
    for f in files:
        try:
            yield f, read(f), None
        except UnreadableFile as exc:
            yield f, None, str(exc)
