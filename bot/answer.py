"""Extractive answers: quote the sentences and list items of the top passages that answer the question."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.records import Citation, TableRow
from bot.terms import QueryTerms, weighted_share
from index.lexical import analyze
from ingest.chunking import split_units
from ingest.cleaning import strip_emphasis

# Sentence ends, and the start of an inline enumeration ("antara lain : (1) Partisipasi ...; (2) ...").
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[\"“(]?[A-Z0-9])|(?<=:)\s+(?=\(\d{1,2}\)\s)")
_ABBREVIATION = re.compile(r"(?:^|[\s(])[A-Z][a-z]{0,2}\.$")  # "Dr.", "H.", "Drs.", "Sp." end no sentence
_ENUMERATED = re.compile(r"^\(\d{1,2}\)\s")
_LIST_INTRO = re.compile(r"(:|\byaitu|\badalah|\bantara lain|\bsebagai berikut)\s*:?\s*$", re.IGNORECASE)
MAX_QUOTES = 16
MAX_PLAIN_QUOTES = 4


@dataclass
class Piece:
    """A sentence or list item of a cited passage, with its span inside the passage text."""

    citation: int  # index into the citations list
    start: int
    end: int
    kind: str  # "item" | "heading" | "para" | "row" (a table row)
    score: float = 0.0
    shown: str | None = None  # what is quoted instead of the source span (a table row read with its labels)
    cells: tuple[tuple[str, str], ...] = ()  # a table row's (column label, value) cells

    def text(self, passage: str) -> str:
        return self.shown if self.shown is not None else passage[self.start : self.end]


def pieces_of(text: str, citation: int, rows: Sequence[TableRow] = ()) -> list[Piece]:
    """List items and sentences of a passage (long paragraphs split into sentences); the rows of a table
    piece, each quoted as "label: value; ..." and highlighted as its source span."""
    if rows:
        return [Piece(citation, r.start, r.end, "row", shown=r.text, cells=tuple(r.cells)) for r in rows]
    out: list[Piece] = []
    for unit in split_units(text):
        if unit.kind == "para":
            body = text[unit.start : unit.end]
            cuts = [0] + [m.end() for m in _SENTENCE.finditer(body) if not _ABBREVIATION.search(body[: m.start()])]
            cuts.append(len(body))
            for a, b in pairwise(cuts):
                seg = body[a:b].rstrip()
                if seg.strip():
                    # "(2) Tegaknya supremasi hukum;" is a list item, and so is a damaged "(Daya tangkap ...;" among them
                    enumerated = _ENUMERATED.match(seg) or (seg.startswith("(") and out and out[-1].kind == "item")
                    out.append(Piece(citation, unit.start + a, unit.start + a + len(seg), "item" if enumerated else "para"))
        else:
            out.append(Piece(citation, unit.start, unit.end, unit.kind))
    return out


def score_piece(piece_text: str, q: QueryTerms, weights: dict[str, float]) -> float:
    """Weighted share of the question's topic terms found in the piece."""
    if not q.terms:
        return 0.0
    return weighted_share(q.terms, set(analyze(strip_emphasis(piece_text))), weights.__getitem__)


def best_piece_share(text: str, q: QueryTerms, weights: dict[str, float]) -> float:
    """The largest weighted share of the question's terms that one sentence or list item of the text holds."""
    return max((score_piece(p.text(text), q, weights) for p in pieces_of(text, 0)), default=0.0)


def select(citations: list[Citation], q: QueryTerms, weights: dict[str, float], *, spread: bool = False,
           holds_fact: Sequence[Callable[[str, bool], bool]] = (),
           window: int = 0) -> list[Piece]:
    """The pieces worth quoting, in passage order: the best ones and the lists they introduce.

    With `spread` (a question about several regions), every cited passage is read and each region's best
    matching piece is quoted, so "which cities ..." is answered city by city. With `holds_fact` (for a factoid
    question, tests of whether a piece, given its text and whether it is a table row, holds the asked kind of
    fact, the preferred first: a figure that counts the thing asked, then any figure), the best matching piece
    that passes a test is quoted too when the strongest pieces pass none; the first test that a chosen or a
    matching piece passes decides. `window`: the n best sentences are quoted with their neighbours.
    """
    if not citations:
        return []
    best_overall: list[Piece] = []
    for ci, cit in enumerate(citations if spread else citations[:3]):
        pieces = pieces_of(cit.text, ci, cit.rows)
        for p in pieces:
            scored = f"{cit.table_caption or ''} {p.text(cit.text)}" if p.kind == "row" else p.text(cit.text)
            p.score = score_piece(scored, q, weights) * (1.0 if spread else 1.0 - 0.15 * ci)
        best_overall.extend(pieces)
    if not best_overall:
        return []
    top = max(p.score for p in best_overall)
    if top <= 0:
        # nothing matches word for word (a paraphrase): quote the start of the top passage
        first = [p for p in best_overall if p.citation == 0 and p.kind != "heading"]
        return first[:2]
    strong = [p for p in best_overall if p.score >= 0.75 * top]
    chosen = [p for p in strong if p.kind != "heading"][:MAX_PLAIN_QUOTES]
    if spread:
        for region in dict.fromkeys(c.region for c in citations):
            if not any(citations[p.citation].region == region for p in chosen):
                own = [p for p in best_overall if citations[p.citation].region == region and p.kind != "heading"]
                best = max(own, key=lambda p: p.score, default=None)
                if best is not None and best.score >= 0.5 * top:
                    chosen.append(best)
                    strong.append(best)
    for holds in holds_fact:
        if any(holds(p.text(citations[p.citation].text), p.kind == "row") for p in chosen):
            break
        bearing = [p for p in best_overall if p.score > 0 and p.kind != "heading"
                   and holds(p.text(citations[p.citation].text), p.kind == "row")]
        if bearing:
            chosen.append(max(bearing, key=lambda p: p.score))
            break
    if not spread:
        chosen += _window(chosen, best_overall, window)
    chosen = _with_lists(chosen, strong, best_overall, citations)
    chosen.sort(key=lambda p: (p.citation, p.start))
    return _dedupe(chosen)[:MAX_QUOTES]


def _window(chosen: list[Piece], pieces: list[Piece], n: int) -> list[Piece]:
    """The sentences around the n best quoted ones (one on each side, in the same passage): the answer to a
    question often stands in the sentence before or after the one that shares its words."""
    out = []
    for best in sorted((p for p in chosen if p.kind == "para"), key=lambda p: -p.score)[:n]:
        same = [x for x in pieces if x.citation == best.citation and x.kind == "para"]
        before = [x for x in same if x.start < best.start]
        after = [x for x in same if x.start > best.start]
        out += [max(before, key=lambda x: x.start)] if before else []
        out += [min(after, key=lambda x: x.start)] if after else []
    return out


def _with_lists(chosen: list[Piece], strong: list[Piece], pieces: list[Piece], citations: list[Citation]) -> list[Piece]:
    """A strongly matching list intro or heading brings the items that follow it."""
    out = list(chosen)
    for p in strong:
        text = p.text(citations[p.citation].text)
        if not (p.kind == "heading" or _LIST_INTRO.search(strip_emphasis(text))):
            continue
        same = [x for x in pieces if x.citation == p.citation and x.start > p.start]
        if not same:  # the intro ends its passage: the list goes on in the next chunk, when that one is cited
            same = _continuation(p.citation, citations)
        items = []
        for x in same:
            if x.kind == "item":
                items.append(x)
            elif items or (x.kind == "heading" and x is not same[0]):
                break
        if items:
            if p.kind != "heading" and p not in out:
                out.append(p)
            out.extend(i for i in items if i not in out)
    return out


def _continuation(ci: int, citations: list[Citation]) -> list[Piece]:
    """The pieces of the cited chunk that directly follows citation ci in its document, if one is cited."""
    c = citations[ci]
    if c.end is None:
        return []
    for cj, other in enumerate(citations):
        if other.doc_id == c.doc_id and other.start is not None and 0 <= other.start - c.end <= 2:
            return pieces_of(other.text, cj, other.rows)
    return []


def _dedupe(pieces: list[Piece]) -> list[Piece]:
    seen, out = set(), []
    for p in pieces:
        key = (p.citation, p.start)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def where_label(c: Citation, language: str) -> str:
    """'Title (region), section' with page when known."""
    label = c.title
    if c.region and c.region.lower() not in c.title.lower():
        label += f" ({c.region})"
    if c.section:
        label += f", {'bagian' if language == 'id' else 'section'} {c.section}"
    if c.page:
        label += f", {'hal.' if language == 'id' else 'p.'} {c.page}"
    return label


def compose(citations: list[Citation], chosen: list[Piece], language: str) -> str:
    """Answer text: for each cited passage, where it is from, then its quoted pieces with [n]."""
    lines: list[str] = []
    current = None
    for p in chosen:
        c = citations[p.citation]
        if p.citation != current:
            current = p.citation
            lead = "Menurut" if language == "id" else "According to"
            if lines:
                lines.append("")
            lines.append(f"{lead} {where_label(c, language)}:")
        quote = " ".join(strip_emphasis(p.text(c.text)).split())
        lines.append(f"- “{quote}” [{c.n}]")
        c.highlights.append((p.start, p.end))
    return "\n".join(lines)


def compose_plan(rows, citations: list[Citation], language: str) -> str:
    """Answer naming plan items with their number and parent, each cited to the passage holding it."""
    lines = []
    for r in rows:
        cite = next((c for c in citations if c.doc_id == r.doc_id and c.start is not None
                     and c.start <= r.start < (c.end or 0)), None)
        marker = f" [{cite.n}]" if cite else ""
        if cite:
            cite.highlights.append((r.start - cite.start, r.end - cite.start))
        parent = ""
        if r.parent and r.parent.startswith("mission"):
            parent = f" ({'bagian dari Misi' if language == 'id' else 'under Mission'} {r.parent.split()[-1]})"
        where = r.region or r.title
        lines.append(f"- {r.label(language)}{parent}, {where}: “{' '.join(r.text.split())}”{marker}")
    lead = "Menurut struktur rencana:" if language == "id" else "From the plan's structure:"
    return "\n".join([lead, *lines])
