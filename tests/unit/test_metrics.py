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


@pytest.mark.parametrize("text, figure, found", [
    ("Targetnya 14,2 persen [1].", "14,2", True),
    ("turun ke **14,2%**.", "14,2", True),
    ("(14,2)", "14,2", True),
    ("Rp9,643,146,693 [2]", "9,643,146,693", True),
    ("naik ke 114,25 persen", "14,2", False),
    ("14,20", "14,2", False),
    ("14.2", "14,2", False),
    ("1.075,5 unit", "1.075", False),
    ("11.075 unit", "1.075", False),
    ("dari [14] dokumen", "14", False),  # a citation marker is no figure
    ("lihat [1, 14]", "14", False),
    ("14 sekretariat [1]", "14", True),
    ("5,50-7,70", "5,50 - 7,70", True),
])
def test_a_figure_is_found_only_as_written(text, figure, found):
    from evals.metrics import figure_in

    assert figure_in(text, figure) is found


def test_figure_and_row_metrics_count_the_questions_with_a_figure():
    from evals.metrics import figure_metrics

    def table(figure, evidence=("Indeks Integritas Daerah",)):
        return QAItem("t", "id", "?", True, evidence, (figure,), "table_target", (), figure)

    right = Outcome(table("79,17"), ["x", "y", "Indeks Integritas Daerah | 79,17"], "79,17 [3]", False, 5, short="79,17 [3]")
    quoted = Outcome(table("64,50"), ["Indeks Integritas Daerah 64,50"], "Usia ... 63,00; 64,50 [1]", False, 5)
    late = Outcome(table("1.075"), ["a", "b", "c", "Indeks Integritas Daerah"], "1.075", False, 5, short="1.075")
    refused = Outcome(table("22,10"), ["Indeks Integritas Daerah 22,10"], "22,10", True, 5)
    plain = Outcome(item(), ["Sanitasi Total"], "Misi 3", False, 5)  # no answer_figure: not counted
    m = summarize([right, quoted, late, refused, plain])
    assert m["figure_questions"] == 4
    assert m["figure_in_answer"] == 0.75  # the refused one does not count, even with the figure in its text
    assert m["figure_short"] == 0.5  # only answers that lead with the figure
    assert m["row@3"] == 0.75  # the row at rank 4 is too late
    baseline = [Outcome(o.item, o.passages, o.answer, False, 5, composed=False) for o in (right, late)]
    assert figure_metrics(baseline) == {"figure_questions": 2, "figure_in_answer": None, "figure_short": None,
                                        "row@3": 0.5}
    assert figure_metrics([plain]) == {"figure_questions": 0, "figure_in_answer": None, "figure_short": None,
                                       "row@3": None}


def test_the_loader_reads_answer_figure_only_on_answerable_questions(tmp_path):
    import json

    from evals.dataset import load_dataset
    from planbot.errors import PlanbotError

    line = {"id": "a", "lang": "id", "question": "?", "answerable": True, "evidence": ["Baris"],
            "answer_keywords": ["7,5"], "answer_figure": "7,5"}
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(line) + "\n")
    assert load_dataset(path)[0].figure == "7,5"
    path.write_text(json.dumps({**line, "answerable": False, "evidence": [], "answer_keywords": []}) + "\n")
    with pytest.raises(PlanbotError, match="answer_figure"):
        load_dataset(path)


def test_a_row_whose_label_was_carried_from_the_piece_before_still_counts():
    from evals.metrics import row_at

    evidence = ("Indeks Risiko Bencana",)
    passages = ["<tr><td>51,67</td><td>51,25</td></tr>", "x"]  # the piece after the label cell
    rows = ["Indikator: Indeks Risiko Bencana; 2028: 51,67", ""]
    assert not row_at(passages, evidence) and row_at(passages, evidence, 3, rows)
    assert not row_at(["a", "b", "c", "d"], evidence, 3, ["", "", "", "Indeks Risiko Bencana"])  # rank 4
