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
from embeddings.vectors import VectorIndex, save_vectors
from qa import __version__
from qa.chunking import ChunkParams, chunk
from qa.documents import SourceFile, discover, hash_file, read
from qa.errors import CorpusError, IndexError_, QAError, UnreadableFile
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
from qa.records import BuildSummary, CorpusStatus

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
    except IndexError_:
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
    old = previous
    if old is not None and not full and not _compatible(old, model_name, params):
        warn("the index was built with another model or chunking; rebuilding everything")
        old = None
    if full:
        old = None
    if old is None:
        plan.reuse = {}
    elif not (plan.added or plan.changed or plan.removed or plan.touched):
        # nothing changed: the live index stays as it is
        for source, reason in plan.skipped.items():
            warn(f"skipped {source}: {reason}")
        return BuildSummary(0, 0, 0, len(plan.unchanged), 0, time.perf_counter() - t0,
                            warnings=tuple(plan.skipped))

    # read and chunk what is new or changed
    fresh: dict[str, tuple] = {}
    skipped: dict[str, tuple[SourceFile, str]] = {}
    todo = [f for f in plan.files if f.source not in plan.reuse]
    for n, f in enumerate(todo, 1):
        try:
            if f.source in plan.skipped and old is not None:
                raise UnreadableFile(f"{f.source}: {plan.skipped[f.source]}")
            doc = read(f)
        except UnreadableFile as exc:
            warn(f"skipped {exc}")
            reason = str(exc).removeprefix(f"{f.source}: ")
            skipped[f.source] = (f, reason)
            continue
        fresh[f.source] = (f, doc, chunk(doc.text, params, doc.page_starts))
        progress("read", n, len(todo))

    # assemble the new tables in corpus order, reusing unchanged files' rows and vectors
    entries: list[FileEntry] = []
    sent_rows, chunk_rows = [], []
    sent_vec_parts, chunk_vec_parts = [], []
    text_parts: list[bytes] = []
    texts_sent: list[str] = []
    texts_chunk: list[str] = []
    to_embed_chunks: list[tuple[int, str]] = []  # (row, text)
    to_embed_sents: list[tuple[int, str]] = []
    byte_pos = n_s = n_c = 0
    for f in plan.files:
        fi = len(entries)
        if f.source in plan.reuse:
            e = plan.reuse[f.source]
            oi = old.by_source[f.source]
            s_lo, s_hi = e.sentences
            c_lo, c_hi = e.chunks
            srows = np.array(old.sentences[s_lo:s_hi], dtype=np.int64)
            crows = np.array(old.chunks[c_lo:c_hi], dtype=np.int64)
            srows[:, 0] = fi
            crows[:, 0] = fi
            crows[:, 5:7] += n_s - s_lo
            text = old.doc_text(oi)
            sent_vec_parts.append(np.asarray(old.sentence_vectors[s_lo:s_hi]))
            chunk_vec_parts.append(np.asarray(old.chunk_vectors[c_lo:c_hi]))
            sha, offsets, pages = e.sha256, e.offsets, e.page_starts
        elif f.source in fresh:
            _, doc, chunked = fresh[f.source]
            text = doc.text
            srows = np.array(
                [[fi, s.start, s.end, s.line, s.page or 0] for s in chunked.sentences], dtype=np.int64
            ).reshape(-1, 5)
            crows = np.array(
                [
                    [fi, c.span.start, c.span.end, c.span.line, c.span.page or 0,
                     n_s + c.first_sentence, n_s + c.last_sentence]
                    for c in chunked.chunks
                ],
                dtype=np.int64,
            ).reshape(-1, 7)
            for k, s in enumerate(chunked.sentences):
                to_embed_sents.append((n_s + k, text[s.start : s.end]))
            for k, c in enumerate(chunked.chunks):
                to_embed_chunks.append((n_c + k, text[c.span.start : c.span.end]))
            sent_vec_parts.append(None)
            chunk_vec_parts.append(None)
            sha, offsets, pages = doc.sha256, doc.offsets, doc.page_starts
        else:
            continue  # skipped: unreadable
        raw = text.encode("utf-8", "surrogatepass")
        text_parts.append(raw)
        sent_rows.append(srows)
        chunk_rows.append(crows)
        texts_sent.extend(text[s:e] for s, e in srows[:, 1:3])
        texts_chunk.extend(text[s:e] for s, e in crows[:, 1:3])
        entries.append(
            FileEntry(
                source=f.source,
                sha256=sha,
                size=f.size,
                mtime_ns=f.mtime_ns,
                offsets=offsets,
                page_starts=tuple(pages),
                sentences=(n_s, n_s + len(srows)),
                chunks=(n_c, n_c + len(crows)),
                text_bytes=(byte_pos, byte_pos + len(raw)),
            )
        )
        byte_pos += len(raw)
        n_s += len(srows)
        n_c += len(crows)

    sentences = np.concatenate(sent_rows) if sent_rows else np.zeros((0, 5), dtype=np.int64)
    chunks = np.concatenate(chunk_rows) if chunk_rows else np.zeros((0, 7), dtype=np.int64)
    if len(sentences) == 0:
        raise CorpusError(
            f"nothing to index in {corpus}: no readable text in {len(plan.files)} file(s) "
            f"(formats read: {', '.join(supported_suffixes())})"
        )

    # embed only what is new: chunks and sentences in one pass
    embed_texts = [t for _, t in to_embed_chunks] + [t for _, t in to_embed_sents]
    dim = old.dim if old else None
    new_vecs = None
    if embed_texts:
        embedder = load_embedder()
        dim = embedder.dim
        total = len(embed_texts)
        progress("embed", 0, total)
        new_vecs = embedder.encode(embed_texts, progress=lambda d, t: progress("embed", d, total))
    if dim is None:
        dim = 0 if not entries else load_embedder().dim
    chunk_vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    sentence_vectors = np.zeros((len(sentences), dim), dtype=np.float32)
    for e, part in zip(entries, chunk_vec_parts):
        if part is not None:
            chunk_vectors[e.chunks[0] : e.chunks[1]] = part
    for e, part in zip(entries, sent_vec_parts):
        if part is not None:
            sentence_vectors[e.sentences[0] : e.sentences[1]] = part
    if new_vecs is not None:
        nc = len(to_embed_chunks)
        if to_embed_chunks:
            chunk_vectors[[r for r, _ in to_embed_chunks]] = new_vecs[:nc]
        if to_embed_sents:
            sentence_vectors[[r for r, _ in to_embed_sents]] = new_vecs[nc:]

    progress("index", 0, 1)
    staging = new_version(root)
    try:
        with open(staging / TEXT, "wb") as fh:
            for part in text_parts:
                fh.write(part)
        np.save(staging / SENTENCES, sentences, allow_pickle=False)
        np.save(staging / CHUNKS, chunks, allow_pickle=False)
        save_vectors(staging / SENTENCE_VECTORS, sentence_vectors)
        save_vectors(staging / CHUNK_VECTORS, chunk_vectors)
        VectorIndex.build(chunk_vectors).save(staging / CHUNK_FAISS)
        Lexical.build(tokenize(texts_chunk)).save(staging / BM25_CHUNKS)
        Lexical.build(tokenize(texts_sent)).save(staging / BM25_SENTENCES)
        meta = {
            "format": FORMAT,
            "qa_version": __version__,
            "model": model_name,
            "dim": dim,
            "chunking": params.to_json(),
            "index_type": VectorIndex.kind,
            "corpus": str(corpus.expanduser().resolve()),
            "built_at": time.time(),
            "counts": {"files": len(entries), "chunks": len(chunks), "sentences": len(sentences)},
            "versions": _versions(),
            "skipped": [
                {"source": f.source, "size": f.size, "mtime_ns": f.mtime_ns, "reason": reason}
                for f, reason in skipped.values()
            ],
            "files": [e.to_json() for e in entries],
        }
        (staging / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        commit(root, staging)
    except BaseException:
        discard(staging)
        raise
    progress("index", 1, 1)

    return BuildSummary(
        added=len([s for s in plan.added if s in fresh]),
        changed=len([s for s in plan.changed if s in fresh]),
        removed=len(plan.removed) + len([s for s in plan.changed if s not in fresh]),
        unchanged=len(plan.unchanged),
        chunks_embedded=len(to_embed_chunks),
        seconds=time.perf_counter() - t0,
        full=old is None,
        warnings=tuple(skipped),
    )


def _versions() -> dict:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("sentence-transformers", "faiss-cpu", "bm25s", "blingfire", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out
