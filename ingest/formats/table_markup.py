"""Tables found by a reader written into the document text as HTML table markup, which ingest/tables.py reads.

The markup is what the table reader parses best: `<table>` on a line of its own, then one `<tr>` per line
(so every row has its own span for chunks to quote), `rowspan`/`colspan` only where a cell spans, `<th>` only
for rows the source marks as header, cell text HTML-escaped, and `</table>` on a line of its own. A caption
line ("Tabel 3.1 ...") is left before the table by the reader, where the table reader looks for it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.tables import MAX_COLSPAN


@dataclass
class MarkupCell:
    """One cell as it is written: its text, how many rows and grid columns it covers, header or not."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


def table_html(rows: Sequence[Sequence[MarkupCell]]) -> str:
    """The rows as HTML table markup, one row per line; "" when no cell has text."""
    if not any(cell.text for row in rows for cell in row):
        return ""
    lines = ["<table>"]
    lines.extend("<tr>" + "".join(_cell_html(cell) for cell in row) + "</tr>" for row in rows)
    lines.append("</table>")
    return "\n".join(lines)


def _cell_html(cell: MarkupCell) -> str:
    tag = "th" if cell.header else "td"
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{min(cell.colspan, MAX_COLSPAN)}"'
    return f"<{tag}{attrs}>{html.escape(cell.text, quote=False)}</{tag}>"
