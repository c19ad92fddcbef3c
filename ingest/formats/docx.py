"""DOCX to markdown-like text: headings as `#` lines, list paragraphs as `- `/`1. ` lines, tables as rows."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.formats import RawDocument
from planbot.errors import UnreadableDocument

DAMAGED = "damaged or not a DOCX file"
_HEADING_STYLE = re.compile(r"^heading\s*([1-6])$", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0]+")


def read_docx(path: Path) -> RawDocument:
    """Text of a DOCX file in reading order; raises UnreadableDocument when damaged or empty."""
    doc = _open(path)
    try:
        blocks = [block for block in _blocks(doc) if block]
    except (KeyError, ValueError, AttributeError, zipfile.BadZipFile) as exc:
        raise UnreadableDocument(str(path), DAMAGED) from exc
    text = "\n\n".join(_join_lists(blocks)).strip()
    if not text:
        raise UnreadableDocument(str(path), "no text (the document is empty)")
    return RawDocument(format="docx", pages=[text + "\n"], paginated=False, title=_title(doc))


def _open(path: Path) -> DocxDocument:
    """python-docx Document, with any failure reported as a damaged file."""
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises many types (PackageNotFoundError, KeyError, lxml errors)
        raise UnreadableDocument(str(path), DAMAGED) from exc


def _title(doc: DocxDocument) -> str | None:
    """Core-properties title, else the first paragraph in the Title style."""
    title = (doc.core_properties.title or "").strip()
    if title:
        return title
    for paragraph in doc.paragraphs:
        if _style_name(paragraph).lower() == "title" and paragraph.text.strip():
            return _clean(paragraph.text)
    return None


def _blocks(doc: DocxDocument) -> list[str]:
    """Body paragraphs and tables in document order, each rendered to text."""
    numbering = _Numbering(doc)
    out: list[str] = []
    _collect(doc.element.body, doc, numbering, out)
    return out


def _collect(parent, doc: DocxDocument, numbering: _Numbering, out: list[str]) -> None:
    """Render paragraphs and tables under parent, descending into content controls (w:sdt)."""
    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            out.append(paragraph_text(Paragraph(child, doc), numbering))
        elif child.tag == qn("w:tbl"):
            out.append(table_text(Table(child, doc)))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _collect(content, doc, numbering, out)


def paragraph_text(paragraph: Paragraph, numbering: _Numbering | None = None) -> str:
    """One paragraph as a `#` heading, a list line or plain text."""
    text = _clean(paragraph.text)
    if not text:
        return ""
    level = heading_level(paragraph)
    if level:
        return "#" * level + " " + text
    marker = numbering.marker(paragraph) if numbering else None
    return marker + text if marker else text


def heading_level(paragraph: Paragraph) -> int:
    """1-6 for Title / Heading n styles or an outline level; 0 for body text."""
    name = _style_name(paragraph)
    if name.lower() == "title":
        return 1
    match = _HEADING_STYLE.match(name)
    if match:
        return int(match.group(1))
    outline = _outline_level(paragraph)
    return outline + 1 if outline is not None and outline < 6 else 0


def _outline_level(paragraph: Paragraph) -> int | None:
    """w:outlineLvl of the paragraph or of its style (0-based), if any."""
    candidates = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        candidates.append(style.element.pPr)
        style = style.base_style
    for ppr in candidates:
        if ppr is None:
            continue
        node = ppr.find(qn("w:outlineLvl"))
        if node is not None:
            return int(node.get(qn("w:val"), "9"))
    return None


def _style_name(paragraph: Paragraph) -> str:
    """Style name of a paragraph, "" when it has none."""
    try:
        return (paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, AttributeError):
        return ""


def table_text(table: Table) -> str:
    """Rows of cells joined by " | ", one row per line; merged cells appear once."""
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(_clean(cell.text))
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


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

    def __init__(self, doc: DocxDocument):
        self._formats = _numbering_formats(doc)
        self._counters: dict[tuple[str, int], int] = {}

    def marker(self, paragraph: Paragraph) -> str | None:
        """Marker for a list paragraph, None for a paragraph that is not in a list."""
        num_id, level = _num_props(paragraph)
        style = _style_name(paragraph).lower()
        if num_id is None or num_id == "0":
            if not style.startswith("list"):
                return None
            if "number" in style:
                return self._count(("style:" + style, 0), 0)
            return "- " if "bullet" in style else None
        fmt = self._formats.get((num_id, level), "bullet")
        if fmt in ("bullet", "none"):
            return "  " * level + "- "
        return self._count((num_id, level), level, fmt)

    def _count(self, key: tuple[str, int], level: int, fmt: str = "decimal") -> str:
        """Next number of a numbered list; deeper levels restart when a shallower item appears."""
        self._counters[key] = self._counters.get(key, 0) + 1
        for other in [k for k in self._counters if k[0] == key[0] and k[1] > key[1]]:
            del self._counters[other]
        return "  " * level + _format_number(self._counters[key], fmt) + ". "


def _format_number(n: int, fmt: str) -> str:
    """List number n in Word's numFmt: letters for lowerLetter/upperLetter, digits otherwise."""
    if fmt in ("lowerLetter", "upperLetter") and n <= 26:
        letter = chr(ord("a") + n - 1)
        return letter.upper() if fmt == "upperLetter" else letter
    return str(n)


def _num_props(paragraph: Paragraph) -> tuple[str | None, int]:
    """(numId, ilvl) from the paragraph's or its style's numbering properties."""
    candidates = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        candidates.append(style.element.pPr)
        style = style.base_style
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
