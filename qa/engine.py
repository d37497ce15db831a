"""One corpus, its index and the model, loaded once and shared by the CLI and the TUI."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from embeddings.model import DEFAULT_MODEL, Embedder, ModelError, load_embedder, resolve_model
from embeddings.store import current_version
from qa.answers import AnswerParams, answer
from qa.errors import BadIndex, QAError
from qa.index import Index, has_index, open_index
from qa.records import Answer, BuildSummary, CorpusStatus, Result


@dataclass
class Engine:
    corpus: Path
    root: Path
    model: str | None = None  # None: the index's own model, or the default for a new index
    embedder_factory: Callable[[str], Embedder] | None = None  # model name -> Embedder (tests)
    reader_dir: Path | None = None  # another reader's folder (bench/compare_readers.py); None: the shipped one
    _index: Index | None = field(default=None, init=False, repr=False)
    # the UI asks questions and rebuilds in worker threads: load the model and index once
    _model_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def model_name(self) -> str:
        if self.model is not None:
            try:
                return resolve_model(self.model)[0]
            except ModelError as exc:
                raise QAError(str(exc)) from None
        if self._index is not None:
            return self._index.model
        if has_index(self.root):
            try:
                return open_index(self.root).model
            except BadIndex:
                pass
        return DEFAULT_MODEL

    @functools.cached_property
    def embedder(self) -> Embedder:
        with self._model_lock:
            if "embedder" in self.__dict__:  # another thread loaded it while we waited
                return self.__dict__["embedder"]
            return self._load_embedder()

    def _load_embedder(self) -> Embedder:
        name = self.model_name()
        try:
            if self.embedder_factory is not None:
                return self.embedder_factory(name)
            from qa.config import model_cache

            return load_embedder(name, cache=model_cache())
        except ModelError as exc:
            raise QAError(str(exc)) from None

    @functools.cached_property
    def reader(self):
        """The shipped reader (``embeddings.reader``), loaded on the first question that needs it."""
        with self._model_lock:
            if "reader" in self.__dict__:
                return self.__dict__["reader"]
            from embeddings.reader import READER_DIR, Reader, ReaderError
            from qa.config import model_cache

            try:
                return Reader(self.reader_dir or READER_DIR, cache=model_cache())
            except ReaderError as exc:
                raise QAError(str(exc)) from None

    def has_index(self) -> bool:
        return has_index(self.root)

    @property
    def index(self) -> Index:
        with self._index_lock:
            return self._open_index()

    def _open_index(self) -> Index:
        if self._index is not None and current_version(self.root) != self._index.version:
            self._index = None  # rebuilt since it was opened (by `qa index` elsewhere): open the new one
        if self._index is None:
            index = open_index(self.root)
            if self.model is not None and index.model != self.model_name():
                raise BadIndex(
                    f"the index at {self.root} was built with model {index.model}, not {self.model_name()}; "
                    "run `qa index --full` with the model you want"
                )
            self._index = index
        return self._index

    def warm(self) -> None:
        """Load the model and the whole index, so the first question is as fast as the rest."""
        self.index.warm()
        self.embedder.encode(["warm up"])
        self.reader.read("warm up", ["warm up"], [""], [""])

    def status(self) -> CorpusStatus:
        from qa.status import corpus_status

        return corpus_status(self.corpus, self.root)

    def build(self, full: bool = False, progress=None, warn=None, wait: bool = False, **reading) -> BuildSummary:
        """Bring the index up to date; ``reading``: ``follow_links``, ``max_file_bytes`` (kept for later builds).
        ``wait``: when another build (``qa watch``, another chat) holds the index, wait for it
        to finish and then bring the index up to date, instead of failing."""
        from qa import indexing

        summary = indexing.build(
            self.corpus,
            self.root,
            self.model_name(),
            lambda: self.embedder,
            full=full,
            progress=progress or (lambda *a: None),
            warn=warn or (lambda *a: None),
            wait=wait,
            **reading,
        )
        self._index = None
        return summary

    def ask(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[str] = (),
        mode: str = "hybrid",
        qid: str | None = None,
        params: AnswerParams | None = None,
        previous: Answer | None = None,
    ) -> Result:
        """Answer ``question`` with up to ``k`` answers (None: ``params``' own, 5 for a question and
        10 files for a statement); ``history`` is the conversation's earlier questions and
        ``previous`` the last one's best answer, which a follow-up leans on."""
        p = params or AnswerParams()
        if k is not None and (k, k) != (p.k, p.statement_k):
            p = replace(p, k=k, statement_k=k)
        index, embedder = self.index, self.embedder
        if embedder.dim != index.dim:
            raise BadIndex(
                f"the index at {self.root} holds {index.dim}-dimensional vectors but the model {embedder.name} "
                f"makes {embedder.dim}-dimensional ones; run `qa index --full` to rebuild it with this model"
            )
        reader = self.reader if (p.reader or p.spans) else None
        return answer(index, embedder, question, p, mode=mode, history=history, qid=qid, reader=reader, previous=previous)

    def ask_in_conversation(self, question: str, history: Sequence[str] = (), **kw) -> Result:
        """Answer ``question`` after its ``history`` of earlier questions, each answered in turn
        first, so that a follow-up leans on the last answer as it would in the chat."""
        previous: Answer | None = None
        for i, h in enumerate(history):
            res = self.ask(h, history=history[:i], previous=previous, **{k: v for k, v in kw.items() if k != "qid"})
            previous = res.leaned_on_after(previous)
        return self.ask(question, history=history, previous=previous, **kw)
