"""When a regulation was enacted or promulgated, and who signed it, read from its closing formula.

Every Indonesian regulation (Perda, Pergub) ends with "Ditetapkan di Sukamaju pada tanggal 12 Maret 2024",
the signer's office, "ttd" and name, then "Diundangkan di ... pada tanggal ..." (planbot.language.CLOSING_FORMULA).
Search rarely ranks that short block first for "Kapan Perda RPJMD ditetapkan?", so a question that asks for
it and names its document is answered from the document's own closing formula, cited like any passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.question import Question
from index.lexical import words
from planbot.language import CLOSING_ACTS, CLOSING_FORMULA, ENACTMENT_CUES, KIND_CUES, SIGNED

WHO_WORDS = frozenset(dict(KIND_CUES)["who"])  # "Kapan ... ditetapkan dan siapa yang menandatanganinya?"
SIGNER_REACH = 400  # characters after the date within which the signer's office, "ttd" and name stand
_NAME_LINE = re.compile(r"^[ \t]*([A-Z][A-Z.'-]*(?:[ \t]+[A-Z][A-Z.'-]*)*),?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Enactment:
    """One act of the closing formula: enacted or promulgated, where, when, by whom, and its span."""

    doc_id: str
    act: str  # "enacted" | "promulgated"
    place: str
    date: str
    signer: str | None
    start: int
    end: int


def asked_act(read: Question) -> str | None:
    """"enacted" or "promulgated" when a when- or who-question asks when a regulation was made (or who signed
    it): "Kapan Perda RPJMD ditetapkan?", "Who signed the regulation?"; None otherwise."""
    if read.kind not in ("when", "who"):
        return None
    found = set(words(read.text))
    return next((act for act, cues in ENACTMENT_CUES if found & set(cues)), None)


def enactments(doc_id: str, text: str) -> list[Enactment]:
    """The acts of a document's closing formula, in order (usually one "enacted", then one "promulgated")."""
    out = []
    for m in CLOSING_FORMULA.finditer(text):
        signer, end = _signer(text, m.end())
        out.append(Enactment(doc_id, CLOSING_ACTS[m.group(1).lower()], m.group(2), " ".join(m.group(3).split()),
                             signer, m.start(), end))
    return out


def _signer(text: str, at: int) -> tuple[str | None, int]:
    """The name signed after "ttd" (the office line before it is not a name), and where the block ends."""
    after = text[at : at + SIGNER_REACH]
    stop = CLOSING_FORMULA.search(after)
    after = after[: stop.start()] if stop else after
    signed = SIGNED.search(after)
    if not signed:
        return None, at
    name = _NAME_LINE.search(after, signed.end())
    if not name:
        return None, at + signed.end()
    return " ".join(name.group(1).split()).title(), at + name.end()


def says(found: Enactment, read: Question) -> str:
    """The short answer: the date, and who signed when the question asks who ("30 Desember 2024, Teguh
    Setyabudi"), without its [n]."""
    asks_who = read.kind == "who" or bool(set(words(read.text)) & WHO_WORDS)
    return f"{found.date}, {found.signer}" if asks_who and found.signer else found.date
