"""The answer-or-not stage: signals measured on hand-made passages, the logistic decision, and its fitting."""

import json

import numpy as np

from bot.decide import FEATURES, Decider, Signals, kind_present, measure, question_names
from bot.question import read_question
from bot.terms import query_terms
from evals.fit_abstention import best_at_budgets, fit, main, operating_point, probabilities

PASSAGE = (
    "Perda ini mulai berlaku pada tanggal 12 Maret 2025. Surplus anggaran tahun 2024 sebesar "
    "Rp2.939.374.456.267,00 dicatat dalam laporan. Kepala Bappeda adalah Atika Nur Rahmania."
)
OTHER = "Pembangunan taman kota dilakukan bersama masyarakat di setiap kecamatan."


def _signals(question: str, passages: list[str], quoted: list[str], dense=(0.85, 0.80, 0.79)) -> Signals:
    read = read_question(question)
    terms = query_terms(question, read.language)
    return measure(read, terms, passages, quoted, 0.5, list(dense), 1.0, lambda t: 1.0)


def test_question_names_leave_out_question_and_place_words():
    assert question_names("Apa visi Kota Surabaya tahun 2025?") == ["Surabaya", "2025"]
    assert question_names("Who is Atika Nur Rahmania?") == ["Atika", "Nur", "Rahmania"]


def test_names_found_in_passages():
    assert _signals("Siapa Atika Nur Rahmania?", [PASSAGE], [PASSAGE]).names_found == 1.0
    assert _signals("Apa visi Kota Surabaya?", [OTHER], [OTHER]).names_found == 0.0


def test_names_quoted_in_the_quotes_or_the_cited_documents_labels():
    """A passage may name the asked place in passing (a boundary) while the quote is about another one."""
    read = read_question("Berapa luas wilayah Kota Tangerang?")
    terms = query_terms(read.text, read.language)
    passages = ["Luas wilayah provinsi 661,5 km2. Wilayah ini berbatasan dengan Kota Tangerang di barat."]
    quoted = ["Luas wilayah provinsi 661,5 km2."]
    signals = measure(read, terms, passages, quoted, 0.5, [0.85, 0.8], 1.0, lambda t: 1.0)
    assert signals.names_found == 1.0 and signals.names_quoted == 0.0
    labelled = measure(read, terms, passages, quoted, 0.5, [0.85, 0.8], 1.0, lambda t: 1.0,
                       labels=["RPJMD Kota Tangerang 2025-2029 Kota Tangerang"])
    assert labelled.names_quoted == 1.0


def test_kind_present_reads_what_the_question_asks_for():
    when = read_question("Kapan Perda ini mulai berlaku?")
    assert kind_present(when, ["Perda ini mulai berlaku pada tanggal 12 Maret 2025."]) == 1.0
    assert kind_present(when, [OTHER]) == 0.0
    much = read_question("Berapa surplus anggaran tahun 2024?")
    assert kind_present(much, ["sebesar Rp2.939.374.456.267,00"]) == 1.0
    assert kind_present(much, [OTHER]) == 0.0
    who = read_question("Siapa Kepala Bappeda?")
    assert kind_present(who, ["Kepala Bappeda adalah Atika Nur Rahmania."]) == 1.0
    assert kind_present(read_question("Jelaskan arah pembangunan."), [OTHER]) == 1.0


def test_lexical_shares_follow_the_passages():
    s = _signals("Berapa surplus anggaran tahun 2024?", [OTHER, PASSAGE], [OTHER])
    assert s.lex_passage < s.lex_top3 == 1.0
    assert s.dense_top == 0.85
    assert abs(s.dense_gap - (0.85 - 0.795)) < 1e-9


def _decider(weights: dict[str, float], bias=-3.0, threshold=0.5) -> Decider:
    return Decider(weights, bias, threshold, dict.fromkeys(FEATURES, 0.0), dict.fromkeys(FEATURES, 1.0))


def test_decider_answers_when_the_weighted_signals_are_high():
    d = _decider({"lex_top3": 4.0, "names_found": 4.0}, threshold=0.5)
    strong = _signals("Siapa Atika Nur Rahmania?", [PASSAGE], [PASSAGE])
    weak = _signals("Apa visi Kota Surabaya?", [OTHER], [OTHER])
    assert d.decide(strong).answer
    decision = d.decide(weak)
    assert not decision.answer and decision.reason and decision.probability < 0.5


def test_fit_separates_classes_and_meets_the_budget():
    rng = np.random.default_rng(1)
    n = 400
    y = np.r_[np.ones(n), np.zeros(n)]
    x = rng.normal(size=(2 * n, len(FEATURES)))
    x[:, 2] += 2.0 * y  # one informative signal
    w = np.ones(2 * n)
    coef, bias, means, scales = fit(x, y, w)
    assert coef[2] > 1.0 and abs(coef).argmax() == 2
    p = probabilities(x, coef, bias, means, scales)
    sets = ["a"] * (2 * n)
    t = operating_point(p, y, sets, budget=0.05)
    assert (p[y == 1] < t).mean() <= 0.05
    assert (p[y == 0] < t).mean() > 0.5


def _toy_signals(tmp_path, separated: bool) -> str:
    rng = np.random.default_rng(2)
    records = []
    for i in range(60):
        answerable = i % 2 == 0
        sig = {f: float(rng.random()) for f in FEATURES}
        if separated:
            sig["lex_top3"] = 0.8 + 0.2 * rng.random() if answerable else 0.3 * rng.random()
        records.append({"answerable": answerable, "signals": sig})
    out = tmp_path / "signals.json"
    out.write_text(json.dumps({"sets": [{"name": "toy", "records": records}]}))
    return str(out)


def test_fit_script_writes_nothing_without_write(tmp_path, capsys):
    assert main([_toy_signals(tmp_path, separated=True)]) == 0
    printed = capsys.readouterr().out
    assert "operating point" in printed and "cross-validated" in printed


def test_best_at_budgets_reads_the_unanswerable_refused_within_each_budget():
    y = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
    p = np.array([0.1, 0.5, 0.6, 0.7, 0.8, 0.8, 0.9, 0.9, 0.9, 0.9, 0.05, 0.2, 0.55, 0.95])
    # no answerable refused: only below 0.1 (one of four unanswerable); one in ten: below 0.5 (two of four)
    assert best_at_budgets(p, y, (0.0, 0.1, 0.2)) == {0.0: 0.25, 0.1: 0.5, 0.2: 0.75}


def test_fit_script_prints_one_sets_ceiling(tmp_path, capsys):
    """--only SET: a model fitted on that set alone, per budget, separated classes reach far; noise does not."""
    assert main([_toy_signals(tmp_path, separated=True), "--only", "toy"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip().startswith("0.10")]
    assert float(rows[0][1]) > 0.9
    assert main([_toy_signals(tmp_path, separated=False), "--only", "toy"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip().startswith("0.10")]
    assert float(rows[0][2]) < 0.6


def test_missing_weight_is_the_rarest_term_left_out():
    from bot.decide import missing_weight

    idf = {"surplus": 4.0, "anggaran": 1.0, "gubernur": 8.0}.get
    assert missing_weight(["surplus", "anggaran"], {"surplus", "anggaran"}, idf, 8.0) == 0.0
    assert missing_weight(["surplus", "gubernur"], {"surplus"}, idf, 8.0) == 1.0
    assert missing_weight(["surplus", "anggaran"], {"surplus"}, idf, 8.0) == 0.125
