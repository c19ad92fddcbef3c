"""HTML to markdown-like text: visible text only, `#` headings, `- ` list lines, tables as table markup.

A data table (two rows and two columns or more) is written as the HTML table markup ingest/tables.py reads
(ingest/formats/table_markup.py, as for DOCX tables): one `<tr>` per line, rowspans and colspans kept, `<th>`
for its header rows, its `<caption>` as a "Tabel ..." line just before it. A layout table (one row or one
column) and a table too large to lay out stay text: one line per row, cells joined by " | ".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.formats import RawDocument
from ingest.formats.limits import DEFAULT_LIMITS, FormatLimits
from ingest.formats.registry import Format, ReadOptions, register
from ingest.formats.table_markup import MarkupCell, table_html
from ingest.tables import MAX_COLSPAN, Cell, is_caption, place
from planbot.errors import UnreadableDocument

# Server template markup left in saved pages: PHP, ASP/JSP, Blade, Jinja/Twig.
_PARENS = r"(?:\s*\((?:[^()'\"]|'[^']*'|\"[^\"]*\"|\((?:[^()]|\([^()]*\))*\))*\))?"
_BLADE_DIRECTIVES = (
    "if|elseif|else|endif|unless|endunless|isset|endisset|empty|endempty|auth|endauth|guest|endguest|"
    "for|endfor|foreach|endforeach|forelse|endforelse|while|endwhile|switch|case|break|default|endswitch|"
    "continue|extends|section|endsection|show|stop|overwrite|append|yield|include|includeIf|includeWhen|"
    "includeUnless|includeFirst|each|push|endpush|pushOnce|endPushOnce|prepend|endprepend|stack|csrf|method|"
    "error|enderror|component|endcomponent|slot|endslot|can|endcan|cannot|endcannot|canany|endcanany|lang|"
    "choice|json|parent|once|endonce|props|aware|vite|viteReactRefresh|livewire|livewireStyles|"
    "livewireScripts|production|endproduction|env|endenv|hasSection|sectionMissing|class|style|checked|"
    "selected|disabled|readonly|required|dd|dump|inject|use|fragment|endfragment|session|endsession|"
    "verbatim|endverbatim"
)
# (pattern, closing token): a pattern with a closing token is only searched up to its last occurrence, since
# an opener after it can never match; so many unterminated openers ("{{{{..." in a 1 MB file) cost one pass
# instead of one scan to the end of the file each (quadratic: 40 KB of "{{" took 20 s).
_TEMPLATE_PATTERNS: list[tuple[re.Pattern[str], str | None]] = [
    # PHP (unterminated runs to the end)
    (re.compile(r"<\?(?:php|=)?.*?(?:\?>|\Z)", re.DOTALL | re.IGNORECASE), None),
    (re.compile(r"<%.*?(?:%>|\Z)", re.DOTALL), None),  # ASP / JSP
    (re.compile(r"@php\b.*?@endphp\b", re.DOTALL), "@endphp"),  # Blade PHP block
    (re.compile(r"\{\{--.*?--\}\}", re.DOTALL), "--}}"),  # Blade comment
    (re.compile(r"\{!!.*?!!\}", re.DOTALL), "!!}"),  # Blade raw echo
    (re.compile(r"(?<!@)\{\{.*?\}\}", re.DOTALL), "}}"),  # Blade / Jinja echo
    (re.compile(r"\{%.*?%\}", re.DOTALL), "%}"),  # Jinja / Twig statement
    (re.compile(r"\{#.*?#\}", re.DOTALL), "#}"),  # Jinja / Twig comment
    # Blade directives, not e-mail addresses
    (re.compile(rf"(?<![\w.@-])@(?:{_BLADE_DIRECTIVES})\b{_PARENS}"), None),
]

_DROP_TAGS = (
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "nav",
    "form",
    "iframe",
    "object",
    "embed",
    "canvas",
    "select",
    "textarea",
    "button",
    "input",
    "footer",
    "dialog",
    "title",
    "map",
)
_DROP_SELECTORS = (
    "[hidden]",
    "[aria-hidden=true]",
    "[role=navigation]",
    "[role=contentinfo]",
    "[role=search]",
    "[style*='display:none']",
    "[style*='display: none']",
)
_BLOCK = {
    "div",
    "section",
    "article",
    "main",
    "aside",
    "header",
    "blockquote",
    "address",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "center",
    "body",
    "html",
    "hr",
    "fieldset",
    "details",
    "summary",
    "caption",
}
_PARAGRAPH = {"p", "pre", "blockquote", "ul", "ol", "dl", "table", "hr"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_LINE = "\x00"  # block boundary: the text around it goes on separate lines
_PARA = "\x01"  # paragraph boundary: a blank line
_BR = "\x02"  # <br>: one line break; two in a row make a blank line
_INDENT = "\x03"  # one level of list nesting, two spaces in the output
_MARKS = re.compile(r"(?:[ \t\r\n\f\u00a0]*[\x00\x01\x02])+[ \t\r\n\f\u00a0]*")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_SPAN = re.compile(r"\s*(\d{1,9})")
# A table whose grid (rows x columns, spans resolved) would be larger than this is written as text: laying
# it out (here and in ingest/tables.py) takes memory in proportion, and rowspans can make it huge from a
# small page (one row of 1,000 cells spanning 100,000 rows of one cell each).
MAX_TABLE_GRID = 250_000


def read_html(path: Path, limits: FormatLimits = DEFAULT_LIMITS) -> RawDocument:
    """Visible text of an HTML file as markdown-like lines; raises UnreadableDocument when there is none.

    A page whose decoded text is longer than limits.html_max_mchars million characters is refused before
    it is parsed (the parsed tree takes many times the text's size).
    """
    warnings: list[str] = []
    source = _decode(_read_bytes(path), warnings)
    if len(source) > limits.html_max_mchars * 1_000_000:
        found = f"the page decodes to {len(source) / 1e6:,.1f} million characters"
        raise limits.refuse(path, "html_max_mchars", found, f"{limits.html_max_mchars:g} million characters")
    cleaned = strip_template_markup(source)
    if cleaned != source:
        warnings.append("server template markup (PHP/Blade/Jinja) removed")
    tree = LexborHTMLParser(cleaned)
    title = html_title(tree)
    try:
        text = html_to_text(tree)
    except RecursionError as exc:  # elements nested hundreds deep (tables in tables in tables ...)
        raise UnreadableDocument(str(path), "the page's elements are nested too deeply to read") from exc
    if not text.strip():
        raise UnreadableDocument(str(path), "no visible text")
    return RawDocument(format="html", pages=[text], paginated=False, title=title, warnings=warnings)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, with unreadable files reported as UnreadableDocument."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc


def _decode(data: bytes, warnings: list[str]) -> str:
    """Bytes to str: BOM, then UTF-8, then the declared <meta charset>, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    for encoding in ([declared.group(1).decode("ascii")] if declared else []) + ["cp1252"]:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
        warnings.append(f"not UTF-8: decoded as {encoding}")
        return text
    warnings.append("not UTF-8: undecodable bytes replaced")
    return data.decode("utf-8", errors="replace")


def strip_template_markup(source: str) -> str:
    """Remove PHP, ASP, Blade and Jinja markup left in a saved or source HTML file."""
    for pattern, closer in _TEMPLATE_PATTERNS:
        if closer is None:
            source = pattern.sub(" ", source)
            continue
        end = source.rfind(closer)
        if end >= 0:
            end += len(closer)
            source = pattern.sub(" ", source[:end]) + source[end:]
    return source


def html_title(tree: LexborHTMLParser) -> str | None:
    """Text of <title>, else of the first <h1>; None when neither has text."""
    for selector in ("title", "h1"):
        node = tree.css_first(selector)
        if node is not None:
            text = _collapse(node.text(separator=" "))
            if text:
                return text
    return None


def html_to_text(tree: LexborHTMLParser) -> str:
    """Visible text of the parsed page as markdown-like lines."""
    root = tree.body or tree.root
    if root is None:
        return ""
    for selector in _DROP_TAGS + _DROP_SELECTORS:
        for node in root.css(selector):
            node.decompose()
    for node in root.css("header"):
        if node.css_first("nav, ul") is not None and node.css_first("h1, h2, h3") is None:
            node.decompose()
    out: list[str] = []
    _render(root, out)
    return _finish("".join(out))


def _render(node: LexborNode, out: list[str], inline: bool = False) -> None:
    """Append the text of node's children to out, with break markers for blocks (no `#` when inline)."""
    for child in node.iter(include_text=True):
        _render_node(child, out, inline)


def _render_node(child: LexborNode, out: list[str], inline: bool) -> None:
    """Append the text of one node (element or text) to out."""
    if child.is_text_node:
        out.append(child.text(deep=False) or "")
        return
    tag = child.tag or ""
    if tag in _HEADINGS:
        marker = "" if inline else "#" * _HEADINGS[tag] + " "
        out.append(_PARA + marker + _inline_words(child) + _PARA)
    elif tag in ("ul", "ol"):
        _render_list(child, out, ordered=tag == "ol")
    elif tag == "li":
        out.append(_LINE + "- " + _inline(child) + _LINE)
    elif tag == "table":
        _render_table(child, out, inline)
    elif tag == "br":
        out.append(_BR)
    elif tag == "pre":
        out.append(_PARA + (child.text() or "").replace("\n", _BR) + _PARA)
    elif tag in _PARAGRAPH or tag in _BLOCK:
        mark = _PARA if tag in _PARAGRAPH else _LINE
        out.append(mark)
        _render(child, out, inline)
        out.append(mark)
    elif not tag.startswith(("-", "!")) and tag != "img":  # skip comments, doctype, images
        _render(child, out, inline)


def _render_list(node: LexborNode, out: list[str], *, ordered: bool, depth: int = 0) -> None:
    """Items of ul/ol as `- item` or `1. item` lines; nested lists indented below their item."""
    out.append(_PARA if depth == 0 else _LINE)
    number = _start_number(node)
    for item in node.iter():
        if item.tag in ("ul", "ol"):
            _render_list(item, out, ordered=item.tag == "ol", depth=depth + 1)
        if item.tag != "li":
            continue
        parts: list[str] = []
        nested = []
        for child in item.iter(include_text=True):
            if child.tag in ("ul", "ol"):
                nested.append(child)
            else:
                _render_node(child, parts, inline=True)
        marker = f"{number}. " if ordered else "- "
        out.append(_LINE + _INDENT * depth + marker + _collapse(_MARKS.sub(" ", "".join(parts))) + _LINE)
        number += 1
        for sub in nested:
            _render_list(sub, out, ordered=sub.tag == "ol", depth=depth + 1)
    out.append(_PARA if depth == 0 else _LINE)


def _start_number(node: LexborNode) -> int:
    """The `start` attribute of an <ol>, default 1."""
    try:
        return int((node.attributes.get("start") or "1").strip())
    except ValueError:
        return 1


@dataclass
class _SourceCell:
    """A <td>/<th> of a table's own rows: its node, whether it is a header cell, its spans (bounded)."""

    node: LexborNode
    header: bool
    rowspan: int
    colspan: int


def _render_table(node: LexborNode, out: list[str], inline: bool = False) -> None:
    """A data table as table markup with its caption line before it; a layout table, a table too large to
    lay out and a table inside a line (a list item, another table's cell) as text."""
    rows = _table_cells(node)
    if inline:
        out.append(" " + _flat_table(node, rows) + " ")
        return
    if _is_data_table(rows):
        _render_data_table(node, rows, out)
    else:
        _render_text_table(node, rows, out)


def _own_rows(node: LexborNode) -> list[tuple[LexborNode, bool]]:
    """The table's own <tr> (not those of tables inside its cells), each with whether it is in <thead>."""
    rows: list[tuple[LexborNode, bool]] = []
    for child in node.iter():
        if child.tag == "tr":
            rows.append((child, False))
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend((tr, child.tag == "thead") for tr in child.iter() if tr.tag == "tr")
    return rows


def _table_cells(node: LexborNode) -> list[list[_SourceCell]]:
    """The cells of the table's own rows, rowspans cut at the table's last row and colspans at MAX_COLSPAN
    (a rowspan of 0 runs to the last row, as in HTML)."""
    own = _own_rows(node)
    out: list[list[_SourceCell]] = []
    for r, (tr, in_head) in enumerate(own):
        left = len(own) - r
        row = []
        for cell in tr.iter():
            if cell.tag not in ("td", "th"):
                continue
            rowspan = _span_attr(cell, "rowspan")
            rowspan = left if rowspan == 0 else min(max(rowspan, 1), left)
            colspan = min(max(_span_attr(cell, "colspan"), 1), MAX_COLSPAN)
            row.append(_SourceCell(cell, in_head or cell.tag == "th", rowspan, colspan))
        out.append(row)
    return out


def _span_attr(cell: LexborNode, name: str) -> int:
    """A rowspan/colspan attribute's leading number; 1 when absent or not a number."""
    m = _SPAN.match(cell.attributes.get(name) or "")
    return int(m.group(1)) if m else 1


def _is_data_table(rows: list[list[_SourceCell]]) -> bool:
    """Two rows or more and two grid columns or more, with a grid of at most MAX_TABLE_GRID positions."""
    if len(rows) < 2 or _width_bound(rows) * len(rows) > MAX_TABLE_GRID:
        return False
    grid = place([[Cell("", c.rowspan, c.colspan) for c in row] for row in rows])
    return grid.width >= 2


def _width_bound(rows: list[list[_SourceCell]]) -> int:
    """At least the table's grid width, without laying it out: the most columns a row's own cells and the
    cells spanning into it from rows above can fill."""
    ending = [0] * (len(rows) + 1)  # colspans of the spanning cells whose last row is the one before
    spanning = width = 0
    for r, row in enumerate(rows):
        spanning -= ending[r]
        width = max(width, spanning + sum(c.colspan for c in row))
        for c in row:
            if c.rowspan > 1:
                spanning += c.colspan
                ending[r + c.rowspan] += c.colspan  # counted from the next row on, up to its last
    return width


def _header_rows(rows: list[list[_SourceCell]]) -> int:
    """Leading rows whose cells are all header cells (<th>, or in <thead>), with the rows their rowspans
    reach into; 0 when that would be every row (the table reader then finds the header itself)."""
    count = 0
    while count < len(rows) and rows[count] and all(c.header for c in rows[count]):
        count += 1
    grew = True
    while grew and count:
        grew = False
        for r in range(count):
            reach = max((r + c.rowspan for c in rows[r]), default=0)
            if reach > count:
                count, grew = reach, True
    return 0 if count >= len(rows) else count


def _render_data_table(node: LexborNode, rows: list[list[_SourceCell]], out: list[str]) -> None:
    """Caption line, then the table markup, one row per line (nested tables' text kept in their cells)."""
    header = _header_rows(rows)
    markup = table_html([
        [MarkupCell(_cell_text(c.node), c.rowspan, c.colspan, header=r < header) for c in row]
        for r, row in enumerate(rows)
    ])
    caption = _caption(node)
    out.append(_PARA)
    if caption:
        out.append((caption if is_caption(caption) else "Tabel " + caption) + _LINE)
    out.extend(line + _LINE for line in markup.split("\n") if line)
    out.append(_PARA)


def _render_text_table(node: LexborNode, rows: list[list[_SourceCell]], out: list[str]) -> None:
    """Caption first, then each row's cells joined by " | ", one row per line; a table inside a cell is
    written after its row (as a table of its own)."""
    out.append(_PARA)
    caption = _caption(node)
    if caption:
        out.append(caption + _LINE)
    for row in rows:
        after: list[str] = []
        for c in row:
            for inner in _inner_tables(c.node):
                _render_table(inner, after)
                inner.decompose()
        cells = [_inline(c.node) for c in row]
        if any(cells):
            out.append(" | ".join(cells) + _LINE)
        out.extend(after)
    out.append(_PARA)


def _flat_table(node: LexborNode, rows: list[list[_SourceCell]]) -> str:
    """A table on one line: caption, then rows joined by "; ", cells by " | "."""
    lines = [_caption(node)]
    for row in rows:
        cells = [_cell_text(c.node) for c in row]
        if any(cells):
            lines.append(" | ".join(cells))
    return "; ".join(line for line in lines if line)


def _caption(node: LexborNode) -> str:
    """Text of the table's own <caption>, "" when it has none."""
    for child in node.iter():
        if child.tag == "caption":
            return _inline(child)
    return ""


def _inner_tables(cell: LexborNode) -> list[LexborNode]:
    """The tables inside a cell that are not inside another table within it."""
    out = []
    for table in cell.css("table"):
        parent = table.parent
        while parent is not None and parent.mem_id != cell.mem_id and parent.tag != "table":
            parent = parent.parent
        if parent is not None and parent.mem_id == cell.mem_id:
            out.append(table)
    return out


def _cell_text(node: LexborNode) -> str:
    """A cell's text on one line (a table inside it flattened in place)."""
    return _collapse(_inline(node).replace(_INDENT, " "))


def _inline(node: LexborNode) -> str:
    """Text of node on one logical line (inner blocks and <br> become spaces)."""
    parts: list[str] = []
    _render(node, parts, inline=True)
    return _collapse(_MARKS.sub(" ", "".join(parts)))


def _inline_words(node: LexborNode) -> str:
    """Heading text with a space between inline elements (`<h2>A<em>B</em></h2>` -> "A B")."""
    return _collapse(node.text(separator=" "))


def _collapse(text: str) -> str:
    """Whitespace runs (nbsp included) to one space, invisible characters dropped, ends stripped."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def _finish(raw: str) -> str:
    """Collected text with break markers to lines; blank lines between paragraphs and around headings."""
    pieces = _MARKS.split(raw)
    runs = _MARKS.findall(raw)
    lines: list[str] = []
    for i, piece in enumerate(pieces):
        text = _collapse(piece).replace(_INDENT, "  ")
        if text.strip():
            lines.append(text)
        if i < len(runs) and lines and lines[-1] != "":
            run = runs[i]
            lines.append("" if _PARA in run or run.count(_BR) >= 2 else None)
    out = [line for line in lines if line is not None]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _read(path: Path, options: ReadOptions) -> RawDocument:
    return read_html(path, options.limits)


# A page saved without markup at its start sniffs as text and is still read as HTML.
register(Format("html", (".html", ".htm"), _read, frozenset({"html", "text"}), content="html", upload=(".html",),
                order=30))
