"""Build throughput beside a bare `SentenceTransformer.encode` of the same texts, and incremental builds.

1. Copies the corpus to a scratch folder and runs the full build (`qa.indexing.build`, the real
   model as `qa index` loads it), timing the whole build and its embedding stage.
2. Encodes the same texts (every chunk and sentence the build embedded) with a bare
   `SentenceTransformer.encode` (default settings) in the same process, and prints both
   throughputs and their ratio. With `--bare-limit N`, a random sample of N of those texts is
   encoded by both, for corpora where a second full encode would take too long.
3. Edits one file of the copy, times `qa index` (a new process, as a user runs it) and
   `qa status`, and prints them beside the full build.

    python bench/build.py --corpus ../shared/eval/squad11-dev/corpus [--limit-files N] [--bare-limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--limit-files", type=int, default=0, help="only the first N files (0: all)")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--bare-limit", type=int, default=0,
                    help="time the bare encode on a random sample of N of the texts (0: all of them)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-build-"))
    corpus, index_dir = work / "corpus", work / "index"
    shutil.rmtree(work / "corpus", ignore_errors=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    corpus.mkdir(parents=True)
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file())
    if args.limit_files:
        files = files[: args.limit_files]
    for p in files:
        dest = corpus / p.relative_to(args.corpus)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest)

    from qa.engine import Engine

    engine = Engine(corpus=corpus, root=index_dir)
    stages: dict[str, list[float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages.setdefault(stage, [now, now])[1] = now

    t0 = time.perf_counter()
    summary = engine.build(progress=progress)
    full_s = time.perf_counter() - t0
    index = engine.index
    texts = [index.chunk_text(i) for i in range(len(index.chunks))] + [
        index.sentence_text(i) for i in range(len(index.sentences))
    ]
    embed_s = stages["embed"][1] - stages["embed"][0]
    print(f"ours: {len(texts)} texts, build {full_s:.1f} s, embedding {embed_s:.1f} s "
          f"({getattr(engine.embedder, 'backend', '?')})", file=sys.stderr, flush=True)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from embeddings.model import default_model_path

    model = SentenceTransformer(str(default_model_path()), device="cpu")
    sample = texts
    if args.bare_limit and args.bare_limit < len(texts):  # the same random sample for both
        import random

        sample = random.Random(0).sample(texts, args.bare_limit)
    t = time.perf_counter()
    model.encode(sample)
    bare_s = time.perf_counter() - t
    t = time.perf_counter()
    engine.embedder.encode(sample)
    ours_sample_s = time.perf_counter() - t
    print(f"bare SentenceTransformer.encode of {len(sample)} texts: {bare_s:.1f} s, ours {ours_sample_s:.1f} s",
          file=sys.stderr, flush=True)

    env = {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX": str(index_dir)}
    edited = sorted(corpus.rglob("*.txt"))[len(files) // 2]
    with open(edited, "a", encoding="utf-8") as fh:
        fh.write("\nThis sentence was added to measure an incremental build.\n")
    t = time.perf_counter()
    status = subprocess.run([str(BIN / "qa"), "status", "--json"], env=env, capture_output=True, text=True)
    status_s = time.perf_counter() - t
    t = time.perf_counter()
    inc = subprocess.run([str(BIN / "qa"), "index", "--json"], env=env, capture_output=True, text=True)
    inc_s = time.perf_counter() - t
    if inc.returncode:
        raise SystemExit(inc.stderr)
    print(json.dumps({
        "corpus": str(args.corpus),
        "files": len(files),
        "chunks": len(index.chunks),
        "sentences": len(index.sentences),
        "texts_embedded": summary.chunks_embedded if hasattr(summary, "chunks_embedded") else None,
        "full_build_s": round(full_s, 1),
        "embed_s": round(embed_s, 1),
        "embed_texts_per_s": round(len(texts) / embed_s, 1),
        "whole_build_texts_per_s": round(len(texts) / full_s, 1),
        "bare_sample_texts": len(sample),
        "bare_st_encode_s": round(bare_s, 1),
        "bare_texts_per_s": round(len(sample) / bare_s, 1),
        "our_embedder_on_sample_s": round(ours_sample_s, 1),
        "sample_ratio_vs_bare": round(bare_s / ours_sample_s, 3),
        "embed_ratio_vs_bare": round((len(texts) / embed_s) / (len(sample) / bare_s), 3),
        "whole_build_ratio_vs_bare": round((len(texts) / full_s) / (len(sample) / bare_s), 3),
        "backend": getattr(engine.embedder, "backend", None),
        "status_after_edit_s": round(status_s, 3),
        "status_changed": json.loads(status.stdout).get("changed") if status.stdout.strip() else None,
        "incremental_index_s": round(inc_s, 2),
        "incremental_over_full": round(inc_s / full_s, 4),
        "incremental_summary": json.loads(inc.stdout) if inc.stdout.strip() else None,
    }, indent=1))


if __name__ == "__main__":
    main()
