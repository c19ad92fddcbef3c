"""The short answer of a factoid question: the figure with its unit, the date, or the name, read from the
quoted sentence that best answers it, so the answer can lead with it before the quote that holds it.

Candidates are the spans of the asked kind in the sentence (bot.decide reads the same kinds); the one
nearest the question's own words wins, and a span the question itself already contains is never the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.question import Question
from index.lexical import analyze, words
from planbot.language import MONTHS, UNIT_LABELS, UNITS

_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_MONTH = "|".join(MONTHS)
FIGURE = re.compile(
    rf"(?:\bRp\.?\s?(?=\d)|(?<![\w.,]))\d+(?:[.,]\d+)*(?:\s?(?:{_UNIT})(?![\w]))?", re.IGNORECASE
)
DATE = re.compile(
    rf"\b\d{{1,2}}\s+(?:{_MONTH})\s+\d{{4}}\b|\b(?:{_MONTH})\s+\d{{4}}\b|\b(?:1[5-9]|20)\d\d\b"
    r"|\babad\s+ke-?\s?\d+\b|\b\d{1,2}(?:st|nd|rd|th)\s+century\b",
    re.IGNORECASE,
)
NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:bin|binti|van|de|da|al)\s+)?[A-Z][\w'’.-]*){0,5}")

_PATTERNS = {"how_much": FIGURE, "when": DATE, "who": NAME, "where": NAME}


def candidates(kind: str, text: str) -> list[re.Match[str]]:
    """Spans of the asked kind of fact in a sentence (a name never at its start: every first word is capitalised)."""
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        return []
    return [m for m in pattern.finditer(text) if kind not in ("who", "where") or (m.start() > 0 and len(m.group(0)) >= 3)]


def short_answer(question: Question, pieces: Sequence[str], cells: Sequence[Sequence[tuple[str, str]]] = ()
                 ) -> tuple[int, str] | None:
    """(index of the piece, the fact) for a factoid question, or None when no piece holds one.

    cells: each piece's table cells ((column label, value) pairs; empty for a sentence). A figure asked of a
    table row is the value in the column the question names, with the row's unit and the column's label."""
    if not question.factoid:
        return None
    asked = " ".join(question.text.split()).lower()
    q_terms = set(analyze(question.text))
    for i, text in enumerate(pieces):
        row = cells[i] if i < len(cells) else ()
        if row and question.kind == "how_much":
            value = cell_answer(question, row, q_terms)
            if value:
                return i, value
            if question.years:
                continue  # the row has no column for the year asked: another row or sentence may
        found = []
        for m in candidates(question.kind, text):
            span = m.group(0).strip(" .,;:")
            if not span or span.lower() in asked or set(words(span)) <= set(words(asked)):
                continue
            found.append((_distance(text, m.start(), m.end(), q_terms), m.start(), span))
        if found:
            return i, min(found)[2]
    return None


def _distance(text: str, start: int, end: int, q_terms: set[str]) -> int:
    """Characters between a span and the nearest word of the question (large when none occurs)."""
    best = len(text) + 1
    for m in re.finditer(r"[\w-]+", text):
        if set(analyze(m.group(0))) & q_terms:
            gap = start - m.end() if m.end() <= start else m.start() - end if m.start() >= end else 0
            best = min(best, gap)
    return best


_VALUE = re.compile(r"[-+]?\d+(?:[.,]\d+)*\s?%?")


def cell_answer(question: Question, cells: Sequence[tuple[str, str]], q_terms: set[str]) -> str | None:
    """"14,2 persen (Target 2027)": the figure in the row's column that the question names (a year it asks
    about, else the most of its words in the column label), with the row's unit; None when no column is named."""
    years = {str(y) for y in question.years}
    unit = next((v for label, v in cells if set(words(label)) & UNIT_LABELS), "")
    best, best_score = None, 0
    for label, value in cells:
        if not label or not _VALUE.fullmatch(value.strip()):
            continue
        named_year = bool(years & set(words(label)))
        if years and not named_year:
            continue
        score = 2 * named_year + len(set(analyze(label)) & q_terms)
        if score > best_score:
            best, best_score = (label, value.strip()), score
    if best is None:
        return None
    label, value = best
    return f"{value} {unit} ({label})" if unit and unit.lower() not in value.lower() else f"{value} ({label})"
