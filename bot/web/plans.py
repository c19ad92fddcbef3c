"""The staff tab: browse, search and export the plan structure, and show each item's source passage."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.plan import PlanRow
from planbot.errors import PlanbotError

PLAN_COLUMNS = ["region", "kind", "number", "parent", "text", "title", "doc_id", "start", "end"]


def filter_rows(rows: list[PlanRow], *, region: str | None = None, kind: str | None = None,
                search: str | None = None) -> list[PlanRow]:
    """Rows of a region and kind whose text, parent or label ("mission 3") contains the search, case-insensitive."""
    needle = " ".join((search or "").lower().split())
    out = []
    for r in rows:
        if region and r.region != region or kind and r.kind != kind:
            continue
        label = f"{r.kind} {r.number}" if r.number is not None else r.kind
        if not needle or any(needle in " ".join(h.lower().split()) for h in (r.text, r.parent or "", label)):
            out.append(r)
    return out


def table(rows: list[PlanRow]) -> list[list]:
    """Rows for a gr.Dataframe, in PLAN_COLUMNS order (text on one line)."""
    return [[r.region or "", r.kind, r.number if r.number is not None else "", r.parent or "",
             " ".join(r.text.split()), r.title, r.doc_id, r.start, r.end] for r in rows]


def write_csv(rows: list[PlanRow], path: Path) -> Path:
    """The rows as CSV (UTF-8 with BOM so spreadsheet programs read Indonesian text right)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["region", "title", "period", "doc_id", "kind", "number", "parent", "text", "start", "end"])
        for r in rows:
            writer.writerow([r.region or "", r.title, r.period or "", r.doc_id, r.kind,
                             r.number if r.number is not None else "", r.parent or "", r.text, r.start, r.end])
    return path


def source_text(bot, doc_id: str, start: int, end: int, *, context: int = 400) -> dict:
    """The document text around [start, end): what a plan row was read from (None fields when unknown)."""
    doc = bot.manifest.get(doc_id)
    if doc is None or not doc.chunk_ids:
        raise LookupError(f"no ingested document {doc_id!r}")
    if not 0 <= start <= end <= len(doc.text):
        raise PlanbotError(f"span {start}..{end} is outside document {doc_id!r} ({len(doc.text)} characters)")
    lo, hi = max(0, start - context), min(len(doc.text), end + context)
    return {
        "doc_id": doc_id, "title": doc.metadata.get("title") or doc_id, "region": doc.metadata.get("region"),
        "start": start, "end": end, "text": doc.text[start:end],
        "before": doc.text[lo:start], "after": doc.text[end:hi], "document_chars": len(doc.text),
    }
