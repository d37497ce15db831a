"""Finding the corpus's files and reading them into Documents.

A corpus is data from anywhere: names may hold any character, a file may be a pipe, a link,
huge, binary, or change while it is read. Each such file is left out with a one-line warning
and the rest are read; nothing in a corpus can stall the walk or lead it outside the folders
the user named.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import CorpusError, UnreadableFile
from qa.readers import reader_for
from qa.records import Document

MAX_FILE_BYTES = 10_000_000  # a text file over this is skipped: reading, chunking and embedding it would not fit


def file_limit(path: Path, max_bytes: int | None) -> int:
    """The most bytes read of the file at ``path``: ``max_bytes`` when the user set one, else
    its format's own limit (a PDF or a Word file is mostly pictures: hundreds of MB can hold a
    few MB of text), else ``MAX_FILE_BYTES``."""
    if max_bytes is not None:
        return max_bytes
    from qa.readers import format_for

    fmt = format_for(path)
    return fmt.max_bytes if fmt is not None and fmt.max_bytes is not None else MAX_FILE_BYTES
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)

Warn = Callable[[str], None]


def _nothing(_message: str) -> None:
    return None


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus, before it is read."""

    source: str  # relative to the corpus root, POSIX separators (through a link: the link's path)
    path: Path  # what is opened: the file itself, or where a followed link leads
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ReadFile:
    """A file read: its document, the file as it was when read, and what is worth a warning
    (the reader's own warnings, a text that had to be decoded from another encoding)."""

    document: Document
    file: SourceFile
    notes: tuple[str, ...] = ()


def shown(name: str) -> str:
    """A file name fit for a message: bytes that are not UTF-8 written as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in a name come back as lone surrogates
        return False
    return True


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def discover(
    corpus: Path,
    skip: tuple[Path, ...] = (),
    follow_links: tuple[Path, ...] = (),
    warn: Warn = _nothing,
) -> list[SourceFile]:
    """Every readable-format file under ``corpus``, sorted; hidden entries and ``skip`` left out.

    Symbolic links are not followed unless ``follow_links`` names folders: then a link is
    followed when it leads into the corpus or into one of them, never anywhere else. A folder
    reached twice (a link loop, or a link to a folder already read) is read once. Pipes,
    devices, dangling links and names that are not UTF-8 are left out with a warning.
    """
    if not corpus.exists():
        raise CorpusError(f"corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise CorpusError(f"corpus is not a folder: {corpus}")
    allowed = (corpus.resolve(), *(Path(p).resolve() for p in follow_links)) if follow_links else ()
    skip_resolved = {Path(p).resolve() for p in skip}
    found: dict[str, SourceFile] = {}
    seen: set[tuple[int, int]] = set()  # (device, inode) of every folder and file taken
    links: list[tuple[str, Path]] = []  # links met, followed once the real tree is read

    def walk(top: Path, top_prefix: str) -> None:
        stack = [(top, top_prefix)]  # a loop, not recursion: any depth of folders
        while stack:
            folder, prefix = stack.pop()
            try:
                st = folder.stat()
                entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                warn(f"skipped {shown(prefix) or './'}: {exc.strerror or exc}")
                continue
            seen.add((st.st_dev, st.st_ino))
            for entry in entries:
                name, rel = entry.name, f"{prefix}{entry.name}"
                if name.startswith("."):
                    continue
                if not _is_utf8(name):
                    warn(f"skipped {shown(rel)}: its name is not valid UTF-8 (rename it to index it)")
                    continue
                try:
                    if entry.is_symlink():
                        links.append((rel, Path(entry.path)))
                    elif entry.is_dir(follow_symlinks=False):
                        if Path(entry.path).resolve() not in skip_resolved:
                            stack.append((Path(entry.path), rel + "/"))
                    elif reader_for(Path(name)) is not None:
                        take(rel, Path(entry.path), entry.stat(follow_symlinks=False))
                except OSError as exc:
                    warn(f"skipped {shown(rel)}: {exc.strerror or exc}")

    def take(rel: str, path: Path, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            warn(f"skipped {shown(rel)}: not a regular file")
            return
        seen.add((st.st_dev, st.st_ino))
        found[rel] = SourceFile(rel, path, st.st_size, st.st_mtime_ns)

    def follow(rel: str, link: Path) -> None:
        target = Path(os.path.realpath(link))
        is_dir = target.is_dir()
        if not is_dir and reader_for(link) is None:
            return  # a link to something that would not be read anyway
        if not allowed:
            warn(f"skipped {shown(rel)}: a symbolic link (not followed; `qa index --follow-links DIR` "
                 "follows links into DIR)")
        elif not target.exists():
            warn(f"skipped {shown(rel)}: a symbolic link to nothing ({shown(str(target))} does not exist)")
        elif not _inside(target, allowed):
            warn(f"skipped {shown(rel)}: a symbolic link out of the corpus and the --follow-links folders "
                 f"(to {shown(str(target))})")
        elif (target.stat().st_dev, target.stat().st_ino) in seen:
            warn(f"skipped {shown(rel)}: a symbolic link to a {'folder' if is_dir else 'file'} already read "
                 "(a loop, or the same one twice)")
        elif is_dir:
            if target not in skip_resolved:
                walk(target, rel + "/")
        else:
            take(rel, target, target.stat())

    walk(corpus, "")
    while links:  # links after the real tree, so a file is found under its own name first
        pending, links[:] = sorted(links), []
        for rel, link in pending:
            try:
                follow(rel, link)
            except OSError as exc:
                warn(f"skipped {shown(rel)}: {exc.strerror or exc}")
    return [found[k] for k in sorted(found)]


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _open(file: SourceFile) -> tuple[int, os.stat_result]:
    """An open descriptor on a regular file: never blocks on a pipe, never follows a link swapped in."""
    try:
        fd = os.open(file.path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", None) or os.path.islink(file.path):
            raise UnreadableFile("it became a symbolic link (not followed)") from None
        raise UnreadableFile(exc.strerror or str(exc)) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnreadableFile("not a regular file")
    return fd, st


def hash_file(file: SourceFile) -> str:
    """SHA-256 of the file's bytes, read in blocks (``UnreadableFile`` if it cannot be read)."""
    fd, _ = _open(file)
    h = hashlib.sha256()
    with open(fd, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _too_big(size: int, max_bytes: int) -> UnreadableFile:
    return UnreadableFile(
        f"too big ({size / 1e6:.1f} MB; the limit for one file is {max_bytes / 1e6:g} MB, "
        "`qa index --max-file-mb N` raises it)"
    )


def load(file: SourceFile, max_bytes: int | None = None) -> tuple[bytes, SourceFile]:
    """The file's bytes, and ``file`` with the size and time they were read at.

    At most ``max_bytes + 1`` bytes are ever held (None: the format's limit, ``file_limit``). A file that changes while it is read is
    read again; one that keeps changing is skipped, so the hash is always of the bytes indexed.
    """
    max_bytes = file_limit(Path(file.source), max_bytes)
    for _attempt in range(3):
        fd, before = _open(file)
        with open(fd, "rb") as fh:
            if before.st_size > max_bytes:
                raise _too_big(before.st_size, max_bytes)
            try:
                raw = fh.read(max_bytes + 1)
            except OSError as exc:
                raise UnreadableFile(exc.strerror or str(exc)) from None
            after = os.fstat(fd)
        if len(raw) > max_bytes:
            raise _too_big(max(len(raw), after.st_size), max_bytes)
        if len(raw) == after.st_size and (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):
            return raw, replace(file, size=after.st_size, mtime_ns=after.st_mtime_ns)
    raise UnreadableFile("it kept changing while it was read; run `qa index` again once it is written")


def _utf8_exactly(text: str, raw: bytes) -> bool:
    try:
        return text.encode("utf-8") == raw
    except UnicodeEncodeError:
        return False


def _decoded_from(raw: bytes) -> str:
    from qa.readers import text

    try:
        return text.describe(text.decode_as(raw)[1])
    except UnreadableFile:
        return "another encoding"


def read_file(file: SourceFile, max_bytes: int | None = None) -> ReadFile:
    """Read one file with the reader for its format; ``UnreadableFile`` says why it was skipped.

    A reader that says its text is the file's own characters is held to it: when the text is
    not the file's bytes as UTF-8 (a UTF-16 or Latin-1 file, decoded), the document's offsets
    are marked ``"extracted"``, so no citation claims to index bytes it does not.
    """
    reader = reader_for(Path(file.source))
    try:
        if reader is None:
            raise UnreadableFile("no reader for this format")
        raw, file = load(file, max_bytes)
        extracted = reader(file.path, raw)
        if not extracted.text or extracted.text.isspace():
            raise UnreadableFile("empty file" if not raw else "no text in it (only white space)")
    except UnreadableFile as exc:
        raise UnreadableFile(f"{shown(file.source)}: {exc}") from None
    offsets = extracted.offsets
    notes = [f"{shown(file.source)}: {w}" for w in getattr(extracted, "warnings", ())]
    if offsets == "file" and not _utf8_exactly(extracted.text, raw):
        offsets = "extracted"
        notes.append(f"{shown(file.source)}: not UTF-8, read as {_decoded_from(raw)}; its quotes cite the decoded text")
    doc = Document(
        source=file.source, text=extracted.text, sha256=sha256_of(raw), offsets=offsets,
        page_starts=extracted.page_starts, sections=getattr(extracted, "sections", ()),
    )
    return ReadFile(doc, file, tuple(notes))


def read(file: SourceFile, max_bytes: int | None = None) -> Document:
    """``read_file(file).document``."""
    return read_file(file, max_bytes).document


def read_all(files: list[SourceFile]) -> Iterator[tuple[SourceFile, Document | None, str | None]]:
    """Read each file; yield ``(file, document, None)`` or ``(file, None, warning)``."""
    for f in files:
        try:
            yield f, read(f), None
        except UnreadableFile as exc:
            yield f, None, str(exc)
