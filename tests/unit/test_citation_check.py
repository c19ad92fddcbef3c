"""The citation check's parts: sentences, [n] markers, figures and names, the decision per sentence."""

from bot.citation_check import CitationChecker, Thresholds, citations_in, missing_facts, sentences

PASSAGE = ("Visi Kepala daerah dan Wakil Kepala Daerah Terpilih pada periode 2013 – 2018 adalah “Bekasi Maju, "
           "Sejahtera dan Ihsan.” Misi ini berdasarkan 10 (sepuluh) prinsip Good Governance.")


def test_sentences_keep_their_markers_and_skip_abbreviations():
    text = "Anggaran Rp. 5 miliar disiapkan [1]. Visi itu jelas [2][3].\n- Misi pertama [1, 2]\nThe end? [4]"
    assert sentences(text) == ["Anggaran Rp. 5 miliar disiapkan [1].", "Visi itu jelas [2][3].",
                               "Misi pertama [1, 2]", "The end? [4]"]


def test_citations_in():
    assert citations_in("a [2][1] b [1, 3]") == [2, 1, 3]
    assert citations_in("no marks") == []


def test_figures_and_names_must_occur_in_the_passages():
    assert missing_facts("Misi ini berdasarkan 10 prinsip Good Governance [1].", [PASSAGE]) == []
    assert missing_facts("Periode 2013-2018 [1].", [PASSAGE]) == []
    assert missing_facts("Misi ini berdasarkan 12 prinsip [1].", [PASSAGE]) == ["12"]
    assert missing_facts("Visinya dirumuskan oleh Budi Santoso [1].", [PASSAGE]) == ["Budi Santoso"]
    assert missing_facts("The Regional Head's vision is Bekasi Maju [1].", [PASSAGE]) == []  # translated words


def test_each_sentence_is_decided():
    checker = CitationChecker(Thresholds())
    checked = checker.check("Visi periode 2013–2018 adalah Bekasi Maju, Sejahtera dan Ihsan [1]. "
                            "Ada 12 prinsip [1]. Kota ini indah [3]. Tanpa sumber.", [PASSAGE])
    assert [c.kept for c in checked] == [True, False, False, False]
    assert "12" in checked[1].why and "does not exist" in checked[2].why and checked[3].why == "cites no passage"


def _pair(lexical: float, supported: bool) -> dict:
    return {"facts_ok": True, "lexical": lexical, "similarity": 0.0, "supported": supported}


def test_fit_and_its_leave_one_out_estimate():
    from evals.fit_citation_check import fit, held_out

    rows = [_pair(0.9, True), _pair(0.8, True), _pair(0.7, True), _pair(0.3, False), _pair(0.2, False)]
    lexical, _, false_keep, false_drop = fit(rows)
    assert lexical == 0.7 and (false_keep, false_drop) == (0, 0)  # the most lenient threshold that errs nowhere
    # judged by thresholds fitted without it, the least supported pair falls below the lowest one they saw
    assert held_out(rows) == (0, 1)
    rows.append(_pair(0.85, False))  # an unsupported sentence that reads like a supported one
    # keeping it costs 2 (a wrong keep counts twice), as much as dropping 0.7 and 0.8: the lenient one wins
    assert fit(rows)[:1] + fit(rows)[2:] == (0.7, 1, 0)
    assert held_out(rows)[0] == 1
