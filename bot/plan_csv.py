"""The plan structure as CSV, written safely for spreadsheets (the plan tab's export and `planbot plan --csv`).

A cell starting with =, +, -, @, a tab or a carriage return is read as a formula by Excel, LibreOffice and
Google Sheets ("CSV injection"); such text cells get a leading single quote, which these programs show as
plain text. Numbers are left as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import TextIO

CSV_FIELDS = ["region", "title", "period", "doc_id", "kind", "number", "parent", "text", "start", "end"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with a single quote; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


VALUE_FIELDS = ["unit", "baseline", "final", "agency", "table"]  # from a table row's fields, when any row has one
YEARLY = (("targets", "target"), ("values", "value"), ("outturns", "outturn"), ("budgets", "budget"))


def _columns(rows: list[Mapping]) -> list[str]:
    """CSV_FIELDS, then the table values any row has: unit, baseline, ..., and one column per year and book
    ("target_2027", "budget_2027")."""
    fields = [r.get("fields") or {} for r in rows]
    extra = [f for f in VALUE_FIELDS if any(f in x for x in fields)]
    for book, name in YEARLY:
        years = sorted({y for x in fields for y in (x.get(book) or {})})
        extra.extend(f"{name}_{y}" for y in years)
    return CSV_FIELDS + extra


def _value(row: Mapping, column: str) -> object:
    if column in CSV_FIELDS:
        return row.get(column)
    fields = row.get("fields") or {}
    if column in VALUE_FIELDS:
        return fields.get(column)
    name, year = column.rsplit("_", 1)
    book = next(b for b, n in YEARLY if n == name)
    return (fields.get(book) or {}).get(year)


def write_plan_csv(rows: Iterable[Mapping], out: TextIO) -> None:
    """Plan rows (dicts with CSV_FIELDS and optional table `fields`; None as empty) as CSV with a header, every
    text cell spreadsheet-safe; indicators and programs get their unit, baseline, yearly targets and budgets."""
    rows = list(rows)
    columns = _columns(rows)
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([spreadsheet_safe("" if (v := _value(row, c)) is None else v) for c in columns])
