"""The short answer of a factoid question: the figure with its unit, the date, or the name, read from the
quoted sentence that best answers it, so the answer can lead with it before the quote that holds it.

Candidates are the spans of the asked kind in the sentence (bot.decide reads the same kinds); the one
nearest the question's own words wins, and a span the question itself already contains is never the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.abstain import counted_thing, matches_any
from bot.plan import Subject
from bot.question import Question
from bot.table_answer import cell_asked, row_text
from index.lexical import analyze, words
from ingest.framework import column_roles
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


_MARKER_END = re.compile(r"[.)](?:\s|;|$)")  # what closes a list or row number: "4. ", "(5) ", "6.;"
_YEAR = re.compile(r"(?:19|20)\d\d")


def numbering(text: str, m: re.Match[str]) -> bool:
    """True for a list or row number rather than a figure: a bare integer closed by "." or ")" that opens the
    sentence or a table cell ("4. Peningkatan daya saing ...", "(5) Program ...", "No.: 6.; Indikator: ...")."""
    span = m.group(0)
    before = text[: m.start()].rstrip()
    opens = before in ("", "(") or before.endswith(":")
    return opens and span.isdigit() and len(span) <= 3 and bool(_MARKER_END.match(text, m.end()))


def candidates(kind: str, text: str) -> list[re.Match[str]]:
    """Spans of the asked kind of fact in a sentence (a name never at its start: every first word is capitalised;
    a figure never a list or row number, nor a bare year: "Berapa target ...?" is not answered by "2025")."""
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        return []
    return [m for m in pattern.finditer(text)
            if (kind not in ("who", "where") or (m.start() > 0 and len(m.group(0)) >= 3))
            and (kind != "how_much" or not (numbering(text, m) or _YEAR.fullmatch(m.group(0))))]


_AFTER_FIGURE = re.compile(r"\s*(?:\([^()]{1,20}\)\s*)?([\w-]+(?:\s+[\w-]+){0,2})")  # "110 pulau", "5 (lima) misi"


def counted_figures(text: str, thing: Sequence[str]) -> list[re.Match[str]]:
    """The figures of a sentence that count the thing a "how many X" question asks about: a figure followed,
    within three words, by X ("110 pulau", "5 (lima) misi pembangunan"), not by something else ("0,22%")."""
    out = []
    for m in candidates("how_much", text):
        after = _AFTER_FIGURE.match(text, m.end())  # the figure's own unit may name it: "110 pulau"
        if matches_any(thing, analyze(f"{m.group(0)} {after.group(1) if after else ''}")):
            out.append(m)
    return out


def fact_holders(question: Question) -> list[Callable[[str, bool], bool]]:
    """Tests of whether a piece (its text, whether it is a table row) holds the fact a factoid question asks
    for, the preferred first (none for other questions): a figure that counts the thing a "how many X"
    question asks about (a sentence's figure next to X, a row's figures where the row names X), then any
    span of the asked kind."""
    if not question.factoid:
        return []

    def holds_any(text: str, row: bool) -> bool:
        return bool(candidates(question.kind, text))

    thing = counted_thing(question.text, count_only=True) if question.kind == "how_much" else ()

    def counts(text: str, row: bool) -> bool:
        if row:
            return holds_any(text, row) and matches_any(thing, analyze(text))
        return bool(counted_figures(text, thing))

    return [counts, holds_any] if thing else [holds_any]


def short_answer(question: Question, pieces: Sequence[str], cells: Sequence[Sequence[tuple[str, str]]] = (),
                 subject: Subject | None = None, contexts: Sequence[str] = ()) -> tuple[int, str] | None:
    """(index of the piece, the fact) for a factoid question, or None when no piece holds one.

    cells: each piece's table cells ((column label, value) pairs; empty for a sentence). A figure asked of a
    table row is the value in the column the question names, with the row's unit and the column's label.
    subject: what the question is about (bot.plan.Subject); contexts: what stands around each piece (a row's table caption, a
    sentence's document and section). The pieces are read in order (best first), but those about the subject
    first: rows that name it themselves and sentences that do in their context; then rows that name it only
    with their caption (the rows of the table the caption names, those holding most of the subject first);
    then the other sentences. A row about something else is never read."""
    if not question.factoid:
        return None
    order = list(range(len(pieces)))
    if subject is not None:
        around = [contexts[i] if i < len(contexts) else "" for i in order]
        row = [tuple(cells[i]) if i < len(cells) else () for i in order]
        named = [subject.named_by(row_text(row[i]) if row[i] else f"{pieces[i]} {around[i]}") for i in order]
        captioned = [i for i in order if row[i] and not named[i] and subject.named_by(f"{row_text(row[i])} {around[i]}")]
        order = ([i for i in order if named[i]] + sorted(captioned, key=lambda i: -subject.share(row_text(row[i])))
                 + [i for i in order if not row[i] and not named[i]])
    fact = _first_fact(question, pieces, cells, order)
    if fact is not None and not (fact[0] < len(cells) and cells[fact[0]]):
        # a sentence's figure: one that counts what the question counts goes first ("Ada berapa pulau ...?" is
        # not answered by the share of the economy the sentence quoted first gives); a table row's stands
        return _counted_fact(question, pieces, cells, order) or fact
    return fact


def _first_fact(question: Question, pieces: Sequence[str], cells: Sequence[Sequence[tuple[str, str]]],
                order: Sequence[int]) -> tuple[int, str] | None:
    asked = " ".join(question.text.split()).lower()
    q_terms = set(analyze(question.text))
    for i in order:
        text = pieces[i]
        row = cells[i] if i < len(cells) else ()
        if row and question.kind == "how_much":
            value = row_figure(question, row, q_terms, cell_asked(question))
            if value:
                return i, value
            continue  # the row has no column the question names (the year, the cell): another row or sentence may
        found = []
        for m in candidates(question.kind, text):
            span = m.group(0).strip(" .,;:")
            if not span or span.lower() in asked or set(words(span)) <= set(words(asked)):
                continue
            found.append((_distance(text, m.start(), m.end(), q_terms), m.start(), span))
        if found:
            return i, min(found)[2]
    return None


def _counted_fact(question: Question, pieces: Sequence[str], cells: Sequence[Sequence[tuple[str, str]]],
                  order: Sequence[int]) -> tuple[int, str] | None:
    """For a "how many X" question, the first sentence's figure that counts X ("110 pulau"), if any."""
    thing = counted_thing(question.text, count_only=True) if question.kind == "how_much" else ()
    for i in order if thing else ():
        counted = [] if i < len(cells) and cells[i] else counted_figures(pieces[i], thing)
        if counted:
            return i, counted[0].group(0).strip(" .,;:")
    return None


def _distance(text: str, start: int, end: int, q_terms: set[str]) -> int:
    """Characters between a span and the nearest word of the question (large when none occurs)."""
    best = len(text) + 1
    for m in re.finditer(r"[\w-]+", text):
        if set(analyze(m.group(0))) & q_terms:
            gap = start - m.end() if m.end() <= start else m.start() - end if m.start() >= end else 0
            best = min(best, gap)
    return best


_VALUE = re.compile(r"[-+]?\d+(?:[.,]\d+)*\s?%?(?:\s*\([^()]*\))?")  # "14,29 (2022)": a figure with its year


_FIXED_CELLS = ("baseline", "final")


def row_figure(question: Question, cells: Sequence[tuple[str, str]], q_terms: set[str], what: str | None) -> str | None:
    """"14,2 persen (Target 2027)": the figure in the row's column that the question names (the baseline or
    final value when it asks for one, else a year it asks about, else the most of its words in the column
    label), with the row's unit; None when no column is named. Row numbers are never the figure."""
    years = {str(y) for y in question.years}
    unit = next((v for label, v in cells if set(words(label)) & UNIT_LABELS), "")
    roles = column_roles([label for label, _ in cells]).roles
    figures = [(c, label, value.strip()) for c, (label, value) in enumerate(cells)
               if label and roles.get(c) != "code" and _VALUE.fullmatch(value.strip())]
    best, best_score = None, 0
    if what in _FIXED_CELLS:  # "kondisi awal ... 2025": the baseline column, whatever the year
        best = next(((label, value) for c, label, value in figures if roles.get(c) == what), None)
    else:
        for _, label, value in figures:
            named_year = bool(years & set(words(label)))
            if years and not named_year:
                continue
            score = 2 * named_year + len(set(analyze(label)) & q_terms)
            if score > best_score:
                best, best_score = (label, value), score
    if best is None:
        return None
    label, value = best
    return f"{value} {unit} ({label})" if unit and unit.lower() not in value.lower() else f"{value} ({label})"
