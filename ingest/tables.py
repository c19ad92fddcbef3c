"""Tables in a document's text: HTML <table> blocks and markdown pipe tables.

Each table keeps exact character spans (of the table and of every row), a grid with rowspan and colspan
resolved, one label per column (multi-row headers joined), its caption, and a readable line per data row:
"header: value; header: value". Malformed markup never raises: a block that cannot be read as rows is
left to be treated as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise

_TABLE_OPEN = re.compile(r"<table\b[^<>]{0,500}>?", re.IGNORECASE)
_TABLE_TAGS = re.compile(r"<(/?)(table|thead|tbody|tfoot|tr|td|th)\b[^<>]{0,500}>?", re.IGNORECASE)
_ROW_OPEN = re.compile(r"<tr\b", re.IGNORECASE)
CELL_OPEN = re.compile(r"<t[dh]\b", re.IGNORECASE)
_CELL_TAG = re.compile(r"</?t[dh]\b", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>?")
# An unclosed table ends after this many lines without a table tag.
MAX_UNTAGGED_LINES = 40
MAX_COLSPAN = 100
_PIPE_LINE = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.MULTILINE)
_PIPE_RULE = re.compile(r"^\s*:?-{2,}:?\s*$")
# "(1)", "(2)" ... or "1", "2" ...: the column-number row many plan tables carry under their header.
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,3})\)?$")
_NUMERIC = re.compile(r"^[\s\d.,%()+\-–/:]*\d[\s\d.,%()+\-–/:]*$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
# A caption's first word: "Tabel"/"Table", with OCR's look-alikes (1, I, | for l; 0 for o) allowed.
_OCR_LOOKALIKES = str.maketrans({"1": "l", "I": "l", "|": "l", "0": "o"})
CAPTION_WORDS = {"tabel", "table"}
CAPTION_LOOKBACK_LINES = 4
CONTINUATION_GAP_LINES = 6  # lines between two parts of one table cut by a page break
MAX_LABEL_CHARS = 60
GROUP_LABEL_WORDS = 3  # words kept of a header cell grouping several columns ("Capaian Kinerja Program dan")
MAX_CAPTION_CHARS = 200


@dataclass(frozen=True)
class Cell:
    """One cell as written: its text, spans and whether it is a <th>."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True)
class Row:
    """One row: its exact span in the document and its cells in source order."""

    start: int
    end: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Placed:
    """A cell placed in the grid: the row and column of its top-left corner."""

    cell: Cell
    row: int
    col: int
    rowspan: int
    colspan: int


@dataclass
class Grid:
    """Rows of placed cells, one entry per column (the same Placed repeated over its span), None when empty."""

    rows: list[list[Placed | None]]
    width: int


@dataclass
class Table:
    """A table found in a document's text."""

    start: int
    end: int
    kind: str  # "html" | "pipe"
    rows: list[Row]
    grid: Grid
    header_rows: int  # leading rows that are header (including title and column-number rows)
    labels: list[str]  # one per column
    caption: str = ""
    caption_start: int | None = None  # where the caption line starts, when one precedes the table
    skip_rows: set[int] = field(default_factory=set)  # header rows not used for labels (titles, numbers)

    def row_lines(self) -> list[str]:
        """The readable line of every row ("" for header rows)."""
        return [
            "" if i < self.header_rows else linearise(self.grid.rows[i], self.labels, self.grid.width)
            for i in range(len(self.rows))
        ]

    def carry_into(self, k: int) -> list[list]:
        """Cells of rows before k that span down into row k: [col, colspan, rows_left, text] each."""
        if k <= 0 or k >= len(self.grid.rows):
            return []
        out, seen = [], set()
        for p in self.grid.rows[k]:
            if p is not None and p.row < k and id(p) not in seen:
                seen.add(id(p))
                out.append([p.col, p.colspan, p.row + p.rowspan - k, p.cell.text])
        return out

    def header_text(self) -> str:
        """The column labels joined with " | " (empty when the table has no header)."""
        return " | ".join(self.labels) if any(self.labels) else ""


# ------------------------------------------------------------------------------------------------ finding


def find_tables(text: str) -> list[Table]:
    """HTML and pipe tables in the text, in order, non-overlapping; blocks that are not readable are skipped."""
    tables: list[Table] = []
    pos = 0
    for m in _TABLE_OPEN.finditer(text):
        if m.start() < pos:
            continue
        end = _html_table_end(text, m.start(), m.end())
        table = _read_html(text, m.start(), end)
        pos = end
        if table is not None:
            tables.append(table)
    taken = [(t.start, t.end) for t in tables]
    for a, b in _pipe_blocks(text):
        if not any(a < y and x < b for x, y in taken):
            table = _read_pipe(text, a, b)
            if table is not None:
                tables.append(table)
    tables.sort(key=lambda t: t.start)
    for t in tables:
        _attach_caption(text, t)
    for prev, t in pairwise(tables):
        _continue(text, prev, t)
    return tables


def _continue(text: str, prev: Table, table: Table) -> None:
    """A table split by a page break: the part right after another table of the same width, with no header
    of its own (or the same one) and no caption, takes the earlier part's labels and caption."""
    if table.grid.width != prev.grid.width or text.count("\n", prev.end, table.start) > CONTINUATION_GAP_LINES:
        return
    if table.caption_start is not None or (table.header_rows and table.labels != prev.labels):
        return
    if not table.header_rows:
        table.labels = list(prev.labels)
    table.caption = table.caption or prev.caption


def _html_table_end(text: str, start: int, after_open: int) -> int:
    """End of the table opened at start: its matching </table>, or the last table tag before a long gap."""
    depth, last = 1, after_open
    for m in _TABLE_TAGS.finditer(text, after_open):
        if text.count("\n", last, m.start()) > MAX_UNTAGGED_LINES:
            return last
        closing, name = m.group(1) == "/", m.group(2).lower()
        if name == "table":
            depth += -1 if closing else 1
            if depth == 0:
                return m.end()
        last = m.end()
    return last


def _read_html(text: str, start: int, end: int) -> Table | None:
    opens = [m.start() for m in _ROW_OPEN.finditer(text, start, end)]
    if not opens:
        return None
    close = text.rfind("</", opens[-1], end)
    last_end = close if close > opens[-1] and text[close:end].lower().startswith("</table") else end
    rows: list[Row] = []
    for i, a in enumerate(opens):
        b = opens[i + 1] if i + 1 < len(opens) else last_end
        b = a + len(text[a:b].rstrip())
        cells = parse_cells(text[a:b])
        rows.append(Row(a, b, tuple(cells)))
    if not any(r.cells for r in rows):
        return None
    return _build(text, start, end, "html", rows)


def _pipe_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of two or more consecutive pipe-table lines."""
    blocks: list[tuple[int, int]] = []
    lines = list(_PIPE_LINE.finditer(text))
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and lines[j + 1].start() == lines[j].end() + 1:
            j += 1
        if j > i:
            blocks.append((lines[i].start(), lines[j].end()))
        i = j + 1
    return blocks


def _read_pipe(text: str, start: int, end: int) -> Table | None:
    rows: list[Row] = []
    pos = start
    for line in text[start:end].split("\n"):
        rows.append(Row(pos, pos + len(line.rstrip()), tuple(_pipe_cells(line))))
        pos += len(line) + 1
    return _build(text, start, end, "pipe", rows)


def _pipe_cells(line: str) -> list[Cell]:
    body = line.strip()
    body = body.removeprefix("|")
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [Cell(c.replace("\\|", "|").strip()) for c in re.split(r"(?<!\\)\|", body)]


# ------------------------------------------------------------------------------------------------ cells


class _CellParser(HTMLParser):
    """Cells of a piece of table HTML; text outside any cell becomes a cell of its own at the end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[Cell] = []
        self.stray: list[str] = []
        self._cur: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self._close()
            a = dict(attrs)
            self._cur = {"text": [], "rowspan": _span(a.get("rowspan")), "colspan": min(_span(a.get("colspan")),
                         MAX_COLSPAN), "header": tag == "th"}
        elif tag in ("br", "p", "div", "li") and self._cur is not None:
            self._cur["text"].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table"):
            self._close()

    def handle_data(self, data: str) -> None:
        (self._cur["text"] if self._cur is not None else self.stray).append(data)

    def _close(self) -> None:
        if self._cur is not None:
            c = self._cur
            self.cells.append(Cell(_norm("".join(c["text"])), c["rowspan"], c["colspan"], c["header"]))
            self._cur = None

    def result(self) -> list[Cell]:
        self._close()
        stray = _norm("".join(self.stray))
        return self.cells + ([Cell(stray)] if stray else [])


def parse_cells(fragment: str) -> list[Cell]:
    """The cells of a piece of table HTML (one row, or part of one); never raises."""
    parser = _CellParser()
    try:
        parser.feed(fragment)
        parser.close()
    except (AssertionError, ValueError, IndexError):  # html.parser is lenient; nothing here may stop an ingest
        return [Cell(_norm(_ANY_TAG.sub(" ", fragment)))]
    return parser.result()


def _span(value: str | None) -> int:
    m = re.match(r"\s*(\d{1,6})", value or "")
    return max(1, int(m.group(1))) if m else 1


def _norm(s: str) -> str:
    return " ".join(s.split())


# ------------------------------------------------------------------------------------------------ grid


def place(rows: Sequence[Sequence[Cell]], carry: Sequence[Sequence] = (), first_col: int = 0,
          total_rows: int | None = None) -> Grid:
    """Cells laid out on a grid, rowspan and colspan resolved; carry: cells spanning down from earlier rows
    ([col, colspan, rows_left, text]); first_col: the column the first row starts at (a row cut in two)."""
    n = len(rows) if total_rows is None else total_rows
    pending: dict[int, tuple[Placed, int]] = {}  # column -> (cell, rows it still covers, this one included)
    for col, colspan, left, txt in carry:
        p = Placed(Cell(str(txt)), -1, int(col), int(left) + 1, int(colspan))
        for k in range(int(colspan)):
            pending[int(col) + k] = (p, int(left))
    grid: list[list[Placed | None]] = []
    width = max([c for c in pending] + [-1]) + 1
    for r, cells in enumerate(rows):
        row: dict[int, Placed] = {c: p for c, (p, _) in pending.items()}
        col = first_col if r == 0 else 0
        for cell in cells:
            while col in row:
                col += 1
            rowspan = max(1, min(cell.rowspan, n - r))
            p = Placed(cell, r, col, rowspan, cell.colspan)
            for k in range(cell.colspan):
                row.setdefault(col + k, p)
            if rowspan > 1:
                for k in range(cell.colspan):
                    pending.setdefault(col + k, (p, rowspan))
            col += cell.colspan
        pending = {c: (p, left - 1) for c, (p, left) in pending.items() if left - 1 > 0}
        width = max(width, max(row, default=-1) + 1)
        grid.append([row.get(c) for c in range(max(row, default=-1) + 1)])
    for g in grid:
        g.extend([None] * (width - len(g)))
    return Grid(grid, width)


# ------------------------------------------------------------------------------------------------ header


def _build(text: str, start: int, end: int, kind: str, rows: list[Row]) -> Table:
    grid = place([r.cells for r in rows])
    header_rows, skip = _header(rows, grid)
    labels = _labels(grid, header_rows, skip)
    return Table(start, end, kind, rows, grid, header_rows, labels, skip_rows=skip)


def _values(grid_row: Sequence[Placed | None]) -> list[str]:
    seen, out = set(), []
    for p in grid_row:
        if p is not None and id(p) not in seen:
            seen.add(id(p))
            out.append(p.cell.text)
    return out


def _is_data(grid_row: Sequence[Placed | None]) -> bool:
    """A row holding figures: at least half its non-empty values are numbers (years count as labels)."""
    vals = [v for v in _values(grid_row) if v]
    nums = [v for v in vals if _NUMERIC.match(v) and not _YEAR.match(v.strip())]
    return bool(vals) and 2 * len(nums) >= len(vals) and not _is_numbering(vals)


def _is_numbering(vals: Sequence[str]) -> bool:
    """The column-number row: (1) (2) (3) ... or 1 2 3 ... in order."""
    vals = [v for v in vals if v]
    nums = [_COLUMN_NUMBER.match(v) for v in vals]
    if len(vals) < 2 or not all(nums):
        return False
    seq = [int(m.group(1)) for m in nums if m]
    return all(b == a + 1 for a, b in pairwise(seq))


def _is_rule(vals: Sequence[str]) -> bool:
    return bool(vals) and all(_PIPE_RULE.match(v) for v in vals if v) and any(vals)


def _full_width(grid_row: Sequence[Placed | None], width: int) -> bool:
    vals = [p for p in grid_row if p is not None]
    return width > 1 and len({id(p) for p in vals}) == 1 and vals[0].colspan >= width


def _header(rows: list[Row], grid: Grid) -> tuple[int, set[int]]:
    """How many leading rows are header, and which of them carry no column label (titles, numbers, rules)."""
    n = len(grid.rows)
    if n < 2:
        return 0, set()
    if rows[0].cells and all(c.header for c in rows[0].cells):
        h = 1
        while h < n and rows[h].cells and all(c.header for c in rows[h].cells):
            h += 1
        return _extend_numbering(grid, h, set())
    skip: set[int] = set()
    h = 0
    if _full_width(grid.rows[0], grid.width) and n > 2:
        skip.add(0)
        h = 1
    if _is_data(grid.rows[h]) or _is_numbering(_values(grid.rows[h])):
        return _extend_numbering(grid, h, skip)
    h += 1
    grew = True
    while grew and h < n - 1:
        grew = False
        for r in range(h):
            for p in grid.rows[r]:
                if p is not None and p.row == r and r + p.rowspan > h:
                    h, grew = min(r + p.rowspan, n - 1), True
        last = grid.rows[h - 1]
        grouped = any(p is not None and 1 < p.colspan < grid.width and p.row == h - 1 for p in last)
        if not grew and grouped and h < n - 1 and not _is_data(grid.rows[h]) \
                and not _is_numbering(_values(grid.rows[h])):
            below = _values(grid.rows[h])
            if all(len(v) <= 40 for v in below) and not _is_rule(below):
                h, grew = h + 1, True
    return _extend_numbering(grid, h, skip)


def _extend_numbering(grid: Grid, h: int, skip: set[int]) -> tuple[int, set[int]]:
    while h < len(grid.rows) - 1 and (_is_numbering(_values(grid.rows[h])) or _is_rule(_values(grid.rows[h]))):
        skip.add(h)
        h += 1
    return h, skip


def _labels(grid: Grid, header_rows: int, skip: set[int]) -> list[str]:
    labels = []
    for c in range(grid.width):
        parts: list[str] = []
        last = None
        for r in range(header_rows):
            p = grid.rows[r][c]
            if r in skip or p is None or p is last or not p.cell.text:
                continue
            last = p
            if p.cell.text not in parts:
                parts.append(p.cell.text)
        short = [_shorten(x, GROUP_LABEL_WORDS) for x in parts[:-1]] + parts[-1:]
        label = " ".join(short).replace("|", "/")
        labels.append(_shorten(label, 2 * MAX_LABEL_CHARS, MAX_LABEL_CHARS))
    return labels


def _shorten(text: str, words: int, chars: int = MAX_LABEL_CHARS) -> str:
    """The text's first words, at most so many, cut at a word boundary within chars."""
    out = " ".join(text.split()[:words])
    if len(out) > chars:
        cut = out.rfind(" ", 0, chars + 1)
        out = out[: cut if cut > 0 else chars]
    return out


# ------------------------------------------------------------------------------------------------ caption


def _attach_caption(text: str, table: Table) -> None:
    """The nearest line starting "Tabel"/"Table" among the few non-blank lines before the table; else a
    title row spanning the whole table."""
    pos = table.start
    line_start = text.rfind("\n", 0, pos) + 1
    before_on_line = text[line_start:pos]
    seen = 0
    if before_on_line.strip():
        candidates = [(line_start, before_on_line)]
    else:
        candidates = []
    end = line_start - 1
    while end > 0 and seen < CAPTION_LOOKBACK_LINES:
        s = text.rfind("\n", 0, end) + 1
        line = text[s:end]
        end = s - 1
        if line.strip():
            candidates.append((s, line))
            seen += 1
            if "</table" in line.lower():
                break
    for s, line in candidates:
        if is_caption(line):
            table.caption = _caption_text(line)
            table.caption_start = s + len(line) - len(line.lstrip())
            return
    if 0 in table.skip_rows and table.grid.rows:
        title = _values(table.grid.rows[0])
        table.caption = _caption_text(title[0] if title else "")


def is_caption(line: str) -> bool:
    """A line that starts with "Tabel" or "Table" (OCR look-alike characters tolerated)."""
    plain = re.sub(r"^[\s#*_>|\[(]+", "", line)
    m = re.match(r"[A-Za-z0-9|]{5}(?![A-Za-z])", plain)
    return bool(m) and m.group().translate(_OCR_LOOKALIKES).lower() in CAPTION_WORDS


def _caption_text(line: str) -> str:
    plain = _norm(_ANY_TAG.sub(" ", line).replace("**", "").replace("__", "")).strip(" #*_|")
    return plain[:MAX_CAPTION_CHARS].rstrip()


# ------------------------------------------------------------------------------------------------ lines


def row_cells(grid_row: Sequence[Placed | None], labels: Sequence[str], width: int) -> list[tuple[str, str]]:
    """(label, value) of each cell of one grid row: empty cells skipped, a value spanning the whole row
    unlabelled, a label equal to its value dropped; [] for a header-like row (every value part of its own
    label)."""
    parts: list[tuple[str, str]] = []
    seen: set[int] = set()
    echoes = 0
    for c, p in enumerate(grid_row):
        if p is None or id(p) in seen:
            continue
        seen.add(id(p))
        value = p.cell.text
        if not value:
            continue
        label = labels[c] if c < len(labels) else ""
        if p.colspan >= width > 1:
            label = ""
        if label and (value.casefold() in label.casefold() or label.casefold() in value.casefold()):
            echoes += 1
        parts.append((label if label != value else "", value))
    if not parts or echoes == len(parts):
        return []
    return parts


def linearise(grid_row: Sequence[Placed | None], labels: Sequence[str], width: int) -> str:
    """'label: value; label: value' for one grid row ("" for a header-like row)."""
    return line_of(row_cells(grid_row, labels, width))


def line_of(cells: Sequence[tuple[str, str]]) -> str:
    """The readable line of a row's (label, value) cells."""
    return "; ".join(f"{label}: {value}" if label else value for label, value in cells)


@dataclass(frozen=True)
class RowText:
    """One row of a piece of a table: its span in the piece and its labelled cells."""

    start: int
    end: int
    cells: tuple[tuple[str, str], ...]

    @property
    def line(self) -> str:
        return line_of(self.cells)


def fragment_rows(fragment: str, labels: Sequence[str], carry: Sequence[Sequence] = (), first_col: int = 0
                  ) -> list[RowText]:
    """The rows of a piece of a table (a run of rows, or part of a row) with their spans in the piece, given
    the table's column labels and the cells spanning into it from earlier rows; header-like and
    column-number rows left out."""
    spans: list[tuple[int, int]] = []
    if _CELL_TAG.search(fragment) or _ROW_OPEN.search(fragment):
        opens = [m.start() for m in _ROW_OPEN.finditer(fragment)]
        if not opens or fragment[: opens[0]].strip() and CELL_OPEN.search(fragment[: opens[0]]):
            opens = [0, *opens]
        for a, b in zip(opens, [*opens[1:], len(fragment)]):
            spans.append((a, a + len(fragment[a:b].rstrip())))
        rows = [parse_cells(fragment[a:b]) for a, b in spans]
    else:
        rows = []
        for m in _PIPE_LINE.finditer(fragment):
            cells = _pipe_cells(m.group(0))
            if not _is_rule([c.text for c in cells]):
                spans.append((m.start() + len(m.group(0)) - len(m.group(0).lstrip()), m.end()))
                rows.append(cells)
    grid = place(rows, carry, first_col)
    width = max(grid.width, len(labels))
    out = []
    for (a, b), g in zip(spans, grid.rows):
        if _is_numbering(_values(g)):
            continue
        cells = row_cells(g, labels, width)
        if cells:
            out.append(RowText(a, b, tuple(cells)))
    return out


def fragment_lines(fragment: str, labels: Sequence[str], carry: Sequence[Sequence] = (), first_col: int = 0) -> list[str]:
    """Readable lines of a piece of a table (the text itself, whitespace-normalised, when it holds no row)."""
    rows = fragment_rows(fragment, labels, carry, first_col)
    if not rows and not (_CELL_TAG.search(fragment) or _ROW_OPEN.search(fragment) or _PIPE_LINE.search(fragment)):
        return [_norm(fragment)] if fragment.strip() else []
    return [r.line for r in rows]


def dump_carry(carry: Sequence[Sequence], first_col: int = 0) -> str:
    """The carry and starting column of a table piece, as a short JSON string for chunk metadata."""
    return json.dumps({"carry": [list(c) for c in carry], "col": first_col}, ensure_ascii=False) if (
        carry or first_col) else ""


def load_carry(value: object) -> tuple[list[list], int]:
    """The inverse of dump_carry; anything unreadable counts as no carry."""
    if not isinstance(value, str) or not value:
        return [], 0
    try:
        data = json.loads(value)
        carry = [[int(c[0]), int(c[1]), int(c[2]), str(c[3])] for c in data.get("carry", [])]
        return carry, int(data.get("col", 0))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return [], 0
