"""Fit the hybrid retriever's fusion (planbot/fitted/fusion.json) on the development sets.

    python -m evals.fit_fusion [--suite evals/suite.toml] [--set NAME ...] [--profile full] [--write]

For every question of every set, the dense and the BM25 rankings are computed once over the set's cached
index (the one `planbot eval --suite` builds); then every lexical weight and RRF constant of the grid is
scored offline on the fused ranking (hit@1, hit@5, MRR of the passage holding the evidence). The weight
for each question language and one RRF k are chosen together: each (set, language) slice is measured
against its own best MRR in the grid, and the choice whose worst slice is best wins (a weight that wins on
one set and loses on another is no win), ties broken by the mean.
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
from planbot.language import bm25_query
from planbot.settings import PROJECT_ROOT, Settings

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
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
        query = bm25_query(it.question, it.lang)
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


def choose(by_set: dict[str, list[dict]], grid: tuple[float, ...] = WEIGHTS) -> tuple[dict[str, float], int, dict]:
    """The lexical weight per language and one RRF k, chosen together: every (set, language) slice is scored
    by its MRR over the best MRR that slice reaches anywhere in the grid, and the choice whose worst slice is
    best wins (ties: the best mean). Returns ({lang: weight}, k, {(lang, weight, k): {set: figures}})."""
    langs = sorted({q["lang"] for qs in by_set.values() for q in qs})
    table = {}
    for lang in langs:
        for w in grid:
            for k in RRF_KS:
                table[(lang, w, k)] = {s: figures([q for q in qs if q["lang"] == lang], w, k)
                                       for s, qs in by_set.items() if any(q["lang"] == lang for q in qs)}
    top = {(lang, s): max(table[(lang, w, k)][s]["mrr"] for w in grid for k in RRF_KS) or 1.0
           for lang in langs for s in table[(lang, grid[0], RRF_KS[0])]}

    def relative(lang: str, w: float, k: int) -> list[float]:
        return [f["mrr"] / top[(lang, s)] for s, f in table[(lang, w, k)].items()]

    best, best_key = None, None
    for k in RRF_KS:
        per_lang = {lang: max(grid, key=lambda w, lang=lang: (min(relative(lang, w, k)),
                                                                 sum(relative(lang, w, k)))) for lang in langs}
        scores = [x for lang in langs for x in relative(lang, per_lang[lang], k)]
        key = (min(scores), sum(scores) / len(scores))
        if best_key is None or key > best_key:
            best, best_key = (per_lang, k), key
    return best[0], best[1], table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", type=Path, default=PROJECT_ROOT / "evals" / "suite.toml")
    ap.add_argument("--set", dest="only", action="append", default=[])
    ap.add_argument("--profile", default="full")
    ap.add_argument("--cache", type=Path, default=PROJECT_ROOT / "artifacts" / "eval-cache")
    ap.add_argument("--write", action="store_true", help=f"write the chosen fusion to {FUSION_PATH}")
    ap.add_argument("--cap", type=float, default=None,
                    help="largest lexical weight to consider (the seeds gate's precision@3 fails above 1.5)")
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
    if not by_set:
        print("no set could be ranked")
        return 1
    weights, k, table = choose(by_set, tuple(w for w in WEIGHTS if args.cap is None or w <= args.cap))
    for lang in sorted(weights):
        sets = list(table[(lang, 0.0, RRF_KS[0])])
        print(f"\nquestions in {lang!r}: MRR (hit@1) per set by lexical weight and RRF k")
        print("weight  k   " + "  ".join(f"{s:>16}" for s in sets))
        for w in sorted({key[1] for key in table if key[0] == lang}):
            for kk in RRF_KS:
                per = table[(lang, w, kk)]
                mark = " <" if (w, kk) == (weights[lang], k) else ""
                print(f"{w:>6} {kk:>3}   " + "  ".join(f"{per[s]['mrr']:.3f} ({per[s]['hit@1']:.3f})" for s in sets)
                      + mark)
    chosen = {"lexical_weight_id": weights.get("id", 1.0), "lexical_weight_en": weights.get("en", 0.5), "rrf_k": k}
    print("\nchosen:", chosen)
    if args.write:
        data = {**chosen, "fitted_on": {s: len(qs) for s, qs in by_set.items()},
                "rule": "per (set, language), MRR over its best in the grid; the choice whose worst slice is best "
                        f"(python -m evals.fit_fusion --write{f' --cap {args.cap:g}' if args.cap else ''})"}
        FUSION_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {FUSION_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
