"""Metrics of one eval run: retrieval (hit@k, MRR, precision@k), answers, abstention, latency."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.cleaning import normalize_for_match


@dataclass(frozen=True)
class QAItem:
    """One line of qa.jsonl."""

    id: str
    lang: str
    question: str
    answerable: bool
    evidence: tuple[str, ...]
    answer_keywords: tuple[str, ...]
    kind: str = "other"  # the answer it asks for: name, date, number, place, other (evals.kinds)
    docs: tuple[str, ...] = ()  # optional: the file names that answer it (a set's "doc" field)


def relevant(passage: str, evidence: Sequence[str]) -> bool:
    """A passage is relevant when it contains any evidence string (case, whitespace, emphasis ignored)."""
    text = normalize_for_match(passage)
    return any(normalize_for_match(e) in text for e in evidence if e.strip())


def first_relevant_rank(passages: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first relevant passage, None when there is none."""
    for rank, p in enumerate(passages, 1):
        if relevant(p, evidence):
            return rank
    return None


def keyword_recall(answer: str, keywords: Sequence[str]) -> float:
    """Share of the expected keywords found in the answer text."""
    if not keywords:
        return 1.0
    text = normalize_for_match(answer)
    return sum(normalize_for_match(k) in text for k in keywords) / len(keywords)


def precision_at(passages: Sequence[str], evidence: Sequence[str], k: int) -> float:
    """Share of the first k citations that are relevant (over k, fewer citations count as misses)."""
    return sum(relevant(p, evidence) for p in passages[:k]) / k


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]) if 1 <= q <= 99 else float(max(values))


@dataclass
class Outcome:
    """What the system did on one question."""

    item: QAItem
    passages: list[str]
    answer: str
    abstained: bool
    latency_ms: float


def summarize(outcomes: Sequence[Outcome], k_precision: int = 3) -> dict[str, float]:
    """Every metric over a set of outcomes (answerable and unanswerable questions mixed)."""
    answerable = [o for o in outcomes if o.item.answerable]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    ranks = [first_relevant_rank(o.passages, o.item.evidence) for o in answerable]
    n = len(answerable)

    def share(pred) -> float:
        return sum(1 for r in ranks if pred(r)) / n if n else 0.0

    latencies = [o.latency_ms for o in outcomes]
    return {
        "questions": len(outcomes),
        "answerable": n,
        "unanswerable": len(unanswerable),
        "hit@1": share(lambda r: r is not None and r <= 1),
        "hit@3": share(lambda r: r is not None and r <= 3),
        "hit@5": share(lambda r: r is not None and r <= 5),
        "mrr": sum(1.0 / r for r in ranks if r) / n if n else 0.0,
        f"precision@{k_precision}": (
            sum(precision_at(o.passages, o.item.evidence, k_precision) for o in answerable) / n if n else 0.0
        ),
        "answer_keywords": (
            sum(keyword_recall(o.answer, o.item.answer_keywords) for o in answerable if not o.abstained) / n if n else 0.0
        ),
        "unanswerable_abstained": (
            sum(o.abstained for o in unanswerable) / len(unanswerable) if unanswerable else 0.0
        ),
        "answerable_wrongly_abstained": sum(o.abstained for o in answerable) / n if n else 0.0,
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }
