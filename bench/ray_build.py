"""The build on Ray beside the local build, on one machine: the overhead as a ratio, and each worker's rate.

1. Copies the corpus (default: the scifact abstracts in ../shared/eval/scifact/corpus; ``--limit N``:
   only the first N files) to a scratch folder, and makes sure the model's ONNX export is in the
   model cache (not timed: both builds use it).
2. Builds it locally (``qa.indexing.build``, as ``qa index`` does), in a process of its own.
3. Builds it with ``--ray`` (``qa.ray_build.build``) on a local Ray started on this machine's cores
   (``--workers N`` actors, default one per core), in a process of its own; times Ray's start
   apart from the build.
4. Checks the two indexes agree (same rows, vectors to cosine >= 0.9999), and prints both times,
   their ratio, each worker's embedding rate (texts a second of its own encode time), the texts
   per passage, the index's size per passage and the driver's memory, from which the README's
   capacity table is worked out.

    python bench/ray_build.py [--corpus DIR] [--limit N] [--workers N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCIFACT = ROOT.parent / "shared" / "eval" / "scifact" / "corpus"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def one(kind: str, corpus: Path, index: Path, workers: int | None) -> dict:
    """One build in this process; what it measured, as a dict."""
    from embeddings.model import DEFAULT_MODEL, load_embedder
    from qa import indexing
    from qa.config import model_cache
    from qa.index import open_index

    stages: dict[str, list[float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages.setdefault(stage, [now, now])[1] = now

    out: dict = {"kind": kind}
    if kind == "local":
        embedder = load_embedder(DEFAULT_MODEL, cache=model_cache())
        base = _rss_mb()
        t0 = time.perf_counter()
        summary = indexing.build(corpus, index, DEFAULT_MODEL, lambda: embedder, progress=progress)
        out["seconds"] = time.perf_counter() - t0
    else:
        import ray

        from qa import ray_build

        t0 = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        out["ray_start_seconds"] = time.perf_counter() - t0
        base = _rss_mb()
        t0 = time.perf_counter()
        summary, stats = ray_build.build(corpus, index, DEFAULT_MODEL, workers=workers, progress=progress)
        out["seconds"] = time.perf_counter() - t0
        out["cluster_seconds"] = stats.seconds
        out["workers"] = stats.workers
        out["per_worker"] = [{"worker": w.worker, "files": w.files, "texts": w.texts, "seconds": round(w.seconds, 2),
                              "rate": round(w.rate, 1)} for w in stats.per_worker]
        ray.shutdown()
    idx = open_index(index)
    out.update(
        files=len(idx.files), chunks=len(idx.chunks), sentences=len(idx.sentences), added=summary.added,
        texts=len(idx.chunks) + len(idx.sentences), index_bytes=_du(idx.version),
        stages={k: round(v[1] - v[0], 2) for k, v in stages.items()},
        driver_rss_before_mb=round(base, 1), driver_peak_mb=round(_peak_mb(), 1),
    )
    return out


def _run_one(kind: str, corpus: Path, index: Path, workers: int | None) -> dict:
    cmd = [sys.executable, __file__, "--one", kind, "--corpus", str(corpus), "--index", str(index)]
    if workers:
        cmd += ["--workers", str(workers)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        sys.exit(f"the {kind} build failed:\n{run.stderr[-4000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _agree(a: Path, b: Path) -> float:
    import numpy as np

    from qa.index import open_index

    x, y = open_index(a), open_index(b)
    assert [f.source for f in x.files] == [f.source for f in y.files]
    assert np.array_equal(x.chunks, y.chunks) and np.array_equal(x.sentences, y.sentences)
    return float(min(np.min(np.sum(x.chunk_vectors * y.chunk_vectors, axis=1)),
                     np.min(np.sum(x.sentence_vectors * y.sentence_vectors, axis=1))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=SCIFACT)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (0: all)")
    ap.add_argument("--workers", type=int, default=0, help="Ray actors (0: one per CPU)")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--one", choices=["local", "ray"], help=argparse.SUPPRESS)
    ap.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.corpus, args.index, args.workers or None)))
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="qa-ray-bench-"))
    corpus = work / "corpus"
    for d in (corpus, work / "local", work / "ray"):
        shutil.rmtree(d, ignore_errors=True)
    corpus.mkdir(parents=True)
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    if args.limit:
        files = files[: args.limit]
    for p in files:
        dest = corpus / p.relative_to(args.corpus)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest)

    from embeddings.model import DEFAULT_MODEL, load_embedder
    from qa.config import model_cache

    load_embedder(DEFAULT_MODEL, cache=model_cache())  # the export, made once if it is not there
    local = _run_one("local", corpus, work / "local", None)
    on_ray = _run_one("ray", corpus, work / "ray", args.workers or None)
    cosine = _agree(work / "local", work / "ray")
    rates = [w["rate"] for w in on_ray["per_worker"]]
    texts = local["texts"]
    report = {
        "corpus": str(args.corpus), "files": len(files), "limited": bool(args.limit), "cpus": os.cpu_count(),
        "chunks": local["chunks"], "texts": texts, "texts_per_passage": round(texts / local["chunks"], 2),
        "local_seconds": round(local["seconds"], 1),
        "local_embed_rate": round(texts / local["stages"]["embed"], 1) if local["stages"].get("embed") else None,
        "ray_start_seconds": round(on_ray["ray_start_seconds"], 1),
        "ray_seconds": round(on_ray["seconds"], 1),
        "ratio": round(on_ray["seconds"] / local["seconds"], 2),
        "ratio_with_ray_start": round((on_ray["seconds"] + on_ray["ray_start_seconds"]) / local["seconds"], 2),
        "ray_cluster_seconds": round(on_ray["cluster_seconds"], 1),
        "ray_workers": on_ray["workers"],
        "per_worker_rate": rates,
        "per_worker_rate_mean": round(sum(rates) / len(rates), 1) if rates else None,
        "per_worker": on_ray["per_worker"],
        "ray_stages": on_ray["stages"], "local_stages": local["stages"],
        "index_bytes_per_passage": round(local["index_bytes"] / local["chunks"]),
        "driver_peak_mb": {"local": local["driver_peak_mb"], "ray": on_ray["driver_peak_mb"]},
        "driver_rss_before_build_mb": {"local": local["driver_rss_before_mb"], "ray": on_ray["driver_rss_before_mb"]},
        "min_cosine_local_vs_ray": round(cosine, 6),
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"corpus {args.corpus}: {len(files)} files{' (--limit)' if args.limit else ''}, "
          f"{local['chunks']} passages, {texts} texts embedded ({report['texts_per_passage']} per passage)")
    print(f"local build: {report['local_seconds']} s (embedding {report['local_embed_rate']} texts/s, onnxruntime "
          f"on {os.cpu_count()} threads)")
    print(f"ray build:   {report['ray_seconds']} s on {on_ray['workers']} workers, plus {report['ray_start_seconds']} s "
          f"to start Ray; ratio {report['ratio']} ({report['ratio_with_ray_start']} with the start)")
    for w in on_ray["per_worker"]:
        print(f"  worker {w['worker']}: {w['files']} files, {w['texts']} texts in {w['seconds']} s = {w['rate']} texts/s")
    print(f"index {report['index_bytes_per_passage']} bytes per passage; driver peak RSS: local "
          f"{local['driver_peak_mb']} MB, ray {on_ray['driver_peak_mb']} MB; vectors agree to cosine {cosine:.6f}")


if __name__ == "__main__":
    main()
