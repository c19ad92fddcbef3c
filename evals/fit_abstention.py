"""Fit the answer-or-not decision (planbot/fitted/abstention.json) on the development sets' signals.

    PLANBOT_ABSTENTION=off planbot eval --suite evals/suite.toml --output artifacts/signals.json
    python -m evals.fit_abstention artifacts/signals.json [--write]

The suite run with abstention off answers every question and records, per question, the signals that
bot.decide.measure reads. This script fits a logistic model on them (each set weighted equally, each class
weighted equally within a set, L2-regularised), chooses one operating point for the stated trade-off, and
prints the whole trade-off curve per set, with 5-fold cross-validated figures beside the in-sample ones.

The trade-off: refuse as many unanswerable questions as possible while at most ANSWERABLE_REFUSED_BUDGET of
the answerable questions of any set are refused (a citizen who gets "not found" for a question the plans
answer loses more trust than one who gets a weak quote that does not answer).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from bot.decide import FEATURES, MODEL_PATH

ANSWERABLE_REFUSED_BUDGET = 0.05
L2 = 1.0
FOLDS = 5
BUDGETS = (0.03, 0.05, 0.1, 0.2)
CURVE = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def load_rows(paths: list[Path]) -> list[dict]:
    """Per-question {set, id, answerable, signals} of the default pipeline, from suite JSON outputs."""
    rows = []
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for entry in data.get("sets", []):
            for r in entry.get("records", []):
                if r.get("retriever", "planbot") == "planbot" and r.get("signals") and r.get("answerable") is not None:
                    rows.append({"set": entry["name"], "id": r.get("id"), "answerable": bool(r["answerable"]),
                                 "signals": r["signals"]})
    return rows


def matrix(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    x = np.array([[float(r["signals"][f]) for f in FEATURES] for r in rows])
    y = np.array([1.0 if r["answerable"] else 0.0 for r in rows])
    sets = [r["set"] for r in rows]
    # each set counts the same, and within a set each class the same (where both occur)
    w = np.zeros(len(rows))
    by = defaultdict(list)
    for i, r in enumerate(rows):
        by[(r["set"], r["answerable"])].append(i)
    n_sets = len({r["set"] for r in rows})
    for (s, _), idx in by.items():
        classes = sum(1 for (s2, _) in by if s2 == s)
        w[idx] = 1.0 / (n_sets * classes * len(idx))
    return x, y, w * len(rows), sets


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Weighted L2 logistic regression by Newton's method on standardised features."""
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    z = (x - means) / scales
    a = np.hstack([z, np.ones((len(z), 1))])
    beta = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ beta, -30, 30)))
        grad = a.T @ (w * (p - y)) + reg * beta
        hess = (a * (w * p * (1 - p))[:, None]).T @ a + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1]), means, scales


def probabilities(x: np.ndarray, coef: np.ndarray, bias: float, means: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(((x - means) / scales) @ coef + bias, -30, 30)))


def rates(p: np.ndarray, y: np.ndarray, sets: list[str], threshold: float) -> dict[str, dict[str, float]]:
    """Per set: share of answerable refused and of unanswerable refused at a threshold."""
    out = {}
    arr = np.array(sets)
    for s in dict.fromkeys(sets):
        m = arr == s
        ans, una = m & (y == 1), m & (y == 0)
        out[s] = {
            "answerable_refused": float((p[ans] < threshold).mean()) if ans.any() else float("nan"),
            "unanswerable_refused": float((p[una] < threshold).mean()) if una.any() else float("nan"),
        }
    return out


def operating_point(p: np.ndarray, y: np.ndarray, sets: list[str], budget: float = ANSWERABLE_REFUSED_BUDGET) -> float:
    """The highest threshold at which no set refuses more than `budget` of its answerable questions."""
    best = 0.0
    for t in np.unique(np.round(p, 4)):
        r = rates(p, y, sets, float(t))
        if all(v["answerable_refused"] <= budget for v in r.values() if v["answerable_refused"] == v["answerable_refused"]):
            best = max(best, float(t))
    return best


def cross_validated(x: np.ndarray, y: np.ndarray, w: np.ndarray, folds: int = FOLDS, seed: int = 0) -> np.ndarray:
    """Out-of-fold probabilities (each question scored by a model that did not see it)."""
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, folds, len(y))
    out = np.zeros(len(y))
    for f in range(folds):
        train, test = fold != f, fold == f
        coef, bias, means, scales = fit(x[train], y[train], w[train])
        out[test] = probabilities(x[test], coef, bias, means, scales)
    return out


def best_at_budgets(p: np.ndarray, y: np.ndarray, budgets: tuple[float, ...] = BUDGETS) -> dict[float, float]:
    """Per budget: the share of unanswerable questions refused at the highest threshold that refuses at most
    that share of the answerable ones."""
    out = {}
    for b in budgets:
        ok = [t for t in np.unique(p) if (p[y == 1] < t).mean() <= b]
        t = max(ok) if ok else 0.0
        out[b] = float((p[y == 0] < t).mean())
    return out


def print_budget_table(curves: dict[str, np.ndarray], y: np.ndarray) -> None:
    """One column per named set of probabilities: the unanswerable refused at each of BUDGETS."""
    width = max(map(len, curves)) + 2
    at = {name: best_at_budgets(p, y) for name, p in curves.items()}
    print("budget  " + "".join(f"{name:>{width}}" for name in curves))
    for b in BUDGETS:
        print(f"{b:>6.2f}  " + "".join(f"{at[name][b]:>{width}.3f}" for name in curves))


def _print_ceiling(name: str, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> None:
    """A model fitted on one set alone: what it refuses of the set's unanswerable questions per budget."""
    coef, bias, means, scales = fit(x, y, w)
    print(f"\na model fitted on {name} alone ({int(y.sum())} answerable, {int((1 - y).sum())} unanswerable); "
          "unanswerable refused when at most this share of answerable questions is refused:")
    print_budget_table({"in-sample": probabilities(x, coef, bias, means, scales),
                        f"{FOLDS}-fold cross-validated": cross_validated(x, y, w)}, y)


def _print_curve(title: str, p: np.ndarray, y: np.ndarray, sets: list[str], chosen: float) -> None:
    print(f"\n{title}: refused share per set (answerable / unanswerable) by threshold")
    names = list(dict.fromkeys(sets))
    print("threshold  " + "  ".join(f"{s:>22}" for s in names))
    for t in sorted({*CURVE, round(chosen, 4)}):
        r = rates(p, y, sets, t)
        mark = " <" if abs(t - chosen) < 1e-9 else ""
        cells = "  ".join(f"{r[s]['answerable_refused']:>10.3f} / {r[s]['unanswerable_refused']:<9.3f}" for s in names)
        print(f"{t:>9.4f}  {cells}{mark}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("signals", nargs="+", type=Path, help="suite JSON outputs run with PLANBOT_ABSTENTION=off")
    ap.add_argument("--budget", type=float, default=ANSWERABLE_REFUSED_BUDGET)
    ap.add_argument("--write", action="store_true", help=f"write the model to {MODEL_PATH}")
    ap.add_argument("--only", metavar="SET", help="fit on this set alone and print its ceiling (writes nothing)")
    args = ap.parse_args(argv)
    rows = load_rows(args.signals)
    if not rows:
        raise SystemExit("no records with signals: run the suite with PLANBOT_ABSTENTION=off and --output first")
    if args.only:
        rows = [r for r in rows if r["set"] == args.only]
        if not rows or all(r["answerable"] for r in rows):
            raise SystemExit(f"--only {args.only}: no unanswerable questions of that set in the signals given")
        x, y, w, _ = matrix(rows)
        _print_ceiling(args.only, x, y, w)
        return 0
    x, y, w, sets = matrix(rows)
    coef, bias, means, scales = fit(x, y, w)
    p = probabilities(x, coef, bias, means, scales)
    threshold = operating_point(p, y, sets, args.budget)
    counts = {s: (sum(1 for r in rows if r["set"] == s and r["answerable"]),
                  sum(1 for r in rows if r["set"] == s and not r["answerable"])) for s in dict.fromkeys(sets)}
    print("questions (answerable, unanswerable):", counts)
    print("weights (standardised):", {f: round(float(c), 3) for f, c in zip(FEATURES, coef)}, "bias", round(bias, 3))
    print(f"operating point: threshold {threshold:.4f} (answerable refused <= {args.budget} in every set)")
    rules = np.array([0.0 if r["signals"].get("rule_question") or r["signals"].get("rule_answer") else 1.0
                      for r in rows])
    print("\nthe first release's rules (PLANBOT_ABSTENTION=rules), refused share per set:")
    for s_name, v in rates(rules, y, sets, 0.5).items():
        print(f"  {s_name:>10}: answerable {v['answerable_refused']:.3f}, unanswerable {v['unanswerable_refused']:.3f}")
    _print_curve("in-sample", p, y, sets, threshold)
    p_cv = cross_validated(x, y, w)
    _print_curve(f"{FOLDS}-fold cross-validated (same threshold)", p_cv, y, sets, threshold)
    if args.write:
        model = {
            "features": list(FEATURES),
            "weights": {f: float(c) for f, c in zip(FEATURES, coef)},
            "bias": bias,
            "threshold": threshold,
            "means": {f: float(m) for f, m in zip(FEATURES, means)},
            "scales": {f: float(s) for f, s in zip(FEATURES, scales)},
            "trade_off": f"answerable refused <= {args.budget} in every set",
            "fitted_on": {s: {"answerable": a, "unanswerable": u} for s, (a, u) in counts.items()},
        }
        MODEL_PATH.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
