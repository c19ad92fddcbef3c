import pytest

from evals.metrics import (
    Outcome,
    QAItem,
    first_relevant_rank,
    keyword_recall,
    percentile,
    relevant,
    summarize,
)


def item(answerable=True, evidence=("Sanitasi Total",), keywords=("Misi 3",)):
    return QAItem("q", "en", "?", answerable, tuple(evidence) if answerable else (), tuple(keywords) if answerable else ())


def test_relevance_ignores_case_whitespace_and_emphasis():
    assert relevant("5. Mengembangkan **Sanitasi\n  Total** Berbasis", ["sanitasi total"])
    assert not relevant("Revitalisasi Stadion", ["sanitasi total"])


def test_relevant_citation_at_rank_2_gives_mrr_one_half():
    o = Outcome(item(), ["Stadion", "Mengembangkan Sanitasi Total", "x"], "Misi 3 [2]", False, 10.0)
    m = summarize([o])
    assert first_relevant_rank(o.passages, o.item.evidence) == 2
    assert m["mrr"] == 0.5
    assert (m["hit@1"], m["hit@3"], m["hit@5"]) == (0.0, 1.0, 1.0)
    assert m["precision@3"] == pytest.approx(1 / 3)


def test_no_relevant_citation_scores_zero():
    m = summarize([Outcome(item(), ["a", "b"], "", False, 5.0)])
    assert m["mrr"] == 0.0 and m["hit@5"] == 0.0


def test_keywords_and_abstention_shares():
    answered = Outcome(item(keywords=("Misi 3", "Tejosari")), ["Sanitasi Total"], "ada di **Misi 3**", False, 10)
    wrongly = Outcome(item(), ["Sanitasi Total"], "not found", True, 20)
    right_abstain = Outcome(item(answerable=False), [], "not found", True, 30)
    missed_abstain = Outcome(item(answerable=False), ["x"], "something", False, 40)
    m = summarize([answered, wrongly, right_abstain, missed_abstain])
    assert keyword_recall("ada di **Misi 3**", ["misi 3", "Tejosari"]) == 0.5
    assert m["answer_keywords"] == 0.25  # (0.5 + 0 for the abstained one) / 2
    assert m["unanswerable_abstained"] == 0.5
    assert m["answerable_wrongly_abstained"] == 0.5
    assert m["latency_p50_ms"] == 25.0


def test_percentile():
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert percentile([], 95) == 0.0
