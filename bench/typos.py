"""A question set as typed in a hurry: one typo in each question, to measure ``qa.spelling``.

    python bench/typos.py QUESTIONS.jsonl --out TYPOS.jsonl [--seed N]

Each question's longest word of five letters or more (its history's too, each on its own) gets one
typo of the kinds people make: a letter dropped, two letters swapped, a letter doubled, or a
letter replaced by its neighbour on the keyboard; never the first letter. Everything else of the
line is kept, so ``qa eval`` scores the typed set against the same gold answers.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    c: "".join(r[j] for j in (i - 1, i + 1) if 0 <= j < len(r)) for r in _ROWS for i, c in enumerate(r)
}


def typo(word: str, rng: random.Random) -> str:
    """``word`` with one typo, not in its first letter."""
    i = rng.randrange(1, len(word))
    kind = rng.choice(("drop", "swap", "double", "neighbour"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "neighbour" and word[i].lower() in _NEIGHBOURS:
        return word[:i] + rng.choice(_NEIGHBOURS[word[i].lower()]) + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def mistype(question: str, rng: random.Random) -> str:
    """``question`` with a typo in its longest word of five letters or more (itself if none)."""
    words = [m for m in re.finditer(r"[A-Za-z]{5,}", question)]
    if not words:
        return question
    m = max(words, key=lambda m: (len(m.group(0)), -m.start()))
    return question[: m.start()] + typo(m.group(0), rng) + question[m.end() :]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("questions", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=20261205)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    typed = {}  # a history question is mistyped the same way wherever it recurs
    with args.questions.open(encoding="utf-8") as src, args.out.open("w", encoding="utf-8") as out:
        for line in src:
            if not line.strip():
                continue
            q = json.loads(line)
            q["question"] = typed.setdefault(q["question"], mistype(q["question"], rng))
            if q.get("history"):
                q["history"] = [typed.setdefault(h, mistype(h, rng)) for h in q["history"]]
            out.write(json.dumps(q, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
