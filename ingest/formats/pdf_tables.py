"""Ruled tables on PDF pages, found with pdfplumber and written into the page text as HTML table markup.

Only pages whose extracted text looks tabular (a "Tabel ..." caption, or lines of figures) are searched:
pdfplumber parses a page about six times slower than pypdf extracts it. On a page with a table, the text
around each table is pdfplumber's own, band by band from the top, and the table's markup stands where the
table was, so no text is doubled; a caption line above the table stays the line before it.

A table is kept only when it reads as one: at least two rows with two or more cells holding text (the frame
slides draw round the page has one wide cell per row), mostly filled, no cell holding a paragraph. A row with
no rules between its lines (one tall cell per column holding one value per line, as in budget tables) is split
into one row per line of its figures. Pages with more ruling lines than MAX_EDGES are left as they are
(finding a table compares every horizontal line with every vertical one), and so are pages with glyphs
pdfminer cannot map to text.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingest.formats.table_markup import MarkupCell, table_html
from ingest.tables import is_caption

log = logging.getLogger(__name__)

MAX_EDGES = 3_000  # ruling lines and rectangle sides on one page
MAX_GRID = 5_000  # rows x columns of one table
MIN_FILLED = 0.5  # share of the grid covered by cells holding text
MAX_CELL_LINES = 8  # a cell with more lines is a paragraph or a diagram, not a table cell
MIN_FIGURE_LINES = 3  # lines of two or more figures that make a page look tabular
ROW_FIGURES = 4  # figures on one line that make a page look tabular
LINE_TOLERANCE = 3.0  # points: words whose tops differ less are on one line
_FIGURE = re.compile(r"(?<![\w.,])\d[\d.,]*%?(?![\w])")


def looks_tabular(text: str) -> bool:
    """True when a page's text has a caption line, a line of ROW_FIGURES figures or more, or MIN_FIGURE_LINES
    lines of two figures or more."""
    figures = 0
    for line in text.split("\n"):
        if is_caption(line):
            return True
        found = len(_FIGURE.findall(line))
        if found >= ROW_FIGURES:
            return True
        if found >= 2:
            figures += 1
            if figures >= MIN_FIGURE_LINES:
                return True
    return False


def pages_with_tables(path: Path, texts: list[str], warnings: list[str]) -> tuple[list[str], int]:
    """The pages' texts (texts[n-1] is page n, as pypdf read it) with each table found on a page that looks
    tabular written as markup; and how many tables were found. A page pdfplumber cannot read keeps its text."""
    candidates = [n for n, text in enumerate(texts, start=1) if looks_tabular(text)]
    if not candidates:
        return texts, 0
    import pdfplumber

    out = list(texts)
    found = 0
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # noqa: BLE001 - pypdf read the file; tables are a bonus
        log.debug("%s: pdfplumber cannot open it: %r", path, exc)
        warnings.append("tables could not be read (pdfplumber cannot open the file); pages kept as text")
        return texts, 0
    with pdf:
        for n in candidates:
            page = None
            try:
                page = pdf.pages[n - 1]
                text, count = _page_with_tables(page)
            except Exception as exc:  # noqa: BLE001 - one odd page keeps its plain text
                log.debug("page %d: table extraction failed: %r", n, exc)
                warnings.append(f"page {n}: tables could not be read; kept as text")
                continue
            finally:
                if page is not None:
                    page.close()  # pdfplumber keeps every parsed object of a page until it is closed
            if count:
                out[n - 1] = text
                found += count
    return out, found


@dataclass
class _Cell:
    """A table cell on the grid: its first row and column, spans, and its lines of text (top, words)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    lines: list[tuple[float, list[str]]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(words) for _, words in self.lines)


def _page_with_tables(page) -> tuple[str, int]:
    """The page's text with its tables as markup, and the number of tables; ("", 0) when it has none."""
    if len(page.edges) > MAX_EDGES:
        return "", 0
    if any(char["text"].startswith("(cid:") for char in page.chars):
        return "", 0  # glyphs pdfminer cannot map to text: pypdf's text of the page is kept
    tables = []
    for table in page.find_tables():
        markup = _table_markup(table, page.chars)
        if markup:
            tables.append((table.bbox, markup))
    if not tables:
        return "", 0
    tables.sort(key=lambda t: (t[0][1], t[0][0]))
    boxes = [bbox for bbox, _ in tables]

    def outside(obj) -> bool:
        return obj.get("object_type") != "char" or not any(_inside(obj, box) for box in boxes)

    rest = page.filter(outside)
    parts: list[str] = []
    tops = [bbox[1] for bbox in boxes] + [float("inf")]
    parts.append(_band_text(rest, float("-inf"), tops[0]))
    for k, (_, markup) in enumerate(tables):
        parts.append(markup)
        parts.append(_band_text(rest, tops[k], tops[k + 1]))
    return "\n".join(p for p in parts if p), len(tables)


def _inside(obj, bbox) -> bool:
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _band_text(page, top: float, bottom: float) -> str:
    """Text of the characters whose middle lies between top and bottom."""
    band = page.filter(lambda o: o.get("object_type") != "char" or top <= (o["top"] + o["bottom"]) / 2 < bottom)
    lines = [line.rstrip() for line in (band.extract_text() or "").split("\n")]
    return "\n".join(lines).strip("\n")


def _table_markup(table, chars: list[dict]) -> str:
    """Markup of one table found by pdfplumber; "" when it does not read as a table."""
    from pdfplumber.utils import extract_words

    x0, top, x1, bottom = table.bbox
    xs = sorted({round(c[0], 1) for c in table.cells})
    ys = sorted({round(c[1], 1) for c in table.cells})
    if len(xs) < 2 or len(xs) * len(ys) > MAX_GRID:
        return ""
    cells: list[_Cell] = []
    owner: dict[tuple[int, int], _Cell] = {}
    for cx0, ctop, cx1, cbottom in table.cells:
        r, c = ys.index(round(ctop, 1)), xs.index(round(cx0, 1))
        cell = _Cell(r, c, max(1, bisect_right(ys, cbottom - 0.5) - r), max(1, bisect_right(xs, cx1 - 0.5) - c))
        cells.append(cell)
        for i in range(r, r + cell.rowspan):
            for j in range(c, c + cell.colspan):
                owner.setdefault((i, j), cell)
    held: dict[int, list[dict]] = {}
    for char in chars:
        mx, my = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        if x0 <= mx <= x1 and top <= my <= bottom:
            cell = owner.get((bisect_right(ys, my) - 1, bisect_right(xs, mx) - 1))
            if cell is not None:
                held.setdefault(id(cell), []).append(char)
    for cell in cells:
        for word in extract_words(held.get(id(cell), [])):
            _add_word(cell, word)
    rows = _split_unruled_rows(cells, len(ys))
    if any(len(cell.lines) > MAX_CELL_LINES for row in rows for cell in row):
        return ""
    grid = _markup_rows(rows, len(xs))
    return table_html(grid) if _reads_as_table(grid, len(xs)) else ""


def _add_word(cell: _Cell, word: dict) -> None:
    """Put a word on the cell's line at its height (a new line when there is none)."""
    for line_top, line in cell.lines:
        if abs(line_top - word["top"]) < LINE_TOLERANCE:
            line.append(word["text"])
            return
    cell.lines.append((word["top"], [word["text"]]))
    cell.lines.sort(key=lambda item: item[0])


def _split_unruled_rows(cells: list[_Cell], n_rows: int) -> list[list[_Cell]]:
    """Cells by row, a row without rules between its lines split into one row per line of its figures.

    Such a row has most of its cells holding the same number k > 1 of lines; the lines of the rightmost of
    them (figures, one per line) give the k new rows, and every line of the other cells goes with the new
    row at or above it (so a name wrapped over two lines stays one name). Cells spanning several rows keep
    covering the same rows, now more of them.
    """
    by_row: list[list[_Cell]] = [[] for _ in range(n_rows)]
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        by_row[cell.row].append(cell)
    out: list[list[_Cell]] = []
    grown: dict[int, int] = {}  # original row -> how many rows it became
    for r, row in enumerate(by_row):
        single = [c for c in row if c.rowspan == 1 and c.lines]
        counts = Counter(len(c.lines) for c in single)
        k, times = counts.most_common(1)[0] if counts else (1, 0)
        if k <= 1 or times < 2 or 2 * times < len(single):
            out.append(row)
            grown[r] = 1
            continue
        anchor = max((c for c in single if len(c.lines) == k), key=lambda c: c.col)
        tops = [t for t, _ in anchor.lines]
        new_rows: list[list[_Cell]] = [[] for _ in range(k)]
        for cell in row:
            if cell.rowspan > 1:
                new_rows[0].append(cell)
                continue
            pieces = [_Cell(0, cell.col, 1, cell.colspan) for _ in range(k)]
            for top, words in cell.lines:
                pieces[max(0, bisect_right(tops, top + LINE_TOLERANCE) - 1)].lines.append((top, words))
            for j in range(k):
                new_rows[j].append(pieces[j])
        out.extend(new_rows)
        grown[r] = k
    for cell in cells:
        if cell.rowspan > 1:
            cell.rowspan = sum(grown[i] for i in range(cell.row, min(cell.row + cell.rowspan, n_rows)))
    return out


def _markup_rows(rows: list[list[_Cell]], width: int) -> list[list[MarkupCell]]:
    """Rows of markup cells, with an empty cell wherever the grid has a hole (so columns stay aligned); a row
    with no text that no merged cell reaches into or out of is left out."""
    covered: dict[int, set[int]] = {}
    grid: list[list[MarkupCell]] = []
    for i, row in enumerate(rows):
        taken = covered.pop(i, set())
        starts = {c.col: c for c in row}
        out: list[MarkupCell] = []
        col = 0
        while col < width:
            cell = starts.get(col)
            if cell is not None:
                out.append(MarkupCell(cell.text, rowspan=cell.rowspan, colspan=cell.colspan))
                for k in range(1, cell.rowspan):
                    covered.setdefault(i + k, set()).update(range(col, col + cell.colspan))
                col += cell.colspan
            elif col in taken:
                col += 1
            else:
                out.append(MarkupCell(""))
                col += 1
        if taken or any(c.text or c.rowspan > 1 for c in out):
            grid.append(out)
    return grid


def _reads_as_table(grid: list[list[MarkupCell]], width: int) -> bool:
    """At least two rows with two or more cells holding text (a slide's frame has one per row), and the grid
    mostly filled."""
    cells = [c for row in grid for c in row]
    if width < 2 or sum(1 for row in grid if sum(1 for c in row if c.text) >= 2) < 2:
        return False
    area = sum(c.rowspan * c.colspan for c in cells)
    filled = sum(c.rowspan * c.colspan for c in cells if c.text)
    return bool(area) and filled >= MIN_FILLED * area
