"""Metrics of one eval run: retrieval (hit@k, MRR, precision@k), answers, abstention, latency; for questions
with an `answer_figure` (table questions): the exact figure in the answer and the right row among the first 3
citations."""

from __future__ import annotations

import re
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
    figure: str | None = None  # optional: the exact figure the answer must give, as the document writes it


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


# A citation marker ("[2]", "[1, 3]"): its digits are not part of any figure of the answer.
_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")


def figure_in(text: str, figure: str) -> bool:
    """Whether text holds the figure exactly as written: "14,2" is in "turun ke 14,2%." but not in "114,25",
    "14,20" or "14.2"; only punctuation, letters or spaces may stand around it (citation markers are ignored).
    Case, whitespace and emphasis are ignored as in normalize_for_match."""
    wanted = normalize_for_match(figure)
    if not wanted:
        return False
    body = re.escape(wanted).replace(r"\ ", r"\s*")  # "5,50 - 7,70" also matches "5,50-7,70"
    pattern = rf"(?<!\d)(?<!\d[.,]){body}(?!\d)(?![.,]\d)"
    return re.search(pattern, normalize_for_match(_MARKER.sub(" ", text))) is not None


def row_at(passages: Sequence[str], evidence: Sequence[str], k: int = 3, rows: Sequence[str] = ()) -> bool:
    """Whether one of the first k passages holds the row: a table question's evidence is its row's label cell.
    rows[i] is passage i's table rows as the citation reads them (a label carried from an earlier piece of the
    table included), so a row whose label cell stands in the piece before still counts."""
    return any(relevant(p, evidence) or (i < len(rows) and relevant(rows[i], evidence))
               for i, p in enumerate(passages[:k]))


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


def cited_rows(citations) -> tuple[str, ...]:
    """Each citation's table rows as one text ("label: value; ..." a line), "" for a prose passage."""
    return tuple("\n".join(r.text for r in c.rows) for c in citations)


@dataclass
class Outcome:
    """What the system did on one question."""

    item: QAItem
    passages: list[str]
    answer: str
    abstained: bool
    latency_ms: float
    short: str | None = None  # the figure, date or name the answer leads with, when it gives one
    composed: bool = True  # False for a baseline, whose "answer" is its top passage (no figure metrics)
    rows: tuple[str, ...] = ()  # per citation, its table rows as read with their column labels ("" for prose)


def figure_metrics(outcomes: Sequence[Outcome], k: int = 3) -> dict[str, float | None]:
    """Over the answerable questions with an answer_figure: the share whose answer holds the exact figure
    (abstained = no), whose short answer does (figure_short), and whose evidence (the row's label cell) stands
    in one of the first k citations (row@k). None where not measured: no such question, or, for the two answer
    metrics, a baseline's outcomes (it has no answer, only passages)."""
    tables = [o for o in outcomes if o.item.answerable and o.item.figure]
    n = len(tables)
    composed = n and all(o.composed for o in tables)
    return {
        "figure_questions": n,
        "figure_in_answer": (sum(not o.abstained and figure_in(o.answer, o.item.figure) for o in tables) / n
                             if composed else None),
        "figure_short": (sum(not o.abstained and o.short is not None and figure_in(o.short, o.item.figure)
                             for o in tables) / n if composed else None),
        f"row@{k}": sum(row_at(o.passages, o.item.evidence, k, o.rows) for o in tables) / n if n else None,
    }


def summarize(outcomes: Sequence[Outcome], k_precision: int = 3) -> dict[str, float | None]:
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
        **figure_metrics(outcomes),
    }
