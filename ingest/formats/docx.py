"""DOCX to markdown-like text: headings as `#` lines, list paragraphs as `- `/`1. ` lines, tables as HTML markup.

A DOCX is a zip: its central directory is checked against FormatLimits (entries, unpacked bytes, XML part
size, compression ratio) and the paragraphs and table cells of word/document.xml are counted in a stream
before python-docx inflates or parses anything, so a zip bomb is refused in seconds with bounded memory.
Styles and table cells are then resolved in one pass each (no per-paragraph style search), so reading time
grows with the document, not with its square.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from ingest.formats import RawDocument
from ingest.formats.limits import DEFAULT_LIMITS, MB, RATIO_MIN_BYTES, FormatLimits, mb
from ingest.formats.registry import Format, ReadOptions, register
from ingest.formats.table_markup import MarkupCell, table_html
from planbot.errors import UnreadableDocument

DAMAGED = "damaged or not a DOCX file"
MAIN_PART = "word/document.xml"
CD_BYTES_PER_ENTRY = 1024  # a zip directory entry is 46 bytes plus its name: more than this per entry is a lie
MAX_STYLE_DEPTH = 32  # basedOn chains are a few levels deep; a longer one (or a cycle) is cut here
_HEADING_STYLE = re.compile(r"^heading\s*([1-6])$", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0]+")
_W_P, _W_TC = qn("w:p"), qn("w:tc")


def read_docx(path: Path, limits: FormatLimits = DEFAULT_LIMITS) -> RawDocument:
    """Text of a DOCX file in reading order; raises UnreadableDocument when damaged, empty or too large."""
    check_docx_archive(path, limits)
    count_docx_blocks(path, limits)
    doc = _open(path)
    try:
        styles = _Styles(doc)
        blocks = [block for block in _blocks(doc, styles) if block]
        title = _title(doc, styles)
    except (KeyError, ValueError, AttributeError, zipfile.BadZipFile) as exc:
        raise UnreadableDocument(str(path), DAMAGED) from exc
    text = "\n\n".join(_join_lists(blocks)).strip()
    if not text:
        raise UnreadableDocument(str(path), "no text (the document is empty)")
    return RawDocument(format="docx", pages=[text + "\n"], paginated=False, title=title)


def check_docx_archive(path: Path, limits: FormatLimits = DEFAULT_LIMITS) -> None:
    """Refuse a zip whose directory promises too much: files, unpacked bytes, XML part size, compression ratio.

    Only the directory is read; Python's zipfile never inflates a member past the size the directory gives
    (it stops there and fails the CRC), so these sizes bound what python-docx can unpack.
    """
    try:
        with path.open("rb") as fh:
            end = zipfile._EndRecData(fh)  # private, stable: the entry count before ZipFile builds every entry
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    if not end:
        raise UnreadableDocument(str(path), DAMAGED)
    max_entries = limits.docx_max_entries
    declared, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if declared > max_entries or directory > max_entries * CD_BYTES_PER_ENTRY:
        found = f"the zip holds {declared:,} files (a {mb(directory)} directory)"
        raise limits.refuse(path, "docx_max_entries", found, f"{max_entries:,} files")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
        raise UnreadableDocument(str(path), DAMAGED) from exc
    if len(infos) > max_entries:
        raise limits.refuse(path, "docx_max_entries", f"the zip holds {len(infos):,} files", f"{max_entries:,} files")
    total = sum(info.file_size for info in infos)
    if total > limits.docx_max_unpacked_mb * MB:
        found = f"its {len(infos):,} files unpack to {mb(total)}"
        raise limits.refuse(path, "docx_max_unpacked_mb", found, f"{limits.docx_max_unpacked_mb:g} MB")
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > limits.docx_max_xml_mb * MB:
            found = f"{info.filename} unpacks to {mb(info.file_size)}"
            raise limits.refuse(path, "docx_max_xml_mb", found, f"{limits.docx_max_xml_mb:g} MB per XML part")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > limits.docx_max_compression_ratio:
            found = (f"{info.filename} is compressed {ratio:,.0f} to 1 "
                     f"({mb(info.compress_size)} unpacking to {mb(info.file_size)})")
            limit = f"{limits.docx_max_compression_ratio:g} to 1"
            raise limits.refuse(path, "docx_max_compression_ratio", found, limit)


def count_docx_blocks(path: Path, limits: FormatLimits = DEFAULT_LIMITS) -> int:
    """Paragraphs and table cells in word/document.xml, counted in a stream; refused over the limit."""
    limit = limits.docx_max_paragraphs
    count = 0
    try:
        with zipfile.ZipFile(path) as zf, zf.open(MAIN_PART) as stream:
            parser = etree.iterparse(stream, events=("end",), resolve_entities=False, no_network=True,
                                     huge_tree=False)
            for _, element in parser:
                if element.tag == _W_P or element.tag == _W_TC:
                    count += 1
                    if count > limit:
                        break
                element.clear(keep_tail=False)
                while element.getprevious() is not None:  # drop finished siblings: memory stays flat
                    del element.getparent()[0]
    except KeyError:
        return 0  # no word/document.xml: python-docx reports the file as damaged
    except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError, RuntimeError) as exc:
        raise UnreadableDocument(str(path), DAMAGED) from exc
    if count > limit:
        found = f"word/document.xml has more than {limit:,} paragraphs and table cells"
        raise limits.refuse(path, "docx_max_paragraphs", found, f"{limit:,}")
    return count


def _open(path: Path) -> DocxDocument:
    """python-docx Document, with any failure reported as a damaged file."""
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises many types (PackageNotFoundError, KeyError, lxml errors)
        raise UnreadableDocument(str(path), DAMAGED) from exc


class _Styles:
    """Paragraph styles by id, read once: a name and the chain of pPr elements (own, then basedOn)."""

    def __init__(self, doc: DocxDocument):
        self._by_id: dict[str, etree._Element] = {}
        self._default: etree._Element | None = None
        self._chains: dict[str | None, tuple[str, list]] = {}
        try:
            root = doc.styles.element
        except (KeyError, AttributeError, NotImplementedError):
            return
        for style in root.findall(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            if style_id is not None:
                self._by_id.setdefault(style_id, style)
            if style.get(qn("w:type"), "paragraph") == "paragraph" and style.get(qn("w:default")) in ("1", "true"):
                self._default = style  # like python-docx: the last default paragraph style wins

    def of(self, paragraph: Paragraph) -> tuple[str, list]:
        """(style name, pPr elements of the style and the styles it is based on) for a paragraph."""
        ppr = paragraph._p.pPr
        node = ppr.find(qn("w:pStyle")) if ppr is not None else None
        style_id = node.get(qn("w:val")) if node is not None else None
        if style_id not in self._chains:
            self._chains[style_id] = self._resolve(style_id)
        return self._chains[style_id]

    def _resolve(self, style_id: str | None) -> tuple[str, list]:
        style = self._by_id.get(style_id) if style_id else None
        if style is None or style.get(qn("w:type"), "paragraph") != "paragraph":
            style = self._default
        if style is None:
            return "", []
        name_node = style.find(qn("w:name"))
        name = (name_node.get(qn("w:val")) or "") if name_node is not None else ""
        chain, seen = [], set()
        while style is not None and id(style) not in seen and len(chain) < MAX_STYLE_DEPTH:
            seen.add(id(style))
            chain.append(style.find(qn("w:pPr")))
            based = style.find(qn("w:basedOn"))
            style = self._by_id.get(based.get(qn("w:val"))) if based is not None else None
        return name, chain


def _title(doc: DocxDocument, styles: _Styles) -> str | None:
    """Core-properties title, else the first paragraph in the Title style."""
    title = (doc.core_properties.title or "").strip()
    if title:
        return title
    for element in doc.element.body.iterchildren(_W_P):
        paragraph = Paragraph(element, doc)
        if styles.of(paragraph)[0].lower() == "title" and paragraph.text.strip():
            return _clean(paragraph.text)
    return None


def _blocks(doc: DocxDocument, styles: _Styles) -> list[str]:
    """Body paragraphs and tables in document order, each rendered to text."""
    numbering = _Numbering(doc, styles)
    out: list[str] = []
    _collect(doc.element.body, doc, numbering, out)
    return out


def _collect(parent, doc: DocxDocument, numbering: _Numbering, out: list[str]) -> None:
    """Render paragraphs and tables under parent, descending into content controls (w:sdt)."""
    for child in parent.iterchildren():
        if child.tag == _W_P:
            out.append(paragraph_text(Paragraph(child, doc), numbering))
        elif child.tag == qn("w:tbl"):
            out.append(table_markup(Table(child, doc)))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _collect(content, doc, numbering, out)


def paragraph_text(paragraph: Paragraph, numbering: _Numbering | None = None) -> str:
    """One paragraph as a `#` heading, a list line or plain text."""
    text = _clean(paragraph.text)
    if not text:
        return ""
    styles = numbering.styles if numbering else _Styles(paragraph.part.document)
    level = heading_level(paragraph, styles)
    if level:
        return "#" * level + " " + text
    marker = numbering.marker(paragraph) if numbering else None
    return marker + text if marker else text


def heading_level(paragraph: Paragraph, styles: _Styles | None = None) -> int:
    """1-6 for Title / Heading n styles or an outline level; 0 for body text."""
    name, chain = (styles or _Styles(paragraph.part.document)).of(paragraph)
    if name.lower() == "title":
        return 1
    match = _HEADING_STYLE.match(name)
    if match:
        return int(match.group(1))
    outline = _outline_level([paragraph._p.pPr, *chain])
    return outline + 1 if outline is not None and outline < 6 else 0


def _outline_level(candidates: list) -> int | None:
    """w:outlineLvl of the paragraph or of its style (0-based), if any."""
    for ppr in candidates:
        if ppr is None:
            continue
        node = ppr.find(qn("w:outlineLvl"))
        if node is not None:
            return int(node.get(qn("w:val"), "9"))
    return None


def table_markup(table: Table) -> str:
    """The table as HTML table markup (table_markup.py): a horizontal merge (gridSpan) is one cell with a
    colspan, a vertical merge (vMerge restart, then continue) one cell with a rowspan; "" when it has no text.

    Read from each row's own w:tc elements in one pass, so the work is one step per cell written: python-docx's
    row.cells expands every span (one gridSpan of 2,000,000,000 would fill memory), and a span is only ever a
    number here. Rows marked as repeating header rows (w:tblHeader) at the top are written as <th> cells, with
    the rows a header cell merges down into.
    """
    rows: list[list[MarkupCell]] = []
    first_row: dict[int, int] = {}  # id of a cell -> the row it starts in
    above: dict[int, MarkupCell] = {}  # grid column -> the cell starting there in the row above
    for r, tr in enumerate(table._tbl.tr_lst):
        row: list[MarkupCell] = []
        here: dict[int, MarkupCell] = {}
        column = tr.grid_before
        if column:  # grid columns the row leaves out before its first cell
            row.append(MarkupCell("", colspan=column))
            first_row[id(row[-1])] = r
        for tc in tr.tc_lst:
            span = max(tc.grid_span, 1)
            merged = above.get(column) if tc.vMerge == "continue" else None
            if merged is not None and merged.colspan == span:
                merged.rowspan += 1
                cell = merged
            else:
                cell = MarkupCell(_clean(_Cell(tc, table).text), colspan=span)
                first_row[id(cell)] = r
                row.append(cell)
            here[column] = cell
            column += span
        above = here
        rows.append(row)
    _mark_header(table, rows, first_row)
    return table_html(rows)


def _mark_header(table: Table, rows: list[list[MarkupCell]], first_row: dict[int, int]) -> None:
    """Cells of the leading rows marked w:tblHeader become <th>, with the rows their merges reach into; no
    row is marked when that would be every row (the table reader then finds the header itself)."""
    count = 0
    for tr in table._tbl.tr_lst:
        trpr = tr.trPr
        mark = trpr.find(qn("w:tblHeader")) if trpr is not None else None
        if mark is None or mark.get(qn("w:val"), "true").lower() in ("0", "false", "off"):
            break
        count += 1
    grew = True
    while grew and count:
        grew = False
        for row in rows[:count]:
            for cell in row:
                reach = first_row[id(cell)] + cell.rowspan
                if reach > count:
                    count, grew = reach, True
    if count >= len(rows):
        return
    for row in rows[:count]:
        for cell in row:
            cell.header = True


def _clean(text: str) -> str:
    """Soft line breaks and tabs to spaces, runs of spaces collapsed."""
    return _SPACES.sub(" ", text.replace("\n", " ").replace("\v", " ")).strip()


def _join_lists(blocks: list[str]) -> list[str]:
    """Consecutive list lines joined by single newlines so a list stays one block."""
    out: list[str] = []
    for block in blocks:
        if out and _is_list_line(block) and _is_list_line(out[-1].rsplit("\n", 1)[-1]):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return out


def _is_list_line(line: str) -> bool:
    """True for `- item` or `1. item` lines (possibly indented)."""
    return bool(re.match(r"^\s*(?:- |\d+\. )", line))


class _Numbering:
    """Resolves list paragraphs to `- ` or `n. ` markers, counting numbered items per list and level."""

    def __init__(self, doc: DocxDocument, styles: _Styles | None = None):
        self.styles = styles or _Styles(doc)
        self._formats = _numbering_formats(doc)
        self._counters: dict[str, dict[int, int]] = {}  # list -> level -> last number

    def marker(self, paragraph: Paragraph) -> str | None:
        """Marker for a list paragraph, None for a paragraph that is not in a list."""
        name, chain = self.styles.of(paragraph)
        num_id, level = _num_props([paragraph._p.pPr, *chain])
        style = name.lower()
        if num_id is None or num_id == "0":
            if not style.startswith("list"):
                return None
            if "number" in style:
                return self._count("style:" + style, 0)
            return "- " if "bullet" in style else None
        fmt = self._formats.get((num_id, level), "bullet")
        if fmt in ("bullet", "none"):
            return "  " * min(level, 9) + "- "
        return self._count(num_id, level, fmt)

    def _count(self, list_id: str, level: int, fmt: str = "decimal") -> str:
        """Next number of a numbered list; deeper levels restart when a shallower item appears."""
        levels = self._counters.setdefault(list_id, {})
        levels[level] = levels.get(level, 0) + 1
        for deeper in [k for k in levels if k > level]:
            del levels[deeper]
        return "  " * min(level, 9) + _format_number(levels[level], fmt) + ". "


def _format_number(n: int, fmt: str) -> str:
    """List number n in Word's numFmt: letters for lowerLetter/upperLetter, digits otherwise."""
    if fmt in ("lowerLetter", "upperLetter") and n <= 26:
        letter = chr(ord("a") + n - 1)
        return letter.upper() if fmt == "upperLetter" else letter
    return str(n)


def _num_props(candidates: list) -> tuple[str | None, int]:
    """(numId, ilvl) from the paragraph's or its style's numbering properties."""
    for ppr in candidates:
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num_pr is None:
            continue
        num_id = num_pr.find(qn("w:numId"))
        ilvl = num_pr.find(qn("w:ilvl"))
        level = int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0
        return (num_id.get(qn("w:val")) if num_id is not None else None), level
    return None, 0


def _numbering_formats(doc: DocxDocument) -> dict[tuple[str, int], str]:
    """(numId, level) -> numFmt ("bullet", "decimal", ...) from numbering.xml; empty when absent."""
    try:
        root = doc.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract: dict[str, dict[int, str]] = {}
    for node in root.findall(qn("w:abstractNum")):
        levels = {}
        for lvl in node.findall(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal"
            )
        abstract[node.get(qn("w:abstractNumId"))] = levels
    formats: dict[tuple[str, int], str] = {}
    for num in root.findall(qn("w:num")):
        ref = num.find(qn("w:abstractNumId"))
        levels = abstract.get(ref.get(qn("w:val")) if ref is not None else "", {})
        for level, fmt in levels.items():
            formats[(num.get(qn("w:numId")), level)] = fmt
    return formats


def _read(path: Path, options: ReadOptions) -> RawDocument:
    return read_docx(path, options.limits)


register(Format("docx", (".docx",), _read, frozenset({"docx"}), content="docx", upload=(".docx",), order=50))
