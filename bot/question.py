"""Understand the question: its language, what kind of answer it wants, the years, periods and plan types
it names, and whether it must be refused politely (instructions to the system, personal data).

The first stage of the answer path. Everything here is general language knowledge from planbot.language; no
rule is made for one document or one question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from planbot import language as lang

_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d.,]\d)")
# A word that starts with a letter of any alphabet ("Orléans", "Wrocław", "O'Brien", "Ngadas-Tengger").
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[-'’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?]\s*$")
_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:-|–|—|s\.?d\.?|sampai|hingga|to|until)\s*((?:19|20)\d\d)(?!\d)")


@dataclass(frozen=True)
class Question:
    """What the rest of the answer path needs to know about a question."""

    text: str
    language: str  # "id" | "en"
    kind: str  # one of planbot.language.KINDS
    years: tuple[int, ...] = ()  # single years named ("target 2027"), not the ends of a period
    periods: tuple[tuple[int, int], ...] = ()  # "2025-2029"
    doc_types: tuple[str, ...] = ()  # "RPJMD", "RKPD", ...
    refusal: str | None = None  # "instruction" | "personal": refused with a polite reason, never answered
    across_regions: bool = False  # "which cities ...", "bandingkan ...": answered region by region

    @property
    def factoid(self) -> bool:
        """Questions whose answer is one short fact: a name, a date, a figure, a place."""
        return self.kind in lang.FACTOID_KINDS


def _phrase_in(text: str, phrases: frozenset[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text) for p in phrases)


def name_phrases(text: str) -> list[str]:
    """The proper names a question mentions: runs of capitalised words ("Christiaan Snouck Hurgronje", "Kota
    Metro"), accents and any cased alphabet kept. A sentence's first word is left out: its capital says
    nothing ("Kapan", "Robert Bellarmine lahir di mana?" keeps "Bellarmine")."""
    runs: list[list[tuple[str, bool]]] = []
    last_end = None
    for m in _WORD.finditer(text):
        word = m.group(0)
        starts = not text[: m.start()].strip() or bool(_SENTENCE_END.search(text[: m.start()]))
        joined = last_end is not None and not text[last_end : m.start()].strip()
        if word[0].isupper():
            if runs and joined and runs[-1]:
                runs[-1].append((word, starts))
            else:
                runs.append([(word, starts)])
        else:
            runs.append([])
        last_end = m.end()
    out = []
    for run in runs:
        if run and run[0][1]:  # the capital of a sentence's first word says nothing
            run = run[1:]
        if run:
            out.append(" ".join(w for w, _ in run))
    return list(dict.fromkeys(out))


def question_kind(text: str) -> str:
    """The kind of answer asked for, from the question words: the earliest cue wins, then the longest."""
    low = text.lower().lstrip(" \"'“(")
    best: tuple[int, int, str] | None = None
    for kind, cues in lang.KIND_CUES:
        for cue in cues:
            m = re.search(rf"(?<![\w-]){re.escape(cue)}(?![\w-])", low)
            if not m or (kind in lang.START_ONLY_KINDS and m.start() > 0):
                continue
            key = (m.start(), -len(cue), kind)
            if best is None or key[:2] < best[:2]:
                best = key
    kind = best[2] if best else "other"
    if kind == "other" and _phrase_in(low, lang.FIGURE_WORDS):
        return "how_much"
    if kind in ("list", "other") and _phrase_in(low, lang.PLAN_ITEM_WORDS):
        return "plan_item"
    return kind


def refusal_of(text: str) -> str | None:
    """'instruction' for requests that try to steer the system, 'personal' for personal data, else None."""
    low = " ".join(text.lower().split())
    if any(p.search(low) for p in lang.INSTRUCTION_PATTERNS):
        return "instruction"
    if _phrase_in(low, lang.PERSONAL_DATA):
        return "personal"
    if _phrase_in(low, lang.PERSONAL_MONEY) and _phrase_in(low, lang.PERSON_TITLES):
        return "personal"
    return None


def doc_types_named(text: str) -> tuple[str, ...]:
    """Plan types the question names, by acronym or full name ("rencana pembangunan jangka menengah").

    The types are tried most specific first; a name inside one already found ("rencana kerja" inside
    "rencana kerja pemerintah daerah") names nothing more.
    """
    found, taken = [], []
    for kind, pattern in lang.DOC_TYPES:
        for m in pattern.finditer(text):
            if not any(a <= m.start() and m.end() <= b for a, b in taken):
                taken.append(m.span())
                found.append(kind)
    return tuple(dict.fromkeys(found))


def read_question(text: str) -> Question:
    """The Question record of a (whitespace-normalised) question."""
    text = " ".join(text.split())
    periods = tuple((int(a), int(b)) for a, b in _PERIOD.findall(text))
    ends = {y for p in periods for y in p}
    years = tuple(dict.fromkeys(int(y) for y in _YEAR.findall(text) if int(y) not in ends))
    return Question(
        text=text,
        language=lang.detect_language(text),
        kind=question_kind(text),
        years=years,
        periods=periods,
        doc_types=doc_types_named(text),
        refusal=refusal_of(text),
        across_regions=bool(lang.ACROSS_REGIONS.search(text)),
    )


def refusal_text(reason: str, language: str) -> str:
    """The polite answer to a refused question."""
    return lang.REFUSALS[reason][language]
