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
MAX_UNTAGGED_TABLE_LINES = 40
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
    untagged = 0  # lines since the last table tag: a table never closed ends after MAX_UNTAGGED_TABLE_LINES
    for line in lines:
        inside = tables > 0
        if "<" in line and _TABLE_TAG.search(line):
            tables = max(0, tables + len(_TABLE_OPEN.findall(line)) - len(_TABLE_CLOSE.findall(line)))
            untagged, inside = 0, True
        elif tables and line.strip():
            untagged += 1
            if untagged > MAX_UNTAGGED_TABLE_LINES:
                tables = 0
                inside = False
        flags.append(inside)
    return flags


def split_units(text: str) -> list[Unit]:
    """Lines of the text as units with character spans (blank lines dropped); table lines are paragraphs."""
    units: list[Unit] = []
    pos = 0
    lines = text.split("\n")
    for line, in_table in zip(lines, table_lines(lines)):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        kind, level, title = ("para", 0, "") if in_table else classify_line(line)
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
    """What the embedding model and the lexical index see: context line plus emphasis-free text."""
    context = [metadata.get("title") or ""]
    region = metadata.get("region")
    if region and region.lower() not in context[0].lower():
        context.append(region)
    if metadata.get("section"):
        context.append(metadata["section"])
    head = " | ".join(c for c in context if c)
    return f"{head}\n{strip_emphasis(text)}" if head else strip_emphasis(text)


def chunk_id(doc_id: str, content: str, occurrence: int) -> str:
    """Stable id from the document, the embedded content and its occurrence number."""
    digest = hashlib.sha1(f"{doc_id}\x00{content}\x00{occurrence}".encode()).hexdigest()
    return digest[:24]


class StructureChunker(NodeParser):
    """Chunks that follow the document's headings and lists, bounded by the embedding model's tokens."""

    token_counter: TokenCounter = Field(exclude=True, description="Counts the embedding model's tokens.")
    max_tokens: int = Field(320, description="Largest chunk content, in model tokens.")
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
        spans = self._spans(text)
        nodes: list[TextNode] = []
        seen: dict[str, int] = {}
        page_starts: list[int] = doc.metadata.get("page_starts") or []
        base_meta = {k: v for k, v in doc.metadata.items() if k != "page_starts"}
        source = doc.as_related_node_info()  # hashes the whole document: once, not once per chunk
        for start, end, section in spans:
            chunk = text[start:end]
            meta = {**base_meta, "section": section, "start": start, "end": end}
            if page_starts:
                meta["page"] = _page_of(start, page_starts)
            content = embed_text(chunk, meta)
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
        return nodes

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, section path) of each chunk."""
        count = self.token_counter
        budget = self.max_tokens
        path: list[tuple[int, str]] = []
        chunks: list[tuple[int, int, str]] = []
        current: list[Unit] = []
        tokens = 0
        section = ""

        def flush() -> None:
            nonlocal current, tokens
            if current and any(u.kind != "heading" for u in current):
                chunks.append((current[0].start, current[-1].end, section))
                current, tokens = [], 0

        for unit in split_units(text):
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
