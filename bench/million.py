"""A million chunks: the index layer at scale, beside exact search in the same run.

Builds (once, in --work) a synthetic corpus of N one-sentence chunks: the sentences of a real
corpus's index (default: squad11-dev), repeated, each copy's vector the real one plus Gaussian
noise (then L2-normalised), written as files of 100 lines. It is indexed by the real build
(`qa.indexing.build`), with a stand-in embedder that hands out those vectors, so the index
type, the metadata and every file are what `qa index` makes. Then it measures, with the real
model for the questions (squad11-dev's):

- the index type chosen, and recall@10 of the vector search against exact search;
- vector search latency, approximate vs exact (IndexFlatIP over the same vectors);
- index load (open + warm) in a new process, and its resident memory; the same for exact;
- whole-question latency (`Engine.ask`, model and index loaded) p50/p95, three times: the
  first pass reads the index files from disk, the second asks the same questions again, the
  third asks as many others, not asked before;
- a cold `qa ask` (new process, index built), median of 5.

    python bench/million.py [--n 1000000] [--work /tmp/qa-million] [--questions 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
QA = str(Path(sys.executable).parent / "qa")
LINES_PER_FILE = 100


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def base_sentences(corpus: Path, index_dir: Path) -> tuple[list[str], np.ndarray]:
    """The real sentences and vectors the synthetic corpus repeats (builds their index if needed)."""
    from qa.engine import Engine

    engine = Engine(corpus=corpus, root=index_dir)
    engine.build()
    index = engine.index
    texts = [" ".join(index.sentence_text(i).split()) for i in range(len(index.sentences))]
    keep = [i for i, t in enumerate(texts) if 40 <= len(t) <= 300]
    return [texts[i] for i in keep], np.asarray(index.sentence_vectors[keep], dtype=np.float32)


class SyntheticEmbedder:
    """Hands out each line's perturbed vector: the build's embedder, for a corpus of known vectors."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, vectors: dict[str, np.ndarray], dim: int, sigma: float, seed: int = 0) -> None:
        self.vectors, self.dim, self.sigma = vectors, dim, sigma
        self.rng = np.random.default_rng(seed)

    def encode(self, texts, progress=None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for lo in range(0, len(texts), 100_000):
            part = texts[lo : lo + 100_000]
            base = np.stack([self.vectors.get(t.strip(), self.vectors[""]) for t in part])
            noisy = base + self.rng.normal(scale=self.sigma, size=base.shape).astype(np.float32)
            out[lo : lo + len(part)] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
            if progress:
                progress(lo + len(part), len(texts))
        return out


def make_corpus(work: Path, n: int, texts: list[str], vectors: np.ndarray, sigma: float) -> tuple[Path, Path]:
    from qa.chunking import ChunkParams
    from qa.indexing import build

    corpus, index_dir = work / "corpus", work / "index"
    if (work / "built.json").exists():
        return corpus, index_dir
    corpus.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    order = rng.integers(0, len(texts), n)
    for f in range(0, n, LINES_PER_FILE):
        rows = order[f : f + LINES_PER_FILE]
        (corpus / f"doc{f // LINES_PER_FILE:06d}.txt").write_text("\n".join(texts[r] for r in rows) + "\n")
    lookup = {t: vectors[i] for i, t in enumerate(texts)}
    lookup[""] = vectors.mean(axis=0)
    embedder = SyntheticEmbedder(lookup, vectors.shape[1], sigma)
    one_per_chunk = ChunkParams(chunk_chars=1, min_chunk_chars=0, overlap=0)
    t0 = time.perf_counter()
    last = [0.0]

    def progress(stage, done, total):
        if time.perf_counter() - last[0] > 20:
            last[0] = time.perf_counter()
            log(f"  build: {stage} {done}/{total}")

    summary = build(corpus, index_dir, embedder.name, lambda: embedder, params=one_per_chunk, progress=progress)
    (work / "built.json").write_text(json.dumps({"seconds": time.perf_counter() - t0, **summary.to_json()}))
    return corpus, index_dir


def in_new_process(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


LOAD = """
import json, sys, time
sys.path.insert(0, {root!r})
t = time.perf_counter()
from qa.index import open_index
index = open_index(__import__("pathlib").Path({index!r}))
{warm}
seconds = time.perf_counter() - t
# VmHWM, not getrusage: ru_maxrss keeps the parent's peak across fork and exec
status = dict(l.split(":", 1) for l in open("/proc/self/status"))
print(json.dumps({{"seconds": seconds, "maxrss_mb": int(status["VmHWM"].split()[0]) / 1024}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-million"))
    ap.add_argument("--base-corpus", type=Path, default=SHARED / "eval" / "squad11-dev" / "corpus")
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--sigma", type=float, default=0.02, help="noise per dimension added to each copy")
    args = ap.parse_args()
    work = args.work / str(args.n)
    work.mkdir(parents=True, exist_ok=True)

    log("base sentences...")
    texts, vectors = base_sentences(args.base_corpus, args.work / "base-index")
    log(f"  {len(texts)} real sentences")
    log(f"synthetic corpus and index of {args.n} chunks (once)...")
    corpus, index_dir = make_corpus(work, args.n, texts, vectors, args.sigma)
    built = json.loads((work / "built.json").read_text())

    from embeddings.vectors import VectorIndex
    from qa.engine import Engine
    from qa.index import CHUNK_FAISS, open_index

    index = open_index(index_dir)
    meta = index.meta
    exact_path = work / "exact.faiss"
    if not exact_path.exists():
        VectorIndex.build(np.asarray(index.chunk_vectors), exact_limit=sys.maxsize).save(exact_path)

    pool = [json.loads(line)["question"] for line in
            (SHARED / "eval" / "squad11-dev" / "questions.jsonl").read_text().splitlines()[: 2 * args.questions]]
    questions, others = pool[: args.questions], pool[args.questions :]
    engine = Engine(corpus=corpus, root=index_dir)
    qvecs = engine.embedder.encode(questions)

    approx = index.faiss
    exact = VectorIndex.load(exact_path)
    found, t_approx, t_exact = 0, [], []
    for q in qvecs:
        t = time.perf_counter()
        _, ids_a = approx.search(q, 10)
        t_approx.append(time.perf_counter() - t)
        t = time.perf_counter()
        _, ids_e = exact.search(q, 10)
        t_exact.append(time.perf_counter() - t)
        found += len(set(ids_a.tolist()) & set(ids_e.tolist()))
    recall = found / (10 * len(qvecs))

    engine.warm()
    # the first pass reads the index from disk; the second asks the same questions again; the
    # third asks others, not asked before, with the index in the page cache
    passes = []
    for batch in (questions, questions, others):
        asks = []
        for q in batch:
            t = time.perf_counter()
            engine.ask(q)
            asks.append(time.perf_counter() - t)
        passes.append(asks)

    env = {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX": str(index_dir)}
    load_ours = [in_new_process(LOAD.format(root=str(ROOT), index=str(index_dir), warm="index.warm()"), env) for _ in range(3)]
    load_exact = [in_new_process(LOAD.format(
        root=str(ROOT), index=str(index_dir),
        warm=f"import faiss; faiss.read_index({str(exact_path)!r}); index.bm25_chunks, index.bm25_sentences"), env)
        for _ in range(3)]
    cold = []
    for q in questions[1:6]:
        t = time.perf_counter()
        subprocess.run([QA, "ask", q, "--json"], env=env, capture_output=True, check=False)
        cold.append(time.perf_counter() - t)

    def ms(xs, p):
        return round(1000 * float(np.percentile(xs, p)), 2)

    med = statistics.median
    report = {
        "chunks": len(index.chunks),
        "files": len(index.files),
        "index_type": meta.get("index_type"),
        "faiss_file_mb": round((index.version / CHUNK_FAISS).stat().st_size / 1e6, 1),
        "exact_faiss_file_mb": round(exact_path.stat().st_size / 1e6, 1),
        "build_seconds_once": round(built["seconds"], 1),
        "recall@10_vs_exact": round(recall, 4),
        "vector_search_ms_p50_p95": [ms(t_approx, 50), ms(t_approx, 95)],
        "exact_search_ms_p50_p95": [ms(t_exact, 50), ms(t_exact, 95)],
        "search_ratio_p95": round(np.percentile(t_approx, 95) / np.percentile(t_exact, 95), 3),
        "question_ms_p50_p95_first_pass": [ms(passes[0], 50), ms(passes[0], 95)],
        "question_ms_p50_p95_second_pass": [ms(passes[1], 50), ms(passes[1], 95)],
        "question_ms_p50_p95_other_questions": [ms(passes[2], 50), ms(passes[2], 95)],
        "load_seconds_median": round(med(r["seconds"] for r in load_ours), 3),
        "load_maxrss_mb": round(med(r["maxrss_mb"] for r in load_ours)),
        "exact_load_seconds_median": round(med(r["seconds"] for r in load_exact), 3),
        "exact_load_maxrss_mb": round(med(r["maxrss_mb"] for r in load_exact)),
        "cold_ask_seconds_median": round(med(cold), 3),
        "cold_ask_seconds_all": [round(c, 3) for c in cold],
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
