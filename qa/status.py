"""What changed in the corpus since the last build, without loading a model or the index's data.

Kept apart from ``qa.indexing`` so that the check every ``qa ask`` makes (is the index stale?)
imports only what it needs: the file scan and the index metadata.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.store import current_version
from qa.documents import SourceFile, discover, hash_file
from qa.errors import UnreadableFile
from qa.index import FileEntry, read_meta
from qa.records import CorpusStatus

Warn = Callable[[str], None]


def _nothing(*_args) -> None:
    return None


@dataclass(frozen=True)
class Reading:
    """How the corpus is read; kept in the index, so every later build reads it the same way."""

    follow_links: tuple[str, ...] = ()  # folders links may lead into (absolute); none: links not followed
    max_file_bytes: int | None = None  # None: each format's own limit (``documents.file_limit``)

    def to_json(self) -> dict:
        return {"follow_links": list(self.follow_links), "max_file_bytes": self.max_file_bytes}

    @classmethod
    def from_meta(cls, meta: dict | None) -> Reading:
        d = (meta or {}).get("reading")
        if not isinstance(d, dict):
            return cls()
        limit = d.get("max_file_bytes")
        return cls(tuple(map(str, d.get("follow_links", ()))), None if limit is None else int(limit))

    def given(self, follow_links=None, max_file_bytes: int | None = None) -> Reading:
        """These settings with the ones given on the command line (None: keep)."""
        links = self.follow_links if follow_links is None else tuple(
            sorted({str(Path(p).expanduser().resolve()) for p in follow_links})
        )
        return Reading(links, self.max_file_bytes if max_file_bytes is None else int(max_file_bytes))


def reader_versions() -> dict[str, int]:
    """Each format's reader version, kept in the index (``qa.readers.base.Format.version``)."""
    from qa.readers import FORMATS

    return {f.name: f.version for f in FORMATS}


def _reread(meta: dict | None) -> frozenset[str]:
    """The extensions whose reader is newer than the one the index (``meta``) read them with:
    their files are read again, once, though they did not change (an index from before versions
    were kept counts as version 1 of every reader)."""
    if meta is None:
        return frozenset()
    from qa.readers import FORMATS

    old = meta.get("readers")
    old = old if isinstance(old, dict) else {}
    return frozenset(s for f in FORMATS if _int(old.get(f.name), 1) < f.version for s in f.suffixes)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class _Plan:
    files: list[SourceFile]
    reuse: dict[str, FileEntry]  # source -> entry in the old index, content unchanged
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]
    skipped: dict[str, str]  # source -> why: skipped last time and not changed since
    touched: int  # unchanged content whose size or mtime changed (metadata to refresh)
    reread: list[str] = field(default_factory=list)  # in ``changed``: unchanged, but a newer reader reads them


def _skipped_before(meta: dict) -> dict[str, dict]:
    return {d["source"]: d for d in meta.get("skipped", []) if isinstance(d, dict) and "source" in d}


def _plan(
    corpus: Path, root: Path, old_files: dict[str, FileEntry], old_skipped: dict[str, dict],
    reading: Reading = Reading(), warn: Warn = _nothing, reread: frozenset[str] = frozenset(),
) -> _Plan:
    """Sort the corpus's files against the last build: size and mtime first, then content hash;
    a file whose reader is newer than the one that read it (``reread``: extensions) is changed."""
    files = discover(corpus, skip=(root,), follow_links=tuple(map(Path, reading.follow_links)), warn=warn)
    reuse: dict[str, FileEntry] = {}
    added, changed, unchanged, again = [], [], [], []
    skipped: dict[str, str] = {}
    touched = 0
    for f in files:
        entry = old_files.get(f.source)
        if entry is None:
            before = old_skipped.get(f.source)
            if before and before.get("size") == f.size and before.get("mtime_ns") == f.mtime_ns:
                skipped[f.source] = str(before.get("reason", "unreadable"))
            else:
                added.append(f.source)
            continue
        if reread and Path(f.source).suffix.lower() in reread:
            changed.append(f.source)
            again.append(f.source)
            continue
        if entry.size == f.size and entry.mtime_ns == f.mtime_ns:
            reuse[f.source] = entry
            unchanged.append(f.source)
            continue
        try:
            digest = hash_file(f)
        except UnreadableFile:
            changed.append(f.source)
            continue
        if digest == entry.sha256:
            reuse[f.source] = entry
            unchanged.append(f.source)
            touched += 1
        else:
            changed.append(f.source)
    present = {f.source for f in files}
    removed = sorted(s for s in old_files if s not in present)
    gone_skipped = any(s not in present for s in old_skipped)
    return _Plan(files, reuse, added, changed, removed, unchanged, skipped, touched + gone_skipped, again)


def corpus_status(corpus: Path, root: Path) -> CorpusStatus:
    """What changed in ``corpus`` since the index at ``root`` was built; loads no model."""
    version = current_version(root)
    old: dict[str, FileEntry] = {}
    old_skipped: dict[str, dict] = {}
    meta = None
    if version is not None:
        meta = read_meta(version)
        old = {e.source: e for e in map(FileEntry.from_json, meta["files"])}
        old_skipped = _skipped_before(meta)
    plan = _plan(corpus, root, old, old_skipped, Reading.from_meta(meta), reread=_reread(meta))
    return CorpusStatus(
        added=tuple(plan.added),
        changed=tuple(plan.changed),
        removed=tuple(plan.removed),
        unchanged=tuple(plan.unchanged),
        skipped=tuple(plan.skipped),
        has_index=version is not None,
        reread=tuple(plan.reread),
    )
