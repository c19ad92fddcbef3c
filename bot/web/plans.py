"""The staff tab: browse, search and export the plan structure, and show each item's source passage."""

from __future__ import annotations

from pathlib import Path

from bot.plan import PlanRow
from bot.plan_csv import write_plan_csv
from bot.plan_lookup import values_text
from planbot.errors import PlanbotError

PLAN_COLUMNS = ["region", "kind", "number", "parent", "text", "values", "title", "doc_id", "start", "end"]


def table(rows: list[PlanRow]) -> list[list]:
    """Rows for a gr.Dataframe, in PLAN_COLUMNS order (text on one line)."""
    return [[r.region or "", r.kind, r.number if r.number is not None else "", r.parent or "",
             " ".join(r.text.split()), values_text(r.fields), r.title, r.doc_id, r.start, r.end] for r in rows]


def write_csv(rows: list[PlanRow], path: Path) -> Path:
    """The rows as CSV (UTF-8 with BOM so spreadsheet programs read Indonesian text right; formulas escaped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        write_plan_csv((r.as_dict() for r in rows), fh)
    return path


def row_span(row: object) -> tuple[str, int, int]:
    """doc_id, start and end of a plan-table row as the page sent it; PlanbotError when it is not such a row."""
    if not isinstance(row, (list, tuple)) or len(row) < len(PLAN_COLUMNS):
        raise PlanbotError("this is not a row of the plan table: select a row to see its source")
    values = dict(zip(PLAN_COLUMNS, row))
    doc_id = values["doc_id"]
    if not isinstance(doc_id, str) or not doc_id or len(doc_id) > 500 or not doc_id.isprintable():
        raise PlanbotError("this row has no valid doc_id: select a row of the plan table to see its source")
    try:
        start, end = int(values["start"]), int(values["end"])
    except (TypeError, ValueError, OverflowError):
        raise PlanbotError("this row's start and end are not character offsets: select a row of the plan table") from None
    return doc_id, start, end


def source_text(bot, doc_id: str, start: int, end: int, *, context: int = 400) -> dict:
    """The document text around [start, end): what a plan row was read from (None fields when unknown)."""
    doc = bot.manifest.get(doc_id)
    if doc is None or not doc.chunk_ids:
        raise LookupError("no ingested document has this doc_id (the Documents tab lists them)")
    if not 0 <= start <= end <= len(doc.text):
        raise PlanbotError(f"the span start..end is outside the document ({len(doc.text)} characters): "
                           "give 0 <= start <= end <= its length")
    lo, hi = max(0, start - context), min(len(doc.text), end + context)
    return {
        "doc_id": doc_id, "title": doc.metadata.get("title") or doc_id, "region": doc.metadata.get("region"),
        "start": start, "end": end, "text": doc.text[start:end],
        "before": doc.text[lo:start], "after": doc.text[end:hi], "document_chars": len(doc.text),
    }
