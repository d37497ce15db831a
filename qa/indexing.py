"""Build and rebuild the index: only files whose content changed are re-read and re-embedded."""

from __future__ import annotations

import errno
import json
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.model import Embedder
from embeddings.store import (
    StoreBusy,
    build_lock,
    commit,
    current_version,
    discard,
    new_version,
    sweep_leftovers,
)
from embeddings.vectors import VectorIndex, kind_for, save_vectors
from qa import __version__
from qa.chunking import ChunkParams, chunk
from qa.documents import SourceFile, read_file
from qa.errors import BadIndex, CorpusError, QAError, UnreadableFile
from qa.index import (
    BM25_CHUNKS,
    BM25_SENTENCES,
    CHUNK_FAISS,
    CHUNK_VECTORS,
    CHUNKS,
    FIX,
    FORMAT,
    META,
    SENTENCE_VECTORS,
    SENTENCES,
    TEXT,
    FileEntry,
    Index,
    read_meta,
)
from qa.lexical import Lexical, tokenize
from qa.readers import supported_suffixes
from qa.records import BuildSummary, Chunked, Document
from qa.status import (  # noqa: F401 (corpus_status re-exported)
    Reading,
    Warn,
    _nothing,
    _Plan,
    _plan,
    _reread,
    _skipped_before,
    corpus_status,
    reader_versions,
)

# progress(stage, done, total): stages are "scan", "read", "embed", "index"
Progress = Callable[[str, int, int], None]


def _old_index(root: Path) -> Index | None:
    version = current_version(root)
    if version is None:
        return None
    try:
        return Index(root, version, read_meta(version))
    except BadIndex:
        return None


def _compatible(old: Index, model_name: str, params: ChunkParams) -> bool:
    return old.model == model_name and old.meta.get("chunking") == params.to_json()


def build(
    corpus: Path,
    root: Path,
    model_name: str,
    load_embedder: Callable[[], Embedder],
    *,
    full: bool = False,
    params: ChunkParams = ChunkParams(),
    progress: Progress = _nothing,
    warn: Warn = _nothing,
    wait: bool = False,
    follow_links: tuple[Path, ...] | None = None,
    max_file_bytes: int | None = None,
    steps=None,
) -> BuildSummary:
    """Bring the index at ``root`` up to date with ``corpus`` and swap it in atomically.

    ``follow_links`` (folders symbolic links may lead into) and ``max_file_bytes`` default to
    what the last build used. The embedder is loaded only if something needs embedding. Raises
    ``QAError`` subclasses for problems the user can fix; on any failure, a kill or a full disk
    included, the previous index stays as it was.

    ``steps`` does the work elsewhere (``qa.ray_build``: on a Ray cluster): its ``read`` and
    ``embed`` take the place of ``_read_changed`` and ``_embed``, with their arguments, and its
    ``staging`` (after ``read``) is the version folder to write, or None for a new one.
    """
    t0 = time.perf_counter()
    try:
        with build_lock(root, wait=wait):
            sweep_leftovers(root)  # what a killed build left behind
            return _build_locked(corpus, root, model_name, load_embedder, full, params, progress, warn, t0,
                                 follow_links, max_file_bytes, steps)
    except StoreBusy as exc:
        raise QAError(f"{exc}; wait for it to finish and try again") from None


def _build_locked(corpus, root, model_name, load_embedder, full, params, progress, warn, t0,
                  follow_links, max_file_bytes, steps=None) -> BuildSummary:
    read_changed = steps.read if steps is not None else _read_changed
    embed = steps.embed if steps is not None else _embed
    previous = _old_index(root)
    old_reading = Reading.from_meta(previous.meta if previous else None)
    reading = old_reading.given(follow_links, max_file_bytes)
    old_files = {f.source: f for f in previous.files} if previous else {}
    # a file skipped last time is tried again when the settings that skipped it changed
    old_skipped = _skipped_before(previous.meta) if previous and reading == old_reading else {}
    plan = _plan(corpus, root, old_files, old_skipped, reading, warn, _reread(previous.meta if previous else None))
    plan.touched += reading != old_reading
    progress("scan", len(plan.files), len(plan.files))
    old = None if full else previous
    if old is not None and not _compatible(old, model_name, params):
        warn("the index was built with another model or chunking; rebuilding everything")
        old = None
    if old is not None and not (plan.added or plan.changed or plan.removed or plan.touched):
        try:  # nothing to do, if what is there is whole: `qa index` is how a damaged index heals
            old.check_text()
            old.warm()
        except BadIndex as exc:
            warn(f"{str(exc).removesuffix(f'; {FIX}')}; rebuilding everything")
            old = None
    if old is None:
        plan.reuse = {}
    elif not (plan.added or plan.changed or plan.removed or plan.touched):
        for source, reason in plan.skipped.items():
            warn(f"skipped {source}: {reason}")
        return BuildSummary(0, 0, 0, len(plan.unchanged), 0, time.perf_counter() - t0,
                            warnings=tuple(plan.skipped))  # nothing changed: keep the live index

    fresh, skipped = read_changed(plan, old is not None, params, progress, warn, reading.max_file_bytes)
    try:
        tables = _assemble(plan, old, fresh)
    except BadIndex as exc:  # the old index is damaged where it was opened lazily: start afresh
        warn(f"{str(exc).removesuffix(f'; {FIX}')}; rebuilding everything")
        old, plan.reuse = None, {}
        more, more_skipped = read_changed(plan, False, params, progress, warn, reading.max_file_bytes,
                                          done={*fresh, *skipped})
        fresh.update(more)
        skipped.update(more_skipped)
        tables = _assemble(plan, None, fresh)
    if len(tables.sentences) == 0:
        raise CorpusError(
            f"nothing to index in {corpus}: no readable text in {len(plan.files)} file(s) "
            f"(formats read: {', '.join(supported_suffixes())})"
        )
    dim = embed(tables, old, load_embedder, progress)
    meta = {
        "format": FORMAT,
        "qa_version": __version__,
        "model": model_name,
        "dim": dim,
        "chunking": params.to_json(),
        "index_type": kind_for(len(tables.chunks)),
        "reading": reading.to_json(),
        "readers": reader_versions(),
        "corpus": str(corpus.expanduser().resolve()),
        "built_at": time.time(),
        "counts": {"files": len(tables.entries), "chunks": len(tables.chunks), "sentences": len(tables.sentences)},
        "versions": _versions(),
        "skipped": [
            {"source": f.source, "size": f.size, "mtime_ns": f.mtime_ns, "reason": reason}
            for f, reason in skipped.values()
        ],
        "files": [e.to_json() for e in tables.entries],
    }
    progress("index", 0, 1)
    _write_version(root, tables, meta, steps.staging if steps is not None else None)
    progress("index", 1, 1)
    return BuildSummary(
        added=len([s for s in plan.added if s in fresh]),
        changed=len([s for s in plan.changed if s in fresh]),
        removed=len(plan.removed) + len([s for s in plan.changed if s not in fresh]),
        unchanged=len(plan.unchanged),
        chunks_embedded=len(tables.embed_chunks),
        seconds=time.perf_counter() - t0,
        full=old is None,
        warnings=tuple(skipped),
    )


def _read_changed(plan: _Plan, incremental: bool, params: ChunkParams, progress: Progress, warn: Warn,
                  max_file_bytes: int | None = None, done: frozenset[str] | set[str] = frozenset()):
    """Read and chunk the files not reused; ``(fresh, skipped)`` keyed by source.

    A file's size and time in the plan become those it had when it was read, so they always
    describe the bytes that were hashed and indexed, even if it changed since it was listed.
    """
    fresh: dict[str, tuple[Document, Chunked]] = {}
    skipped: dict[str, tuple[SourceFile, str]] = {}
    position = {f.source: i for i, f in enumerate(plan.files)}
    todo = [f for f in plan.files if f.source not in plan.reuse and f.source not in done]
    for n, f in enumerate(todo, 1):
        try:
            if incremental and f.source in plan.skipped:  # unreadable last time, unchanged since
                raise UnreadableFile(f"{f.source}: {plan.skipped[f.source]}")
            got = read_file(f, max_file_bytes)
        except UnreadableFile as exc:
            warn(f"skipped {exc}")
            skipped[f.source] = (f, str(exc).removeprefix(f"{f.source}: "))
            continue
        for note in got.notes:
            warn(note)
        doc = got.document
        plan.files[position[f.source]] = got.file
        fresh[f.source] = (doc, chunk(doc.text, params, doc.page_starts))
        progress("read", n, len(todo))
    return fresh, skipped


@dataclass
class _Tables:
    """The new index's rows, in corpus order, before its vectors are complete."""

    entries: list[FileEntry]
    sentences: np.ndarray
    chunks: np.ndarray
    text_parts: list[bytes]
    sentence_texts: list[str]
    chunk_texts: list[str]
    embed_chunks: list[int]  # rows whose vectors must be computed
    embed_sentences: list[int]
    sentence_vectors: np.ndarray | None = None
    chunk_vectors: np.ndarray | None = None


def _assemble(plan: _Plan, old: Index | None, fresh: dict[str, tuple[Document, Chunked]]) -> _Tables:
    """Rows for every file: copied from the old index when reused, built from ``fresh`` else."""
    entries: list[FileEntry] = []
    sent_rows, chunk_rows, text_parts = [], [], []
    sentence_texts, chunk_texts = [], []
    embed_chunks, embed_sentences = [], []
    byte_pos = n_s = n_c = 0
    for f in plan.files:
        fi = len(entries)
        if f.source in plan.reuse:
            e = plan.reuse[f.source]
            (s_lo, s_hi), (c_lo, c_hi) = e.sentences, e.chunks
            srows = np.array(old.sentences[s_lo:s_hi], dtype=np.int64)
            crows = np.array(old.chunks[c_lo:c_hi], dtype=np.int64)
            srows[:, 0] = crows[:, 0] = fi
            crows[:, 5:7] += n_s - s_lo
            text = old.doc_text(old.by_source[f.source])
            sha, offsets, pages, sections = e.sha256, e.offsets, e.page_starts, e.sections
        elif f.source in fresh:
            doc, chunked = fresh[f.source]
            text = doc.text
            srows = np.array(
                [[fi, s.start, s.end, s.line, s.page or 0] for s in chunked.sentences], dtype=np.int64
            ).reshape(-1, 5)
            crows = np.array(
                [[fi, c.span.start, c.span.end, c.span.line, c.span.page or 0,
                  n_s + c.first_sentence, n_s + c.last_sentence] for c in chunked.chunks],
                dtype=np.int64,
            ).reshape(-1, 7)
            embed_sentences.extend(range(n_s, n_s + len(srows)))
            embed_chunks.extend(range(n_c, n_c + len(crows)))
            sha, offsets, pages, sections = doc.sha256, doc.offsets, doc.page_starts, doc.sections
        else:
            continue  # unreadable: skipped
        raw = text.encode("utf-8", "surrogatepass")
        text_parts.append(raw)
        sent_rows.append(srows)
        chunk_rows.append(crows)
        sentence_texts.extend(text[s:e] for s, e in srows[:, 1:3])
        chunk_texts.extend(text[s:e] for s, e in crows[:, 1:3])
        entries.append(FileEntry(
            source=f.source, sha256=sha, size=f.size, mtime_ns=f.mtime_ns, offsets=offsets,
            page_starts=tuple(pages), sentences=(n_s, n_s + len(srows)), chunks=(n_c, n_c + len(crows)),
            text_bytes=(byte_pos, byte_pos + len(raw)), sections=tuple(sections),
        ))
        byte_pos += len(raw)
        n_s += len(srows)
        n_c += len(crows)
    return _Tables(
        entries=entries,
        sentences=np.concatenate(sent_rows) if sent_rows else np.zeros((0, 5), dtype=np.int64),
        chunks=np.concatenate(chunk_rows) if chunk_rows else np.zeros((0, 7), dtype=np.int64),
        text_parts=text_parts,
        sentence_texts=sentence_texts,
        chunk_texts=chunk_texts,
        embed_chunks=embed_chunks,
        embed_sentences=embed_sentences,
    )


def _embed(tables: _Tables, old: Index | None, load_embedder, progress: Progress) -> int:
    """Fill the tables' vectors: reused rows from the old index, new rows from the model.

    A file whose bytes the old index already holds, under its own name or another (a rename, a
    copy), takes those vectors: the same text chunks the same way, so nothing is embedded.
    """
    dim = old.dim if old is not None else None
    new = None
    donors = _donors(tables, old) if old is not None else []
    reused_c = {r for e, _ in donors for r in range(*e.chunks)}
    reused_s = {r for e, _ in donors for r in range(*e.sentences)}
    tables.embed_chunks = [r for r in tables.embed_chunks if r not in reused_c]
    tables.embed_sentences = [r for r in tables.embed_sentences if r not in reused_s]
    texts = [tables.chunk_texts[r] for r in tables.embed_chunks] + [
        tables.sentence_texts[r] for r in tables.embed_sentences
    ]
    if texts:
        embedder = load_embedder()
        dim = embedder.dim
        progress("embed", 0, len(texts))
        new = embedder.encode(texts, progress=lambda d, t: progress("embed", d, len(texts)))
    chunk_vectors = np.zeros((len(tables.chunks), dim), dtype=np.float32)
    sentence_vectors = np.zeros((len(tables.sentences), dim), dtype=np.float32)
    for e, before in donors:
        chunk_vectors[slice(*e.chunks)] = old.chunk_vectors[slice(*before.chunks)]
        sentence_vectors[slice(*e.sentences)] = old.sentence_vectors[slice(*before.sentences)]
    if new is not None:
        nc = len(tables.embed_chunks)
        chunk_vectors[tables.embed_chunks] = new[:nc]
        sentence_vectors[tables.embed_sentences] = new[nc:]
    tables.chunk_vectors, tables.sentence_vectors = chunk_vectors, sentence_vectors
    return int(dim)


def _donors(tables: _Tables, old: Index) -> list[tuple[FileEntry, FileEntry]]:
    """Each new file with the old file whose vectors it takes: itself when its bytes are unchanged,
    else one with the same bytes under another name (a rename, a copy), rows alike."""
    by_sha: dict[str, FileEntry] = {}
    for f in old.files:
        by_sha.setdefault(f.sha256, f)
    out = []
    for e in tables.entries:
        before = old.files[old.by_source[e.source]] if e.source in old.by_source else None
        if before is None or before.sha256 != e.sha256:
            before = by_sha.get(e.sha256)
        if (before is not None and before.chunks[1] - before.chunks[0] == e.chunks[1] - e.chunks[0]
                and before.sentences[1] - before.sentences[0] == e.sentences[1] - e.sentences[0]):
            out.append((e, before))
    return out


def _write_version(root: Path, tables: _Tables, meta: dict, staging: Path | None = None) -> None:
    """Write a complete new version and make it live; on any failure nothing changes.

    ``meta.json`` is written last and records every other file's size, so a version cut short
    in any way (a kill, a full disk, a copy that stopped) is recognised when it is opened.
    ``staging``: a version folder made already (``new_version``), whose vector files may be
    written in place (memory-mapped: a Ray build streams its vectors there).
    """
    try:
        staging = staging or new_version(root)
    except OSError as exc:
        raise QAError(_write_error(root, exc, tables)) from None
    try:
        with open(staging / TEXT, "wb") as fh:
            for part in tables.text_parts:
                fh.write(part)
        np.save(staging / SENTENCES, tables.sentences, allow_pickle=False)
        np.save(staging / CHUNKS, tables.chunks, allow_pickle=False)
        for name, vectors in ((SENTENCE_VECTORS, tables.sentence_vectors), (CHUNK_VECTORS, tables.chunk_vectors)):
            if _written_in(staging / name, vectors):
                vectors.flush()
            else:
                save_vectors(staging / name, vectors)
        VectorIndex.build(tables.chunk_vectors).save(staging / CHUNK_FAISS)
        Lexical.build(tokenize(tables.chunk_texts)).save(staging / BM25_CHUNKS)
        Lexical.build(tokenize(tables.sentence_texts)).save(staging / BM25_SENTENCES)
        meta = {**meta, "data_files": data_file_sizes(staging)}
        (staging / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        commit(root, staging)
    except OSError as exc:
        discard(staging)
        raise QAError(_write_error(root, exc, tables)) from None
    except BaseException:
        discard(staging)
        raise


def _written_in(path: Path, vectors: np.ndarray) -> bool:
    """``vectors`` is a memory map of the file at ``path`` (filled in place, nothing to save)."""
    return isinstance(vectors, np.memmap) and vectors.filename is not None and (
        Path(vectors.filename).resolve() == path.resolve())


def data_file_sizes(version: Path) -> dict[str, int]:
    """Size of every file of a version but its ``meta.json``, by path relative to it."""
    return {
        p.relative_to(version).as_posix(): p.stat().st_size
        for p in sorted(version.rglob("*")) if p.is_file() and p.name != META
    }


def _size(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{max(1, round(n / 1e3))} kB"


def _write_error(root: Path, exc: OSError, tables: _Tables) -> str:
    """One line for a failed write: a full disk said as such, with the space it needs."""
    # numpy reports a short write as "N requested and M written", without an errno
    try:
        free = shutil.disk_usage(root).free
    except OSError:
        free = None
    need = sum(map(len, tables.text_parts)) + tables.sentences.nbytes + tables.chunks.nbytes
    for v in (tables.sentence_vectors, tables.chunk_vectors, tables.chunk_vectors):
        need += 0 if v is None else v.nbytes
    need += sum(map(len, tables.chunk_texts)) + sum(map(len, tables.sentence_texts))  # BM25, roughly
    full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or (
        exc.errno is None and free is not None and free < need
    )
    kept = "the previous index is unchanged"
    if full:
        room = "" if free is None else f", {_size(free)} free"
        return (f"no space left on the disk to write the index at {root} (it needs about {_size(need)}"
                f"{room}); {kept}: free some space and run `qa index` again")
    if exc.errno == errno.EFBIG:
        return f"cannot write the index at {root}: a file would exceed the file size limit; {kept}"
    what = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cannot write the index at {root}: {what}{where}; {kept}"


def _versions() -> dict:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("sentence-transformers", "faiss-cpu", "bm25s", "blingfire", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out
