"""Follow-up questions in a conversation: rule-based rewrite into a question the service can answer alone.

The service answers one question at a time. In a chat people ask "Dan program kerjanya?" after
"Apa misi ketiga Kota Metro?"; the follow-up names neither the region nor the mission, so it is rewritten
to carry them over ("program kerja Misi 3 Kota Metro?"). No model is involved: the rules look for a
follow-up marker, a missing region and a missing subject, and take what is missing from earlier turns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.plan import mission_number
from bot.terms import QUESTION_WORDS, REGION_PREFIXES, region_key, regions_named
from index.lexical import words
from planbot.language import STOPWORDS

# Openers that tie a question to the previous one; longest first so "bagaimana dengan" wins over "dan".
MARKERS = (
    "bagaimana dengan", "bagaimana kalau", "kalau untuk", "what about", "how about", "and what about",
    "lalu", "terus", "kemudian", "selanjutnya", "kalau", "dan", "and", "then", "also", "juga",
)
_MARKER = re.compile(r"^\s*(?:" + "|".join(re.escape(m) for m in sorted(MARKERS, key=len, reverse=True)) + r")\b[\s,]*",
                     re.IGNORECASE)
# Words that name a part of the plan; a question made only of these (and question words) has no topic of its own.
STRUCTURE_WORDS = frozenset([
    "visi", "misi", "program", "programnya", "kerja", "kerjanya", "prioritas", "komitmen", "urusan", "pokok",
    "pilar", "dinas", "tujuan", "sasaran", "vision", "visions", "mission", "missions", "programs", "priorities",
    "priority", "commitment", "commitments", "affairs", "affair", "pillar", "pillars", "goal", "goals",
    "objective", "objectives", "its", "their", "work",
])
# Parts of a mission: a question about these after a mission question is about that mission's parts.
MISSION_PARTS = frozenset([
    "program", "programs", "kerja", "komitmen", "urusan", "commitment", "commitments", "affair", "affairs",
    "priorities",
])
# "-nya" on a plan word points back ("programnya" = its programs); elsewhere it is part of the word ("sebenarnya").
_NYA = re.compile(r"\b(visi|misi|program|kerja|komitmen|urusan|prioritas|tujuan|sasaran|pokok|dinas)nya\b",
                  re.IGNORECASE)
SHORT_WORDS = 3


@dataclass(frozen=True)
class Rewrite:
    """The question to ask and what was carried over (shown to the user as 'dipahami sebagai')."""

    question: str
    original: str
    carried_region: str | None = None
    carried_subject: str | None = None

    @property
    def changed(self) -> bool:
        return self.question != self.original


def history_questions(history: Iterable) -> list[str]:
    """User questions from a history given as strings or as {role, content} turns (other roles dropped)."""
    out: list[str] = []
    for item in history or ():
        if isinstance(item, str):
            text = item
        elif isinstance(item, dict):
            if (item.get("role") or "user") != "user":
                continue
            text = item.get("content") or ""
        else:
            continue
        text = " ".join(str(text).split())
        if text:
            out.append(text)
    return out


def region_in(question: str, regions: Sequence[str]) -> str | None:
    """The corpus region a question names ('Metro', 'Kota Bekasi'), else None (or when it names several)."""
    found = regions_named(question, regions)
    return found[0] if len(found) == 1 else None


def topic_words(question: str, regions: Sequence[str] = ()) -> list[str]:
    """Content words beyond question words, plan-structure words, ordinals and region names."""
    region_words = set().union(*(region_key(r) for r in regions)) if regions else set()
    return [
        w for w in words(question)
        if w not in STOPWORDS and w not in QUESTION_WORDS and w not in STRUCTURE_WORDS and w not in region_words
        and w not in REGION_PREFIXES and not w.isdigit() and w not in ("ke", "nomor", "no")
    ]


def _subject(question: str, language: str) -> str | None:
    """The plan item a question is about, in canonical words: 'Misi 3' / 'mission 3'."""
    number = mission_number(question)
    if number is None:
        return None
    return f"Misi {number}" if language == "id" else f"mission {number}"


def _language(question: str) -> str:
    ws = words(question)
    english = sum(w in ("what", "which", "and", "about", "the", "of", "how", "its", "programs", "mission") for w in ws)
    return "en" if english > 0 and english * 3 >= len(ws) else "id"


def _core(question: str) -> str:
    """The question without its follow-up opener, possessive '-nya' and end punctuation."""
    core = _MARKER.sub("", question.strip(), count=1)
    core = _NYA.sub(lambda m: m.group(1), core)
    core = re.sub(r"^(?:its|their|the)\s+", "", core.strip(), flags=re.IGNORECASE)
    return core.strip().rstrip("?!. ").strip()


def is_followup(question: str, regions: Sequence[str]) -> bool:
    """True when the question leans on earlier turns: an opener, '-nya', or no region and nothing of its own."""
    if _MARKER.match(question):
        return True
    if region_in(question, regions):
        return False
    if _NYA.search(question) or len(words(question)) <= SHORT_WORDS:
        return True
    return mission_number(question) is None and not topic_words(question, regions)


def rewrite(question: str, history: Iterable, regions: Sequence[str], *, region_filter: str | None = None) -> Rewrite:
    """Rewrite a follow-up so it names the region and subject of the conversation; other questions pass as-is.

    history: earlier user questions, oldest first (strings or {role, content} turns); pass the rewritten
    questions of earlier turns so a chain of follow-ups keeps its context. With a region filter the region
    comes from the filter, so none is carried over.
    """
    question = " ".join((question or "").split())
    previous = history_questions(history)
    if not question or not previous or not is_followup(question, regions):
        return Rewrite(question, question)
    language = _language(question)
    own_region = region_in(question, regions)
    own_subject = _subject(question, language)
    last_region = next((r for r in (region_in(q, regions) for q in reversed(previous)) if r), None)
    last_subject = next((s for s in (_subject(q, language) for q in reversed(previous)) if s), None)
    core = _core(question)

    # "Bagaimana dengan Kota Bekasi?": the previous question again, about the new region.
    if own_region and not own_subject and not topic_words(core, regions):
        base = previous[-1]
        old_region = region_in(base, regions)
        if old_region:
            drop = region_key(old_region)
            kept = [t for t in base.rstrip("?!. ").split() if not (set(words(t)) & drop)]
            kept = [t for t in kept if t.lower() not in REGION_PREFIXES] if len(kept) > 1 else kept
            base = " ".join(kept)
        else:
            base = base.rstrip("?!. ")
        joiner = " of " if language == "en" else " "
        return Rewrite(f"{base}{joiner}{own_region}?", question, carried_subject=base)

    parts = [core]
    carried_subject = carried_region = None
    core_words = set(words(core))
    about_parts = bool(core_words & MISSION_PARTS) or not (core_words & STRUCTURE_WORDS)
    if not own_subject and last_subject and about_parts and not topic_words(core, regions):
        carried_subject = last_subject
        parts.append(("of " if language == "en" else "") + last_subject)
    if not own_region and not region_filter and last_region:
        carried_region = last_region
        parts.append(("of " if language == "en" else "") + last_region)
    if not carried_subject and not carried_region:
        return Rewrite(question, question)
    return Rewrite(" ".join(p for p in parts if p) + "?", question, carried_region, carried_subject)
