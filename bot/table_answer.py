"""A figure asked of a table row the question names: the cell it asks for, read from the row's values.

When a question names an indicator, program or affair read from a plan table (bot.plan.table_item_asked) and
asks for one of its cells (a year's target or budget, the baseline, the final value, the unit, the agency),
the answer is that cell, with the unit and what it is ("14,2 persen (target 2027)"), then the cited row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answer import Piece, pieces_of
from bot.plan import PlanRow, indicator_years_note, table_item_asked
from bot.question import Question
from bot.records import Citation
from bot.terms import QueryTerms
from ingest.framework import column_roles
from planbot.language import TABLE_CELL_CUES

CELL_NAMES = {
    "id": {"target": "target", "value": "nilai", "budget": "pagu", "baseline": "kondisi awal", "final": "kondisi akhir",
           "unit": "satuan", "agency": "perangkat daerah penanggung jawab", "indicator": "indikator"},
    "en": {"target": "target", "value": "value", "budget": "budget", "baseline": "baseline", "final": "end-of-period value",
           "unit": "unit", "agency": "responsible agency", "indicator": "indicators"},
}


@dataclass(frozen=True)
class Cell:
    """The cell a question asks for: what it is, the year (when one), the value as written."""

    what: str
    year: str | None
    value: str


def cell_asked(read: Question) -> str | None:
    """Which cell the question names first (TABLE_CELL_CUES); None when it names none ("Berapa pertumbuhan ekonomi
    2024?" may ask for an outturn the text gives, not the table's target)."""
    low = " " + " ".join(read.text.lower().split()) + " "
    first = None
    for what, cues in TABLE_CELL_CUES:
        for cue in cues:
            at = min((i for i in (low.find(f" {cue}{end}") for end in " ?,") if i >= 0), default=-1)
            if at >= 0 and (first is None or at < first[0]):
                first = (at, what)
    return first[1] if first else None


def indicators_of(goal: PlanRow, rows: list[PlanRow]) -> list[PlanRow]:
    """The indicators a goal or program has in its table (the rows below it that name it as their parent)."""
    fields = goal.fields or {}
    ref = f"{goal.kind} {fields['code']}" if fields.get("code") else goal.kind
    return [r for r in rows if r.kind == "indicator" and r.doc_id == goal.doc_id and r.parent == ref
            and (r.fields or {}).get("table") == fields.get("table") and r.start >= goal.start]


def cell_of(row: PlanRow, what: str, years: tuple[int, ...], rows: list[PlanRow] = ()) -> Cell | None:
    """The asked cell of the row, or None when the row does not hold it (no column for the year asked); for
    "indicator", the names of a goal's or program's indicators."""
    fields = row.fields or {}
    if what == "indicator":
        names = list(dict.fromkeys(r.text for r in indicators_of(row, list(rows)))) if row.kind != "indicator" else []
        return Cell("indicator", None, "; ".join(names)) if names else None
    year = str(years[0]) if len(years) == 1 else None
    if what in ("unit", "agency", "baseline", "final"):
        return Cell(what, None, fields[what]) if fields.get(what) else None
    if what == "budget":
        budgets = fields.get("budgets") or {}
        if year and year in budgets:
            return Cell("budget", year, budgets[year])
        if year and (budgets or row.period != year):  # a year's budget, asked of a plan for other years
            return None
        return Cell("budget", year, fields["budget"]) if fields.get("budget") else None  # (a one-year plan's)
    if year:  # the target for the year; a table of yearly values (not called targets) gives its value
        book = next((b for b in ("targets", "values") if year in (fields.get(b) or {})), None)
        return Cell("target" if book == "targets" else "value", year, fields[book][year]) if book else None
    return None  # a target without a year: which one is not clear


def holds_cell(row: PlanRow, what: str, years: tuple[int, ...], rows: list[PlanRow] = ()) -> bool:
    """True when the row holds the cell asked (for a target without one year asked: any yearly figure)."""
    fields = row.fields or {}
    if what == "target" and len(years) != 1:
        return bool(fields.get("targets") or fields.get("values"))
    return cell_of(row, what, years, rows) is not None


def says(row: PlanRow, cell: Cell, language: str) -> str:
    """The short answer: "14,2 persen (target 2027)", "Dinas Kesehatan (perangkat daerah penanggung jawab)"."""
    name = CELL_NAMES[language][cell.what]
    what = f"{name} {cell.year}" if cell.year else name
    unit = (row.fields or {}).get("unit", "")
    figure = cell.what not in ("unit", "agency", "budget")
    shown = f"{cell.value} {unit}" if figure and unit and unit.lower() not in cell.value.lower() else cell.value
    return f"{shown} ({what}, {row.text})" if cell.what in ("unit", "agency", "indicator") else f"{shown} ({what})"


def cell_answer(read: Question, asked_rows: list[PlanRow], citations: list[Citation], rows: list[PlanRow]
                ) -> tuple[str, list[Piece]] | None:
    """For a question naming a table row: the short answer from the cell it asks for ("14,2 persen (target
    2027) [1]") and the rows that hold it as quoted pieces of their citations (the row; for a goal's
    indicators, each indicator's row); None when no row, no such cell, or its row is not among the citations."""
    what = cell_asked(read) if asked_rows else None
    row = asked_rows[0] if asked_rows else None
    cell = cell_of(row, what, read.years, rows) if what else None
    if cell is None:
        return None
    holders = indicators_of(row, rows) if cell.what == "indicator" else [row]
    pieces: list[Piece] = []
    marker = None
    for holder in holders:
        start, end = (holder.fields or {}).get("row", (holder.start, holder.end))
        for i, c in enumerate(citations):
            if c.doc_id != holder.doc_id or c.start is None or not c.start <= start < (c.end or 0):
                continue
            at, to = start - c.start, end - c.start
            piece = next((p for p in pieces_of(c.text, i, c.rows) if p.start <= at < p.end or at <= p.start < to),
                         None)
            if piece is not None and piece not in pieces:
                pieces.append(piece)
                marker = marker or c.n
            break
    if not pieces:
        return None
    return f"{says(row, cell, read.language)} [{marker}]", pieces


def years_note(read: Question, q: QueryTerms, rows: list[PlanRow], region: str | None,
               named: frozenset[str] | None) -> str:
    """For a figure asked of an indicator for a year its table has no column for: what the plan does give
    ("" otherwise, and the not-found answer describes the corpus)."""
    if not read.years:
        return ""
    row = table_item_asked(read.text, read.language, q, rows, region, named)
    fields = (row.fields or {}) if row else {}
    yearly = fields.get("targets") or fields.get("values") or fields.get("outturns") or {}
    if not row or not yearly or any(str(y) in yearly for y in read.years):
        return ""
    return indicator_years_note(row, read.years, read.language)


Cells = Sequence[tuple[str, str]]


def row_text(cells: Cells) -> str:
    """A table row's labels and values as one text."""
    return " ".join(f"{label} {value}" for label, value in cells)


def row_name(cells: Cells) -> str:
    """What a table row is about: its indicator's (or goal's, program's) cell, else its first cell of words."""
    roles = column_roles([label for label, _ in cells]).roles
    named = [value for role in ("indicator", "goal") for c, (_, value) in enumerate(cells) if roles.get(c) == role]
    return next((v for v in named + [v for _, v in cells] if any(ch.isalpha() for ch in v)), "")


def rows_of_others(pieces: Sequence[Cells], about: Callable[[str], bool], captions: Sequence[str] = ()) -> list[str]:
    """The names of the table rows quoted when every one is about something other than what was asked (none,
    read with its table's caption, holds the question's subject); [] otherwise, or when no row was quoted."""
    rows = [(cells, captions[i] if i < len(captions) else "") for i, cells in enumerate(pieces) if cells]
    if not rows or any(about(f"{row_text(cells)} {caption}") for cells, caption in rows):
        return []
    return list(dict.fromkeys(n for n in (row_name(cells) for cells, _ in rows) if n))


def other_rows_note(names: Sequence[str], language: str) -> str:
    """The not-found note of a figure whose row the tables lack: the rows found instead, by name."""
    shown = "; ".join(names[:3])
    if language == "id":
        return f"Tabel rencana tidak memuat baris untuk yang ditanyakan; baris terdekat memuat: {shown}."
    return f"The plans' tables have no row for what was asked; the nearest rows are about: {shown}."
