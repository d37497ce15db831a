"""Scoring answers against a question set in the ``shared/eval`` format.

The rules match ``shared/tools/score.py``: SQuAD normalisation (lower case, punctuation to
spaces, articles a/an/the dropped, whitespace collapsed); an answer is right when its text
contains a gold answer; nDCG@10 is over the files answers cite, ``also_in`` included.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.errors import QAError
from qa.records import Result

_PUNCT = set(string.punctuation) | {"\u2018", "\u2019", "\u201c", "\u201d"}
_ARTICLES = re.compile(r"\b(a|an|the)\b")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    unanswerable: bool = False
    history: tuple[str, ...] = ()


def normalise(text: str) -> str:
    text = "".join(" " if ch in _PUNCT else ch for ch in text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_gold(text: str, golds: Sequence[str]) -> bool:
    t = normalise(text)
    return any((g := normalise(x)) and g in t for x in golds)


def parse_question(obj: object, where: str) -> EvalQuestion:
    if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
        raise QAError(f"{where}: expected a JSON object with a string \"question\"")
    history = obj.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise QAError(f"{where}: \"history\" must be a list of strings")
    return EvalQuestion(
        id=str(obj.get("id", "")),
        question=obj["question"],
        answers=tuple(str(a) for a in obj.get("answers") or ()),
        sources=tuple(str(s) for s in obj.get("sources") or ()),
        unanswerable=bool(obj.get("unanswerable", False)),
        history=tuple(history),
    )


def load_questions(path: Path) -> list[EvalQuestion]:
    """Questions from a JSON-lines file; a clear ``QAError`` names a bad line."""
    try:
        # split on "\n" only: JSON strings may hold U+2028 and friends, which splitlines() breaks on
        lines = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise QAError(f"question file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QAError(f"cannot read {path}: {exc}") from None
    return list(read_questions(lines, str(path)))


def read_questions(lines: Iterable[str], where: str) -> Iterator[EvalQuestion]:
    """Questions from JSON lines, one at a time as they come (``qa ask --batch -`` reads them from
    a pipe); a clear ``QAError`` names a bad line as ``where:N``."""
    for n, line in enumerate(lines, 1):
        line = line.removesuffix("\n").removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise QAError(f"{where}:{n}: not valid JSON ({exc.msg})") from None
        yield parse_question(obj, f"{where}:{n}")


def _ndcg(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    uniq = list(dict.fromkeys(ranked))
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(uniq[:k]) if d in relevant)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / idcg if idcg else 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


@dataclass(frozen=True)
class Metrics:
    questions: int
    answerable: int
    unanswerable: int
    acc_at_1: float | None
    acc_at_5: float | None
    mrr: float | None
    source_recall_at_1: float | None
    source_recall_at_5: float | None
    ndcg_at_10: float | None
    abstained_on_unanswerable: float | None
    false_abstain: float | None
    mixed_accuracy: float | None
    latency_ms_p50: float
    latency_ms_p95: float
    # questions declined because the best answer's file never mentions a name they ask about
    declined_for_names: int = 0
    # questions declined because they ask how much/many/old/long and the best answer gives no quantity
    declined_for_quantity: int = 0
    # ... because they ask who holds a title and the best answer's quote names no such title
    declined_for_title: int = 0
    wrong: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        d = asdict(self)
        d["wrong"] = list(self.wrong)
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


def score(questions: Sequence[EvalQuestion], results: Sequence[Result]) -> Metrics:
    """Metrics for ``results`` (one per question, same order)."""
    if len(questions) != len(results):
        raise ValueError(f"{len(results)} results for {len(questions)} questions")
    n_ans = n_un = acc1 = acc5 = abstain_ok = false_abstain = mixed = 0
    rr = 0.0
    n_src = src1 = src5 = 0
    ndcg = 0.0
    wrong: list[str] = []
    for q, r in zip(questions, results):
        answers = r.answers
        if q.unanswerable:
            n_un += 1
            if not r.answered:
                abstain_ok += 1
                mixed += 1
            else:
                wrong.append(q.id)
        elif q.answers:
            n_ans += 1
            hits = [contains_gold(a.text, q.answers) for a in answers[:5]]
            ok1 = bool(hits) and hits[0]
            acc1 += ok1
            acc5 += any(hits)
            rr += next((1 / (i + 1) for i, h in enumerate(hits) if h), 0.0)
            if not r.answered:
                false_abstain += 1
            elif ok1:
                mixed += 1
            if not (ok1 and r.answered):
                wrong.append(q.id)
        if q.sources:
            n_src += 1
            gold = set(q.sources)
            ranked = [s for a in answers for s in (a.source, *a.also_in)]
            ndcg += _ndcg(ranked, gold)
            if answers and ({answers[0].source, *answers[0].also_in} & gold):
                src1 += 1
            if {s for a in answers[:5] for s in (a.source, *a.also_in)} & gold:
                src5 += 1
    lat = [r.seconds * 1000 for r in results]

    def ratio(a: float, b: int) -> float | None:
        return a / b if b else None

    return Metrics(
        questions=len(questions),
        answerable=n_ans,
        unanswerable=n_un,
        acc_at_1=ratio(acc1, n_ans),
        acc_at_5=ratio(acc5, n_ans),
        mrr=ratio(rr, n_ans),
        source_recall_at_1=ratio(src1, n_src),
        source_recall_at_5=ratio(src5, n_src),
        ndcg_at_10=ratio(ndcg, n_src),
        abstained_on_unanswerable=ratio(abstain_ok, n_un),
        false_abstain=ratio(false_abstain, n_ans),
        mixed_accuracy=ratio(mixed, n_ans + n_un) if n_un else None,
        latency_ms_p50=_percentile(lat, 0.5),
        latency_ms_p95=_percentile(lat, 0.95),
        declined_for_names=sum(bool(r.unmentioned) for r in results),
        declined_for_quantity=sum(r.lacks == "quantity" for r in results),
        declined_for_title=sum(r.lacks == "title" for r in results),
        wrong=tuple(wrong),
    )
