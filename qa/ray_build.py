"""Build the index on a Ray cluster (``qa index --ray [ADDRESS]``): the same build, its costly work spread.

The driver (this process) runs the ordinary build, ``qa.indexing.build``: it takes the build
lock, sorts the corpus's files against the live index, and writes and switches in the new
version, with the same format, ``meta.json`` and atomic switch as a local build. Only the step
that reads, chunks and embeds the files not reused (the added and changed ones) is handed to
the cluster: their names go into a Ray Data dataset, and ``map_batches`` runs them through a
pool of actors (one per CPU, single-threaded), each of which loads the model's ONNX export once
and then reads, chunks and embeds the batches of files it is given. The export is made once, in
the driver's model cache, and shipped to the workers through Ray's object store, so no worker
ever exports the model or loads torch.

Results stream back as batches finish. Each file's text and its sentence and chunk spans join
the new index's tables (as in a local build, which needs them for BM25); its vectors are
appended, as they come, to a file in the new version's folder, then copied from there into the
final vector files, which are memory-mapped: the driver never holds all the vectors. The FAISS
index is built from those files as in a local build (an IVF index is trained on a sample, then
filled block by block).

Faults: an actor killed mid-build is restarted by Ray and its batch run again (Ray Data's
actors retry their tasks without limit). A driver killed mid-build leaves the live version as it
was: the new one is a staging folder until the switch, swept by the next build. A cluster that
cannot be reached is a one-line ``QAError`` before anything is written.

Ray is imported only here, and only when a build asks for it (``pip install '.[ray]'``). Every
machine of the cluster needs qa installed with that extra, at the driver's version, and the
corpus at the same path as on the driver (a shared drive): workers read the files themselves.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.onnx import EXPORT_JSON, ONNX_FILE, TOKENIZER, WEIGHTS_FILE, OnnxEmbedder, has_export
from embeddings.store import discard, new_version
from qa.chunking import ChunkParams, chunk
from qa.documents import SourceFile, read_file
from qa.errors import QAError, UnreadableFile
from qa.index import CHUNK_VECTORS, SENTENCE_VECTORS
from qa.records import BuildSummary, Chunk, Chunked, Document, Span
from qa.status import _nothing

RAY_REQUIREMENT = "ray[data]==2.60.0"  # as the `ray` extra in pyproject.toml pins it
INSTALL = f"pip install '.[ray]' in a clone of qa, or pip install '{RAY_REQUIREMENT}'"
ENV_ADDRESS = "QA_RAY_ADDRESS"
SPILL = ".new-vectors.f32"  # the cluster's vectors in arrival order, inside the staging folder
BATCH_FILES = 16  # files per batch an actor reads and embeds at once
# texts per forward pass in an actor: a batch of files mixes long chunks with short sentences,
# and small passes over the texts sorted by length pad little (64 ran at a third of the speed)
ACTOR_BATCH = 16
CONNECT_TIMEOUT_S = 5.0
_EXPORT_FILES = (EXPORT_JSON, ONNX_FILE, WEIGHTS_FILE, TOKENIZER)

Progress = Callable[[str, int, int], None]


class RayMissing(QAError):
    """``--ray`` was asked for, and Ray is not installed."""


@dataclass(frozen=True)
class WorkerRate:
    """What one actor did: texts (chunks and sentences) embedded, and the seconds it spent on them."""

    worker: str  # node and process id
    texts: int
    files: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.texts / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class ClusterStats:
    """How a build used the cluster: its workers and how long the cluster step took (end to end)."""

    address: str
    workers: int
    seconds: float
    per_worker: tuple[WorkerRate, ...] = ()


def import_ray():
    """The ``ray`` module with Ray Data, or ``RayMissing`` saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise RayMissing(f"`qa index --ray` needs Ray, which is not installed: {INSTALL}") from None
    return ray


def connect(address: str | None = None) -> tuple[object, bool]:
    """``(ray, started)``: connected to the cluster at ``address``, or a local Ray started on this
    machine's cores when it is None (``started``: this call started it, so the caller stops it).

    Already connected (a test, a script that called ``ray.init``): that connection is used. A
    cluster that cannot be reached raises ``QAError`` with one line, having written nothing.
    """
    ray = import_ray()
    _quiet(ray)
    if ray.is_initialized():
        return ray, False
    address = (address or "").strip() or None
    if address not in (None, "auto", "local"):
        _check_reachable(address)
        if _has_token():  # a cluster's token (Ray's default): the driver must present it
            os.environ.setdefault("RAY_AUTH_MODE", "token")
    kwargs = {"log_to_driver": False, "logging_level": logging.ERROR}
    if address in (None, "local"):
        kwargs["include_dashboard"] = False
    try:
        ray.init(address=address, **kwargs)
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError...: all mean "no cluster"
        where = "a local Ray" if address in (None, "local") else f"the Ray cluster at {address}"
        hint = "" if address in (None, "local", "auto") or _has_token() else (
            " (a cluster with token authentication needs its token here: copy ~/.ray/auth_token from its head)")
        raise QAError(f"cannot connect to {where}: {_one_line(exc)}{hint}; nothing was written") from None
    return ray, address in (None, "local")


def _check_reachable(address: str) -> None:
    """Fail fast, in one line, when nothing listens at ``host:port`` (Ray would retry for a minute)."""
    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        if scheme:
            host, port = rest, "10001"  # ray://host: the Ray Client's default port
        else:
            raise QAError(f"not a Ray cluster address: {address!r} (give HOST:PORT, as `ray start --head` prints it)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__.replace("Error", " error").lower()
        raise QAError(f"cannot reach the Ray cluster at {address} ({why}); is `ray start --head` running there?"
                      "; nothing was written") from None


def _has_token() -> bool:
    """Ray's cluster token is at hand (its variables, or the file `ray start` writes)."""
    return bool(os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")
                or (Path.home() / ".ray" / "auth_token").is_file())


def _quiet(ray) -> None:
    """No Ray banners or progress bars on the driver's terminal: the build has its own progress."""
    for name in ("ray", "ray.data", "ray._private", "ray.data._internal"):
        logging.getLogger(name).setLevel(logging.ERROR)

    ctx = ray.data.DataContext.get_current()
    for flag in ("enable_progress_bars", "enable_operator_progress_bars", "print_on_execution_start",
                 "enable_rich_progress_bars"):
        if hasattr(ctx, flag):
            setattr(ctx, flag, False)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else text


def build(
    corpus: Path,
    root: Path,
    model_name: str,
    *,
    address: str | None = None,
    workers: int | None = None,
    batch_files: int = BATCH_FILES,
    model_cache: Path | None = None,
    full: bool = False,
    params: ChunkParams = ChunkParams(),
    progress: Progress = _nothing,
    warn=_nothing,
    wait: bool = False,
    follow_links: tuple[Path, ...] | None = None,
    max_file_bytes: int | None = None,
) -> tuple[BuildSummary, ClusterStats]:
    """``qa.indexing.build`` with its reading and embedding done on the Ray cluster at ``address``.

    ``address`` None: a local Ray on this machine's cores (or the one this process is connected
    to). ``workers``: actors in the pool, one CPU each (default: every CPU of the cluster).
    """
    from qa import indexing

    ray, started = connect(address)
    steps = _OnRay(ray, root, corpus, model_name, model_cache, workers, batch_files)
    try:
        summary = indexing.build(
            corpus, root, model_name, _no_local_model, full=full, params=params, progress=progress,
            warn=warn, wait=wait, follow_links=follow_links, max_file_bytes=max_file_bytes, steps=steps,
        )
        return summary, steps.stats(address)
    finally:
        steps.close()
        if started:
            ray.shutdown()


def _no_local_model():  # pragma: no cover - the Ray steps never ask for the driver's model
    raise AssertionError("a Ray build embeds on the cluster")


class _OnRay:
    """The two steps of a build that ``qa.indexing.build`` lets another engine do (``steps=``)."""

    def __init__(self, ray, root: Path, corpus: Path, model_name: str, model_cache: Path | None,
                 workers: int | None, batch_files: int) -> None:
        self.ray = ray
        self.root = root
        self.corpus = corpus
        self.model_name = model_name
        self.model_cache = model_cache
        self.workers = workers
        self.batch_files = max(1, int(batch_files))
        self.staging: Path | None = None  # the new version's folder, once something streams into it
        self._spill = None
        self._rows = 0  # vectors in the spill file
        self._at: dict[str, tuple[int, int, int]] = {}  # source -> (first spill row, chunks, sentences)
        self._dim: int | None = None
        self._model: dict | None = None
        self._rates: dict[str, list[float]] = {}
        self._seconds = 0.0
        self._pool = 0

    # -- the model, made once on the driver and shipped ------------------------------------------

    def _export(self) -> dict:
        if self._model is None:
            from embeddings import onnx
            from embeddings.model import ModelError, load_embedder, resolve_model
            from qa.config import model_cache

            cache = self.model_cache or model_cache()
            try:
                name, path = resolve_model(self.model_name)
                folder = cache / onnx.export_key(name, path)
                if not has_export(folder):
                    load_embedder(name, cache=cache)  # makes the export (sentence-transformers, once)
            except (ModelError, OSError) as exc:
                raise QAError(str(exc)) from None
            if not has_export(folder) or os.environ.get("QA_ONNX", "1") == "0":
                raise QAError(f"a Ray build runs the model from its ONNX export, and {self.model_name} has none "
                              "(it cannot be exported, or QA_ONNX=0 is set)")
            info = json.loads((folder / EXPORT_JSON).read_text(encoding="utf-8"))
            files = {f: (folder / f).read_bytes() for f in _EXPORT_FILES}
            self._dim = int(info["dim"])
            # in the object store once; each node fetches it once, however many actors it runs
            self._model = {"name": name, "key": folder.name, "files": [self.ray.put(files)]}
        return self._model

    # -- step 1: read, chunk and embed on the cluster --------------------------------------------

    def read(self, plan, incremental: bool, params: ChunkParams, progress: Progress, warn,
             max_file_bytes: int | None = None, done=frozenset()):
        """``qa.indexing._read_changed``, on the cluster: ``(fresh, skipped)`` keyed by source."""
        fresh: dict[str, tuple[Document, Chunked]] = {}
        skipped: dict[str, tuple[SourceFile, str]] = {}
        position = {f.source: i for i, f in enumerate(plan.files)}
        notes: dict[str, list[str]] = {}  # source -> its warnings, given in corpus order at the end
        mine = [f for f in plan.files if f.source not in plan.reuse and f.source not in done]
        todo = []
        for f in mine:
            if incremental and f.source in plan.skipped:  # unreadable last time, unchanged since
                notes[f.source] = [f"skipped {f.source}: {plan.skipped[f.source]}"]
                skipped[f.source] = (f, plan.skipped[f.source])
            else:
                todo.append(f)
        if todo:
            self._run(todo, plan, position, params, progress, max_file_bytes, fresh, skipped, notes)
        for f in mine:
            for note in notes.get(f.source, ()):
                warn(note)
        skipped = {s: skipped[s] for s in sorted(skipped, key=position.__getitem__)}  # in corpus order
        return fresh, skipped

    def _run(self, todo, plan, position, params, progress, max_file_bytes, fresh, skipped, notes) -> None:
        model = self._export()
        if self.staging is None:
            self.staging = new_version(self.root)
            self._spill = open(self.staging / SPILL, "wb")
        ds = self._dataset(todo, model, params, max_file_bytes)
        t0, n, passages = time.perf_counter(), 0, 0
        progress("cluster", 0, len(todo))
        try:
            for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=2):
                for row in batch.to_pylist():
                    rec = json.loads(row["record"])
                    if rec.get("error"):
                        raise QAError(rec["error"])
                    source = rec["source"]
                    f = plan.files[position[source]]
                    notes[source] = rec["notes"]
                    if rec.get("skipped") is not None:
                        skipped[source] = (f, rec["skipped"].removeprefix(f"{source}: "))
                    else:
                        doc, chunked, read_as = _decode(rec, row["text"])
                        plan.files[position[source]] = SourceFile(source, f.path, *read_as)
                        fresh[source] = (doc, chunked)
                        self._keep(source, row["vectors"], len(chunked.chunks), len(chunked.sentences))
                        passages += len(chunked.chunks)
                    rate = self._rates.setdefault(row["worker"], [0, 0, 0.0])
                    rate[0] += row["texts"]
                    rate[1] += 1
                    rate[2] += row["seconds"]
                    n += 1
                progress("cluster", n, len(todo))
                progress("passages", passages, 0)
        except QAError:
            raise
        except Exception as exc:  # a task that failed for good, the cluster gone...
            raise QAError(f"the Ray build failed: {_one_line(exc)}; the previous index is unchanged") from None
        self._seconds += time.perf_counter() - t0
        self._spill.flush()

    def _dataset(self, todo: list[SourceFile], model: dict, params: ChunkParams, max_file_bytes: int | None):
        ray = self.ray
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self._pool = max(1, min(self.workers or cpus, cpus, -(-len(todo) // self.batch_files)))
        items = [{"source": f.source, "path": str(f.path), "size": f.size, "mtime_ns": f.mtime_ns} for f in todo]
        blocks = max(1, min(-(-len(todo) // self.batch_files), 20_000))
        ds = ray.data.from_items(items, override_num_blocks=blocks)
        return ds.map_batches(
            FileWorker,
            fn_constructor_kwargs={"model": model, "corpus": str(self.corpus), "params": params.to_json(),
                                   "max_file_bytes": max_file_bytes},
            batch_size=self.batch_files,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=self._pool),
            num_cpus=1,
        )

    def _keep(self, source: str, vectors: bytes, n_chunks: int, n_sentences: int) -> None:
        count = n_chunks + n_sentences
        if len(vectors) != count * self._dim * 4:
            raise QAError(f"the Ray build sent {len(vectors)} bytes of vectors for {source}, not {count} vectors")
        self._spill.write(vectors)
        self._at[source] = (self._rows, n_chunks, n_sentences)
        self._rows += count

    # -- step 2: the vectors, into memory-mapped files in the version folder -------------------

    def embed(self, tables, old, load_embedder, progress: Progress) -> int:
        """``qa.indexing._embed``: reused rows from the old index, new ones from the cluster's spill."""
        from numpy.lib.format import open_memmap

        dim = self._dim if self._dim is not None else old.dim
        if self.staging is None:  # only removals: nothing went to the cluster
            self.staging = new_version(self.root)
        if self._spill is not None:
            self._spill.close()
        spill_path = self.staging / SPILL
        spill = (np.memmap(spill_path, dtype=np.float32, mode="r", shape=(self._rows, dim))
                 if self._rows else np.zeros((0, dim), dtype=np.float32))

        def target(name: str, n: int):
            if n == 0:
                return np.zeros((0, dim), dtype=np.float32)
            return open_memmap(self.staging / name, mode="w+", dtype=np.float32, shape=(n, dim))

        chunk_vectors = target(CHUNK_VECTORS, len(tables.chunks))
        sentence_vectors = target(SENTENCE_VECTORS, len(tables.sentences))
        for e in tables.entries:
            c_lo, c_hi = e.chunks
            s_lo, s_hi = e.sentences
            if e.source in self._at:
                row, nc, ns = self._at[e.source]
                if (nc, ns) != (c_hi - c_lo, s_hi - s_lo):
                    raise QAError(f"the Ray build's rows for {e.source} do not match its chunks")
                chunk_vectors[c_lo:c_hi] = spill[row:row + nc]
                sentence_vectors[s_lo:s_hi] = spill[row + nc:row + nc + ns]
            else:  # reused: unchanged since the live version
                before = old.files[old.by_source[e.source]]
                chunk_vectors[c_lo:c_hi] = old.chunk_vectors[slice(*before.chunks)]
                sentence_vectors[s_lo:s_hi] = old.sentence_vectors[slice(*before.sentences)]
        del spill
        spill_path.unlink(missing_ok=True)  # every file in the version is listed in meta.json
        tables.chunk_vectors, tables.sentence_vectors = chunk_vectors, sentence_vectors
        progress("embed", self._rows, self._rows)
        return int(dim)

    # -- after -------------------------------------------------------------------------------

    def stats(self, address: str | None) -> ClusterStats:
        per = tuple(sorted((WorkerRate(w, int(t), int(f), s) for w, (t, f, s) in self._rates.items()),
                           key=lambda r: r.worker))
        return ClusterStats(address or "local", self._pool, self._seconds, per)

    def close(self) -> None:
        """Drop the staging folder if the build did not make it live (it failed, or was stopped)."""
        if self._spill is not None and not self._spill.closed:
            self._spill.close()
        if self.staging is not None and self.staging.exists():
            discard(self.staging)


# -- on the workers ----------------------------------------------------------------------------


class _SingleThreaded(OnnxEmbedder):
    """The ONNX embedder on one thread: each actor holds one CPU, and there is one actor per CPU."""

    def _session(self, batch: bool):
        return super()._session(False)


def _local_export(model: dict) -> Path:
    """The shipped export, written once per machine into its temporary folder."""
    import ray

    base = Path(tempfile.gettempdir()) / "qa-ray-models"
    dest = base / model["key"]
    files = None
    if has_export(dest):
        files = ray.get(model["files"][0])
        if (dest / EXPORT_JSON).read_bytes() == files[EXPORT_JSON]:
            return dest
    files = files or ray.get(model["files"][0])
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ship-", dir=base))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        shutil.rmtree(dest, ignore_errors=True)
        os.rename(staging, dest)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not has_export(dest):  # another actor on this machine put it there first: theirs is as good
            raise
    return dest


class FileWorker:
    """A Ray Data actor: reads, chunks and embeds batches of files; the model is loaded once."""

    def __init__(self, model: dict, corpus: str, params: dict, max_file_bytes: int | None) -> None:
        import ray

        self.embedder = _SingleThreaded(model["name"], _local_export(model), batch_size=ACTOR_BATCH)
        self.corpus = Path(corpus)
        self.params = ChunkParams(**params)
        self.max_file_bytes = max_file_bytes
        node = ray.get_runtime_context().get_node_id()[:8]
        self.worker = f"{node}:{os.getpid()}"

    def __call__(self, batch):
        import pyarrow as pa

        rows = batch.to_pylist()
        records, texts, docs = [], [], []
        for r in rows:
            f = SourceFile(r["source"], Path(r["path"]), int(r["size"]), int(r["mtime_ns"]))
            rec = {"source": f.source, "notes": [], "skipped": None}
            try:
                got = read_file(f, self.max_file_bytes)
            except UnreadableFile as exc:
                if not self.corpus.is_dir():
                    rec["error"] = (f"the corpus {self.corpus} is not on the Ray worker {self.worker}: every "
                                    "machine of the cluster needs it at the same path (a shared drive)")
                rec["skipped"] = str(exc)  # "SOURCE: why", as a local build words it
                rec["notes"] = [f"skipped {exc}"]
                records.append(rec)
                docs.append(None)
                continue
            doc = got.document
            chunked = chunk(doc.text, self.params, doc.page_starts)
            rec["notes"] = list(got.notes)
            rec.update(_encode(doc, chunked, got.file))
            records.append(rec)
            docs.append(doc.text.encode("utf-8", "surrogatepass"))
            texts.extend(doc.text[c.span.start:c.span.end] for c in chunked.chunks)
            texts.extend(doc.text[s.start:s.end] for s in chunked.sentences)
        t0 = time.perf_counter()
        vectors = self.embedder.encode(texts) if texts else np.zeros((0, self.embedder.dim), dtype=np.float32)
        seconds = time.perf_counter() - t0
        out_vectors, out_texts, at = [], [], 0
        for rec in records:
            n = len(rec.get("chunks", ())) + len(rec.get("sentences", ()))
            out_vectors.append(np.ascontiguousarray(vectors[at:at + n]).tobytes())
            out_texts.append(n)
            at += n
        share = [seconds * n / len(texts) if texts else 0.0 for n in out_texts]
        return pa.table({
            "record": pa.array([json.dumps(r) for r in records], pa.large_string()),
            "text": pa.array([d or b"" for d in docs], pa.large_binary()),
            "vectors": pa.array(out_vectors, pa.large_binary()),
            "texts": pa.array(out_texts, pa.int64()),
            "seconds": pa.array(share, pa.float64()),
            "worker": pa.array([self.worker] * len(records), pa.string()),
        })


def _encode(doc: Document, chunked: Chunked, read_as: SourceFile) -> dict:
    """A read file as JSON (its text travels beside it, as bytes)."""
    return {
        "sha256": doc.sha256, "offsets": doc.offsets, "page_starts": list(doc.page_starts),
        "sections": [list(s) for s in doc.sections], "size": read_as.size, "mtime_ns": read_as.mtime_ns,
        "sentences": [[s.start, s.end, s.line, s.page] for s in chunked.sentences],
        "chunks": [[c.span.start, c.span.end, c.span.line, c.span.page, c.first_sentence, c.last_sentence]
                   for c in chunked.chunks],
    }


def _decode(rec: dict, text: bytes) -> tuple[Document, Chunked, tuple[int, int]]:
    doc = Document(
        source=rec["source"], text=text.decode("utf-8", "surrogatepass"), sha256=rec["sha256"],
        offsets=rec["offsets"], page_starts=tuple(rec["page_starts"]),
        sections=tuple((int(s), int(lvl), str(t)) for s, lvl, t in rec["sections"]),
    )
    chunked = Chunked(
        sentences=tuple(Span(s, e, line, page) for s, e, line, page in rec["sentences"]),
        chunks=tuple(Chunk(Span(s, e, line, page), first, last) for s, e, line, page, first, last in rec["chunks"]),
    )
    return doc, chunked, (int(rec["size"]), int(rec["mtime_ns"]))
