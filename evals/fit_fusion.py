"""Fit the hybrid retriever's fusion (planbot/fitted/fusion.json) on the development sets.

    python -m evals.fit_fusion [--suite evals/suite.toml] [--set NAME ...] [--profile full] [--write]

For every answerable question of every set, the dense and the BM25 rankings and the dense gap (how far the
nearest passage stands above the others, index.search.dense_gap) are computed once over the set's cached
index (the one `planbot eval --suite` builds); every lexical weight of the grid is then scored offline on
the fused ranking (hit@1, hit@5, MRR, precision@3). A weight replaces today's default only where it raises
the sets' mean MRR and no set loses MRR or precision@3 (a weight that wins on one set and loses on another
is no win): first one weight per question language, then, for each dense-gap split, one for the questions
whose gap is under it (the "flat" regime: many alike passages, as in a region's plans). The split with the
largest gain over all sets, none losing, is kept. Last, the weight of the second-stage rerank (the first
RERANK_DEPTH fused passages ranked again by their best sentence's share of the question's terms,
bot.answer.best_piece_share) is chosen by the same rule.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import asdict, replace
from pathlib import Path

from bot.answer import best_piece_share
from bot.terms import query_terms
from evals.cache import COLLECTION, cached_index
from evals.metrics import relevant
from evals.suite import Skip, load_suite, prepare
from index.search import FUSION_PATH, Fusion, dense_gap, reranked
from planbot.language import bm25_query
from planbot.settings import PROJECT_ROOT, Settings

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
DEPTH = 40
# Dense-gap splits tried: the dev sets' medians are 0.01-0.03 among a region's plans and about 0.09 among
# Wikipedia passages on many topics.
GAP_SPLITS = (0.02, 0.03, 0.05, 0.07)
MIN_SLICE = 10  # a set with fewer questions in a slice does not vote there
SENTENCE_WEIGHTS = (0.0, 0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5)
RERANK_DEPTH = Fusion.rerank_depth
KEPT = ("mrr", "precision@3")  # no set may lose on these (precision@3 gates CI on the seeds)


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
        terms = query_terms(it.question, it.lang)
        weights = {t: bot.lexical.idf(t) for t in terms.terms}
        share = {i: best_piece_share(t, terms, weights) if terms.terms else 0.0 for i, t in texts.items()}
        out.append({"lang": it.lang, "dense": [c.id for c, _ in dense], "lexical": [i for i, _ in lexical],
                    "good": good, "gap": dense_gap([score for _, score in dense]), "share": share})
    return out


def fused_order(q: dict, weight: float, rrf_k: int, sentence_weight: float = 0.0,
                depth: int = RERANK_DEPTH) -> list[str]:
    """The question's passages in fused order, the first `depth` reranked as HybridRetriever does."""
    score: dict[str, float] = defaultdict(float)
    for r, i in enumerate(q["dense"]):
        score[i] += 1.0 / (rrf_k + r + 1)
    if weight > 0:
        for r, i in enumerate(q["lexical"]):
            score[i] += weight / (rrf_k + r + 1)
    order = sorted(score, key=score.get, reverse=True)
    if sentence_weight <= 0:
        return order
    scale = (1.0 + weight) / (rrf_k + 1)
    shares = q.get("share", {})
    head = reranked({i: score[i] / scale for i in order[:depth]}, lambda i: shares.get(i, 0.0), sentence_weight)
    return sorted(head, key=head.__getitem__, reverse=True) + order[depth:]


def figures(questions: list[dict], weight: float | Fusion, rrf_k: int = 60) -> dict[str, float]:
    """hit@1, hit@5, MRR (of the first relevant passage) and precision@3 of the fused rankings; `weight` a
    lexical weight, or a Fusion that gives each question its own from its language and dense gap."""
    ranks, precision = [], []
    for q in questions:
        if isinstance(weight, Fusion):
            order = fused_order(q, weight.weight(q["lang"], q["gap"]), weight.rrf_k, weight.sentence_weight,
                                weight.rerank_depth)
        else:
            order = fused_order(q, weight, rrf_k)
        ranks.append(next((n for n, i in enumerate(order, 1) if i in q["good"]), None))
        precision.append(sum(i in q["good"] for i in order[:3]) / 3)
    n = len(ranks) or 1
    return {
        "hit@1": sum(r == 1 for r in ranks) / n,
        "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr": sum(1.0 / r for r in ranks if r) / n,
        "precision@3": sum(precision) / n,
    }


def no_loss_weight(by_set: dict[str, list[dict]], current: float, grid: tuple[float, ...], k: int
                   ) -> tuple[float, float, dict[float, dict[str, float]]]:
    """The weight for these questions (grouped by set) that raises the sets' mean MRR most while no set with
    MIN_SLICE or more of them loses MRR or precision@3 against `current`; `current` when none does.
    Returns (weight, mean gain, {weight: {set: MRR}})."""
    voting = {name: qs for name, qs in by_set.items() if len(qs) >= MIN_SLICE}
    full = {w: {name: figures(qs, w, k) for name, qs in voting.items()} for w in sorted({*grid, current})}
    table = {w: {name: f["mrr"] for name, f in per.items()} for w, per in full.items()}
    if not voting:
        return current, 0.0, table
    base = full[current]
    best, best_gain = current, 0.0
    for w in grid:
        if any(full[w][name][m] < base[name][m] - 1e-9 for name in voting for m in KEPT):
            continue  # a weight that wins on one set and loses on another is no win
        gain = sum(table[w][name] - base[name]["mrr"] for name in voting) / len(voting)
        if gain > best_gain + 1e-9:
            best, best_gain = w, gain
    return best, best_gain, table


def choose(by_set: dict[str, list[dict]], grid: tuple[float, ...] = WEIGHTS) -> tuple[Fusion, list[str]]:
    """The fusion: per language, a weight only where no set loses against today's default (Fusion()); then,
    for each dense-gap split, a weight for the questions below it (the flat regime) by the same rule, the
    split whose whole-set gain is largest without any set losing. Returns the fusion and the lines to print."""
    default = Fusion()
    lines = []
    langs = sorted({q["lang"] for qs in by_set.values() for q in qs})
    weights = {}
    for lang in langs:
        current = default.lexical_weight_en if lang == "en" else default.lexical_weight_id
        sets = {name: [q for q in qs if q["lang"] == lang] for name, qs in by_set.items()}
        weights[lang], gain, table = no_loss_weight(sets, current, grid, default.rrf_k)
        lines += _table(f"questions in {lang!r}", sets, table, weights[lang])
    chosen = Fusion(weights.get("id", default.lexical_weight_id), weights.get("en", default.lexical_weight_en),
                    default.rrf_k)
    base = {name: figures(qs, chosen) for name, qs in by_set.items()}
    best, best_gain = chosen, 0.0
    for split in GAP_SPLITS:
        flat = {}
        for lang in langs:
            sets = {name: [q for q in qs if q["lang"] == lang and q["gap"] < split] for name, qs in by_set.items()}
            flat[lang], _, table = no_loss_weight(sets, weights[lang], grid, default.rrf_k)
            lines += _table(f"questions in {lang!r} with a dense gap under {split}", sets, table, flat[lang])
        fusion = Fusion(chosen.lexical_weight_id, chosen.lexical_weight_en, chosen.rrf_k, split,
                        flat.get("id"), flat.get("en"))
        after = {name: figures(qs, fusion) for name, qs in by_set.items()}
        gain = sum(after[name]["mrr"] - base[name]["mrr"] for name in by_set) / len(by_set)
        lost = [name for name in by_set if any(after[name][m] < base[name][m] - 1e-9 for m in KEPT)]
        lines.append(f"split {split}: mean MRR gain {gain:+.4f} over the sets"
                     + (f"; loses on {', '.join(lost)}" if lost else ""))
        if not lost and gain > best_gain + 1e-9:
            best, best_gain = fusion, gain
    base = {name: figures(qs, best) for name, qs in by_set.items()}
    lines.append("\nsecond-stage rerank: MRR per set by sentence weight")
    reranked, best_gain = best, 0.0
    for w in SENTENCE_WEIGHTS:
        fusion = replace(best, sentence_weight=w, rerank_depth=RERANK_DEPTH)
        after = {name: figures(qs, fusion) for name, qs in by_set.items()}
        gain = sum(after[name]["mrr"] - base[name]["mrr"] for name in by_set) / len(by_set)
        lost = [name for name in by_set if any(after[name][m] < base[name][m] - 1e-9 for m in KEPT)]
        lines.append(f"{w:>6}  " + "  ".join(f"{name} {after[name]['mrr']:.3f}" for name in by_set)
                     + f"  mean gain {gain:+.4f}" + (f"; loses on {', '.join(lost)}" if lost else ""))
        if not lost and gain > best_gain + 1e-9 and w > 0:
            reranked, best_gain = fusion, gain
    return reranked, lines


def _table(title: str, sets: dict[str, list[dict]], table: dict[float, dict[str, float]], chosen: float) -> list[str]:
    names = list(next(iter(table.values()), {}))
    if not names:
        return [f"\n{title}: no set has {MIN_SLICE} questions here"]
    out = [f"\n{title}: MRR per set by lexical weight", "weight  " + "  ".join(
        f"{name + f' ({len(sets[name])})':>16}" for name in names)]
    for w, per in sorted(table.items()):
        out.append(f"{w:>6}  " + "  ".join(f"{per[name]:>16.3f}" for name in names) + (" <" if w == chosen else ""))
    return out


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
        index = cached_index(spec.index_label, prepared.corpus, settings, embedder, args.cache)
        bot = Planbot(settings.model_copy(update={"home": index.home, "collection": COLLECTION}), embedder)
        by_set[spec.name] = rankings(bot, prepared.items)
        bot.store.close()
        print(f"{spec.name}: {len(by_set[spec.name])} answerable questions ranked")
    if not by_set:
        print("no set could be ranked")
        return 1
    fusion, lines = choose(by_set)
    print("\n".join(lines))
    chosen = {k: v for k, v in asdict(fusion).items() if v is not None}
    print("\nchosen:", chosen)
    for name, qs in by_set.items():
        before, after = figures(qs, Fusion()), figures(qs, fusion)
        print(f"  {name}: MRR {before['mrr']:.3f} -> {after['mrr']:.3f}, hit@1 {before['hit@1']:.3f} -> "
              f"{after['hit@1']:.3f}, hit@5 {before['hit@5']:.3f} -> {after['hit@5']:.3f}, precision@3 "
              f"{before['precision@3']:.3f} -> {after['precision@3']:.3f}")
    if args.write:
        data = {**chosen, "fitted_on": {s: len(qs) for s, qs in by_set.items()},
                "rule": "a weight is taken only where no set loses MRR or precision@3 against the default fusion; the dense-gap "
                        "split, then the rerank's sentence weight, with the largest mean gain (python -m "
                        "evals.fit_fusion --write)"}
        FUSION_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {FUSION_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
