"""When to say "not found": combined evidence, never a similarity cut-off alone."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

from bot.question import name_phrases
from bot.terms import REGION_PREFIXES, QueryTerms, has_money, has_rate, matches
from index.lexical import analyze, stem, words
from ingest.cleaning import strip_emphasis
from planbot.language import (
    COUNT_WORDS,
    DOC_TYPES,
    EN_ID,
    FIGURE_WORDS,
    HEDGES,
    MEASURE_WORDS,
    MONTHS,
    NUMBER_WORDS,
    QUESTION_WORDS,
    STOPWORDS,
    TIME_WORDS,
    translate_terms,
)

# Words of general language, not of names: "Barat" in "Jawa Barat", "RPJMD" in "Kabupaten Bogor's RPJMD".
_GENERAL_WORDS = (
    STOPWORDS | REGION_PREFIXES | frozenset(EN_ID)
    | {w for ids in EN_ID.values() for phrase in ids for w in words(phrase)}
    | {w for name, _ in DOC_TYPES for w in words(name)}
)
# A question's word is read as a corpus word with a short ending only when it is at least this long.
MIN_STEM_CHARS = 5


def fold(word: str) -> str:
    """The word without its accents ("orléans" -> "orleans")."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


_ASKS_QUANTITY = re.compile(r"\b(berapa|how many|how much|how long|how far)\b", re.IGNORECASE)
_ASKS_WHEN = re.compile(r"\b(when|kapan|kapankah|what year|tahun berapa)\b", re.IGNORECASE)
# A count, not an amount: "how many X", "ada/terdapat berapa X", "berapa jumlah/banyak X" ("berapa proyeksi
# kebutuhan SMA" asks for a figure of needs, "berapa anggaran misi 3" for money)
_ASKS_COUNT = re.compile(r"\bhow many\b|^\s*(?:ada|terdapat)\s+berapa\b|\bberapa\s+(?:kira-kira\s+)?(?:jumlah|banyak)",
                         re.IGNORECASE)
_COUNTED = re.compile(r"\bhow (?:many|much)\s+(.*)|^\s*(?:ada\s+|terdapat\s+)?berapa\s+(.*)", re.IGNORECASE)
_NUMBER_IN_TEXT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![.)]\s)")
_MONEY = re.compile(r"\b(anggaran|biaya|dana|rupiah|budget|cost|costs|money|funds?|spend|spent)\b", re.IGNORECASE)
# Asked as a percentage (a rate such as "angka kematian ibu" or "fertility rate" need not be one).
_PERCENT = re.compile(r"\b(persen|persentase|percent|percentage)\b|%", re.IGNORECASE)


@dataclass(frozen=True)
class CorpusProfile:
    """What the corpus covers: its regions, titles and words (lowercase)."""

    regions: tuple[str, ...]
    titles: tuple[str, ...]
    words: frozenset[str]
    terms: frozenset[str]

    @cached_property
    def _folded(self) -> list[str]:
        return sorted({fold(w) for w in self.words})

    def knows(self, word: str) -> bool:
        """The word occurs in the corpus, accents aside ("Shengnu" for "Shengnü"), or with an ending of at most
        two letters ("Monsters", "Somalia"; only words of MIN_STEM_CHARS or more: "Jawa" is not "jawab"), or
        joined to another word of the corpus ("TICband" for "TIC band")."""
        if word in self.words:
            return True
        w = fold(word)
        folded = self._folded
        i = bisect_left(folded, w)
        while i < len(folded) and folded[i].startswith(w):
            rest = folded[i][len(w):]
            if (len(rest) <= 2 and len(w) >= MIN_STEM_CHARS) or (len(rest) >= 4 and rest in self.words):
                return True
            i += 1
        return False

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


def names_read(question: str, corpus: CorpusProfile) -> tuple[list[str], list[str]]:
    """The question's proper names that have a distinctive word, as (known to the corpus, unknown): "Kabupaten
    Sleman" is unknown over plans of other regions; "Christiaan Snouck Hurgronje" is known over a text that
    calls him "Snouck Hurgronje"."""
    known, unknown = [], []
    for name in name_phrases(question):
        parts = [p for p in words(re.sub(r"['’]s\b", "", name)) if p not in _GENERAL_WORDS]
        if parts:
            (known if any(corpus.knows(p) for p in parts) else unknown).append(name)
    return known, unknown


def unknown_places(question: str, corpus: CorpusProfile) -> list[str]:
    """Places or proper names in the question of which no distinctive word appears in the corpus."""
    return names_read(question, corpus)[1]


def is_place(name: str) -> bool:
    """A name with a region word in it ("Kabupaten Sleman", "Bandung City")."""
    return any(w in REGION_PREFIXES for w in words(name))


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
    known, unknown = names_read(question, corpus)
    # An unknown place is never the corpus's; an unknown name beside a known one may be written another way
    # in the text ("Alex" beside "Sir Alexander Chapman"): the question is about what the corpus holds.
    if any(is_place(n) for n in unknown) or (unknown and not known):
        return Verdict(True, f"not in the corpus: {', '.join(unknown)}")
    if (coverage(q, corpus) if covered is None else covered) < 0.34:
        return Verdict(True, "the question's topic does not occur in the documents")
    return Verdict(False)


def judge_answer(question: str, quoted: list[str], passages: list[str], best_score: float, top_similarity: float,
                 kind: str = "how_much", years: tuple[int, ...] = ()) -> Verdict:
    """Abstain after retrieval when what was found does not answer what was asked.

    Amounts, percentages and the years asked about are required only when the question asks for a figure
    (kind "how_much"): "Apakah keterbatasan dana menjadi kendala?" asks yes or no, not for an amount.
    passages: the first passages with their titles and sections (a table's header may name the year)."""
    asks_figure = kind == "how_much"
    if asks_figure and years and not any(re.search(rf"(?<!\d){y}(?!\d)", p) for y in years for p in passages):
        return Verdict(True, f"the plans give no figure for {' / '.join(map(str, years))}")
    if asks_figure and _MONEY.search(question) and not any(has_money(p) for p in passages):
        return Verdict(True, "the plans give no amounts of money for this")
    if asks_figure and _PERCENT.search(question) and not any(has_rate(p) for p in passages):
        return Verdict(True, "the plans give no such figure")
    if not quoted:
        return Verdict(True, "no passage answers the question")
    if _ASKS_WHEN.search(question) and not _ASKS_QUANTITY.search(question):
        if not any(states_number(q) or places_in_time(q) for q in quoted):
            return Verdict(True, "the plans give no date or time for this")
    elif _ASKS_QUANTITY.search(question):
        numbered = [q for q in quoted if states_number(q)]
        thing = counted_thing(question)
        if thing:
            numbered = [q for q in numbered if matches_any(thing, analyze(strip_emphasis(q)))]
        if not numbered:
            return Verdict(True, f"the plans give no number of {' / '.join(thing)}" if thing else "the plans give no such number")
    if best_score <= 0 and top_similarity < 0.80:
        return Verdict(True, "no passage matches the question closely")
    return Verdict(False)


def counted_thing(question: str, *, count_only: bool = False) -> tuple[str, ...]:
    """What a "how many X" / "(ada) berapa X" question counts, as analysed terms (English translated too): the
    first content word after the question word ("berapa jumlah pulau" counts islands, "berapa kira-kira
    jumlah ASN" counts ASN); none when a function word follows ("how much did ...", "how much of it ...").
    count_only: only where the question asks for a count, not an amount of something ("berapa anggaran misi
    3", "berapa proyeksi ...", "how much budget"): "how many", "ada berapa", "berapa jumlah" and the like, with
    nothing but count and hedge words between the question word and the thing."""
    m = _COUNTED.search(question)
    if not m or (count_only and not _ASKS_COUNT.search(m.group(0))):
        return ()
    english = m.group(1) is not None
    skipped = COUNT_WORDS | HEDGES if count_only else FIGURE_WORDS | QUESTION_WORDS | HEDGES
    thing: list[str] = []
    for word in words(m.group(1) if english else m.group(2)):
        if word in skipped:
            continue  # "berapa target ...", "berapa jumlah ...", "berapa kira-kira ...", "how much indicative budget"
        if count_only and not thing and word in FIGURE_WORDS | QUESTION_WORDS:
            return ()  # an amount ("berapa anggaran ...") or no thing at all
        if word in STOPWORDS or word in MEASURE_WORDS or not word.isalpha():
            break
        terms = [stem(word), *analyze(" ".join(translate_terms(word)))]
        thing = terms if count_only else thing + terms
        if not english:
            break  # Indonesian names the thing first ("tempat tidur rumah sakit")
    # an English compound names it last ("hospital beds"): any word of the compound will do, or for a count
    # (a figure next to the thing) its last word, the head ("27.699 tempat tidur", not "196 rumah sakit")
    return tuple(dict.fromkeys(thing))


def matches_any(terms: tuple[str, ...], text_terms: list[str]) -> bool:
    return any(matches(t, text_terms) for t in terms)


def states_number(text: str) -> bool:
    """The text states a number, in digits (not a list's own numbering) or in words ("tujuh negara")."""
    return bool(_NUMBER_IN_TEXT.search(_unnumbered(text))) or any(w in NUMBER_WORDS for w in words(text))


def places_in_time(text: str) -> bool:
    """The text names a month or a time ("akhir periode", "abad ke-", "early century")."""
    return any(w in TIME_WORDS or w in MONTHS for w in words(text))


def _unnumbered(text: str) -> str:
    """Text without its list numbering ("3. ...", "1) ...")."""
    return re.sub(r"^\s*\(?\d{1,2}[.)]\s+", "", text)
