"""Readers compared end to end, question by question, on the sets a new reader must not lose.

    python bench/compare_readers.py DIR [DIR ...] [--sets SET ...] [--out FILE]

Each ``DIR`` is a reader's folder (``embeddings/reader_model``, or what ``train_reader --stage
export --dest DIR`` wrote). Every question of each set is asked as ``qa eval`` asks it (after its
history, each earlier question answered first), in this process, with each reader in turn; the
same engine, index and settings otherwise. Prints a line a set with each reader's questions
right (the top answer holds a gold answer, or an unanswerable one is declined), the own sets'
total, and whether ``seed`` and its follow-ups are all right (a target). The sets are
``bench/eval_sets.py``'s; the default is the project's own chat-style sets, ``seed``, ``seed-fu``
and the SQuAD validation articles, never ``bbc`` (measure it once, with ``eval_sets.py``, for the
reader chosen).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

OWN = ["sample-chat", "sample-chat2", "sample-fu", "squad-val-chat", "squad20-val-chat", "bbc-own", "bbc-own2",
       "bbc-own3", "bbc-own4", "bbc-own5", "bbc-own6", "bbc-own7", "bbc-roles", "bbc-money", "sample-money", "docs-own", "docs-own2", "docs-own3"]
DEFAULT = [*OWN, "seed", "seed-fu", "squad11-val", "squad20-val"]


def main() -> None:
    from eval_sets import SETS, ensure_corpus, validation_questions

    from embeddings.reader import Reader, ReaderError
    from qa.engine import Engine
    from qa.evaluation import load_questions, score

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("readers", nargs="+", type=Path, metavar="DIR")
    ap.add_argument("--sets", nargs="*", default=DEFAULT, help="of " + ", ".join(s for s in SETS if s != "bbc"))
    ap.add_argument("--index-root", type=Path, default=Path.home() / ".cache" / "qa" / "eval-indexes")
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache" / "qa" / "eval-sets")
    ap.add_argument("--out", type=Path, default=None, help="each question's outcome per reader, as JSON")
    args = ap.parse_args()
    unknown = [s for s in args.sets if s not in SETS or s == "bbc"]
    if unknown:
        ap.error(f"unknown set (or bbc, which is measured with eval_sets.py, never compared on): {', '.join(unknown)}")
    for folder in args.readers:
        try:
            Reader(folder)
        except ReaderError as exc:
            sys.exit(f"compare_readers: {exc}")
    args.work.mkdir(parents=True, exist_ok=True)
    names = [str(r) for r in args.readers]
    rows: dict[str, dict[str, bool]] = {n: {} for n in names}
    figures: dict[str, dict[str, dict]] = {n: {} for n in names}
    for name in args.sets:
        questions, corpus, index = SETS[name]
        if questions is None:
            questions = validation_questions(corpus.parent.name, args.work)
        ensure_corpus(corpus)
        qs = load_questions(questions)
        line = [f"{name:17} {len(qs):4} questions"]
        for folder, label in zip(args.readers, names):
            engine = Engine(corpus=corpus, root=args.index_root / index, reader_dir=folder)
            t0 = time.time()
            results = [engine.ask_in_conversation(q.question, list(q.history)) if q.history else engine.ask(q.question)
                       for q in qs]
            m = score(qs, results).to_json()
            figures[label][name] = m
            wrong = set(m["wrong"])  # qa eval's own verdict: a wrong top answer, or a wrong decision to answer
            rows[label].update({f"{name}/{q.id}": q.id not in wrong for q in qs})
            right = len(qs) - len(wrong)
            mixed = "-" if m["mixed_accuracy"] is None else f"{m['mixed_accuracy']:.3f}"
            line.append(f"{right:4} right (acc@1 {m['acc_at_1']:.3f}, mixed {mixed}, {time.time() - t0:.0f} s)")
        print("  |  ".join(line), flush=True)
    print()
    for label in names:
        own = [k for k in rows[label] if k.split("/")[0] in OWN]
        seed = [k for k in rows[label] if k.split("/")[0] in ("seed", "seed-fu")]
        print(f"{label}: own sets {sum(rows[label][k] for k in own)} of {len(own)} right; "
              f"seed and its follow-ups {sum(rows[label][k] for k in seed)} of {len(seed)}")
    if len(names) > 1:
        first = names[0]
        for label in names[1:]:
            gained = [k for k in rows[label] if rows[label][k] and not rows[first][k]]
            lost = [k for k in rows[label] if rows[first][k] and not rows[label][k]]
            print(f"{label} against {first}: {len(gained)} gained, {len(lost)} lost; lost: {' '.join(lost[:20])}")
    if args.out:
        args.out.write_text(json.dumps({"figures": figures, "rows": rows}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
