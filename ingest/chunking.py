"""Structure-aware chunking: headings and lists stay with their section, bounded in model tokens."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from llama_index.core.node_parser import NodeParser
from llama_index.core.schema import BaseNode, NodeRelationship, TextNode
from pydantic import Field

from ingest.cleaning import LIST_MARKER, strip_emphasis
from ingest.debris import strip_debris
from ingest.tables import (
    CELL_OPEN,
    MAX_UNTAGGED_LINES,
    Table,
    dump_carry,
    find_tables,
    fragment_lines,
    load_carry,
)

TokenCounter = Callable[[str], int]

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_DECIMAL_HEADING = re.compile(r"^\d+(?:\.\d+)+\.?\s+\S")
_NUMBER_PREFIX = re.compile(r"^\s*(?:\d{1,2}[.)]\s+)")
_LABEL = re.compile(r"^[^.!?]{2,60}\s:\s*$|^[^.!?]{2,60}:\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"“(]?[A-Z0-9])")
# Label headings (level 4, "Program Kerja :") stay inside the chunk of their parent section.
LABEL_LEVEL = 4
# HTML a PDF converter leaves in the text: tables (whose cells span lines), tags, entities.
_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)
_TABLE_TAG = re.compile(r"</?(?:table|thead|tbody|tr|td|th)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
# Chunk metadata of a table piece: its caption (the key's presence marks a table piece), column labels and
# the cells spanning into it from rows of an earlier piece.
TABLE_KEY = "table_caption"
# Present (True) on a table piece chunked with table_rows off: it is embedded as its text stands, no row lines.
TABLE_PLAIN_KEY = "table_plain"
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# Markdown debris in a heading: images, links (their text kept), inline math delimiters, escapes.
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\))?")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class Unit:
    """A line-level piece of a document: a heading, a list item or a paragraph, with its span."""

    start: int
    end: int
    kind: str  # "heading" | "item" | "para"
    level: int = 0  # heading level; 0 for other kinds
    title: str = ""  # heading text without markers


def _is_caps(words: list[str]) -> bool:
    letters = [c for c in " ".join(words) if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) >= 0.85


def heading_text(title: str) -> str:
    """A heading's words for a section path: without HTML tags and entities, images, link targets,
    emphasis, escapes and stray '#', '|', '*' at its edges."""
    text = _IMAGE.sub(" ", title)
    text = _LINK.sub(r"\1", text)
    text = html.unescape(_TAG.sub(" ", text))
    text = strip_emphasis(text).replace("\\", "").replace("`", "")
    return " ".join(text.split()).strip(" #|*_:-–—=~")


def classify_line(line: str) -> tuple[str, int, str]:
    """Kind, heading level and heading title of one line of cleaned text."""
    if _TABLE_TAG.search(line) or _PIPE_ROW.match(line):
        return "para", 0, ""  # a table row or cell is never a heading
    kind, level, title = _classify(line)
    if kind == "heading":
        title = heading_text(title)
        if not re.search(r"[^\W\d_]", title):
            return "para", 0, ""
    return kind, level, title


def _classify(line: str) -> tuple[str, int, str]:
    plain = strip_emphasis(line).replace("*", "").strip()
    md = _MD_HEADING.match(plain)
    if md:
        return "heading", min(len(md.group(1)), 3), md.group(2).strip("* ")
    if "<" in plain or "[" in plain or "&" in plain:
        plain = heading_text(plain)
    words = plain.split()
    if not words:
        return "para", 0, ""
    unnumbered = _NUMBER_PREFIX.sub("", plain)
    short = len(words) <= 8 and len(plain) <= 80 and not re.search(r"[.!?;,]\s*$", plain)
    if short and _is_caps(unnumbered.split()):
        return "heading", 1, unnumbered.strip(" :")
    if short and _DECIMAL_HEADING.match(plain):
        return "heading", 2, plain
    if LIST_MARKER.match(line):
        return "item", 0, ""
    if short and _LABEL.match(plain) and len(words) <= 5:
        return "heading", LABEL_LEVEL, plain.rstrip(" :")
    capitalised = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
    if short and len(words) <= 6 and capitalised / len(words) >= 0.5 and not plain.endswith(":"):
        return "heading", 3, plain
    return "para", 0, ""


def table_lines(lines: Sequence[str]) -> list[bool]:
    """For each line, True when it is part of an HTML table (a row, or a cell's text running over lines)."""
    flags = []
    tables = 0  # HTML tables open at the start of the line
    untagged = 0  # lines since the last table tag: a table never closed ends after MAX_UNTAGGED_LINES
    for line in lines:
        inside = tables > 0
        if "<" in line and _TABLE_TAG.search(line):
            tables = max(0, tables + len(_TABLE_OPEN.findall(line)) - len(_TABLE_CLOSE.findall(line)))
            untagged, inside = 0, True
        elif tables and line.strip():
            untagged += 1
            if untagged > MAX_UNTAGGED_LINES:
                tables = 0
                inside = False
        flags.append(inside)
    return flags


def split_units(text: str, offset: int = 0, tables: bool = True) -> list[Unit]:
    """Lines of the text as units with character spans (blank lines dropped); table lines are paragraphs.

    offset: added to every span (the text is a slice of a document); tables=False: the text holds no
    table, so no line is read as one."""
    units: list[Unit] = []
    pos = offset
    lines = text.split("\n")
    flags = table_lines(lines) if tables else [False] * len(lines)
    for line, in_table in zip(lines, flags):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        kind, level, title = ("para", 0, "") if in_table else classify_line(line)
        if kind == "heading" and ("<" in title or ">" in title):
            kind, level, title = "para", 0, ""
        units.append(Unit(start + lead, start + len(line.rstrip()), kind, level, title))
    return units


def _split_long(text: str, unit: Unit, count: TokenCounter, max_tokens: int) -> list[Unit]:
    """Split an over-long unit at sentence ends, then at spaces, so each piece fits max_tokens."""
    body = text[unit.start : unit.end]
    cuts = [0] + [m.end() for m in _SENTENCE_END.finditer(body)] + [len(body)]
    pieces: list[tuple[int, int]] = []
    for a, b in pairwise(cuts):
        if b > a:
            pieces.extend(_split_words(body, a, b, count, max_tokens))
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        if merged and count(body[merged[-1][0] : b]) <= max_tokens:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return [Unit(unit.start + a, unit.start + _rstrip_end(body, a, b), unit.kind) for a, b in merged]


def _rstrip_end(body: str, a: int, b: int) -> int:
    return a + len(body[a:b].rstrip())


def _split_words(body: str, a: int, b: int, count: TokenCounter, max_tokens: int) -> list[tuple[int, int]]:
    """Pieces of body[a:b] that fit max_tokens, cut at spaces (or anywhere, for unbroken text)."""
    if count(body[a:b]) <= max_tokens:
        return [(a, b)]
    out = []
    while a < b:
        hi = min(b, a + max_tokens * 3)
        while hi > a + 1 and count(body[a:hi]) > max_tokens:
            hi = a + (hi - a) * 3 // 4
        space = body.rfind(" ", a + 1, hi) if hi < b else -1
        cut = space + 1 if space > a else hi
        out.append((a, cut))
        a = cut
    return out


def embed_text(text: str, metadata: dict[str, Any]) -> str:
    """What the embedding model and the lexical index see: context line plus emphasis-free text without
    conversion debris; for a table piece, the context line, the caption and one readable line per row (a
    piece chunked with table_rows off: its text, as for any other chunk)."""
    return _embedded(text, metadata)[0]


def _context_line(metadata: dict[str, Any]) -> str:
    context = [metadata.get("title") or ""]
    region = metadata.get("region")
    if region and region.lower() not in context[0].lower():
        context.append(region)
    if metadata.get("section"):
        context.append(metadata["section"])
    return " | ".join(c for c in context if c)


def _embedded(text: str, metadata: dict[str, Any]) -> tuple[str, int]:
    """embed_text and the number of debris characters left out of it."""
    head = _context_line(metadata)
    if TABLE_KEY in metadata and not metadata.get(TABLE_PLAIN_KEY):
        header = metadata.get("table_header") or ""
        carry, first_col = load_carry(metadata.get("table_carry"))
        rows = fragment_lines(text, header.split(" | ") if header else [], carry, first_col)
        body, dropped = strip_debris(strip_emphasis("\n".join(rows)))
        parts = [head, metadata.get(TABLE_KEY) or "", body]
        return "\n".join(p for p in parts if p), dropped
    body, dropped = strip_debris(strip_emphasis(text))
    return (f"{head}\n{body}" if head else body), dropped


def chunk_id(doc_id: str, content: str, occurrence: int) -> str:
    """Stable id from the document, the embedded content and its occurrence number."""
    digest = hashlib.sha1(f"{doc_id}\x00{content}\x00{occurrence}".encode()).hexdigest()
    return digest[:24]


class StructureChunker(NodeParser):
    """Chunks that follow the document's headings and lists, bounded by the embedding model's tokens."""

    token_counter: TokenCounter = Field(exclude=True, description="Counts the embedding model's tokens.")
    max_tokens: int = Field(320, description="Largest chunk content, in model tokens.")
    table_rows: bool = Field(True, description="Table pieces embedded as caption and row lines (else as text).")
    include_prev_next_rel: bool = Field(default=False)

    @classmethod
    def class_name(cls) -> str:
        return "StructureChunker"

    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any) -> list[BaseNode]:
        out: list[BaseNode] = []
        for doc in nodes:
            out.extend(self.chunk_document(doc))
        return out

    def chunk_document(self, doc: BaseNode) -> list[TextNode]:
        """TextNodes of one document, with section paths and exact character spans."""
        text = doc.get_content()
        page_starts: list[int] = doc.metadata.get("page_starts") or []
        base_meta = {k: v for k, v in doc.metadata.items() if k not in ("page_starts", "debris_chars")}
        spans = self._spans(text, base_meta)
        nodes: list[TextNode] = []
        seen: dict[str, int] = {}
        source = doc.as_related_node_info()  # hashes the whole document: once, not once per chunk
        debris = 0
        for start, end, section, extra in spans:
            chunk = text[start:end]
            meta = {**base_meta, "section": section, "start": start, "end": end, **extra}
            if page_starts:
                meta["page"] = _page_of(start, page_starts)
            content, dropped = _embedded(chunk, meta)
            meta["debris_chars"] = dropped
            debris += dropped
            n = seen.get(content, 0)
            seen[content] = n + 1
            node = TextNode(
                id_=chunk_id(doc.node_id, content, n),
                text=chunk,
                metadata=meta,
                start_char_idx=start,
                end_char_idx=end,
            )
            node.relationships[NodeRelationship.SOURCE] = source
            nodes.append(node)
        doc.metadata["debris_chars"] = debris  # the document's total, for the manifest (planbot status)
        return nodes

    def _spans(self, text: str, meta: dict[str, Any]) -> list[tuple[int, int, str, dict[str, Any]]]:
        """(start, end, section path, table metadata) of each chunk."""
        count = self.token_counter
        budget = self.max_tokens
        path: list[tuple[int, str]] = []
        chunks: list[tuple[int, int, str, dict[str, Any]]] = []
        current: list[Unit] = []
        tokens = 0
        section = ""

        def flush() -> None:
            nonlocal current, tokens
            if current and any(u.kind != "heading" for u in current):
                chunks.append((current[0].start, current[-1].end, section, {}))
                current, tokens = [], 0

        tables = find_tables(text)
        for unit in document_units(text, tables):
            if unit.kind == "table":
                flush()
                current, tokens = [], 0  # headings alone before a table live on in its section path
                section = " > ".join(t for _, t in path)
                chunks.extend(self._table_chunks(text, tables[unit.level], unit.start, {**meta, "section": section}))
                continue
            if unit.kind == "heading":
                if unit.level < LABEL_LEVEL:
                    flush()
                while path and path[-1][0] >= unit.level:
                    path.pop()
                path.append((unit.level, unit.title))
                if not current or all(u.kind == "heading" for u in current):
                    section = " > ".join(t for _, t in path)
            pieces = [unit]
            n = count(strip_emphasis(text[unit.start : unit.end]))
            if n > budget:
                pieces = _split_long(text, unit, count, budget)
            for piece in pieces:
                n_piece = n if len(pieces) == 1 else count(text[piece.start : piece.end])
                if current and tokens + n_piece > budget:
                    carried = _trailing_intro(text, current)
                    current = current[: len(current) - len(carried)]
                    flush()
                    current = carried
                    tokens = sum(count(text[u.start : u.end]) + 1 for u in carried)
                    section = " > ".join(t for _, t in path)
                current.append(piece)
                tokens += n_piece + 1
        flush()
        return chunks

    def _table_chunks(self, text: str, table: Table, start: int, meta: dict[str, Any]
                      ) -> list[tuple[int, int, str, dict[str, Any]]]:
        """One chunk for a table that fits the budget with its context line and caption; else row groups,
        each the exact span of whole rows (a row longer than the budget cut at cell boundaries)."""
        count, budget = self.token_counter, self.max_tokens
        base = {TABLE_KEY: table.caption, "table_header": table.header_text()}
        if not self.table_rows:
            base[TABLE_PLAIN_KEY] = True
        section = meta.get("section", "")

        def extra(first_row: int, first_col: int = 0, end_col: int | None = None) -> dict[str, Any]:
            """Table metadata of a piece starting at first_row (a piece of one row: its columns only)."""
            carry = [c for c in table.carry_into(first_row) if first_col <= c[0] < (end_col or 1 << 30)]
            dumped = dump_carry(carry, first_col)
            return {**base, "table_carry": dumped} if dumped else dict(base)

        def fits(a: int, b: int, ext: dict[str, Any]) -> bool:
            return count(embed_text(text[a:b], {**meta, **ext})) <= budget

        if fits(start, table.end, base):
            return [(start, table.end, section, base)]
        rows = table.rows
        lines = table.row_lines()
        fixed = count(embed_text("", {**meta, **base}))
        avail = max(budget - fixed, budget // 4)
        row_cost = [count(line) + 1 if line else 1 for line in lines]
        groups: list[list[int]] = []
        for i, cost in enumerate(row_cost):
            if groups and sum(row_cost[k] for k in groups[-1]) + cost <= avail:
                groups[-1].append(i)
            else:
                groups.append([i])
        out: list[tuple[int, int, str, dict[str, Any]]] = []

        def bounds(g: list[int]) -> tuple[int, int]:
            a = start if g[0] == 0 else rows[g[0]].start
            b = table.end if g[-1] == len(rows) - 1 else rows[g[-1]].end
            return a, b

        def emit(g: list[int]) -> None:
            a, b = bounds(g)
            ext = extra(g[0])
            if fits(a, b, ext):
                out.append((a, b, section, ext))
            elif len(g) > 1:
                mid = len(g) // 2
                if g[0] == 0:  # header rows stay together
                    mid = max(mid, min(table.header_rows, len(g) - 1))
                emit(g[:mid])
                emit(g[mid:])
            else:
                out.extend(self._row_chunks(text, table, g[0], a, b, meta, extra, avail))

        for g in groups:
            emit(g)
        return out

    def _row_chunks(self, text: str, table: Table, i: int, a: int, b: int, meta: dict[str, Any],
                    extra: Callable[..., dict[str, Any]], avail: int) -> list[tuple[int, int, str, dict[str, Any]]]:
        """A row too long for one chunk, cut at its cell boundaries (a cell too long, at spaces)."""
        count, section = self.token_counter, meta.get("section", "")
        grid_row = table.grid.rows[i] if i < len(table.grid.rows) else []
        own = sorted({id(p): p for p in grid_row if p is not None and p.row == i}.values(), key=lambda p: p.col)
        row_start = table.rows[i].start
        cell_starts = [m.start() + row_start for m in CELL_OPEN.finditer(text[row_start:b])]
        cuts = [a, *cell_starts[1:], b]
        cols = [0] + [p.col for p in own[1 : len(cell_starts)]]
        cols += [cols[-1]] * (len(cuts) - 1 - len(cols))
        pieces: list[tuple[int, int, int, int | None]] = []  # (start, end, first column, column after the last)
        for k in range(len(cuts) - 1):
            lo, hi, col = cuts[k], cuts[k + 1], cols[k]
            end_col = cols[k + 1] if k + 1 < len(cols) and cols[k + 1] > col else None
            if pieces and self._fits_piece(text, pieces[-1][0], hi, meta, extra(i, pieces[-1][2], end_col)):
                pieces[-1] = (pieces[-1][0], hi, pieces[-1][2], end_col)
            else:
                pieces.append((lo, hi, col, end_col))
        out: list[tuple[int, int, str, dict[str, Any]]] = []
        for lo, hi, col, end_col in pieces:
            ext = extra(i, col, end_col)
            if not self._fits_piece(text, lo, hi, meta, ext):  # the cells spanning into it are too many
                bare = dump_carry([], col)
                ext = {k: v for k, v in ext.items() if k != "table_carry"} | ({"table_carry": bare} if bare else {})
            if self._fits_piece(text, lo, hi, meta, ext):
                out.append((lo, hi, section, ext))
                continue
            label = count(embed_text(text[lo:hi], {**meta, **ext})) - count(text[lo:hi])
            for x, y in _split_words(text, lo, hi, count, max(avail - max(label, 0), 16)):
                out.append((x, y, section, ext))
        return out

    def _fits_piece(self, text: str, a: int, b: int, meta: dict[str, Any], ext: dict[str, Any]) -> bool:
        return self.token_counter(embed_text(text[a:b], {**meta, **ext})) <= self.max_tokens


def document_units(text: str, tables: Sequence[Table]) -> list[Unit]:
    """Units of the text around its tables, and one "table" unit per table (level = its index): headings
    are never read from inside a table. A caption line just before its table belongs to the table."""
    units: list[Unit] = []
    pos = 0
    for k, table in enumerate(tables):
        units.extend(split_units(text[pos : table.start], offset=pos, tables=False))
        start = table.start
        if table.caption_start is not None and units and units[-1].start == table.caption_start:
            start = units.pop().start
        units.append(Unit(start, table.end, "table", k))
        pos = table.end
    units.extend(split_units(text[pos:], offset=pos, tables=False))
    return units


def _trailing_intro(text: str, units: list[Unit]) -> list[Unit]:
    """Short headings and item titles at the end of a full chunk: they introduce what follows."""
    k = len(units)
    while k > 1 and (units[k - 1].kind == "heading" or _is_short_item(text, units[k - 1])):
        k -= 1
    if all(u.kind == "heading" for u in units[:k]):
        return []
    return units[k:]


def _is_short_item(text: str, unit: Unit) -> bool:
    return unit.kind == "item" and len(text[unit.start : unit.end].split()) <= 8


def _page_of(offset: int, page_starts: list[int]) -> int:
    """1-based page number containing the character offset."""
    page = 1
    for i, start in enumerate(page_starts):
        if offset >= start:
            page = i + 1
    return page
