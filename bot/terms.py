"""The content terms of a question, in the corpus's language, and how they match text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from index.lexical import analyze, stem, words
from ingest.regions import REGION_PREFIXES  # region names are read and normalised in ingest.regions
from planbot.language import EN_ID, QUESTION_WORDS, STOPWORDS, translate_terms


def region_key(region: str) -> set[str]:
    """The distinctive words of a region name: 'Kota Metro' -> {'metro'}, 'Provinsi DKI Jakarta' ->
    {'jakarta'}. Names are written one way (`ingest.regions.normalise_region`, used at ingest)."""
    return {w for w in words(region) if w not in REGION_PREFIXES}


def regions_named(question: str, regions: Iterable[str]) -> list[str]:
    """The regions among `regions` that the question names ("Bekasi", "Kota Metro")."""
    qwords = set(words(question))
    return [r for r in regions if region_key(r) and region_key(r) <= qwords]


@dataclass(frozen=True)
class QueryTerms:
    """Analysed topic terms of a question: what must show up in a passage that answers it."""

    terms: tuple[str, ...]  # stems, Indonesian side (English words translated where the glossary knows them)
    untranslated: tuple[str, ...]  # English words the glossary does not know (kept for cognate matching)


def query_terms(question: str, language: str) -> QueryTerms:
    """Topic terms of a question; English planning words are mapped to Indonesian."""
    raw = [w for w in words(question) if w not in STOPWORDS and w not in QUESTION_WORDS]
    if language == "en":
        terms, untranslated = [], []
        for w in raw:
            if w in EN_ID:
                terms.extend(analyze(" ".join(translate_terms(w))))
            else:
                untranslated.append(w)
        terms.extend(stem(w) for w in untranslated)
        return QueryTerms(tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(untranslated)))
    return QueryTerms(tuple(dict.fromkeys(stem(w) for w in raw)), ())


def cognate(a: str, b: str) -> bool:
    """Same word across English and Indonesian spelling (sanitation/sanitasi, infrastructure/infrastruktur)."""
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 5 and n >= 0.6 * min(len(a), len(b))


def matches(term: str, text_terms: Iterable[str]) -> bool:
    """True when the term, or a cognate of it, is among the text's terms."""
    return any(cognate(term, t) for t in text_terms)


MIN_SLIP_WORD = 5  # shorter words must be spelled alike: "dana" and "dina" are different words


def one_slip(a: str, b: str) -> bool:
    """Same word but for one OCR or typing slip, a letter added, dropped or changed ("akeses"/"akses",
    "kofisien"/"koefisien"), in words of MIN_SLIP_WORD letters or more."""
    if a == b:
        return True
    if min(len(a), len(b)) < MIN_SLIP_WORD or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    return a[i + (len(a) == len(b)):] == b[i + 1:]


COGNATE_PREFIX = 5  # cognate() needs this many first letters in common


def _deletions(term: str) -> list[str]:
    """The term with each one letter left out: two words one slip apart share one of these (or are equal)."""
    return [term[:i] + term[i + 1:] for i in range(len(term))]


class SlipIndex:
    """Terms looked up by cognate() or one_slip() without trying each: candidates come from their first letters
    (cognates) and their one-letter deletions (slips), then are checked."""

    def __init__(self, terms: Iterable[str]):
        self._by_key: dict[str, set[str]] = {}
        for t in set(terms):
            for key in {t, "^" + t[:COGNATE_PREFIX], *_deletions(t)}:
                self._by_key.setdefault(key, set()).add(t)

    def find(self, term: str) -> set[str]:
        """The indexed terms that are the term's cognates or one slip from it."""
        keys = {term, "^" + term[:COGNATE_PREFIX], *_deletions(term)}
        candidates = set().union(*(self._by_key.get(k, ()) for k in keys))
        return {t for t in candidates if cognate(term, t) or one_slip(term, t)}


def weighted_share(terms: Iterable[str], text_terms: set[str], weight: Callable[[str], float]) -> float:
    """Weighted share of `terms` found (or a cognate found) among `text_terms` (1.0 when there are none)."""
    terms = list(terms)
    if not terms:
        return 1.0
    total = sum(weight(t) for t in terms)
    got = sum(weight(t) for t in terms if matches(t, text_terms))
    return got / total if total else 0.0


def has_money(text: str) -> bool:
    """Amounts of money in the text: Rp, rupiah, juta, miliar, triliun, or an amount in the billions written
    with thousands separators as budget tables give them ("11.914.196.646.991")."""
    return bool(re.search(r"\bRp\.?\s?\d|\brupiah\b|\b(miliar|milyar|juta|triliun)\b|(?<![\d.,])\d{1,3}(?:\.\d{3}){3,}(?![\d.])",
                          text, re.IGNORECASE))


def has_rate(text: str) -> bool:
    """Percentages or rates in the text, or a table row whose unit is a percentage ("Satuan: %")."""
    return bool(re.search(r"\d+(?:[.,]\d+)?\s?%|\d+(?:[.,]\d+)?\s+persen\b|\b(?:satuan|unit)\s*:\s*(?:%|persen|percent)|\(%\)",
                          text, re.IGNORECASE))
