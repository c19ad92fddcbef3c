"""Plan structure in answers: which mission, vision, program or affair a question asks about."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.terms import QueryTerms, matches
from index.lexical import analyze

ORDINALS = {
    "pertama": 1, "kesatu": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6, "ketujuh": 7,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
}
_NUMBERED_MISSION = re.compile(
    r"\b(?:misi|mission)\s*(?:ke-?\s*)?(\d{1,2})\b|\b(?:misi|mission)\s+(" + "|".join(ORDINALS) + r")\b"
    r"|\b(" + "|".join(ORDINALS) + r")\s+(?:misi|mission)\b",
    re.I,
)
_AGENCY_WORDS = re.compile(r"\b(dinas|badan|office|agency|department|housing)\b", re.I)
_WHICH_MISSION = re.compile(r"\b(which|what)\s+mission\b|\bmisi\s+(apa|mana)\b|\bmisi\s+yang\b|\bdi\s*bawah\s+misi\b", re.I)
_LIST_WORDS = re.compile(r"\b(sebutkan|apa saja|what are|list|name the|which are)\b|\bmissions\b|\bmisinya\b", re.I)


@dataclass(frozen=True)
class PlanRow:
    """A plan item with its document's metadata, for the lookup table and for answers."""

    doc_id: str
    region: str | None
    title: str
    period: str | None
    kind: str
    number: int | None
    parent: str | None
    text: str
    start: int
    end: int

    def label(self, language: str) -> str:
        names = {
            "vision": ("Visi", "Vision"), "agency_vision": ("Visi dinas", "Agency vision"),
            "vision_pillar": ("Pokok visi", "Vision pillar"), "mission": ("Misi", "Mission"),
            "agency_mission": ("Misi dinas", "Agency mission"), "commitment": ("Komitmen", "Commitment"),
            "program": ("Program", "Program"), "affair": ("Urusan", "Affair"),
        }
        name = names.get(self.kind, (self.kind, self.kind))[0 if language == "id" else 1]
        return f"{name} {self.number}" if self.number else name

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def mission_number(question: str) -> int | None:
    """The mission number a question names ("misi kelima", "Misi 3", "the fifth mission")."""
    m = _NUMBERED_MISSION.search(question)
    if not m:
        return None
    if m.group(1):
        return int(m.group(1))
    return ORDINALS[(m.group(2) or m.group(3)).lower()]


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
    if number and (asks_program or asks_commitment or asks_affair):
        kind = "program" if asks_program else "commitment" if asks_commitment else "affair"
        return [r for r in in_region if r.kind == kind and r.parent == f"mission {number}"]
    if number and region:
        hits = [r for r in in_region if r.kind == mission_kind and r.number == number]
        return hits[:1]
    if _WHICH_MISSION.search(question) and q.terms:
        return _covering_mission(q, in_region)
    if region and re.search(r"\b(visi|vision)\b", low) and not re.search(r"\b(misi|mission)", low):
        kind = "agency_vision" if agency else "vision"
        return [r for r in in_region if r.kind == kind][:1]
    if region and re.search(r"\b(misi|missions?)\b", low) and _LIST_WORDS.search(question):
        first_doc = next((r.doc_id for r in in_region if r.kind == mission_kind), None)
        return [r for r in in_region if r.kind == mission_kind and r.doc_id == first_doc]
    if region and asks_program and re.search(r"\b(prioritas|priority)\b", low):
        return [r for r in in_region if r.kind == "program" and r.parent is None]
    return []


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
