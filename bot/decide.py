"""Decide whether to answer: one calibrated decision from measured signals.

`measure` turns what the earlier stages found (the question, the retrieved passages, the quoted pieces,
the dense similarities) into a few numbers; `Decider` combines them with a logistic model whose weights
and operating point are fitted on the development sets by `python -m evals.fit_abstention` and stored
in planbot/fitted/abstention.json. Nothing here is tuned by hand.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.question import Question, name_phrases
from bot.short_answer import candidates as fact_spans
from bot.terms import REGION_PREFIXES, QueryTerms, matches, weighted_share
from index.lexical import analyze, words
from ingest.cleaning import strip_emphasis
from planbot.language import STOPWORDS

MODEL_PATH = Path(__file__).resolve().parent.parent / "planbot" / "fitted" / "abstention.json"

@dataclass(frozen=True)
class Signals:
    """What the decision reads. Every field is a number in [0, 1] (or a small count) measured per question."""

    dense_top: float  # cosine similarity of the best passage to the question
    dense_gap: float  # how far the best passage stands above the others retrieved
    lex_piece: float  # share (IDF-weighted) of the question's terms in the best quoted sentence
    lex_passage: float  # the same share in the first cited passage
    lex_top3: float  # the same share in the first three cited passages together
    lex_missing: float  # the rarest question term missing from the first three passages (its IDF / the largest)
    names_found: float  # share of the question's names and numbers found in the first three passages
    names_quoted: float  # the same share in the quoted sentences and the cited documents' titles and regions
    kind_found: float  # the kind of fact asked for (a date, a figure, a name) is in the quoted sentences
    corpus_coverage: float  # share of the question's terms that occur anywhere in the corpus
    rule_question: float  # 1 when the first release's rules refuse the question itself (unknown place, topic)
    rule_answer: float  # 1 when they refuse what was found (no figure for a "how much", no amount of money)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


FEATURES = tuple(Signals.__dataclass_fields__)


def missing_weight(terms: Sequence[str], text_terms: set[str], weight: Callable[[str], float],
                   max_weight: float) -> float:
    """The weight of the rarest question term not found among `text_terms`, over the largest weight (0: none)."""
    missing = [weight(t) for t in terms if t not in text_terms and not matches(t, text_terms)]
    return min(1.0, max(missing) / max_weight) if missing and max_weight > 0 else 0.0


def question_names(text: str) -> list[str]:
    """Names and numbers the question mentions (the words of its name phrases, figures)."""
    found = [w for phrase in name_phrases(text) for w in phrase.split()
             if w.lower() not in STOPWORDS | REGION_PREFIXES]
    found += re.findall(r"\d+(?:[.,]\d+)*", text)
    return list(dict.fromkeys(found))


def names_in(names: Sequence[str], texts: Sequence[str]) -> list[str]:
    """The names found in the texts, as a phrase or word by word."""
    low = " ".join(texts).lower()
    low_words = set(words(low))
    return [n for n in names if n.lower() in low or set(words(n)) <= low_words]


def kind_present(question: Question, quoted: Sequence[str]) -> float:
    """1.0 when the quoted sentences hold the kind of fact the question asks for (a date, a figure, a name, as
    bot.short_answer reads them); 1.0 for questions that ask for no such fact."""
    if not question.factoid:
        return 1.0
    return float(any(fact_spans(question.kind, text) for text in quoted))


def measure(question: Question, terms: QueryTerms, passages: Sequence[str], quoted: Sequence[str],
            best_piece: float, dense: Sequence[float], corpus_coverage: float,
            weight: Callable[[str], float], max_weight: float = 1.0,
            rules: tuple[bool, bool] = (False, False), labels: Sequence[str] = ()) -> Signals:
    """The signals of one question against what retrieval and evidence selection found; `labels`: the titles
    and regions of the cited documents (a question names its plan and region, a quote need not repeat them)."""
    top = [set(analyze(strip_emphasis(p))) for p in passages[:3]]
    union = set().union(*top) if top else set()
    names = question_names(question.text)
    found = names_in(names, passages[:3])
    quoted_found = names_in(names, [*quoted, *labels])
    ranked = sorted(dense, reverse=True)
    gap = ranked[0] - sum(ranked[1:]) / len(ranked[1:]) if len(ranked) > 1 else 0.0
    return Signals(
        dense_top=ranked[0] if ranked else 0.0,
        dense_gap=gap,
        lex_piece=best_piece,
        lex_passage=weighted_share(terms.terms, top[0], weight) if top else 0.0,
        lex_top3=weighted_share(terms.terms, union, weight) if top else 0.0,
        lex_missing=missing_weight(terms.terms, union, weight, max_weight),
        names_found=len(found) / len(names) if names else 1.0,
        names_quoted=len(quoted_found) / len(names) if names else 1.0,
        kind_found=kind_present(question, quoted),
        corpus_coverage=corpus_coverage,
        rule_question=float(rules[0]),
        rule_answer=float(rules[1]),
    )


@dataclass(frozen=True)
class Decision:
    """Answer or not, the model's probability that an answer is supported, and why."""

    answer: bool
    probability: float
    reason: str | None = None


@dataclass(frozen=True)
class Decider:
    """A logistic model over Signals with one operating point (a probability threshold)."""

    weights: dict[str, float]
    bias: float
    threshold: float
    means: dict[str, float]
    scales: dict[str, float]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Decider:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["weights"], data["bias"], data["threshold"], data["means"], data["scales"])

    def probability(self, signals: Signals) -> float:
        values = asdict(signals)
        z = self.bias + sum(
            w * (values[f] - self.means[f]) / (self.scales[f] or 1.0) for f, w in self.weights.items()
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, signals: Signals) -> Decision:
        p = self.probability(signals)
        if p >= self.threshold:
            return Decision(True, p)
        return Decision(False, p, f"the passages found do not support an answer (p={p:.2f})")
