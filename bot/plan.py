"""Plan structure in answers: which mission, vision, program or affair a question asks about."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from bot.terms import QueryTerms, SlipIndex, matches, one_slip
from index.lexical import analyze, stem, words
from ingest.structure import PlanItem
from planbot.language import (
    AFFAIR_FORMAL_NAME,
    EN_ID,
    ORDINALS,
    PLAN_ITEM_WORDS,
    QUESTION_WORDS,
    STOPWORDS,
    TABLE_CELL_CUES,
    TABLE_FRAME_WORDS,
    TABLE_QUESTION_WORDS,
    translate_terms,
)

_NUMBERED_MISSION = re.compile(
    r"\b(?:misi|mission)\s*(?:ke-?\s*)?(\d{1,2})\b|\b(?:misi|mission)\s+(" + "|".join(ORDINALS) + r")\b"
    r"|\b(" + "|".join(ORDINALS) + r")\s+(?:misi|mission)\b",
    re.IGNORECASE,
)
_AGENCY_WORDS = re.compile(r"\b(dinas|badan|office|agency|department|housing)\b", re.IGNORECASE)
_WHICH_MISSION = re.compile(r"\b(which|what)\s+mission\b|\bmisi\s+(apa|mana)\b|\bmisi\s+yang\b|\bdi\s*bawah\s+misi\b", re.IGNORECASE)
_PILLAR_WORDS = re.compile(r"\b(pokok[- ]pokok visi|pokok visi|pilar|pillars?)\b", re.IGNORECASE)
_LIST_WORDS = re.compile(r"\b(sebutkan|apa saja|what are|list|name the|which are)\b|\bmissions\b|\bmisinya\b", re.IGNORECASE)


@dataclass(frozen=True)
class PlanRow(PlanItem):
    """A plan item with its document's metadata, for the lookup table and for answers."""

    doc_id: str
    region: str | None
    title: str
    period: str | None

    def label(self, language: str) -> str:
        names = {
            "vision": ("Visi", "Vision"), "agency_vision": ("Visi dinas", "Agency vision"),
            "vision_pillar": ("Pokok visi", "Vision pillar"), "mission": ("Misi", "Mission"),
            "agency_mission": ("Misi dinas", "Agency mission"), "commitment": ("Komitmen", "Commitment"),
            "program": ("Program", "Program"), "affair": ("Urusan", "Affair"),
            "goal": ("Tujuan/sasaran", "Goal"), "indicator": ("Indikator", "Indicator"),
        }
        name = names.get(self.kind, (self.kind, self.kind))[0 if language == "id" else 1]
        return f"{name} {self.number}" if self.number else name

    def as_dict(self) -> dict:
        return dict(self.__dict__)


# Words that name the plan's parts; a question with topic words beyond these and the items' own text asks for
# more than the items (their meaning, reasons, period, principles), so the answer quotes passages too.
_STRUCTURE_TERMS = frozenset(analyze("visi misi program kerja prioritas komitmen urusan pokok pilar dinas"))


def terms_beyond(q: QueryTerms, rows: list[PlanRow], question: str, *, strict: bool = False) -> list[str]:
    """The question's topic words that name neither the plan's parts, nor the items found, nor their document.

    With `strict`, an English word counts once however many Indonesian words the glossary gives it ("mayor" ->
    walikota, wali, kepala daerah), and English words the glossary does not know are left out as general English.
    """
    item_terms = set(analyze(" ".join(f"{r.text} {r.title} {r.period or ''}" for r in rows)))

    def named(terms) -> bool:
        return any(t in _STRUCTURE_TERMS or matches(t, item_terms) for t in terms)

    if not strict or not (q.untranslated or any(w in EN_ID for w in words(question))):
        return [t for t in q.terms if not named((t,)) and not t.isdigit()]
    out = []
    for w in dict.fromkeys(words(question)):
        if w in EN_ID:
            alts = analyze(" ".join(translate_terms(w)))
            if alts and any(a in q.terms for a in alts) and not named(alts):
                out.append(w)
        elif w not in q.untranslated and stem(w) in q.terms and not named((stem(w),)) and not w.isdigit():
            out.append(w)
    return out


def mission_number(question: str) -> int | None:
    """The mission number a question names ("misi kelima", "Misi 3", "the fifth mission")."""
    m = _NUMBERED_MISSION.search(question)
    if not m:
        return None
    if m.group(1):
        return int(m.group(1))
    return ORDINALS[(m.group(2) or m.group(3)).lower()]


def missing_number(question: str, rows: list[PlanRow], region: str | None, docs: frozenset[str] | None
                   ) -> tuple[int, int] | None:
    """(the mission number asked, how many missions the plan has) when a question asks for a numbered mission
    of a named region or plan that has missions but none with that number ("misi keenam" of a five-mission
    RPJMD): the premise is false, and the answer says so instead of quoting another list."""
    number = mission_number(question)
    if number is None or (region is None and docs is None):
        return None
    kind = "agency_mission" if _AGENCY_WORDS.search(question) else "mission"
    scope = [r for r in rows if r.kind == kind and (region is None or r.region == region)
             and (docs is None or r.doc_id in docs)]
    if not scope or any(r.number == number for r in scope):
        return None
    return number, max(r.number or 0 for r in scope)


def plan_rows_for(question: str, q: QueryTerms, rows: list[PlanRow], region: str | None) -> list[PlanRow]:
    """Plan items that answer the question directly, or [] when the question is not about the plan's shape."""
    low = question.lower()
    in_region = [r for r in rows if region is None or r.region == region]
    agency = bool(_AGENCY_WORDS.search(question))
    mission_kind = "agency_mission" if agency else "mission"
    number = mission_number(question)
    asks_program = bool(re.search(r"\bprogram", low))
    asks_commitment = bool(re.search(r"\b(komitmen|commitment)", low))
    asks_affair = bool(re.search(r"\b(urusan|affairs?)\b", low))
    asks_goal = bool(re.search(r"\b(tujuan|sasaran|goals?|objectives?)\b", low))
    if number and (asks_program or asks_commitment or asks_affair or asks_goal):
        kind = ("program" if asks_program else "commitment" if asks_commitment else "affair" if asks_affair
                else "goal")
        return _distinct([r for r in in_region if r.kind == kind and r.parent == f"mission {number}"])
    if number and region:
        hits = [r for r in in_region if r.kind == mission_kind and r.number == number]
        return hits[:1]
    if _WHICH_MISSION.search(question) and q.terms:
        return _covering_mission(q, in_region)
    if region and _PILLAR_WORDS.search(question):
        pillars = [r for r in in_region if r.kind == "vision_pillar"]
        doc = _named_document(pillars, q)
        vision = [r for r in in_region if r.kind == "vision" and r.doc_id == doc][:1]
        return vision + [r for r in pillars if r.doc_id == doc] if pillars else []
    if region and re.search(r"\b(visi|vision)\b", low) and not re.search(r"\b(misi|mission)", low):
        kind = "agency_vision" if agency else "vision"
        visions = [r for r in in_region if r.kind == kind]
        return [r for r in visions if r.doc_id == _named_document(visions, q)][:1]
    if region and re.search(r"\b(misi|missions?)\b", low) and _LIST_WORDS.search(question):
        missions = [r for r in in_region if r.kind == mission_kind]
        return [r for r in missions if r.doc_id == _named_document(missions, q)]
    if region and asks_program and re.search(r"\b(prioritas|priority)\b", low):
        return [r for r in in_region if r.kind == "program" and r.parent is None]
    return []


def _distinct(rows: list[PlanRow]) -> list[PlanRow]:
    """The rows in order, each item once per document (a goal repeated in capitals in a later table)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for r in rows:
        key = (r.doc_id, " ".join(r.text.lower().split()))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def plan_rows_across(question: str, rows: list[PlanRow], regions: list[str]) -> list[PlanRow]:
    """For a question about several regions' visions ("Bandingkan visi Kota Metro dan ..."): each one's vision."""
    low = question.lower()
    if not re.search(r"\b(visi|visions?)\b", low) or re.search(r"\b(misi|missions?)\b", low):
        return []
    out = []
    for region in regions:
        vision = next((r for r in rows if r.region == region and r.kind == "vision"), None)
        if vision:
            out.append(vision)
    return out if len(out) > 1 else []


def _named_document(rows: list[PlanRow], q: QueryTerms) -> str | None:
    """The document of these rows whose title the question names best ("versi ringkas"), else the first one."""
    best, best_hits = None, -1
    for doc_id in dict.fromkeys(r.doc_id for r in rows):
        title = set(analyze(next(r.title for r in rows if r.doc_id == doc_id)))
        hits = sum(1 for t in q.terms if t in title)
        if hits > best_hits:
            best, best_hits = doc_id, hits
    return best


def _covering_mission(q: QueryTerms, rows: list[PlanRow]) -> list[PlanRow]:
    """The commitment/program that matches the topic, with the mission it belongs to."""
    topic = [t for t in q.terms if t not in ("misi", "mission")]
    if not topic:
        return []
    best, best_score = None, 0.0
    for r in rows:
        if r.kind not in ("commitment", "program", "mission"):
            continue
        terms = set(analyze(r.text))
        score = sum(1 for t in topic if matches(t, terms)) / len(topic)
        if r.kind == "commitment":
            score += 0.01
        if score > best_score:
            best, best_score = r, score
    if best is None or best_score < 0.5:
        return []
    if best.kind == "mission":
        return [best]
    parent = next(
        (r for r in rows if r.doc_id == best.doc_id and r.parent is None and f"{r.kind.split('_')[-1]} {r.number}" == best.parent),
        None,
    )
    return [p for p in (best, parent) if p]


# An item read from a table row is what a question asks about when the question holds nearly all of the item's
# name (all of it, or all but one word of a name of four words or more) and the name is at least half of what
# the question is about (its topic words besides the cell it asks for: target, baseline, budget, years).
MIN_NAME_SHARE = 0.75
MIN_QUESTION_SHARE = 0.5
_CELL_TERMS = frozenset(analyze(" ".join(TABLE_QUESTION_WORDS)))


_LABELLED_REST = re.compile(r"\s+\S+:\s.*$", re.DOTALL)


def _item_name(text: str) -> str:
    """A table cell's name without a labelled rest: "PROGRAM PENGELOLAAN PELAYARAN Outcome: Meningkatnya ..."
    is named "PROGRAM PENGELOLAAN PELAYARAN"; an affair by its usual name ("Urusan Perpustakaan")."""
    name = _LABELLED_REST.sub("", text)
    return AFFAIR_FORMAL_NAME.sub("urusan", name if len(name.split()) >= 2 else text)


_CELL_CUE = re.compile(
    r"\b(?:" + "|".join(re.escape(c) for _, cues in TABLE_CELL_CUES for c in sorted(cues, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def _without_cells(question: str) -> str:
    """The question less the words that name the cell it asks for ("pagu indikatif", "penanggung jawab"):
    what is left names the row."""
    return _CELL_CUE.sub(" ", question)


_TRAILING_NOTE = re.compile(r"(?:\s*\([^()]*\))+\s*$")  # "Kunjungan Wisatawan (juta orang)", "(%)", "(IPM)"


@lru_cache(maxsize=65536)
def _name_terms(text: str) -> frozenset[str]:
    """A table item's name as analysed terms, less the words that name cells and a closing note in brackets (its
    unit or acronym: a question need not repeat them); read once per name."""
    name = _item_name(text)
    return frozenset(analyze(_TRAILING_NOTE.sub("", name)) or analyze(name)) - _CELL_TERMS


class _QuestionMatch:
    """A question's terms and topic words matched against name terms, each name term once per question (the
    same words recur in thousands of item names)."""

    def __init__(self, terms: set[str], topic: list[set[str]]):
        self.terms = terms
        self._terms = SlipIndex(terms)
        self._topic = SlipIndex(t for unit in topic for t in unit)
        self._unit_of: dict[str, set[int]] = {}
        for i, unit in enumerate(topic):
            for t in unit:
                self._unit_of.setdefault(t, set()).add(i)
        self._slipped: dict[str, bool] = {}
        self._units: dict[str, frozenset[int]] = {}

    def exact(self, term: str) -> bool:
        return matches(term, self.terms)

    def slipped(self, term: str) -> bool:
        if term not in self._slipped:
            self._slipped[term] = bool(self._terms.find(term))
        return self._slipped[term]

    def units(self, term: str) -> frozenset[int]:
        """The topic words (by position) the term matches."""
        if term not in self._units:
            self._units[term] = frozenset(i for t in self._topic.find(term) for i in self._unit_of[t])
        return self._units[term]


class _NameIndex:
    """The table items of a list of plan rows by the terms of their names, so a question is compared only with
    the items that share a word with it (a corpus holds thousands)."""

    def __init__(self, rows: list[PlanRow]):
        self.rows = rows
        self._rows_of: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            for t in _name_terms(r.text) if r.fields else ():
                self._rows_of.setdefault(t, []).append(i)
        self._terms = SlipIndex(self._rows_of)

    def sharing(self, terms: set[str]) -> list[PlanRow]:
        """The rows with a name term that one of the terms matches (a cognate, or one slip apart), in their order."""
        found = {i for q in terms for t in self._terms.find(q) for i in self._rows_of[t]}
        return [self.rows[i] for i in sorted(found)]


_LAST_INDEX: list[_NameIndex] = []  # the index of the rows asked last (a service's rows change on refresh)


def _name_index(rows: list[PlanRow]) -> _NameIndex:
    if not _LAST_INDEX or _LAST_INDEX[0].rows is not rows:
        _LAST_INDEX[:] = [_NameIndex(rows)]
    return _LAST_INDEX[0]


def table_topic(question: str, language: str, region: str | None) -> list[set[str]]:
    """What a table question is about, word by word: its words less those that frame it (question words, the
    cell asked, the year, the plan's type, the region), each with its translations when English."""
    place = set(words(region)) if region else set()
    return [
        {stem(w)} | (set(analyze(" ".join(translate_terms(w)))) if language == "en" else set())
        for w in words(_without_cells(question))
        if w not in STOPWORDS and w not in QUESTION_WORDS and w not in TABLE_QUESTION_WORDS and w not in place
        and w not in PLAN_ITEM_WORDS and w not in TABLE_FRAME_WORDS and stem(w) not in _CELL_TERMS
        and not w.isdigit()
    ]


@dataclass(frozen=True)
class Subject:
    """What a table question is about: its topic words the corpus has (each with its translations when
    English), weighted by the corpus IDF; the most specific is the one of the highest weight ("kebahagiaan"
    in "Berapa target Indeks Kebahagiaan 2029?")."""

    units: tuple[frozenset[str], ...]
    weights: tuple[float, ...]

    def named_by(self, text: str) -> bool:
        """True when the text (a table row) is about the subject: it holds the most specific word, or at
        least MIN_QUESTION_SHARE of the topic's weight ("Proyeksi Kebutuhan Tempat Tidur" for "hospital
        beds ... projection"); a word may differ by one OCR slip ("Akeses" for "Akses")."""
        held = self._held(text)
        most = max(range(len(self.units)), key=lambda i: self.weights[i])
        return held[most] or self._share(held) >= MIN_QUESTION_SHARE

    def share(self, text: str) -> float:
        """The share of the topic's weight the text holds."""
        return self._share(self._held(text))

    def _held(self, text: str) -> list[bool]:
        found = set(analyze(text))
        return [any(one_slip(s, t) for t in found for s in unit) for unit in self.units]

    def _share(self, held: list[bool]) -> float:
        return sum(w for w, h in zip(self.weights, held, strict=True) if h) / sum(self.weights)


def table_subject(question: str, language: str, region: str | None, weight: Callable[[str], float],
                  known: Callable[[str], bool]) -> Subject | None:
    """The subject of a table question (Subject); None when the corpus has none of the topic's words (an
    English word the glossary does not translate says nothing about Indonesian rows)."""
    units = [frozenset(unit) for unit in table_topic(question, language, region)
             if any(known(t) for t in unit) and (language != "en" or len(unit) > 1)]
    if not units:
        return None
    return Subject(tuple(units), tuple(max(weight(t) for t in unit if known(t)) for unit in units))


def table_item_asked(question: str, language: str, q: QueryTerms, rows: list[PlanRow], region: str | None,
                     docs: frozenset[str] | None, kinds: tuple[str, ...] = ("indicator",),
                     weight: Callable[[str], float] = lambda t: 1.0,
                     holds: Callable[[PlanRow], bool] | None = None,
                     known: Callable[[str], bool] | None = None) -> PlanRow | None:
    """The item read from a table row (an indicator, a program, a goal) that the question names: see
    MIN_NAME_SHARE (of the name's terms, each counted by `weight`: the corpus IDF, so "Urusan Pemerintahan
    Bidang" weighs less than "Statistik") and MIN_QUESTION_SHARE; None when no item, or items of different
    names, match equally.
    English questions are read through the glossary's phrases too ("life expectancy" -> "usia harapan hidup").
    A name's word may differ from the question's by one OCR slip ("Akeses" for "Akses"); the asked region's
    own words are neither part of a name ("Jumlah Wisatawan Kota Sukamaju") nor of the topic.
    holds: only rows for which it is true (those holding the cell asked, such as a target for the year asked).
    known: whether the corpus has a term; a topic word it has in no form ("supposed", "meant") can be in no
    name, and does not count against one."""
    terms = set(q.terms) | (set(analyze(" ".join(translate_terms(question)))) if language == "en" else set())
    place_terms = frozenset(analyze(region)) if region else frozenset()
    topic = [unit for unit in table_topic(question, language, region) if known is None or any(map(known, unit))]
    match = _QuestionMatch(terms, topic)
    best: list[PlanRow] = []
    best_key: tuple = (0.0, 0.0, 0)
    for r in _name_index(rows).sharing(terms):
        if r.kind not in kinds or (region and r.region != region) or (docs and r.doc_id not in docs):
            continue
        name = _name_terms(r.text) - place_terms
        if not name:
            continue
        found = [t for t in name if match.slipped(t)]
        total = sum(weight(t) for t in name)
        name_share = sum(weight(t) for t in found) / total if total else 0.0
        question_share = len(frozenset().union(*(match.units(t) for t in name))) / len(topic) if topic else 0.0
        if name_share < MIN_NAME_SHARE or question_share < MIN_QUESTION_SHARE or len(found) < min(2, len(name)):
            continue
        if holds is not None and not holds(r):
            continue
        key = (name_share, question_share, sum(1 for t in found if match.exact(t)))  # unslipped words first
        if key > best_key:
            best, best_key = [r], key
        elif key == best_key:
            best.append(r)
    names = {" ".join(analyze(r.text)) for r in best}
    return best[0] if len(names) == 1 else None


def indicator_years_note(row: PlanRow, years: tuple[int, ...], language: str) -> str:
    """What the plan has for an indicator when the asked year is not among its columns."""
    fields = row.fields or {}
    yearly = fields.get("targets") or fields.get("values") or fields.get("outturns") or {}
    values = "; ".join(f"{y}: {v}" for y, v in sorted(yearly.items()))
    unit = f" ({fields['unit']})" if fields.get("unit") else ""
    asked = ", ".join(str(y) for y in years)
    source = f"{row.title}, {fields['table']}" if fields.get("table") else row.title
    if language == "id":
        return f"{source} memuat {row.text}{unit} untuk {values}; tidak untuk tahun {asked}."
    return f"{source} gives {row.text}{unit} for {values}; not for {asked}."
