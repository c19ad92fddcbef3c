"""Fit the citation check's two thresholds on the labelled pairs in evals/citation_pairs.json.

    python -m evals.fit_citation_check            # print the measured pairs and the fitted thresholds
    python -m evals.fit_citation_check --write    # and write planbot/fitted/citation_check.json

Each pair is a sentence a model might write and the passage it cites, labelled supported or not. The figure,
date and name rule is fixed (no threshold); among the pairs it lets through, a sentence is kept when its
lexical support reaches `lexical` or its embedding similarity reaches `similarity`. The grid search minimises
errors with a wrongly kept sentence counting twice a wrongly dropped one (a dropped sentence costs brevity, a
kept unsupported one costs trust); ties go to the most lenient pair.

Fitted and counted on the same pairs, the errors flatter the check; each language is also measured
leave-one-out (every pair judged with thresholds fitted on the others), the estimate for sentences it has not
seen.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.citation_check import (
    FITTED,
    CitationChecker,
    Thresholds,
    lexical_support,
    missing_facts,
    without_marks,
)
from planbot.language import detect_language

PAIRS = Path(__file__).with_name("citation_pairs.json")
FALSE_KEEP_COST = 2.0


def measure(pairs: list[dict], passages: dict[str, str], embed) -> list[dict]:
    checker = CitationChecker(Thresholds(), embed=embed)
    rows = []
    for p in pairs:
        text = passages[p["passage"]]
        rows.append({**p, "language": detect_language(without_marks(p["sentence"])), "facts_ok": not missing_facts(p["sentence"], [text]),
                     "lexical": lexical_support(p["sentence"], [text]),
                     "similarity": checker.similarity(p["sentence"], [text])})
    return rows


def cost(rows: list[dict], lexical: float, similarity: float) -> tuple[float, int, int]:
    false_keep = false_drop = 0
    for r in rows:
        kept = r["facts_ok"] and (r["lexical"] >= lexical or r["similarity"] >= similarity)
        false_keep += kept and not r["supported"]
        false_drop += r["supported"] and not kept
    return FALSE_KEEP_COST * false_keep + false_drop, false_keep, false_drop


def fit(rows: list[dict]) -> tuple[float, float, int, int]:
    """The least-cost pair of measured values; among equals the most lenient (smallest sum)."""
    lexicals = sorted({r["lexical"] for r in rows} | {1.01})
    similarities = sorted({r["similarity"] for r in rows} | {1.01})
    best = None
    for a in lexicals:
        for b in similarities:
            c, fk, fd = cost(rows, a, b)
            key = (c, a + b)
            if best is None or key < best[0]:
                best = (key, a, b, fk, fd)
    _, a, b, fk, fd = best
    return a, b, fk, fd


def held_out(rows: list[dict]) -> tuple[int, int]:
    """Leave-one-out errors: each pair judged with thresholds fitted on all the others (unsupported kept,
    supported dropped)."""
    false_keep = false_drop = 0
    for i, r in enumerate(rows):
        lexical, similarity, _, _ = fit(rows[:i] + rows[i + 1:])
        kept = r["facts_ok"] and (r["lexical"] >= lexical or r["similarity"] >= similarity)
        false_keep += kept and not r["supported"]
        false_drop += r["supported"] and not kept
    return false_keep, false_drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {FITTED}")
    args = parser.parse_args(argv)
    import numpy as np

    from index.embedders import E5Embedding

    model = E5Embedding()

    def embed(texts: list[str]) -> list[list[float]]:
        v = np.asarray(model.get_text_embedding_batch(texts), dtype=np.float64)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).tolist()

    data = json.loads(PAIRS.read_text(encoding="utf-8"))
    rows = measure(data["pairs"], data["passages"], embed)
    print(f"{'label':<11} {'kind':<10} {'lang':<4} {'facts':<5} {'lex':>5} {'sim':>6}  sentence")
    for r in rows:
        label = "supported" if r["supported"] else "unsupported"
        print(f"{label:<11} {r['kind']:<10} {r['language']:<4} {'ok' if r['facts_ok'] else 'MISS':<5} {r['lexical']:5.2f} "
              f"{r['similarity']:6.3f}  {r['sentence'][:70]}")
    fitted = {}
    for language in ("id", "en"):
        group = [r for r in rows if r["language"] == language]
        lexical, similarity, false_keep, false_drop = fit(group)
        supported = sum(r["supported"] for r in group)
        loo_keep, loo_drop = held_out(group)
        fitted[language] = {"lexical": lexical, "similarity": similarity, "pairs": len(group),
                            "supported": supported, "unsupported_kept": false_keep, "supported_dropped": false_drop,
                            "held_out": {"unsupported_kept": loo_keep, "supported_dropped": loo_drop}}
        print(f"\n{language}: {len(group)} pairs ({supported} supported, {len(group) - supported} not); fitted: "
              f"lexical >= {lexical:.3f} or similarity >= {similarity:.3f} (after the figure/date/name rule): "
              f"{false_keep} unsupported kept, {false_drop} supported dropped; leave-one-out: {loo_keep} "
              f"unsupported kept, {loo_drop} supported dropped")
        for kind in sorted({r["kind"] for r in group}):
            members = [r for r in group if r["kind"] == kind]
            right = sum((r["facts_ok"] and (r["lexical"] >= lexical or r["similarity"] >= similarity))
                        == r["supported"] for r in members)
            print(f"  {kind:<10} {right}/{len(members)} right")
    print(f"embedding: {model.model_name}")
    if args.write:
        FITTED.write_text(json.dumps({
            "languages": fitted, "pairs": len(rows), "embedding": model.model_name,
            "written_by": "python -m evals.fit_citation_check --write",
        }, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {FITTED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
