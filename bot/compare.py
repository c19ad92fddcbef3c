"""Plans side by side: one section per region or document, its plan items on a theme, each line cited.

A compare question ("Bandingkan sanitasi di Kota Metro dan Kota Bekasi", "education in Metro vs Bekasi") or
the Plans tab's compare view names two or more regions or documents and a theme. The theme is read into
concepts (`theme_of`): each topic word of the question, or an English glossary phrase, with the Indonesian
words that say the same thing (the glossary's forms of the English headword a word is a form of:
"infrastruktur" -> infrastruktur | prasarana). Words that name a part of the plan ("misi", "program",
"indikator", "target") restrict the kinds of plan items instead. A plan item matches when it holds at least
half of the theme's concepts, weighted by their rarity in the corpus (IDF), so a theme word no plan has
("stunting") keeps an item that only shares a common word ("target") out.

Each section holds its matching plan items; where none match, the best passages of that region or document
(the hybrid retriever filtered to it) that hold the theme; where nothing does, the section says so rather
than being left out. Nothing here is made for one topic or one document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

from llama_index.core.schema import NodeWithScore

from bot.answer import pieces_of
from bot.citations import citation_of
from bot.plan import PlanRow
from bot.records import Citation
from bot.terms import REGION_PREFIXES, matches, region_key
from index.lexical import analyze, stem, words
from ingest.cleaning import strip_emphasis
from planbot.language import ACROSS_REGIONS, EN_ID, QUESTION_WORDS, STOPWORDS

MIN_SHARE = 0.5  # weighted share of the theme's concepts an item or passage must hold
MAX_ITEMS = 12  # plan items per section
MAX_PASSAGE_ITEMS = 3  # quoted sentences per section when no plan item matches
SAME_ITEM = 0.75  # word overlap (Jaccard) above which two items of one section say the same thing

# Words naming a part of the plan, as stems, and the plan-item kinds they name (kinds not ingested are
# simply absent). A question's "misi" asks for missions; it is not a topic word to find in their text.
_KIND_WORDS = {
    "visi": ("vision", "agency_vision"),
    "misi": ("mission", "agency_mission"),
    "program": ("program",),
    "komitmen": ("commitment",),
    "urusan": ("affair",),
    "indikator": ("indicator",),
    "target": ("indicator",),
    "sasaran": ("indicator", "goal"),
    "tujuan": ("goal",),
}
KIND_WORDS: dict[str, tuple[str, ...]] = {stem(w): kinds for w, kinds in _KIND_WORDS.items()}
_LONGEST_HEADWORD = max((k.count(" ") + 1 for k in EN_ID), default=1)

Concept = tuple[tuple[str, ...], ...]  # alternatives, each a sequence of stems that must all be present


def _synonyms() -> dict[str, list[tuple[str, ...]]]:
    """For each one-word Indonesian form in the glossary, the forms of the English headwords it translates:
    "infrastruktur" -> [("infrastruktur",), ("prasarana",)]."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for head, forms in EN_ID.items():
        if " " in head:
            continue
        alts = [tuple(analyze(f)) for f in forms]
        for f, a in zip(forms, alts):
            if len(a) == 1 and " " not in f.strip():
                out.setdefault(a[0], [])
                out[a[0]].extend(x for x in alts if x and x not in out[a[0]])
    return out


_SYNONYMS: dict[str, list[tuple[str, ...]]] | None = None


def synonyms(term: str) -> list[tuple[str, ...]]:
    global _SYNONYMS
    if _SYNONYMS is None:
        _SYNONYMS = _synonyms()
    return _SYNONYMS.get(term, [])


@dataclass(frozen=True)
class Theme:
    """What a comparison looks for: topic concepts and the plan-item kinds named."""

    text: str  # the theme as shown ("misi infrastruktur")
    concepts: tuple[Concept, ...] = ()
    kinds: tuple[str, ...] = ()  # plan-item kinds named ("misi" -> mission, agency_mission)
    kind_concepts: tuple[Concept, ...] = ()  # the words that named them (searched in passages when no topic)

    def __bool__(self) -> bool:
        return bool(self.concepts or self.kinds)


def _kinds_of(concept: Concept) -> tuple[str, ...]:
    return tuple(k for alt in concept if len(alt) == 1 for k in KIND_WORDS.get(alt[0], ()))


def theme_of(text: str, drop: Iterable[str] = ()) -> Theme:
    """The theme of a question or of a typed theme, in either language. `drop`: words that are not the theme
    (region names); compare words ("bandingkan", "vs") are removed too."""
    text = " ".join(ACROSS_REGIONS.sub(" ", text).split())
    dropped = {w.lower() for w in drop} | REGION_PREFIXES
    dropped |= {stem(w) for w in dropped}
    tokens = [w for w in words(text) if w not in dropped and not w.isdigit()]
    concepts: list[Concept] = []
    shown: list[str] = []
    i = 0
    while i < len(tokens):
        concept, taken = _glossary_concept(tokens, i)
        w = tokens[i]
        if concept is None and w not in STOPWORDS and w not in QUESTION_WORDS:
            s = stem(w)
            if s not in dropped:
                concept = tuple(dict.fromkeys([(s,), *synonyms(s)]))
        if concept:
            concepts.append(concept)
            shown.append(" ".join(tokens[i : i + taken]))
        i += taken
    topic = [c for c in concepts if not _kinds_of(c)]
    named = [c for c in concepts if _kinds_of(c)]
    kinds = tuple(dict.fromkeys(k for c in named for k in _kinds_of(c)))
    return Theme(" ".join(dict.fromkeys(shown)), tuple(dict.fromkeys(topic)), kinds, tuple(dict.fromkeys(named)))


def _glossary_concept(tokens: list[str], i: int) -> tuple[Concept | None, int]:
    """The concept of the longest English glossary headword starting at tokens[i] ("good governance" ->
    tata kelola pemerintahan | good governance), with how many tokens it takes; (None, 1) when none starts
    there. Questions mix languages ("Compare education in Kota Metro"), so this is tried in both. A word whose
    forms include a stop word ("good" -> baik) is no topic: ((), 1)."""
    for n in range(min(_LONGEST_HEADWORD, len(tokens) - i), 0, -1):
        forms = EN_ID.get(" ".join(tokens[i : i + n]))
        if forms:
            alts = [tuple(analyze(f)) for f in forms]
            if any(not a for a in alts):
                return (), n
            own = tuple(stem(t) for t in tokens[i : i + n] if t not in STOPWORDS)
            return tuple(dict.fromkeys([*alts, *([own] if own else [])])), n
    return None, 1


def holds(concept: Concept, terms: set[str]) -> bool:
    """True when one of the concept's alternatives is in the text's terms (each stem or a cognate of it)."""
    return any(alt and all(matches(s, terms) for s in alt) for alt in concept)


def share(concepts: Sequence[Concept], terms: set[str], idf: Callable[[str], float]) -> float:
    """The IDF-weighted share of the concepts the terms hold (a concept weighs as its rarest word)."""
    if not concepts:
        return 0.0
    weights = [max(idf(s) for alt in c for s in alt) for c in concepts]
    got = sum(w for c, w in zip(concepts, weights) if holds(c, terms))
    total = sum(weights)
    return got / total if total else 0.0


def matching_rows(theme: Theme, rows: Sequence[PlanRow], idf: Callable[[str], float]) -> list[tuple[PlanRow, float]]:
    """The plan items on the theme, with their share: those of the kinds it names (if any) holding its topic
    (if any); when none of these kinds holds the topic, items of any kind that hold it ("program kesehatan"
    of a plan whose health items are missions)."""
    def on_topic(candidates):
        if not theme.concepts:
            return [(r, 1.0) for r in candidates]
        scored = [(r, share(theme.concepts, set(analyze(strip_emphasis(r.text))), idf)) for r in candidates]
        return [(r, x) for r, x in scored if x >= MIN_SHARE]

    if theme.kinds:
        found = on_topic([r for r in rows if r.kind in theme.kinds])
        if found or not theme.concepts:
            return found
    return on_topic(rows) if theme.concepts else []


def _same(a: str, b: str) -> bool:
    x, y = set(analyze(a)), set(analyze(b))
    return bool(x and y) and len(x & y) / len(x | y) >= SAME_ITEM


@dataclass
class Scope:
    """A column of the comparison: a region (all its documents) or one document."""

    name: str
    region: str | None
    doc_ids: tuple[str, ...]


@dataclass
class Item:
    """One cited line of a section: a plan item, or a quoted passage sentence (kind "passage")."""

    kind: str
    label: str
    text: str
    citation: int  # the n of the answer's citation holding it
    doc_id: str
    start: int | None  # the span in the document's text
    end: int | None
    title: str
    number: int | None = None
    parent: str | None = None


@dataclass
class Section:
    name: str
    region: str | None
    doc_ids: list[str]
    items: list[Item] = field(default_factory=list)
    known: bool = True  # False for a place the corpus has no documents of

    @property
    def found(self) -> bool:
        return bool(self.items)

    def as_dict(self) -> dict:
        return {"name": self.name, "region": self.region, "doc_ids": list(self.doc_ids), "found": self.found,
                "known": self.known, "items": [asdict(i) for i in self.items]}


@dataclass
class Comparison:
    theme: Theme
    sections: list[Section]
    citations: list[Citation]
    rows: list[PlanRow] = field(default_factory=list)  # the plan items quoted

    @property
    def found(self) -> bool:
        return any(s.found for s in self.sections)


class _Citations:
    """Citations numbered in order of first use, one per chunk."""

    def __init__(self) -> None:
        self.list: list[Citation] = []
        self._by_id: dict[str, Citation] = {}

    def of(self, hit: NodeWithScore) -> Citation:
        key = hit.node.node_id
        if key not in self._by_id:
            self._by_id[key] = citation_of(len(self.list) + 1, hit)
            self.list.append(self._by_id[key])
        return self._by_id[key]


def compare(theme: Theme, scopes: Sequence[Scope], rows: Sequence[PlanRow], *, idf: Callable[[str], float],
            chunk_hit: Callable[[str, int], NodeWithScore | None],
            passages: Callable[[Scope], list[NodeWithScore]], language: str = "id",
            unknown: Sequence[str] = ()) -> Comparison:
    """Each scope's matching plan items (or, where none match, its best passages on the theme), cited.

    chunk_hit(doc_id, offset): the chunk holding a plan item; passages(scope): the scope's ranked passages.
    unknown: places the question names that the corpus has no documents of (each gets an empty section).
    """
    cites = _Citations()
    sections, quoted = [], []
    for scope in scopes:
        section = Section(scope.name, scope.region, list(scope.doc_ids))
        order = {d: i for i, d in enumerate(scope.doc_ids)}
        own = [r for r in rows if r.doc_id in order]
        found = sorted(matching_rows(theme, own, idf), key=lambda x: (order[x[0].doc_id], x[0].start))
        kept: list[PlanRow] = []
        for r, _ in found:
            if any(_same(r.text, k.text) for k in kept):
                continue  # the short version of the same plan, or the office's copy of the vision
            hit = chunk_hit(r.doc_id, r.start)
            if hit is None:
                continue
            c = cites.of(hit)
            if c.start is not None:
                c.highlights.append((r.start - c.start, r.end - c.start))
            kept.append(r)
            section.items.append(Item(r.kind, r.label(language), " ".join(r.text.split()), c.n, r.doc_id,
                                      r.start, r.end, r.title, r.number, r.parent))
            if len(kept) >= MAX_ITEMS:
                break
        quoted += kept
        if not section.items:
            section.items = _passage_items(theme, passages(scope), cites, idf, language)
        sections.append(section)
    sections += [Section(name, None, [], known=False) for name in unknown]
    return Comparison(theme, sections, cites.list, quoted)


def _passage_items(theme: Theme, hits: list[NodeWithScore], cites: _Citations, idf: Callable[[str], float],
                   language: str) -> list[Item]:
    """The sentences of a scope's top passages that hold the theme (its topic, or the plan parts it names)."""
    concepts = theme.concepts or theme.kind_concepts
    if not concepts:
        return []
    scored = []
    for rank, hit in enumerate(hits[:3]):
        probe = citation_of(0, hit)
        for p in pieces_of(probe.text, 0, probe.rows):
            if p.kind == "heading":
                continue
            text = p.text(probe.text)
            score = share(concepts, set(analyze(strip_emphasis(text))), idf)
            if score >= MIN_SHARE:
                scored.append((score, -rank, hit, p, text))
    if not scored:
        return []
    top = max(s[0] for s in scored)
    chosen = sorted((s for s in scored if s[0] >= 0.75 * top), key=lambda s: (-s[0], -s[1], s[3].start))
    out = []
    for _, _, hit, p, text in chosen[:MAX_PASSAGE_ITEMS]:
        c = cites.of(hit)
        c.highlights.append((p.start, p.end))
        start = c.start + p.start if c.start is not None else None
        end = c.start + p.end if c.start is not None else None
        out.append(Item("passage", PASSAGE[language], " ".join(strip_emphasis(text).split()),
                        c.n, c.doc_id, start, end, c.title))
    return out


PASSAGE = {"id": "Kutipan", "en": "Passage"}
NOT_FOUND = {"id": "tidak ditemukan untuk tema ini.", "en": "nothing found on this theme."}
NO_DOCUMENTS = {"id": "tidak ada dokumen wilayah ini.", "en": "no documents of this region."}


def _line(item: Item, language: str) -> str:
    if item.kind == "passage":
        lead = item.label
    else:
        lead = item.label
        if item.parent and item.parent.startswith("mission"):
            lead += f" ({'bagian dari Misi' if language == 'id' else 'under Mission'} {item.parent.split()[-1]})"
    return f"- {lead}, {item.title}: “{item.text}” [{item.citation}]"


def compose_compare(result: Comparison, language: str) -> str:
    """The answer text: a heading line per section, then its cited lines (or why it has none)."""
    theme = result.theme.text
    if language == "id":
        lines = [f"Perbandingan untuk tema “{theme}”:" if theme else "Perbandingan:"]
    else:
        lines = [f"Comparison on “{theme}”:" if theme else "Comparison:"]
    for s in result.sections:
        lines.append("")
        if not s.known:
            lines.append(f"{s.name}: {NO_DOCUMENTS[language]}")
        elif not s.items:
            lines.append(f"{s.name}: {NOT_FOUND[language]}")
        else:
            lines.append(f"{s.name}:")
            lines.extend(_line(i, language) for i in s.items)
    return "\n".join(lines)


def region_scopes(regions: Sequence[str], docs: Iterable[tuple[str, str | None]]) -> list[Scope]:
    """One scope per region, with its documents (docs: (doc_id, region) in corpus order)."""
    docs = list(docs)
    return [Scope(r, r, tuple(d for d, reg in docs if reg == r)) for r in regions]


def region_words(regions: Iterable[str]) -> set[str]:
    """The distinctive words of region names: not theme words."""
    return {w for r in regions for w in region_key(r)}

