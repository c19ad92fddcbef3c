"""When to say "not found": combined evidence, never a similarity cut-off alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.terms import QueryTerms, has_money, has_rate, matches
from index.lexical import analyze, stem
from ingest.cleaning import strip_emphasis
from planbot.language import EN_ID, STOPWORDS, translate_terms

# The place word in any case, the name capitalised ("taman kota dan kuburan" names no place).
_PLACE = re.compile(
    r"\b(?i:kota|kabupaten|kab\.|provinsi|city of|regency of|province of)\s+([A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)"
    r"|\b([A-Z][\w-]+)\s+(?i:city|regency|province)\b",
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z-]{2,})")
_ASKS_QUANTITY = re.compile(
    r"\b(berapa|how many|how much|how long|how far|when|kapan|what year|tahun berapa)\b", re.IGNORECASE
)
_COUNTED = re.compile(r"\bhow (?:many|much)\s+([a-z][\w-]*)|^\s*berapa\s+(?:jumlah\s+|banyak\s+|banyaknya\s+)?([a-z][\w-]*)", re.IGNORECASE)
_NUMBER_IN_TEXT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![.)]\s)")
_MONEY = re.compile(r"\b(anggaran|biaya|dana|rupiah|budget|cost|costs|money|funds?|spend|spent)\b", re.IGNORECASE)
_RATE = re.compile(r"\b(persen|persentase|tingkat|angka|percent|percentage|rate)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CorpusProfile:
    """What the corpus covers: its regions, titles and words (lowercase)."""

    regions: tuple[str, ...]
    titles: tuple[str, ...]
    words: frozenset[str]
    terms: frozenset[str]

    def describe(self, language: str) -> str:
        """One sentence on what the corpus covers."""
        regions = ", ".join(self.regions) or ("tidak ada" if language == "id" else "none")
        if language == "id":
            return f"Dokumen yang tersedia mencakup: {regions} ({len(self.titles)} dokumen)."
        return f"The plans I have cover: {regions} ({len(self.titles)} documents)."


@dataclass(frozen=True)
class Verdict:
    abstain: bool
    reason: str | None = None


def unknown_places(question: str, corpus: CorpusProfile) -> list[str]:
    """Places or proper names in the question that appear nowhere in the corpus."""
    names = [a or b for a, b in _PLACE.findall(question)]
    names += [m for m in _CAPITALISED.findall(question)]
    unknown = []
    for name in names:
        parts = [p for p in re.split(r"[\s-]+", name.lower()) if p]
        parts = [p.removesuffix("'s") for p in parts if p not in STOPWORDS and p not in EN_ID]
        if parts and not any(p in corpus.words for p in parts):
            unknown.append(name)
    return list(dict.fromkeys(unknown))


def coverage(q: QueryTerms, corpus: CorpusProfile) -> float:
    """Share of the question's topic terms that occur (or have a cognate) in the corpus."""
    if not q.terms:
        return 1.0
    covered = {t for t in q.terms if t in corpus.terms or matches(t, _near(t, corpus.terms))}
    if not covered:
        return 0.0
    # English words the glossary does not know are mostly general English ("keep", "stand", "acronym"): they
    # count only where the corpus has them (names, cognates); the translated planning words must be covered.
    loose = {stem(w) for w in q.untranslated}
    counted = [t for t in q.terms if t not in loose or t in covered]
    return sum(t in covered for t in counted) / len(counted)


def _near(term: str, vocab: frozenset[str]) -> list[str]:
    return [v for v in vocab if v[:5] == term[:5]] if len(term) >= 5 else []


def judge_question(question: str, q: QueryTerms, corpus: CorpusProfile, covered: float | None = None) -> Verdict:
    """Abstain before retrieval when the question is about something the corpus does not hold.

    covered: coverage(q, corpus) when the caller has it already (it scans the corpus vocabulary)."""
    places = unknown_places(question, corpus)
    if places:
        return Verdict(True, f"not in the corpus: {', '.join(places)}")
    if (coverage(q, corpus) if covered is None else covered) < 0.34:
        return Verdict(True, "the question's topic does not occur in the documents")
    return Verdict(False)


def judge_answer(question: str, quoted: list[str], passages: list[str], best_score: float, top_similarity: float,
                 kind: str = "how_much") -> Verdict:
    """Abstain after retrieval when what was found does not answer what was asked.

    Amounts and rates are required only when the question asks for a figure (kind "how_much"): "Apakah
    keterbatasan dana menjadi kendala?" asks yes or no, not for an amount."""
    asks_figure = kind == "how_much"
    if asks_figure and _MONEY.search(question) and not any(has_money(p) for p in passages):
        return Verdict(True, "the plans give no amounts of money for this")
    if asks_figure and _RATE.search(question) and not any(has_rate(p) for p in passages):
        return Verdict(True, "the plans give no such figure")
    if not quoted:
        return Verdict(True, "no passage answers the question")
    if _ASKS_QUANTITY.search(question):
        numbered = [q for q in quoted if _NUMBER_IN_TEXT.search(_unnumbered(q))]
        thing = counted_thing(question)
        if thing:
            numbered = [q for q in numbered if matches_any(thing, analyze(strip_emphasis(q)))]
        if not numbered:
            return Verdict(True, f"the plans give no number of {' / '.join(thing)}" if thing else "the plans give no such number")
    if best_score <= 0 and top_similarity < 0.80:
        return Verdict(True, "no passage matches the question closely")
    return Verdict(False)


def counted_thing(question: str) -> tuple[str, ...]:
    """What a "how many X" / "berapa (jumlah) X" question counts, as analysed terms (English translated too)."""
    m = _COUNTED.search(question)
    if not m:
        return ()
    word = (m.group(1) or m.group(2)).lower()
    return tuple(dict.fromkeys([stem(word), *analyze(" ".join(translate_terms(word)))]))


def matches_any(terms: tuple[str, ...], text_terms: list[str]) -> bool:
    return any(matches(t, text_terms) for t in terms)


def _unnumbered(text: str) -> str:
    """Text without its list numbering ("3. ...", "1) ...")."""
    return re.sub(r"^\s*\(?\d{1,2}[.)]\s+", "", text)
