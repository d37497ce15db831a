"""Every evaluation set the README reports, with and without the reader, in one run.

    python bench/eval_sets.py [SET ...] [--modes reader,ranker] [--index-root DIR] [--out FILE]

Runs ``qa eval --json`` (the command a user runs) on each set: ``seed`` and ``seed-fu`` (the
shipped corpus), the project's own chat-style sets (``sample-chat``, ``sample-chat2``, ``sample-fu``,
``squad-val-chat``, ``squad20-val-chat``, ``sample-money`` ("how much was spent"), ``sample-chat3`` to ``sample-chat14``, and ``bbc-own`` to ``bbc-own21``,
``bbc-roles`` (who runs, heads, edits or founded what), ``bbc-switch`` (a chat that changes topic:
the 31 direct questions of the own BBC sets that hold a pronoun, each asked after the question
15 places on in that list, of another article) and ``bbc-money`` (sums asked in another verb
than the article's: "spend" for "invest") on the BBC corpus: written for it and
never tuned on; ``docs-own`` to ``docs-own10`` on another kind of corpus, installed
packages' READMEs, written by ``bench/docs_corpus.py``; ``chain-sample``, ``chain-bbc``, ``chain-docs``,
``chain-bbc2``, ``chain-docs2``, ``chain-sample2``, ``chain-bbc3`` and ``chain-docs3``: chats of three or four turns whose first question alone names the subject), ``bbc``, the SQuAD validation articles (``squad11-val``, ``squad20-val``: the
questions of the articles ``bench/train_reader.py`` holds out, written to ``--work``) and, when
named, ``scifact`` (its index takes 20 to 60 minutes to build on 2 cores) and ``scifact-val`` (the
claims of the abstracts ``train_reader --claims`` holds out: the part of ``scifact`` a reader
trained with its claims has not seen). Indexes are built once
under ``--index-root``.
Prints one line a set and mode, and writes every figure as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"
sys.path.insert(0, str(ROOT / "bench"))

# the READMEs of installed packages (bench/docs_corpus.py writes them here when missing)
DOCS = Path.home() / ".cache" / "qa" / "docs-corpus"

# name -> (questions, corpus, index name)
SETS = {
    "seed": (EVAL / "seed" / "questions.jsonl", ROOT / "corpus", "corpus"),
    "seed-fu": (EVAL / "seed" / "followups.jsonl", ROOT / "corpus", "corpus"),
    "sample-chat": (ROOT / "bench" / "questions" / "sample-chat.jsonl", ROOT / "corpus", "corpus"),
    "sample-chat2": (ROOT / "bench" / "questions" / "sample-chat2.jsonl", ROOT / "corpus", "corpus"),
    "sample-fu": (ROOT / "bench" / "questions" / "sample-followups.jsonl", ROOT / "corpus", "corpus"),
    "squad-val-chat": (ROOT / "bench" / "questions" / "squad-val-chat.jsonl", EVAL / "squad11-dev" / "corpus", "squad11"),
    "squad20-val-chat": (ROOT / "bench" / "questions" / "squad20-val-chat.jsonl", EVAL / "squad20-dev" / "corpus", "squad20"),
    "bbc": (EVAL / "bbc" / "questions.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own": (ROOT / "bench" / "questions" / "bbc-own.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own2": (ROOT / "bench" / "questions" / "bbc-own2.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own3": (ROOT / "bench" / "questions" / "bbc-own3.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own4": (ROOT / "bench" / "questions" / "bbc-own4.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own5": (ROOT / "bench" / "questions" / "bbc-own5.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own6": (ROOT / "bench" / "questions" / "bbc-own6.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own7": (ROOT / "bench" / "questions" / "bbc-own7.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-roles": (ROOT / "bench" / "questions" / "bbc-roles.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-money": (ROOT / "bench" / "questions" / "bbc-money.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat3": (ROOT / "bench" / "questions" / "sample-chat3.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own8": (ROOT / "bench" / "questions" / "bbc-own8.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own9": (ROOT / "bench" / "questions" / "bbc-own9.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own10": (ROOT / "bench" / "questions" / "bbc-own10.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat4": (ROOT / "bench" / "questions" / "sample-chat4.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own11": (ROOT / "bench" / "questions" / "bbc-own11.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat5": (ROOT / "bench" / "questions" / "sample-chat5.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own12": (ROOT / "bench" / "questions" / "bbc-own12.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own13": (ROOT / "bench" / "questions" / "bbc-own13.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat6": (ROOT / "bench" / "questions" / "sample-chat6.jsonl", ROOT / "corpus", "corpus"),
    "sample-chat7": (ROOT / "bench" / "questions" / "sample-chat7.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own14": (ROOT / "bench" / "questions" / "bbc-own14.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat8": (ROOT / "bench" / "questions" / "sample-chat8.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own15": (ROOT / "bench" / "questions" / "bbc-own15.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat9": (ROOT / "bench" / "questions" / "sample-chat9.jsonl", ROOT / "corpus", "corpus"),
    "bbc-switch": (ROOT / "bench" / "questions" / "bbc-switch.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "bbc-own16": (ROOT / "bench" / "questions" / "bbc-own16.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat10": (ROOT / "bench" / "questions" / "sample-chat10.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own17": (ROOT / "bench" / "questions" / "bbc-own17.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-money": (ROOT / "bench" / "questions" / "sample-money.jsonl", ROOT / "corpus", "corpus"),
    "docs-own": (ROOT / "bench" / "questions" / "docs-own.jsonl", DOCS, "docs"),
    "docs-own2": (ROOT / "bench" / "questions" / "docs-own2.jsonl", DOCS, "docs"),
    "docs-own3": (ROOT / "bench" / "questions" / "docs-own3.jsonl", DOCS, "docs"),
    "docs-own4": (ROOT / "bench" / "questions" / "docs-own4.jsonl", DOCS, "docs"),
    "docs-own5": (ROOT / "bench" / "questions" / "docs-own5.jsonl", DOCS, "docs"),
    "docs-own6": (ROOT / "bench" / "questions" / "docs-own6.jsonl", DOCS, "docs"),
    "docs-own7": (ROOT / "bench" / "questions" / "docs-own7.jsonl", DOCS, "docs"),
    "docs-own8": (ROOT / "bench" / "questions" / "docs-own8.jsonl", DOCS, "docs"),
    "chain-sample": (ROOT / "bench" / "questions" / "chain-sample.jsonl", ROOT / "corpus", "corpus"),
    "chain-bbc": (ROOT / "bench" / "questions" / "chain-bbc.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "chain-docs": (ROOT / "bench" / "questions" / "chain-docs.jsonl", DOCS, "docs"),
    "sample-chat11": (ROOT / "bench" / "questions" / "sample-chat11.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own18": (ROOT / "bench" / "questions" / "bbc-own18.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "docs-own9": (ROOT / "bench" / "questions" / "docs-own9.jsonl", DOCS, "docs"),
    "chain-bbc2": (ROOT / "bench" / "questions" / "chain-bbc2.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "chain-docs2": (ROOT / "bench" / "questions" / "chain-docs2.jsonl", DOCS, "docs"),
    "sample-chat12": (ROOT / "bench" / "questions" / "sample-chat12.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own19": (ROOT / "bench" / "questions" / "bbc-own19.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "sample-chat13": (ROOT / "bench" / "questions" / "sample-chat13.jsonl", ROOT / "corpus", "corpus"),
    "chain-sample2": (ROOT / "bench" / "questions" / "chain-sample2.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own20": (ROOT / "bench" / "questions" / "bbc-own20.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "chain-bbc3": (ROOT / "bench" / "questions" / "chain-bbc3.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "docs-own10": (ROOT / "bench" / "questions" / "docs-own10.jsonl", DOCS, "docs"),
    "chain-docs3": (ROOT / "bench" / "questions" / "chain-docs3.jsonl", DOCS, "docs"),
    "sample-chat14": (ROOT / "bench" / "questions" / "sample-chat14.jsonl", ROOT / "corpus", "corpus"),
    "bbc-own21": (ROOT / "bench" / "questions" / "bbc-own21.jsonl", EVAL / "bbc" / "corpus", "bbc"),
    "squad11-val": (None, EVAL / "squad11-dev" / "corpus", "squad11"),
    "squad20-val": (None, EVAL / "squad20-dev" / "corpus", "squad20"),
    "scifact": (EVAL / "scifact" / "questions.jsonl", EVAL / "scifact" / "corpus", "scifact"),
    "scifact-val": (None, EVAL / "scifact" / "corpus", "scifact"),
}
DEFAULT = [s for s in SETS if not s.startswith("scifact")]
MODES = {"reader": [], "ranker": ["--no-reader"]}


def ensure_corpus(corpus: Path) -> None:
    """Write the docs corpus (installed packages' READMEs) where it is missing."""
    if corpus == DOCS and not corpus.is_dir():
        from docs_corpus import build

        build(corpus)


def validation_questions(folder: str, dest: Path) -> Path:
    """The questions of the articles the reader's training held out, as ``train_reader`` splits them
    (for ``scifact``: the claims of the abstracts ``train_reader --claims`` holds out)."""
    from train_reader import load_claims, load_questions, validation_claim_files

    if folder == "scifact":
        files = validation_claim_files()
        held_out = {c["id"] for c in load_claims() if c.get("sources") and c["sources"][0] in files}
    else:
        corpus = folder.removesuffix("-dev")
        held_out = {q["id"] for q in load_questions() if q["corpus"] == corpus and q["val"]}
    out = dest / f"{folder}-val.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for line in (EVAL / folder / "questions.jsonl").open(encoding="utf-8"):
            if json.loads(line)["id"] in held_out:
                fh.write(line if line.endswith("\n") else line + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*", metavar="SET", help="default: all but scifact; of " + ", ".join(SETS))
    ap.add_argument("--modes", default="reader,ranker", help="comma-separated: " + ", ".join(MODES))
    ap.add_argument("--index-root", type=Path, default=Path.home() / ".cache" / "qa" / "eval-indexes")
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache" / "qa" / "eval-sets")
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = ap.parse_args()
    unknown = [s for s in args.sets if s not in SETS] + [m for m in args.modes.split(",") if m not in MODES]
    if unknown:
        ap.error(f"unknown set or mode: {', '.join(unknown)}")
    args.work.mkdir(parents=True, exist_ok=True)
    qa = str(Path(sys.executable).parent / "qa")
    results = {}
    for name in args.sets or DEFAULT:
        questions, corpus, index = SETS[name]
        if questions is None:
            questions = validation_questions(corpus.parent.name, args.work)  # eval/FOLDER/corpus
        ensure_corpus(corpus)
        for mode in args.modes.split(","):
            t0 = time.time()
            cmd = [qa, "eval", str(questions), "--corpus", str(corpus), "--index", str(args.index_root / index),
                   "--json", *MODES[mode]]
            run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if run.returncode != 0:
                sys.exit(f"{name} {mode}: qa eval failed:\n{run.stderr[-2000:]}")
            m = json.loads(run.stdout)
            results[f"{name}/{mode}"] = m
            print(f"{name:15} {mode:7} acc@1 {m['acc_at_1']}  acc@5 {m['acc_at_5']}  abstained {m['abstained_on_unanswerable']}"
                  f"  false-abstain {m['false_abstain']}  mixed {m['mixed_accuracy']}  nDCG@10 {m['ndcg_at_10']}"
                  f"  p50/p95 {m['latency_ms_p50']:.0f}/{m['latency_ms_p95']:.0f} ms  ({time.time() - t0:.0f} s)"
                  f"  wrong: {' '.join(m['wrong'][:12])}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
