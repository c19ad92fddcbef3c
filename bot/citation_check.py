"""The check of a generated answer: each sentence against the passages it cites.

A sentence is kept when (1) every passage it cites exists, (2) every figure (number, year, amount) and every
name in it occurs in those passages, and (3) its content is supported: enough of its content terms occur in
them (lexical support) or it is close in meaning to one of their sentences (embedding similarity). The two
thresholds are fitted on the labelled pairs in evals/citation_pairs.json by `python -m evals.fit_citation_check
--write` (planbot/fitted/citation_check.json). A sentence that cites nothing is dropped.

What the check cannot see: a sentence that uses the passages' own words and figures to say something they do
not say (a negation, a figure moved to another indicator) may pass; a paraphrase far from the passages' words
may be dropped although true.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.short_answer import FIGURE, NAME
from bot.terms import cognate, query_terms, weighted_share
from index.lexical import analyze, words
from ingest.regions import REGION_PREFIXES
from planbot.language import EN_ID, MONTHS, STOPWORDS, detect_language, numbers_in, translate_terms

FITTED = Path(__file__).resolve().parent.parent / "planbot" / "fitted" / "citation_check.json"
DEFAULT_LEXICAL = 0.6
DEFAULT_SIMILARITY = 0.9
MAX_PASSAGE_SENTENCES = 200  # of the cited passages, compared with one generated sentence

_MARKS = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# a sentence ends at . ! ? (and the [n] markers after it) before a space, or at a line break
_END = re.compile(r"(?<=[.!?])(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?!\s*\[\d)(?=\s+\S)|\n+")
_ABBREVIATIONS = frozenset("rp no dr ir drs hj h st tn ny prof kab kec kel jl dll dsb dst tsb bpk ibu mr mrs ms vs".split())
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class Checked:
    """One generated sentence and what the check made of it (the Answer's `checked` report)."""

    sentence: str
    citations: list[int]
    kept: bool
    why: str
    lexical: float | None = None
    similarity: float | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        for key in ("lexical", "similarity"):
            if d[key] is not None:
                d[key] = round(d[key], 3)
        return d


@dataclass(frozen=True)
class Thresholds:
    """Per sentence language: the share of its content terms found in the cited passages (lexical), and the
    cosine to the nearest passage sentence (similarity) that each keep a sentence. A sentence in English
    citing Indonesian passages has fewer words in common with them and lower cosines, hence two pairs."""

    lexical: dict[str, float] = field(default_factory=lambda: {"id": DEFAULT_LEXICAL, "en": DEFAULT_LEXICAL})
    similarity: dict[str, float] = field(default_factory=lambda: {"id": DEFAULT_SIMILARITY, "en": DEFAULT_SIMILARITY})

    def of(self, language: str) -> tuple[float, float]:
        language = language if language in self.lexical else "id"
        return self.lexical[language], self.similarity.get(language, DEFAULT_SIMILARITY)

    @classmethod
    def fitted(cls, path: Path = FITTED) -> Thresholds:
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))["languages"]
        return cls({k: float(v["lexical"]) for k, v in data.items()},
                   {k: float(v["similarity"]) for k, v in data.items()})


def sentences(text: str) -> list[str]:
    """The sentences of a generated answer, each with the [n] markers that follow it."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        piece = text[start:m.end()].strip()
        last = words(piece)[-1] if words(piece) else ""
        if m.group(0).strip() == "" and "\n" not in m.group(0) and piece.endswith(".") and last in _ABBREVIATIONS:
            continue  # "Rp." or "No." ends no sentence
        if piece and out and not _MARKS.sub("", piece).strip():
            out[-1] += " " + piece  # markers on a line of their own belong to the sentence before
        elif piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [s for s in (_LIST_MARK.sub("", s).strip() for s in out) if s]


def citations_in(sentence: str) -> list[int]:
    """The passage numbers a sentence cites ("[1]", "[1, 3]", "[2][4]"), in order, once each."""
    found = [int(n) for m in _MARKS.finditer(sentence) for n in re.split(r"\s*[,;]\s*", m.group(1))]
    return list(dict.fromkeys(found))


def without_marks(sentence: str) -> str:
    return _MARKS.sub("", sentence).strip()


def missing_facts(sentence: str, passages: Sequence[str]) -> list[str]:
    """The figures, dates and names of a sentence that occur in none of the passages."""
    text = without_marks(sentence)
    joined = " ".join(passages)
    values = set(numbers_in(joined))
    passage_words = set(words(joined))
    missing = []
    for m in FIGURE.finditer(text):
        figure = m.group(0).strip(" .,;:")
        numbers = numbers_in(figure)
        if numbers and not all(n in values for n in numbers):
            missing.append(figure)
    for m in NAME.finditer(text):
        if m.start() == 0 or len(m.group(0)) < 3:
            continue  # every first word is capitalised
        name = m.group(0).strip(" .,;:")
        if not _name_present(name, passage_words):
            missing.append(name)
    for month in MONTHS:
        if re.search(rf"\b{month}\b", text, re.IGNORECASE) and not _month_present(month, passage_words):
            missing.append(month)
    return list(dict.fromkeys(missing))


def _name_present(name: str, passage_words: set[str]) -> bool:
    """Every word of a name occurs in the passages, as written or translated (Metro City: 'metro', 'kota')."""
    for w in words(name):
        if w in passage_words or w in STOPWORDS or w.isdigit():
            continue
        if w in EN_ID and set(words(" ".join(translate_terms(w)))) & passage_words:
            continue
        if len(w) >= 5 and any(cognate(w, p) for p in passage_words):
            continue  # spelled another way (Sumatra, Sumatera)
        return False
    return True


_MONTH_PAIRS = {"januari": "january", "februari": "february", "maret": "march", "mei": "may", "juni": "june",
                "juli": "july", "agustus": "august", "oktober": "october", "desember": "december"}


def _month_present(month: str, passage_words: set[str]) -> bool:
    month = month.lower()
    same = {month} | {a for a, b in _MONTH_PAIRS.items() if b == month} | ({_MONTH_PAIRS[month]} if month in _MONTH_PAIRS else set())
    return bool(same & passage_words)


def lexical_support(sentence: str, passages: Sequence[str], weight: Callable[[str], float] | None = None) -> float:
    """Weighted share of the sentence's content terms (English translated to Indonesian) found in the passages,
    leaving out names and words such as 'kota' (a sentence that only repeats the names gets no credit)."""
    text = without_marks(sentence)
    language = detect_language(text)
    # names are checked on their own (missing_facts); what is left is what the sentence says about them
    said = NAME.sub(lambda m: m.group(0) if m.start() == 0 else " ", text)
    terms = [t for t in query_terms(said, language).terms if t not in REGION_PREFIXES]
    passage_terms = set(analyze(" ".join(passages)))
    if language == "en":  # a cognate or a word kept as written (names, acronyms) counts too
        passage_terms |= set(words(" ".join(passages)))
    return weighted_share(terms, passage_terms, weight or (lambda _: 1.0))


def passage_sentences(passage: str) -> list[str]:
    """A passage cut into sentences and lines (what one generated sentence may restate)."""
    parts = [p.strip() for p in re.split(r"(?<=[.!?;])\s+|\n+", passage)]
    return [p for p in parts if len(words(p)) >= 3] or [passage]


class CitationChecker:
    """Checks generated answers against numbered passages; `embed` maps texts to normalised vectors (or None)."""

    def __init__(self, thresholds: Thresholds | None = None,
                 embed: Callable[[list[str]], list[list[float]]] | None = None,
                 weight: Callable[[str], float] | None = None):
        self.thresholds = thresholds or Thresholds.fitted()
        self.embed = embed
        self.weight = weight

    def check(self, text: str, passages: Sequence[str]) -> list[Checked]:
        """One Checked per sentence of `text`; passages[n-1] is passage [n]."""
        vectors: dict[str, list[float]] = {}  # passage sentences embedded once per answer
        out = []
        for sentence in sentences(text):
            cited = citations_in(sentence)
            if not without_marks(sentence):
                continue  # a line of markers alone
            if not cited:
                out.append(Checked(sentence, cited, False, "cites no passage"))
                continue
            absent = [n for n in cited if not 1 <= n <= len(passages)]
            if absent:
                out.append(Checked(sentence, cited, False,
                                   f"cites passage {', '.join(f'[{n}]' for n in absent)}, which does not exist"))
                continue
            out.append(self.check_sentence(sentence, cited, [passages[n - 1] for n in cited], vectors))
        return out

    def check_sentence(self, sentence: str, cited: list[int], texts: Sequence[str],
                       vectors: dict[str, list[float]] | None = None) -> Checked:
        missing = missing_facts(sentence, texts)
        if missing:
            return Checked(sentence, cited, False, f"not in the cited passages: {', '.join(missing[:3])}")
        lexical = lexical_support(sentence, texts, self.weight)
        min_lexical, min_similarity = self.thresholds.of(detect_language(without_marks(sentence)))
        if lexical >= min_lexical:
            return Checked(sentence, cited, True, "figures and names found; its words are in the passages", lexical)
        similarity = self.similarity(sentence, texts, vectors)
        if similarity is not None and similarity >= min_similarity:
            return Checked(sentence, cited, True, "figures and names found; close in meaning to a passage sentence",
                           lexical, similarity)
        return Checked(sentence, cited, False, "not supported by the cited passages", lexical, similarity)

    def similarity(self, sentence: str, texts: Sequence[str],
                   vectors: dict[str, list[float]] | None = None) -> float | None:
        """Cosine between the sentence and the nearest sentence of the passages (None without an embedder)."""
        if self.embed is None:
            return None
        known = {} if vectors is None else vectors
        candidates = list(dict.fromkeys(s for t in texts for s in passage_sentences(t)))[:MAX_PASSAGE_SENTENCES]
        new = [c for c in candidates if c not in known]
        embedded = self.embed([without_marks(sentence), *new])
        known.update(zip(new, embedded[1:]))
        first = embedded[0]
        return max((sum(a * b for a, b in zip(first, known[c])) for c in candidates), default=0.0)


def kept_answer(checked: list[Checked]) -> str:
    """The kept sentences, in order, as one paragraph."""
    return " ".join(c.sentence for c in checked if c.kept)
