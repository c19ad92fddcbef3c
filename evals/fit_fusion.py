"""Fit the hybrid retriever's fusion (planbot/fitted/fusion.json) on the development sets.

    python -m evals.fit_fusion [--suite evals/suite.toml] [--set NAME ...] [--profile full] [--write]

For every question of every set, the dense and the BM25 rankings are computed once over the set's cached
index (the one `planbot eval --suite` builds); then every lexical weight and RRF constant of the grid is
scored offline on the fused ranking (hit@1, hit@5, MRR of the passage holding the evidence). The weight
kept for each question language is the one whose worst set, measured against that set's own best MRR, is
best (a weight that wins on one set and loses on another is no win), ties broken by the mean.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from evals.cache import COLLECTION, cached_index
from evals.metrics import relevant
from evals.suite import Skip, load_suite, prepare
from index.search import FUSION_PATH
from planbot.language import translate_terms
from planbot.settings import PROJECT_ROOT, Settings

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
RRF_KS = (10, 30, 60)
DEPTH = 40


def rankings(bot, items) -> list[dict]:
    """Per answerable question: its language, and the dense and lexical rankings as relevance flags."""
    out = []
    for it in items:
        if not it.answerable:
            continue
        retriever = bot.retriever(mode="hybrid", k=DEPTH, language=it.lang)
        embedding = bot.embedder.get_query_embedding(it.question)
        dense = retriever.dense(it.question, DEPTH, embedding)
        query = it.question + " " + " ".join(translate_terms(it.question)) if it.lang == "en" else it.question
        lexical = retriever.lexical_hits(query, DEPTH)
        ids = {c.id for c, _ in dense} | {i for i, _ in lexical}
        texts = {c.id: c.text for c in bot.store.get(sorted(ids))}
        good = {i for i, t in texts.items() if relevant(t, it.evidence)}
        out.append({"lang": it.lang, "dense": [c.id for c, _ in dense], "lexical": [i for i, _ in lexical],
                    "good": good})
    return out


def fused_rank(q: dict, weight: float, rrf_k: int) -> int | None:
    """1-based rank of the first relevant passage in the fused ranking (None beyond DEPTH)."""
    score: dict[str, float] = defaultdict(float)
    for r, i in enumerate(q["dense"]):
        score[i] += 1.0 / (rrf_k + r + 1)
    if weight > 0:
        for r, i in enumerate(q["lexical"]):
            score[i] += weight / (rrf_k + r + 1)
    order = sorted(score, key=score.get, reverse=True)
    return next((n for n, i in enumerate(order, 1) if i in q["good"]), None)


def figures(questions: list[dict], weight: float, rrf_k: int) -> dict[str, float]:
    ranks = [fused_rank(q, weight, rrf_k) for q in questions]
    n = len(ranks) or 1
    return {
        "hit@1": sum(r == 1 for r in ranks) / n,
        "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr": sum(1.0 / r for r in ranks if r) / n,
    }


def choose(by_set: dict[str, list[dict]], lang: str) -> tuple[float, int, dict]:
    """The (weight, rrf_k) whose worst set (MRR over the set's best) is best for `lang`, and the figures."""
    table = {}
    for w in WEIGHTS:
        for k in RRF_KS:
            per_set = {s: figures([q for q in qs if q["lang"] == lang], w, k) for s, qs in by_set.items()
                       if any(q["lang"] == lang for q in qs)}
            table[(w, k)] = per_set
    # each set against its own best: the sets differ in difficulty, and the easiest must not decide alone
    top = {s: max(per[s]["mrr"] for per in table.values()) or 1.0 for s in next(iter(table.values()))}
    best = max(table, key=lambda wk: (min(f["mrr"] / top[s] for s, f in table[wk].items()),
                                      sum(f["mrr"] / top[s] for s, f in table[wk].items())))
    return best[0], best[1], table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", type=Path, default=PROJECT_ROOT / "evals" / "suite.toml")
    ap.add_argument("--set", dest="only", action="append", default=[])
    ap.add_argument("--profile", default="full")
    ap.add_argument("--cache", type=Path, default=PROJECT_ROOT / "artifacts" / "eval-cache")
    ap.add_argument("--write", action="store_true", help=f"write the chosen fusion to {FUSION_PATH}")
    args = ap.parse_args(argv)
    from bot.service import Planbot
    from index.embedders import make_embedder

    settings = Settings()
    embedder = make_embedder(settings)
    by_set: dict[str, list[dict]] = {}
    for spec in load_suite(args.suite):
        if args.only and spec.name not in args.only:
            continue
        try:
            prepared = prepare(spec, args.profile, args.cache)
        except Skip as exc:
            print(f"{spec.name}: skipped ({exc})")
            continue
        index = cached_index(spec.name, prepared.corpus, settings, embedder, args.cache)
        bot = Planbot(settings.model_copy(update={"home": index.home, "collection": COLLECTION}), embedder)
        by_set[spec.name] = rankings(bot, prepared.items)
        bot.store.close()
        print(f"{spec.name}: {len(by_set[spec.name])} answerable questions ranked")
    chosen = {}
    for lang in ("id", "en"):
        if not any(q["lang"] == lang for qs in by_set.values() for q in qs):
            continue
        w, k, table = choose(by_set, lang)
        chosen[lang] = (w, k)
        sets = list(next(iter(table.values())))
        print(f"\nquestions in {lang!r}: MRR (hit@1) per set by lexical weight and RRF k")
        print("weight  k   " + "  ".join(f"{s:>16}" for s in sets))
        for (wt, kk), per in table.items():
            mark = " <" if (wt, kk) == (w, k) else ""
            print(f"{wt:>6} {kk:>3}   " + "  ".join(f"{per[s]['mrr']:.3f} ({per[s]['hit@1']:.3f})" for s in sets)
                  + mark)
    print("\nchosen:", {lang: {"lexical_weight": w, "rrf_k": k} for lang, (w, k) in chosen.items()})
    if args.write and chosen:
        data = {
            "lexical_weight_id": chosen.get("id", (1.0, 60))[0],
            "lexical_weight_en": chosen.get("en", (0.5, 60))[0],
            "rrf_k": chosen.get("id", (1.0, 60))[1],
            "fitted_on": {s: len(qs) for s, qs in by_set.items()},
            "rule": "per language, the weight whose worst set (MRR / the set's best MRR) is best "
                    "(python -m evals.fit_fusion)",
        }
        FUSION_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {FUSION_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
