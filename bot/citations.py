"""A retrieved chunk as a numbered Citation: where it is from, its text, and a table piece's rows."""

from __future__ import annotations

from llama_index.core.schema import NodeWithScore

from bot.records import Citation, TableRow
from ingest.chunking import TABLE_KEY
from ingest.tables import fragment_rows, load_carry


def citation_of(n: int, hit: NodeWithScore) -> Citation:
    """Citation number n of a retrieved hit."""
    meta = hit.node.metadata
    page = meta.get("page")
    text = hit.node.get_content()
    rows = []
    if TABLE_KEY in meta:  # a table piece: its rows read with the table's column labels
        header = meta.get("table_header") or ""
        carry, first_col = load_carry(meta.get("table_carry"))
        rows = [TableRow(r.start, r.end, r.line, list(r.cells))
                for r in fragment_rows(text, header.split(" | ") if header else [], carry, first_col)]
    return Citation(
        n=n,
        source=meta.get("source", ""),
        title=meta.get("title") or meta.get("source", ""),
        region=meta.get("region"),
        section=meta.get("section") or None,
        page=int(page) if isinstance(page, (int, float)) and page > 0 else None,
        text=text,
        score=float(hit.score or 0.0),
        doc_id=meta.get("doc_id", ""),
        start=meta.get("start"),
        end=meta.get("end"),
        table_caption=(meta.get(TABLE_KEY) or None) if TABLE_KEY in meta else None,
        rows=rows,
    )
