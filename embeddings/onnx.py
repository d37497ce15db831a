"""The embedding model as an ONNX graph run by onnxruntime: same vectors, a fraction of the start-up.

Importing sentence-transformers (and torch under it) takes seconds; onnxruntime and tokenizers
import in a few hundred milliseconds and run the model's forward pass faster on a CPU. So the
model is exported once, the first time it is needed (normally by ``qa index``), into a cache
folder, checked against sentence-transformers on a few texts, and from then on loaded from there.

An export is a folder holding ``model.onnx`` (the transformer, fp32, with onnxruntime's BERT
fusions, one ``Attention`` op a layer, where they apply, and its portable graph fusions already
applied, so a session starts without optimising it) with its weights in
``weights.bin`` (mapped, not parsed, when a session starts), ``tokenizer.json`` and
``export.json`` (pooling, maximum length, dimension, and how closely it agreed with
sentence-transformers). It is written to a staging folder and renamed into place, so a
half-written export is never used. Models whose sentence-transformers pipeline holds more than
a transformer, a pooling layer and a normalisation are not exported (the caller falls back).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

EXPORT_VERSION = 4  # 4: attention fused
EXPORT_JSON = "export.json"
ONNX_FILE = "model.onnx"
RAW_FILE = "raw.onnx"
FUSED_FILE = "fused.onnx"
FUSABLE = ("bert", "roberta", "xlm-roberta")  # encoders onnxruntime's BERT fusions know
WEIGHTS_FILE = "weights.bin"
TOKENIZER = "tokenizer.json"
MIN_COSINE = 0.9999  # the export must agree with sentence-transformers at least this closely
SUPPORTED_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}
POOLING_MODES = ("mean", "cls", "max")
_CHECK_TEXTS = (
    "How much did the council invest in new social care posts?",
    "Who is the council leader?",
    "Ofsted rated the children's services ‘inadequate’ earlier this year — £5.5m was invested.",
    "Zürich, 東京, Москва and naïve café: non-ASCII text.",
    "a",
    " ".join(["long text that is truncated at the model's maximum sequence length"] * 60),
)


class ExportError(Exception):
    """The model cannot be exported to, or run from, ONNX; use sentence-transformers instead."""


def export_key(name: str, path: Path) -> str:
    """A folder name for ``name``'s export that changes when the model's files change."""
    h = hashlib.sha256(f"{EXPORT_VERSION}\0{name}\0{path.resolve()}".encode())
    for f in sorted(path.iterdir()):
        if f.is_file():
            st = f.stat()
            h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name)[:40]
    return f"{slug}-{h.hexdigest()[:16]}"


def _pipeline(path: Path) -> tuple[str, int]:
    """``(pooling mode, max sequence length)`` of a plain transformer+pooling model, or ExportError."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"not a sentence-transformers folder ({exc})") from None
    if not isinstance(modules, list) or {m.get("type") for m in modules if isinstance(m, dict)} - SUPPORTED_MODULES:
        raise ExportError("the model has modules other than a transformer, pooling and normalisation")
    try:
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith(".Pooling"))
        pooling = json.loads((path / pooling_dir / "config.json").read_text(encoding="utf-8"))
        st_config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ExportError(f"not a plain sentence-transformers folder ({exc})") from None
    modes = [m for m in POOLING_MODES if pooling.get(f"pooling_mode_{m}_tokens" if m != "cls" else "pooling_mode_cls_token")]
    if len(modes) != 1 or any(pooling.get(k) for k in ("pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")):
        raise ExportError(f"unsupported pooling {pooling}")
    if not (path / TOKENIZER).is_file():
        raise ExportError("the model has no tokenizer.json (a fast tokenizer is needed)")
    return modes[0], int(st_config.get("max_seq_length") or 256)


def export(model, path: Path, dest: Path) -> Path:
    """Export the loaded SentenceTransformer ``model`` (from folder ``path``) into ``dest``.

    The export is checked against ``model`` on a few texts and refused (``ExportError``) when a
    vector's cosine similarity to the sentence-transformers one falls under ``MIN_COSINE``.
    """
    import torch

    pooling, max_len = _pipeline(path)
    transformer = model[0].auto_model.eval()
    # attention written out as plain MatMul and Softmax ops (the same numbers), which fuse_attention knows
    attention = getattr(transformer.config, "_attn_implementation", None)
    switched = attention not in (None, "eager") and hasattr(transformer, "set_attn_implementation")
    if switched:
        transformer.set_attn_implementation("eager")
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(transformer.forward).parameters:
        names.append("token_type_ids")

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=dest.parent))
    try:
        dummy = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHidden(transformer), dummy, str(staging / RAW_FILE),
                input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes,
                opset_version=17, dynamo=False,
            )
        shutil.copy2(path / TOKENIZER, staging / TOKENIZER)
        st_vectors = model.encode(list(_CHECK_TEXTS), convert_to_numpy=True, normalize_embeddings=True)
        # fused where onnxruntime's transformer fusions apply (a BERT-like encoder), else as exported;
        # either is kept only if it gives sentence-transformers' vectors
        fused = fuse_attention(staging / RAW_FILE, staging / FUSED_FILE, transformer.config)
        for graph in ([staging / FUSED_FILE] if fused else []) + [staging / RAW_FILE]:
            ort_version = _optimise(graph, staging / ONNX_FILE)
            info = {"version": EXPORT_VERSION, "pooling": pooling, "max_seq_length": max_len,
                    "dim": int(model.get_embedding_dimension()), "inputs": names, "onnxruntime": ort_version,
                    "fused_attention": graph.name == FUSED_FILE}
            (staging / EXPORT_JSON).write_text(json.dumps(info), encoding="utf-8")
            onnx_vectors = OnnxEmbedder("check", staging).encode(list(_CHECK_TEXTS))
            agreement = float(np.min(np.sum(onnx_vectors * st_vectors, axis=1)))
            if agreement >= MIN_COSINE:
                break
        else:
            raise ExportError(f"the ONNX export disagrees with sentence-transformers (cosine {agreement:.5f})")
        for spare in (RAW_FILE, FUSED_FILE):
            (staging / spare).unlink(missing_ok=True)
        info["min_cosine"] = round(agreement, 7)
        (staging / EXPORT_JSON).write_text(json.dumps(info), encoding="utf-8")
        try:
            os.rename(staging, dest)
        except OSError:  # another process exported it first: theirs is as good
            if not (dest / EXPORT_JSON).is_file():
                raise
            shutil.rmtree(staging, ignore_errors=True)
        return dest
    except ExportError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as exc:  # torch.onnx raises many kinds; all mean "no export"
        shutil.rmtree(staging, ignore_errors=True)
        raise ExportError(f"cannot export the model to ONNX: {exc}") from exc
    finally:
        if switched:
            transformer.set_attn_implementation(attention)


def fuse_attention(raw: Path, out: Path, config) -> bool:
    """Write ``raw`` with onnxruntime's BERT fusions applied to ``out``: each layer's attention one
    ``Attention`` op, its residual LayerNorms ``SkipLayerNormalization``, its GELU ``BiasGelu``
    (all-MiniLM-L6-v2 embeds a corpus about 1.1 times as fast; the reader reads its candidates
    in five sixths of the time). False, and nothing written, where the model is not one they
    apply to; the embedding LayerNorm is left unfused (its fused form reads position ids itself)."""
    heads, hidden = getattr(config, "num_attention_heads", 0), getattr(config, "hidden_size", 0)
    if getattr(config, "model_type", "") not in FUSABLE or not heads or not hidden:
        return False
    try:
        from onnxruntime.transformers import optimizer
        from onnxruntime.transformers.fusion_options import FusionOptions

        options = FusionOptions("bert")
        options.enable_embed_layer_norm = False
        model = optimizer.optimize_model(str(raw), model_type="bert", num_heads=heads, hidden_size=hidden,
                                         opt_level=1, optimization_options=options)
        if not model.get_fused_operator_statistics().get("Attention"):
            return False
        model.save_model_to_file(str(out))
        return True
    except Exception:  # a pattern the fusions do not know: the unfused graph is as right
        return False


def _optimise(raw: Path, out: Path) -> str:
    """Save the graph with onnxruntime's portable fusions applied, so loading it needs none."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(out)
    # the weights in a file of their own, which onnxruntime maps instead of parsing: a session
    # starts in about a third of the time (60 ms instead of 175 for all-MiniLM-L6-v2)
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS_FILE)
    options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    options.log_severity_level = 3
    ort.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
    return ort.__version__


def has_export(folder: Path) -> bool:
    return all((folder / f).is_file() for f in (EXPORT_JSON, ONNX_FILE, WEIGHTS_FILE))


class OnnxEmbedder:
    """Embeds with an export made by ``export``: tokenizers, onnxruntime, pooling in NumPy.

    A question or two runs on at most two threads with spinning off, so a busy machine never
    stalls it; batches run on every core.
    """

    def __init__(self, name: str, folder: Path, batch_size: int = 64) -> None:
        try:
            info = json.loads((folder / EXPORT_JSON).read_text(encoding="utf-8"))
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        except Exception as exc:
            raise ExportError(f"cannot load the ONNX export at {folder}: {exc}") from None
        self.name = name
        self.backend = "onnxruntime"
        self.dim = int(info["dim"])
        self.batch_size = batch_size
        self._folder = folder
        self._pooling = info["pooling"]
        self._inputs = list(info["inputs"])
        self._ort_version = info.get("onnxruntime")
        self._tokenizer.enable_truncation(max_length=int(info["max_seq_length"]))
        self._tokenizer.no_padding()
        self._sessions: dict[bool, object] = {}

    def _session(self, batch: bool):
        if batch not in self._sessions:
            import onnxruntime as ort

            options = ort.SessionOptions()
            # the export is already optimised by this onnxruntime: optimising again only costs start-up
            level = ort.GraphOptimizationLevel
            options.graph_optimization_level = (
                level.ORT_DISABLE_ALL if self._ort_version == ort.__version__ else level.ORT_ENABLE_BASIC
            )
            options.log_severity_level = 3
            if not batch:
                # two threads: a question's vector in 2.6 ms instead of 3.8 (measured); without
                # spinning they cost nothing between questions
                options.intra_op_num_threads = min(2, os.cpu_count() or 1)
                options.inter_op_num_threads = 1
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            try:
                self._sessions[batch] = ort.InferenceSession(
                    str(self._folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:
                raise ExportError(f"cannot load the ONNX export at {self._folder}: {exc}") from None
        return self._sessions[batch]

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self._session(batch=len(texts) > 4)
        encodings = self._tokenizer.encode_batch(texts)
        # longest first, so each batch pads little; the order is restored in ``out``
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for lo in range(0, len(texts), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            out[idx] = self._forward(session, [encodings[i] for i in idx])
            if progress:
                progress(min(lo + self.batch_size, len(texts)), len(texts))
        return out

    def _forward(self, session, encodings) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
            types[row, :n] = e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = session.run(None, {k: feeds[k] for k in self._inputs})[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        elif self._pooling == "max":
            pooled = np.where(mask[..., None] > 0, hidden, -1e9).max(axis=1)
        else:
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (pooled / norms).astype(np.float32)
