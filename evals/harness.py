"""`planbot eval`: run every question through the bot, score it, write records, a report and a plot."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from evals.dataset import load_dataset
from evals.metrics import Outcome, QAItem, cited_rows, summarize
from index.search import MODES

# Metrics where lower is better; every other threshold is a minimum.
LOWER_IS_BETTER = {"answerable_wrongly_abstained", "latency_p50_ms", "latency_p95_ms"}


@dataclass
class EvalRun:
    """Metrics of the chosen retriever (overall and per language), plus the other retrievers for comparison."""

    retriever: str
    metrics: dict[str, dict[str, float]]  # "all" | "id" | "en" -> metrics
    by_retriever: dict[str, dict[str, dict[str, float]]]
    records: list[dict]
    failures: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"retriever": self.retriever, "metrics": self.metrics, "by_retriever": self.by_retriever, "failures": self.failures}


def _split(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    out = {"all": summarize(outcomes)}
    for lang in ("id", "en"):
        part = [o for o in outcomes if o.item.lang == lang]
        if part:
            out[lang] = summarize(part)
    return out


def run_questions(bot, items: list[QAItem], mode: str, k: int, progress: bool) -> tuple[list[Outcome], list[dict]]:
    """Ask every question; the outcomes to score and the `planbot ask --json` records."""
    outcomes, records = [], []
    for it in tqdm(items, desc=f"Evaluating ({mode})", unit="q", disable=not progress, leave=False):
        answer = bot.ask(it.question, k=k, mode=mode)
        record = {"id": it.id, **answer.as_dict()}
        records.append(record)
        outcomes.append(Outcome(it, [c.text for c in answer.citations], answer.answer, answer.abstained, answer.latency_ms,
                                answer.short_answer, rows=cited_rows(answer.citations)))
    return outcomes, records


def failures_of(outcomes: list[Outcome]) -> list[dict]:
    """Questions the system got wrong, with what went wrong."""
    from evals.metrics import figure_in, first_relevant_rank, keyword_recall

    out = []
    for o in outcomes:
        it = o.item
        problems = []
        if not it.answerable and not o.abstained:
            problems.append("answered an unanswerable question")
        if it.answerable:
            rank = first_relevant_rank(o.passages, it.evidence)
            if o.abstained:
                problems.append("abstained on an answerable question")
            if rank is None or rank > 3:
                problems.append(f"first relevant citation at rank {rank or 'none'}")
            recall = keyword_recall(o.answer, it.answer_keywords)
            if not o.abstained and recall < 1.0:
                problems.append(f"answer keywords {recall:.0%}")
            if it.figure and not o.abstained and not figure_in(o.answer, it.figure):
                problems.append(f"figure {it.figure} not in the answer")
        if problems:
            out.append({"id": it.id, "lang": it.lang, "question": it.question, "problems": problems, "answer": o.answer[:300]})
    return out


def evaluate(bot, dataset: Path, *, retriever: str = "hybrid", k: int = 5, compare: bool = True, progress: bool = True) -> EvalRun:
    """Score the bot on a dataset with one retriever, and (compare=True) the others for the comparison."""
    items = load_dataset(dataset)
    outcomes, records = run_questions(bot, items, retriever, k, progress)
    by_retriever = {retriever: _split(outcomes)}
    if compare:
        for mode in MODES:
            if mode != retriever:
                by_retriever[mode] = _split(run_questions(bot, items, mode, k, progress)[0])
    return EvalRun(retriever, by_retriever[retriever], by_retriever, records, failures_of(outcomes))


def check_thresholds(metrics: dict[str, float], thresholds_file: Path) -> list[str]:
    """Metrics that miss the thresholds file's bounds (minimums, or maximums for LOWER_IS_BETTER)."""
    bounds = tomllib.loads(Path(thresholds_file).read_text(encoding="utf-8"))
    misses = []
    for name, bound in bounds.get("all", bounds).items():
        if isinstance(bound, dict):
            continue
        value = metrics.get(name)
        if value is None:
            misses.append(f"{name}: not measured")
        elif name in LOWER_IS_BETTER and value > bound:
            misses.append(f"{name} = {value:.3f}, above the maximum {bound}")
        elif name not in LOWER_IS_BETTER and value < bound:
            misses.append(f"{name} = {value:.3f}, below the minimum {bound}")
    return misses


def write_records(records: list[dict], path: Path) -> None:
    """One JSON object per question: the ask --json object plus its id."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
