"""Fit the answer-scoring model on dev sets: features once, then a logistic regression.

    python bench/tune_answers.py --set squad11-dev:/tmp/idx/squad11 --set seed:/tmp/idx/seed [--limit N]

Each ``--set NAME:INDEX`` names a folder of ../shared/eval and an index built from its corpus.
Prints acc@1 / acc@5 / MRR per set for the current defaults and for the fitted weights, and the
abstention figures on sets with unanswerable questions for a range of thresholds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qa.answers import DEFAULT_BIAS, DEFAULT_WEIGHTS, FEATURES, AnswerParams, candidates
from qa.engine import Engine
from qa.evaluation import contains_gold, load_questions
from qa.followup import contextualise

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def collect(engine: Engine, qs, params: AnswerParams):
    index, emb = engine.index, engine.embedder
    out = []
    queries = [contextualise(q.question, q.history) for q in qs]
    qvecs = emb.encode(queries)
    for q, query, qv in zip(qs, queries, qvecs):
        c = candidates(index, qv, query, params, asked=q.question)
        labels = np.array([contains_gold(t, q.answers) for t in c.texts], dtype=bool)
        out.append((c.features, labels, bool(q.unanswerable)))
    return out


def evaluate(data, w, b, threshold=None):
    w = np.asarray(w, dtype=np.float32)
    a1 = a5 = rr = n = 0
    un = un_ok = mixed = 0
    for feats, labels, unans in data:
        top = 1 / (1 + np.exp(-(feats @ w + b))) if len(labels) else np.zeros(0)
        top = np.where(feats[:, FEATURES.index("echo")] > 0, top * 0.1, top) if len(labels) else top
        order = np.argsort(-top, kind="stable")[:5]
        answered = threshold is None or (len(order) and top[order[0]] >= threshold)
        if unans:
            un += 1
            un_ok += not answered
            mixed += not answered
            continue
        n += 1
        if len(labels) == 0:
            continue
        hits = labels[order]
        a1 += bool(hits[0])
        a5 += bool(hits.any())
        mixed += bool(hits[0]) and bool(answered)
        if hits.any():
            rr += 1 / (1 + int(np.argmax(hits)))
    out = {"acc1": a1 / max(n, 1), "acc5": a5 / max(n, 1), "mrr": rr / max(n, 1)}
    if un and threshold is not None:
        out |= {"abstain": un_ok / un, "mixed": mixed / (n + un)}
    return {k: round(v, 4) for k, v in out.items()}


def fit_listwise(datasets, l2=0.01):
    """Weights that maximise, per question, the softmax probability of the right sentences
    (a listwise ranking loss), then a bias from Platt scaling so scores read as probabilities."""
    from scipy.optimize import minimize

    groups = [(f, lab) for data in datasets for f, lab, u in data if not u and lab.any()]
    k = groups[0][0].shape[1]

    def loss(w):
        total, grad = 0.0, np.zeros(k)
        for f, lab in groups:
            z = f @ w
            z = z - z.max()
            e = np.exp(z)
            p = e / e.sum()
            pc = p[lab].sum()
            total -= np.log(pc + 1e-12)
            # d/dw -log(sum_c p_c) = E_p[x] - E_{p|correct}[x]
            grad += p @ f - (p[lab] / (pc + 1e-12)) @ f[lab]
        n = len(groups)
        return total / n + l2 * w @ w, grad / n + 2 * l2 * w

    res = minimize(loss, np.ones(k), jac=True, method="L-BFGS-B")
    w = res.x
    # Platt scaling on the raw score: one weight and a bias so that sigmoid() is calibrated
    from sklearn.linear_model import LogisticRegression

    X = np.concatenate([f @ w for data in datasets for f, lab, u in data if not u and len(lab)])[:, None]
    y = np.concatenate([lab for data in datasets for f, lab, u in data if not u and len(lab)])
    platt = LogisticRegression(C=100.0, max_iter=1000).fit(X, y)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    return (w * a).round(3).tolist(), round(b, 3)


def fit(datasets, C=1.0):
    from sklearn.linear_model import LogisticRegression

    X = np.concatenate([f for data in datasets for f, lab, u in data if not u and len(lab)])
    y = np.concatenate([lab for data in datasets for f, lab, u in data if not u and len(lab)])
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(X, y)
    return model.coef_[0].round(3).tolist(), round(float(model.intercept_[0]), 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", dest="sets", action="append", required=True, help="NAME:INDEX[:questions.jsonl]")
    ap.add_argument("--fit-on", action="append", help="set names to fit on (default: all)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("-C", type=float, default=1.0)
    ap.add_argument("--listwise", action="store_true", help="fit a listwise ranker (softmax per question)")
    ap.add_argument("--l2", type=float, default=0.01)
    ap.add_argument("--cache", type=Path, help="keep the collected features in this file (bench only)")
    args = ap.parse_args()
    data = {}
    if args.cache and args.cache.exists():
        import pickle

        data = pickle.loads(args.cache.read_bytes())  # our own file, written below
    for spec in args.sets:
        name, index, *qfile = spec.split(":")
        if name in data:
            continue
        folder = SHARED / name.split("/")[0]
        qpath = Path(qfile[0]) if qfile else folder / "questions.jsonl"
        corpus = folder / "corpus" if (folder / "corpus").is_dir() else Path(__file__).resolve().parent.parent / "corpus"
        qs = load_questions(qpath)
        if args.limit:
            qs = qs[: args.limit]
        data[name] = collect(Engine(corpus, Path(index)), qs, AnswerParams())
    if args.cache:
        import pickle

        args.cache.write_bytes(pickle.dumps(data))
    print("features:", FEATURES)
    for name, d in data.items():
        ceiling = np.mean([lab.any() for _, lab, u in d if not u])
        print(f"{name}: defaults {evaluate(d, DEFAULT_WEIGHTS, DEFAULT_BIAS)}  candidate ceiling {ceiling:.4f}")
    fit_names = args.fit_on or list(data)
    if args.listwise:
        w, b = fit_listwise([data[n] for n in fit_names], l2=args.l2)
    else:
        w, b = fit([data[n] for n in fit_names], C=args.C)
    print("fitted on", fit_names, "weights", w, "bias", b)
    for name, d in data.items():
        print(f"{name}: fitted {evaluate(d, w, b)}")
        if any(u for _, _, u in d):
            for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
                print(f"   threshold {t}: {evaluate(d, w, b, t)}")
    print(json.dumps({"features": FEATURES, "weights": w, "bias": b}))


if __name__ == "__main__":
    main()
