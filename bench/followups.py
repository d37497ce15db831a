"""Follow-ups, and what leaning on the conversation could cost: two counts over the question sets.

    python bench/followups.py [SET ...] [--out FILE]

- ``follow-ups``: every question with a ``history``, asked after it (each earlier question answered
  first, as the chat does): right when its top answer holds the gold answer, or, for an
  unanswerable one, when it is declined.
- ``topic switches``: every direct answerable question with sources, asked after a question about
  another article of the same set: right when its top answer holds the gold answer. A follow-up
  rule that leans on the last turn too readily loses these.
- ``in a row``: every direct question (unanswerable ones too) asked after the one before it in
  its set, as a person asks on down a list: right as a follow-up is.

The sets are ``bench/eval_sets.py``'s (default: ``seed-fu`` and the own chat-style sets); ``bbc``
may be named to measure it, never to tune on. ``--out`` writes each question's outcome as JSON,
to compare two versions of the code question by question.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT = ["seed-fu", "sample-chat", "sample-chat2", "sample-fu", "squad-val-chat", "squad20-val-chat",
           "bbc-own", "bbc-own2", "bbc-own3", "bbc-own4", "bbc-own5"]


def main() -> None:
    from eval_sets import SETS

    from qa.engine import Engine
    from qa.evaluation import contains_gold, load_questions

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*", default=DEFAULT)
    ap.add_argument("--index-root", type=Path, default=Path.home() / ".cache" / "qa" / "eval-indexes")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    rows = []

    def ask(engine, name: str, kind: str, q, history: list[str]) -> None:
        """Ask ``q`` after ``history`` and record whether it came out right: declined when the
        corpus does not answer it, else its top answer holding a gold answer."""
        r = engine.ask_in_conversation(q.question, history)
        ok = not r.answered if q.unanswerable else r.answered and bool(r.answers) and contains_gold(r.answers[0].text, q.answers)
        rows.append({"kind": kind, "set": name, "id": q.id, "right": bool(ok)})

    for name in args.sets:
        questions, corpus, index = SETS[name]
        if questions is None:
            raise SystemExit(f"{name}: not a set of written questions")
        engine = Engine(corpus=corpus, root=args.index_root / index)
        qs = load_questions(questions)
        for q in qs:
            if q.history:
                ask(engine, name, "follow-up", q, q.history)
        direct = [q for q in qs if not q.history and not q.unanswerable and q.sources]
        for i, q in enumerate(direct):
            other = next((o for o in direct[i + 1:] + direct[:i] if set(o.sources).isdisjoint(q.sources)), None)
            if other is not None:
                ask(engine, name, "topic switch", q, [other.question])
        asked = [q for q in qs if not q.history]
        for before, q in zip(asked, asked[1:]):
            ask(engine, name, "in a row", q, [before.question])
    for kind, label in (("follow-up", "follow-ups"), ("topic switch", "topic switches"), ("in a row", "in a row")):
        mine = [r for r in rows if r["kind"] == kind]
        print(f"{label:15} {sum(r['right'] for r in mine)} of {len(mine)} right")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
