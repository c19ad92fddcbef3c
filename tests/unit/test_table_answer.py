"""Which table row and which cell a figure question asks for (bot.plan.table_item_asked, bot.table_answer)."""

from __future__ import annotations

import pytest

from bot.plan import PlanRow, table_item_asked, table_subject
from bot.question import read_question
from bot.routing import without_region_words
from bot.table_answer import cell_asked, cell_of, holds_cell, other_rows_note, rows_of_others
from bot.terms import one_slip, query_terms

DKI = "Provinsi DKI Jakarta"


def _row(text, fields, kind="indicator", period="2025-2029", doc_id="rpjmd.md"):
    return PlanRow(kind, None, None, text, 0, len(text), fields=fields, doc_id=doc_id, region=DKI, title=doc_id,
                   period=period)


def _asked(question: str, rows: list[PlanRow], region: str | None = None, known=None,
           weight=lambda t: 1.0) -> PlanRow | None:
    read = read_question(question)
    q = without_region_words(query_terms(read.text, read.language), region)
    what = cell_asked(read)
    return table_item_asked(read.text, read.language, q, rows, region, None,
                            kinds=("indicator", "program", "goal", "affair"),
                            holds=(lambda r: holds_cell(r, what, read.years, rows)) if what else None, known=known,
                            weight=weight)


def test_one_slip_is_a_letter_added_dropped_or_changed_in_a_longer_word():
    assert one_slip("akeses", "akses") and one_slip("kofisien", "koefisien") and one_slip("sanitas", "sanitasi")
    assert not one_slip("dana", "dina")  # short words must be spelled alike
    assert not one_slip("abcdef", "abcxyz") and not one_slip("akses", "sekses")


@pytest.mark.parametrize("question, cell", [
    ("Berapa pagu indikatif urusan perpustakaan dalam Renja Perangkat Daerah 2025?", "budget"),
    ("Perangkat daerah mana yang bertanggung jawab atas program pengelolaan taman?", "agency"),
    ("Sasaran meningkatnya ketahanan kota diukur dengan indikator apa?", "indicator"),
    ("Apa satuan target jumlah wisatawan?", "unit"),
    ("What is the 2025 starting value of the youth development index?", "baseline"),
    ("Berapa pertumbuhan ekonomi 2024?", None),
])
def test_the_cell_asked_is_the_one_the_question_names_first(question, cell):
    assert cell_asked(read_question(question)) == cell


def test_an_affair_is_found_by_its_usual_name_and_its_one_year_budget_read():
    rows = [
        _row("PERPUSTAKAAN", {"table": "Tabel 5.1"}, period="2025", doc_id="rkpd.md"),  # a heading row, no figures
        _row("Indeks Kepuasan Layanan Perpustakaan", {"targets": {"2025": "80"}}, period="2025", doc_id="rkpd.md"),
        _row("Urusan Pemerintahan Bidang Perpustakaan", {"budget": "183,490,768,363"}, kind="affair", period="2025",
             doc_id="rkpd.md"),
    ]
    row = _asked("Berapa pagu indikatif untuk urusan perpustakaan pada tahun 2025?", rows)
    assert row is rows[2]
    assert cell_of(row, "budget", (2025,)).value == "183,490,768,363"


def test_words_the_corpus_does_not_have_do_not_count_against_a_row():
    """An English question's own verbs ("supposed", "visited") can be in no Indonesian row name: with the
    corpus's vocabulary they leave the question's share, and the row its words name is found."""
    rows = [_row("Jumlah pengunjung museum di Jakarta", {"baseline": "1.300.000", "unit": "Orang"}),
            _row("Jumlah museum yang direvitalisasi", {"baseline": "12"})]
    question = "How many people really visited Jakarta's museums at the start of the plan, supposedly?"
    idf = {"unjung": 6.0, "kunjung": 5.0, "museum": 6.0, "jumlah": 0.5, "revitalisasi": 5.0, "awal": 2.0}
    assert _asked(question, rows, DKI, weight=lambda t: idf.get(t, 9.0)) is None
    assert _asked(question, rows, DKI, known=idf.__contains__, weight=lambda t: idf.get(t, 9.0)) is rows[0]


def test_a_five_year_plans_budget_is_not_a_years_budget():
    program = _row("Program Pengelolaan Hutan", {"budget": "240.000"}, kind="program")
    assert cell_of(program, "budget", (2027,)) is None
    assert cell_of(program, "budget", ()).value == "240.000"


def test_a_name_with_an_ocr_slip_is_found_and_its_correctly_spelled_twin_preferred():
    rows = [_row("Akeses Layanan Internet Publik", {"baseline": "96,99"})]
    assert _asked("Berapa kondisi awal akses layanan internet publik?", rows) is rows[0]
    twins = [_row("Indeks Kualitas Udura", {"targets": {"2028": "79,17"}}),
             _row("Indeks Kualitas Udara", {"targets": {"2028": "79,17"}})]
    assert _asked("Berapa target Indeks Kualitas Udara tahun 2028?", twins) is twins[1]


def test_the_asked_regions_words_in_a_name_are_not_needed():
    rows = [_row("Jumlah Wisatawan Provinsi DKI Jakarta", {"unit": "Juta USD"}), _row("Jumlah Hotel", {"unit": "USD"})]
    assert _asked("Dalam satuan apa jumlah wisatawan Provinsi DKI Jakarta diukur?", rows, DKI) is rows[0]


def test_of_two_rows_the_question_names_the_one_that_holds_the_year_asked():
    medium = _row("Indeks Pembangunan Pemuda", {"targets": {"2029": "58,1"}})
    long = _row("Indeks Pembangunan Pemuda Daerah", {"targets": {"2045": "61,87"}}, period="2025-2045", doc_id="rpjpd.md")
    assert _asked("Berapa target Indeks Pembangunan Pemuda tahun 2045?", [medium, long]) is long
    assert _asked("Berapa target Indeks Pembangunan Pemuda tahun 2029?", [medium, long]) is medium
    assert _asked("Berapa target Indeks Pembangunan Pemuda tahun 2033?", [medium, long]) is None


def test_a_names_closing_unit_or_acronym_need_not_be_asked():
    rows = [_row("Kunjungan Wisatawan Mancanegara (juta orang)", {"targets": {"2026": "2,9"}}),
            _row("Indeks Pembangunan Gender (IPG)", {"targets": {"2026": "94"}})]
    assert _asked("Berapa target kunjungan wisatawan mancanegara tahun 2026?", rows) is rows[0]
    assert _asked("Berapa target indeks pembangunan gender tahun 2026?", rows) is rows[1]


IDF = {"indeks": 2.3, "bahagia": 6.3, "warga": 3.6, "iku": 5.3, "stunting": 5.0, "prevalensi": 4.0, "kereta": 5.5,
       "api": 3.0, "kelola": 1.5}


def _subject(question: str, region: str | None = DKI):
    read = read_question(question)
    return table_subject(read.text, read.language, region, lambda t: IDF.get(t, 9.0), lambda t: t in IDF)


def test_a_table_questions_subject_is_its_topic_words_the_corpus_has_the_rarest_first():
    happy = _subject("Berapa target Indeks Kebahagiaan warga Jakarta tahun 2029 dalam IKU RPJMD?")
    assert max(zip(happy.weights, happy.units))[1] == {"bahagia"}
    assert {"jakarta", "target", "tahun", "2029", "rpjmd"}.isdisjoint(set().union(*happy.units))
    # an English word the glossary translates is read with its translations; one it does not says nothing
    assert any("kereta" in unit for unit in _subject("What is the railway budget in 2026?").units)
    assert _subject("How many bike docks in 2028?") is None


def test_a_row_is_about_the_subject_by_its_rarest_word_or_most_of_the_topic():
    happy = _subject("Berapa target Indeks Kebahagiaan warga Jakarta tahun 2029 dalam IKU RPJMD?")
    assert happy.named_by("Indikator: Indeks Kebahagiaan; Target Tahun 2029: 0,72")
    assert not happy.named_by("Indikator: Indeks Modal Manusia; Target Tahun 2029: 0,69")
    assert happy.named_by("Indikator: Warga IKU Indeks; Target Tahun 2029: 0,69")  # most of the topic's weight
    stunting = _subject("Berapa target prevalensi stunting DKI Jakarta tahun 2027?")
    assert stunting.named_by("Indikator Prevalensi Stuntimg; Satuan persen")  # one OCR slip


HAPPY = lambda text: "kebahagiaan" in text.lower()
MODAL = (("No", "1"), ("Indicator", "Indeks Modal Manusia"), ("Target Tahun 2029", "0,69"))
PROGRAM = (("Kode", "5.03.02"), ("Program", "PROGRAM KEPEGAWAIAN DAERAH"), ("Indikator", "Nilai Sub Aspek"),
           ("2028 Target", "22"))


def test_rows_of_other_indicators_are_named_in_the_not_found_note():
    names = rows_of_others([MODAL, (), PROGRAM], HAPPY)
    assert names == ["Indeks Modal Manusia", "Nilai Sub Aspek"]
    assert "Indeks Modal Manusia; Nilai Sub Aspek" in other_rows_note(names, "en")
    assert rows_of_others([MODAL, (("Indicator", "Indeks Kebahagiaan"), ("Target Tahun 2029", "0,7"))], HAPPY) == []
    assert rows_of_others([(), ()], HAPPY) == []  # only sentences quoted: not a table miss
