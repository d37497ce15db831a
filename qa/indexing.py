"""Build and rebuild the index: only files whose content changed are re-read and re-embedded."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.model import Embedder
from embeddings.store import StoreBusy, build_lock, commit, current_version, discard, new_version
from embeddings.vectors import VectorIndex, kind_for, save_vectors
from qa import __version__
from qa.chunking import ChunkParams, chunk
from qa.documents import SourceFile, discover, hash_file, read
from qa.errors import BadIndex, CorpusError, QAError, UnreadableFile
from qa.index import (
    BM25_CHUNKS,
    BM25_SENTENCES,
    CHUNK_FAISS,
    CHUNK_VECTORS,
    CHUNKS,
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
from qa.records import BuildSummary, Chunked, CorpusStatus, Document

# progress(stage, done, total): stages are "scan", "read", "embed", "index"
Progress = Callable[[str, int, int], None]
Warn = Callable[[str], None]


def _nothing(*_args) -> None:
    return None


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


def _old_index(root: Path) -> Index | None:
    version = current_version(root)
    if version is None:
        return None
    try:
        return Index(root, version, read_meta(version))
    except BadIndex:
        return None


def _skipped_before(meta: dict) -> dict[str, dict]:
    return {d["source"]: d for d in meta.get("skipped", []) if isinstance(d, dict) and "source" in d}


def _plan(corpus: Path, root: Path, old_files: dict[str, FileEntry], old_skipped: dict[str, dict]) -> _Plan:
    """Sort the corpus's files against the last build: size and mtime first, then content hash."""
    files = discover(corpus, skip=(root,))
    reuse: dict[str, FileEntry] = {}
    added, changed, unchanged = [], [], []
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
        if entry.size == f.size and entry.mtime_ns == f.mtime_ns:
            reuse[f.source] = entry
            unchanged.append(f.source)
            continue
        try:
            digest = hash_file(f.path)
        except OSError:
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
    return _Plan(files, reuse, added, changed, removed, unchanged, skipped, touched + gone_skipped)


def corpus_status(corpus: Path, root: Path) -> CorpusStatus:
    """What changed in ``corpus`` since the index at ``root`` was built; loads no model."""
    version = current_version(root)
    old: dict[str, FileEntry] = {}
    old_skipped: dict[str, dict] = {}
    if version is not None:
        meta = read_meta(version)
        old = {e.source: e for e in map(FileEntry.from_json, meta["files"])}
        old_skipped = _skipped_before(meta)
    plan = _plan(corpus, root, old, old_skipped)
    return CorpusStatus(
        added=tuple(plan.added),
        changed=tuple(plan.changed),
        removed=tuple(plan.removed),
        unchanged=tuple(plan.unchanged),
        skipped=tuple(plan.skipped),
        has_index=version is not None,
    )


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
) -> BuildSummary:
    """Bring the index at ``root`` up to date with ``corpus`` and swap it in atomically.

    The embedder is loaded only if something needs embedding. Raises ``QAError`` subclasses
    for problems the user can fix; on any failure the previous index stays as it was.
    """
    t0 = time.perf_counter()
    try:
        with build_lock(root, wait=wait):
            return _build_locked(corpus, root, model_name, load_embedder, full, params, progress, warn, t0)
    except StoreBusy as exc:
        raise QAError(f"{exc}; wait for it to finish and try again") from None


def _build_locked(corpus, root, model_name, load_embedder, full, params, progress, warn, t0) -> BuildSummary:
    previous = _old_index(root)
    old_files = {f.source: f for f in previous.files} if previous else {}
    plan = _plan(corpus, root, old_files, _skipped_before(previous.meta) if previous else {})
    progress("scan", len(plan.files), len(plan.files))
    old = None if full else previous
    if old is not None and not _compatible(old, model_name, params):
        warn("the index was built with another model or chunking; rebuilding everything")
        old = None
    if old is None:
        plan.reuse = {}
    elif not (plan.added or plan.changed or plan.removed or plan.touched):
        for source, reason in plan.skipped.items():
            warn(f"skipped {source}: {reason}")
        return BuildSummary(0, 0, 0, len(plan.unchanged), 0, time.perf_counter() - t0,
                            warnings=tuple(plan.skipped))  # nothing changed: keep the live index

    fresh, skipped = _read_changed(plan, old is not None, params, progress, warn)
    tables = _assemble(plan, old, fresh)
    if len(tables.sentences) == 0:
        raise CorpusError(
            f"nothing to index in {corpus}: no readable text in {len(plan.files)} file(s) "
            f"(formats read: {', '.join(supported_suffixes())})"
        )
    dim = _embed(tables, old, load_embedder, progress)
    meta = {
        "format": FORMAT,
        "qa_version": __version__,
        "model": model_name,
        "dim": dim,
        "chunking": params.to_json(),
        "index_type": kind_for(len(tables.chunks)),
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
    _write_version(root, tables, meta)
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


def _read_changed(plan: _Plan, incremental: bool, params: ChunkParams, progress: Progress, warn: Warn):
    """Read and chunk the files not reused; ``(fresh, skipped)`` keyed by source."""
    fresh: dict[str, tuple[Document, Chunked]] = {}
    skipped: dict[str, tuple[SourceFile, str]] = {}
    todo = [f for f in plan.files if f.source not in plan.reuse]
    for n, f in enumerate(todo, 1):
        try:
            if incremental and f.source in plan.skipped:  # unreadable last time, unchanged since
                raise UnreadableFile(f"{f.source}: {plan.skipped[f.source]}")
            doc = read(f)
        except UnreadableFile as exc:
            warn(f"skipped {exc}")
            skipped[f.source] = (f, str(exc).removeprefix(f"{f.source}: "))
            continue
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
            sha, offsets, pages = e.sha256, e.offsets, e.page_starts
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
            sha, offsets, pages = doc.sha256, doc.offsets, doc.page_starts
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
            text_bytes=(byte_pos, byte_pos + len(raw)),
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
    """Fill the tables' vectors: reused rows from the old index, new rows from the model."""
    dim = old.dim if old is not None else None
    new = None
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
    if old is not None:
        for e in tables.entries:
            before = old.files[old.by_source[e.source]] if e.source in old.by_source else None
            if before is None or before.sha256 != e.sha256:
                continue
            chunk_vectors[slice(*e.chunks)] = old.chunk_vectors[slice(*before.chunks)]
            sentence_vectors[slice(*e.sentences)] = old.sentence_vectors[slice(*before.sentences)]
    if new is not None:
        nc = len(tables.embed_chunks)
        chunk_vectors[tables.embed_chunks] = new[:nc]
        sentence_vectors[tables.embed_sentences] = new[nc:]
    tables.chunk_vectors, tables.sentence_vectors = chunk_vectors, sentence_vectors
    return int(dim)


def _write_version(root: Path, tables: _Tables, meta: dict) -> None:
    """Write a complete new version and make it live; on any failure nothing changes."""
    staging = new_version(root)
    try:
        with open(staging / TEXT, "wb") as fh:
            for part in tables.text_parts:
                fh.write(part)
        np.save(staging / SENTENCES, tables.sentences, allow_pickle=False)
        np.save(staging / CHUNKS, tables.chunks, allow_pickle=False)
        save_vectors(staging / SENTENCE_VECTORS, tables.sentence_vectors)
        save_vectors(staging / CHUNK_VECTORS, tables.chunk_vectors)
        VectorIndex.build(tables.chunk_vectors).save(staging / CHUNK_FAISS)
        Lexical.build(tokenize(tables.chunk_texts)).save(staging / BM25_CHUNKS)
        Lexical.build(tokenize(tables.sentence_texts)).save(staging / BM25_SENTENCES)
        (staging / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        commit(root, staging)
    except BaseException:
        discard(staging)
        raise


def _versions() -> dict:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("sentence-transformers", "faiss-cpu", "bm25s", "blingfire", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out
