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


def write_plan_csv(rows: Iterable[Mapping], out: TextIO) -> None:
    """Plan rows (dicts with CSV_FIELDS; None as empty) as CSV with a header, every text cell spreadsheet-safe."""
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow([spreadsheet_safe("" if row.get(f) is None else row.get(f)) for f in CSV_FIELDS])
