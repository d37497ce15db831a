"""The built index as the query path sees it: metadata, spans, vectors, text, loaded lazily."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from embeddings.store import current_version
from embeddings.vectors import VectorIndex, load_vectors
from qa.errors import BadIndex

FORMAT = 1
META = "meta.json"
TEXT = "text.txt"
SENTENCES = "sentences.npy"  # int64 rows: file, start, end, line, page (0 = none)
CHUNKS = "chunks.npy"  # int64 rows: file, start, end, line, page, first sentence, last sentence + 1
SENTENCE_VECTORS = "sentence_vectors.npy"
CHUNK_VECTORS = "chunk_vectors.npy"
CHUNK_FAISS = "chunks.faiss"
BM25_CHUNKS = "bm25_chunks"
BM25_SENTENCES = "bm25_sentences"

FIX = "run `qa index --full` to rebuild it"


@dataclass(frozen=True)
class FileEntry:
    source: str
    sha256: str
    size: int
    mtime_ns: int
    offsets: str
    page_starts: tuple[int, ...]
    sentences: tuple[int, int]
    chunks: tuple[int, int]
    text_bytes: tuple[int, int]
    sections: tuple[tuple[int, int, str], ...] = ()  # headings: (start, level, title)

    @classmethod
    def from_json(cls, d: dict) -> FileEntry:
        return cls(
            source=d["source"],
            sha256=d["sha256"],
            size=int(d["size"]),
            mtime_ns=int(d["mtime_ns"]),
            offsets=d.get("offsets", "file"),
            page_starts=tuple(d.get("page_starts", ())),
            sentences=tuple(d["sentences"]),
            chunks=tuple(d["chunks"]),
            text_bytes=tuple(d["text_bytes"]),
            sections=tuple((int(s), int(lvl), str(t)) for s, lvl, t in d.get("sections", ())),
        )

    def to_json(self) -> dict:
        return asdict(self)  # tuples become JSON lists


def read_meta(version: Path) -> dict:
    try:
        meta = json.loads((version / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadIndex(f"the index at {version.parent} has no {META}; {FIX}") from None
    except (OSError, ValueError) as exc:
        raise BadIndex(f"the index at {version.parent} is damaged ({META}: {exc}); {FIX}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BadIndex(
            f"the index at {version.parent} was built by another version of qa "
            f"(format {meta.get('format') if isinstance(meta, dict) else '?'}, this qa reads {FORMAT}); {FIX}"
        )
    return meta


class Index:
    """A loaded index version. Arrays are memory-mapped; BM25 and FAISS load on first use."""

    def __init__(self, root: Path, version: Path, meta: dict) -> None:
        self.root = root
        self.version = version
        self.meta = meta
        _check_sizes(root, version, meta)
        try:
            self.files = [FileEntry.from_json(f) for f in meta["files"]]
            self.model: str = meta["model"]
            self.dim: int = int(meta["dim"])
            if not isinstance(self.model, str) or self.dim <= 0:
                raise ValueError(f"{META} names no model or dimension")
            self.sentences = np.load(version / SENTENCES, allow_pickle=False)
            self.chunks = np.load(version / CHUNKS, allow_pickle=False)
            self.sentence_vectors = load_vectors(version / SENTENCE_VECTORS)
            self.chunk_vectors = load_vectors(version / CHUNK_VECTORS)
        except (OSError, EOFError, KeyError, ValueError, TypeError) as exc:
            raise BadIndex(f"the index at {root} is damaged ({exc}); {FIX}") from None
        n_s, n_c = len(self.sentences), len(self.chunks)
        if self.sentence_vectors.shape != (n_s, self.dim) or self.chunk_vectors.shape != (n_c, self.dim):
            raise BadIndex(f"the index at {root} is damaged (vector counts do not match); {FIX}")
        _check_rows(root, self)
        self.by_source = {f.source: i for i, f in enumerate(self.files)}

    @property
    def built_at(self) -> float:
        return float(self.meta.get("built_at", 0))

    def warm(self) -> None:
        """Load everything the query path needs now rather than on the first question.

        The memory-mapped files the questions touch at random (the FAISS lists, BM25 postings)
        are also handed to the kernel's read-ahead, so that a large index is in the page cache
        by the time questions come, instead of being read a page fault at a time.
        """
        _ = self.faiss, self.bm25_chunks, self.bm25_sentences
        paths = [self.version / CHUNK_FAISS, *(self.version / BM25_CHUNKS).glob("*.npy"),
                 *(self.version / BM25_SENTENCES).glob("*.npy")]
        # the vectors and the text too, while they fit easily in the memory that is free
        extra = [self.version / SENTENCE_VECTORS, self.version / CHUNK_VECTORS, self.version / TEXT]
        if sum(_size(p) for p in extra) < _free_memory() / 4:
            paths += extra
        for path in paths:
            _read_ahead(path)

    @functools.cached_property
    def faiss(self) -> VectorIndex:
        try:
            return VectorIndex.load(self.version / CHUNK_FAISS, vectors=self.chunk_vectors)
        except Exception as exc:  # faiss raises RuntimeError on a damaged file
            raise BadIndex(f"the index at {self.root} is damaged ({CHUNK_FAISS}: {exc}); {FIX}") from None

    @functools.cached_property
    def bm25_chunks(self):
        return self._lexical(BM25_CHUNKS)

    @functools.cached_property
    def bm25_sentences(self):
        return self._lexical(BM25_SENTENCES)

    def _lexical(self, name: str):
        from qa.lexical import Lexical

        try:
            return Lexical.load(self.version / name)
        except Exception as exc:
            raise BadIndex(f"the index at {self.root} is damaged ({name}: {exc}); {FIX}") from None

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one Index lives as long as its cache
    def doc_text(self, file: int) -> str:
        entry = self.files[file]
        lo, hi = entry.text_bytes
        try:
            with open(self.version / TEXT, "rb") as fh:
                fh.seek(lo)
                raw = fh.read(hi - lo)
            # a file's own UTF-8 is stored as it is: its hash proves the quote's characters
            if entry.offsets == "file" and hashlib.sha256(raw).hexdigest() != entry.sha256:
                raise ValueError(f"the text of {entry.source!r} does not match its hash")
            return raw.decode("utf-8")
        except (OSError, ValueError) as exc:
            if not self.version.is_dir():  # two builds since this was opened: the version was swept
                raise BadIndex(f"the index at {self.root} was rebuilt since it was opened; "
                               "open it again (restart the chat) to read the new one") from None
            raise BadIndex(f"the index at {self.root} is damaged ({TEXT}: {exc}); {FIX}") from None

    def check_text(self) -> None:
        """Read the whole text once, checking every file's against its hash (``BadIndex`` if not)."""
        try:
            with open(self.version / TEXT, "rb") as fh:
                for entry in self.files:
                    lo, hi = entry.text_bytes
                    fh.seek(lo)
                    raw = fh.read(hi - lo)
                    if entry.offsets == "file" and hashlib.sha256(raw).hexdigest() != entry.sha256:
                        raise ValueError(f"the text of {entry.source!r} does not match its hash")
                    raw.decode("utf-8")
        except (OSError, ValueError) as exc:
            raise BadIndex(f"the index at {self.root} is damaged ({TEXT}: {exc}); {FIX}") from None

    def sentence_text(self, i: int) -> str:
        f, s, e = (int(x) for x in self.sentences[i, :3])
        return self.doc_text(f)[s:e]

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - questions in a session share sentences
    def sentence_tokens(self, i: int) -> tuple[str, ...]:
        """Sentence ``i``'s BM25 tokens (``qa.lexical.tokenize``), kept for the next question."""
        from qa.lexical import tokenize

        return tuple(tokenize([self.sentence_text(i)])[0])

    @functools.cached_property
    def file_names(self) -> frozenset[str]:
        """The files' names as a question types them (``qa.names.file_name``: ``tokenizers`` for
        ``docs/tokenizers.md``)."""
        from qa.names import file_name

        return frozenset(file_name(f.source) for f in self.files)

    def chunk_text(self, i: int) -> str:
        f, s, e = (int(x) for x in self.chunks[i, :3])
        return self.doc_text(f)[s:e]


def _check_sizes(root: Path, version: Path, meta: dict) -> None:
    """Every file the build wrote is there, at the size it was written."""
    sizes = meta.get("data_files") or {}
    for name, size in sizes.items() if isinstance(sizes, dict) else ():
        try:
            actual = (version / name).stat().st_size
        except OSError:
            raise BadIndex(f"the index at {root} is damaged ({name} is missing); {FIX}") from None
        if actual != size:
            raise BadIndex(f"the index at {root} is damaged ({name} is {actual} bytes, not {size}); {FIX}")


def _check_rows(root: Path, index: Index) -> None:
    """The sentence and chunk rows point inside the index."""
    n_f, n_s = len(index.files), len(index.sentences)
    s, c = index.sentences, index.chunks
    ok = (
        s.ndim == 2 and s.shape[1:] == (5,) and c.ndim == 2 and c.shape[1:] == (7,)
        and (n_s == 0 or (0 <= s[:, 0].min() and s[:, 0].max() < n_f and (s[:, 1] <= s[:, 2]).all()))
        and (len(c) == 0 or (0 <= c[:, 0].min() and c[:, 0].max() < n_f and (c[:, 1] <= c[:, 2]).all()
                             and 0 <= c[:, 5].min() and c[:, 6].max() <= n_s))
    )
    if not ok:
        raise BadIndex(f"the index at {root} is damaged (its sentence and chunk tables are inconsistent); {FIX}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _free_memory() -> int:
    """Bytes of memory available now (0 where the system does not say)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def _read_ahead(path: Path) -> None:
    """Ask the kernel to read ``path`` into the page cache in the background (where it can)."""
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_index(root: Path) -> Index:
    """Load the live version of the index at ``root``; ``BadIndex`` says what to run."""
    version = current_version(root)
    if version is None:
        raise BadIndex(f"no index at {root}; run `qa index` to build it")
    return Index(root, version, read_meta(version))


def has_index(root: Path) -> bool:
    return current_version(root) is not None
