"""The reader: a small cross-encoder that reads a question with one candidate sentence.

It was trained by ``bench/train_reader.py`` from the bundled all-MiniLM-L6-v2 weights and ships
with the package as an int8 ONNX graph in ``embeddings/reader_model/`` (see its ``MODEL_CARD.md``).
For each ``(question, sentence, context)`` it gives

- ``relevance``: the probability that the sentence answers the question (abstention uses it);
- ``span``: the short answer inside the sentence ("£5.5m"), as character offsets into it.

Its input is ``[CLS] question [SEP] sentence [SEP] before … after [SEP] title [SEP]``: the words
around the sentence (the sentence before, the one after) and the document's title, where it has
one, are context the model reads but never quotes. The title was not in its training input;
given at run time after the context it measured better on the chat-style and validation sets
(README, "Document titles"); put before the context, it misled the reader where a page's title
has nothing to do with the passage (a job advert beside a news story).
``encode_pairs`` builds exactly that for training and for the runtime, so the two cannot drift.
Only onnxruntime, tokenizers and NumPy run here: no torch on the query path.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

READER_DIR = Path(__file__).with_name("reader_model")
CONFIG = "reader.json"
MODEL = "reader.onnx"
TOKENIZER = "tokenizer.json"
CLS, SEP = 101, 102  # the bert-base-uncased vocabulary all-MiniLM-L6-v2 uses

# lengths in tokens; the context gets what is left of max_len
MAX_LEN = 96
MAX_QUESTION = 24
MAX_SENTENCE = 56
MAX_SPAN = 20
MAX_TITLE = 16  # a title's tokens, taken from the context's share


class ReaderError(Exception):
    """The reader model is missing or damaged."""


@dataclass(frozen=True)
class Pairs:
    """A padded batch of reader inputs and where each sentence's tokens sit in it."""

    ids: np.ndarray  # (n, width) int64
    mask: np.ndarray
    types: np.ndarray
    first: np.ndarray  # (n,) position of the sentence's first token
    count: np.ndarray  # (n,) how many of the sentence's tokens are in the input
    offsets: list[list[tuple[int, int]]]  # per pair, the kept sentence tokens' character offsets


@dataclass(frozen=True)
class Reading:
    """What the reader says of one sentence: relevance, and the span in the sentence (or None)."""

    relevance: float  # calibrated, the reader alone
    logit: float  # raw
    span: tuple[int, int] | None
    # log of the chance the span head puts its start and end inside the sentence rather than in
    # the question or the context: low when the answer is next to the sentence, not in it
    inside: float = 0.0


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def encode_pairs(
    tokenizer,
    question: str,
    sentences: Sequence[str],
    before: Sequence[str],
    after: Sequence[str],
    max_len: int = MAX_LEN,
    questions: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
) -> Pairs:
    """The reader's input for ``question`` (or one question per pair, ``questions``) against each
    sentence; ``titles``: each sentence's document title ("" for none), read after its context."""
    n = len(sentences)
    qs = list(questions) if questions is not None else [question] * n
    uniq = sorted(set(qs))
    heads = list(titles) if titles is not None else [""] * n
    # one call for every text: the tokenizer's per-call cost is most of a short batch's time
    texts = [*uniq, *sentences, *before, *after, *heads]
    encoded = tokenizer.encode_batch(texts, add_special_tokens=False)
    q_ids = {q: e.ids[:MAX_QUESTION] for q, e in zip(uniq, encoded)}
    k = len(uniq)
    s_enc, b_enc, a_enc = encoded[k : k + n], encoded[k + n : k + 2 * n], encoded[k + 2 * n : k + 3 * n]
    t_enc = encoded[k + 3 * n :]
    rows, first, count, offsets = [], np.zeros(n, np.int64), np.zeros(n, np.int64), []
    for i in range(n):
        q = q_ids[qs[i]]
        s = s_enc[i].ids[:MAX_SENTENCE]
        left = max_len - 4 - len(q) - len(s)
        t = t_enc[i].ids[: min(MAX_TITLE, left - 1)] if left > 1 else []
        t = [SEP, *t] if t else []  # after the context, a segment of its own
        left -= len(t)
        b, a = b_enc[i].ids, a_enc[i].ids
        nb = min(len(b), max(left // 2, left - len(a)))
        na = min(len(a), left - nb)
        ctx = (b[len(b) - nb :] if nb > 0 else []) + (a[:na] if na > 0 else []) + t
        head = [CLS, *q, SEP]
        rows.append((head + s + [SEP] + ctx + [SEP], len(head)))
        first[i] = len(head)
        count[i] = len(s)
        offsets.append(list(s_enc[i].offsets[: len(s)]))
    width = max((len(r) for r, _ in rows), default=1)
    ids = np.zeros((n, width), np.int64)
    mask = np.zeros((n, width), np.int64)
    types = np.zeros((n, width), np.int64)
    for i, (r, h) in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
        types[i, h : len(r)] = 1
    return Pairs(ids, mask, types, first, count, offsets)


def best_span(start: np.ndarray, end: np.ndarray, first: int, count: int, max_span: int = MAX_SPAN) -> tuple[int, int, float]:
    """The best ``(i, j, score)`` token span inside the sentence: ``i <= j < i + max_span``."""
    if count <= 0:
        return 0, -1, float("-inf")
    s = start[first : first + count]
    e = end[first : first + count]
    grid = s[:, None] + e[None, :]
    i, j = np.indices(grid.shape)
    grid = np.where((j >= i) & (j < i + max_span), grid, -np.inf)
    flat = int(np.argmax(grid))
    bi, bj = divmod(flat, count)
    return bi, bj, float(grid[bi, bj])


def inside_mass(start: np.ndarray, end: np.ndarray, mask: np.ndarray, first: int, count: int) -> float:
    """log P(start in the sentence) + log P(end in the sentence), over the input's real tokens."""
    if count <= 0:
        return -20.0
    m = mask.astype(bool)
    lse = np.logaddexp.reduce
    s, e = start[first : first + count], end[first : first + count]
    return float(lse(s) - lse(start[m]) + lse(e) - lse(end[m]))


def sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _session(ort, model: Path, options, sha: str, cache: Path | None):
    """The onnxruntime session; with a ``cache`` folder, from a copy of the graph that this
    onnxruntime has already optimised (written there on the first load): a new process then
    starts the session in about a quarter of the time (0.026 against 0.106 s, measured)."""
    providers = ["CPUExecutionProvider"]
    if cache is None or not sha:
        return ort.InferenceSession(str(model), options, providers=providers)
    done = cache / f"reader-{sha[:16]}-ort{ort.__version__}.onnx"
    if done.is_file():
        try:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            return ort.InferenceSession(str(done), options, providers=providers)
        except Exception:  # a damaged copy: load the shipped graph and write it again
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    part = done.with_name(f"{done.name}.{os.getpid()}.part")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        options.optimized_model_filepath = str(part)
        session = ort.InferenceSession(str(model), options, providers=providers)
        os.replace(part, done)  # whole or not at all, also with another process at it
        return session
    except Exception:  # a read-only cache, say: optimise in memory (a damaged model fails here too)
        part.unlink(missing_ok=True)
        options.optimized_model_filepath = ""
        return ort.InferenceSession(str(model), options, providers=providers)


class Reader:
    """The shipped reader, run by onnxruntime on up to two threads (questions come one at a time)."""

    def __init__(self, folder: Path = READER_DIR, check: bool = True, cache: Path | None = None) -> None:
        fix = "reinstall qa (`pip install --force-reinstall .`) or retrain it with `python bench/train_reader.py`"
        try:
            self.config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReaderError(f"the reader model in {folder} is missing or damaged ({exc}); {fix}") from None
        model = folder / MODEL
        if not model.is_file() or not (folder / TOKENIZER).is_file():
            raise ReaderError(f"the reader model {model} is missing; {fix}")
        if check and model.stat().st_size != self.config.get("bytes"):
            raise ReaderError(f"the reader model {model} is damaged (its size does not match {CONFIG}); {fix}")
        try:
            import onnxruntime as ort

            self.tokenizer = load_tokenizer(folder / TOKENIZER)
            options = ort.SessionOptions()
            # one question's candidates at a time: two threads halve its time on 2 cores (measured),
            # and without spinning they cost no CPU between questions
            options.intra_op_num_threads = min(2, os.cpu_count() or 1)
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3
            self.session = _session(ort, model, options, self.config.get("sha256", ""), cache)
        except Exception as exc:
            raise ReaderError(f"the reader model {model} cannot be loaded ({exc}); {fix}") from None
        self.max_len = int(self.config.get("max_len", MAX_LEN))
        self.temperature = float(self.config.get("temperature", 1.0))
        self.bias = float(self.config.get("bias", 0.0))
        # the final logit: reader * (its logit) + ranker * logit(the ranker's score) + bias, fitted on
        # validation by bench/train_reader.py; the threshold on its probability decides abstention
        alone = {"reader": 1.0 / self.temperature, "ranker": 0.0, "bias": self.bias}
        self.combine = {k: float(v) for k, v in (self.config.get("combine") or alone).items()}
        self.threshold = float(self.config.get("threshold", 0.5))
        self.folder = folder

    def final_logits(self, raw: np.ndarray, ranker: np.ndarray, inside: np.ndarray | None = None) -> np.ndarray:
        """The answer score's logit from the reader's raw logits, the ranker's scores (0..1) and
        the span head's ``inside`` (where ``reader.json``'s combination uses it)."""
        p = np.clip(np.asarray(ranker, dtype=np.float64), 1e-6, 1 - 1e-6)
        c = self.combine
        z = c["reader"] * np.asarray(raw, dtype=np.float64) + c["ranker"] * np.log(p / (1 - p)) + c["bias"]
        if c.get("inside") and inside is not None:
            z = z + c["inside"] * np.asarray(inside, dtype=np.float64)
        return z

    def read(
        self,
        question: str,
        sentences: Sequence[str],
        before: Sequence[str],
        after: Sequence[str],
        titles: Sequence[str] | None = None,
    ) -> list[Reading]:
        if not sentences:
            return []
        pairs = encode_pairs(self.tokenizer, question, sentences, before, after, self.max_len, titles=titles)
        logits, start, end = self.session.run(
            None, {"input_ids": pairs.ids, "attention_mask": pairs.mask, "token_type_ids": pairs.types}
        )
        out = []
        for i in range(len(sentences)):
            raw = float(logits[i])
            rel = 1.0 / (1.0 + np.exp(-(raw / self.temperature + self.bias)))
            bi, bj, _ = best_span(start[i], end[i], int(pairs.first[i]), int(pairs.count[i]))
            span = None
            if bj >= bi:
                offs = pairs.offsets[i]
                span = (int(offs[bi][0]), int(offs[bj][1]))
            inside = inside_mass(start[i], end[i], pairs.mask[i], int(pairs.first[i]), int(pairs.count[i]))
            out.append(Reading(float(rel), raw, span, inside))
        return out
