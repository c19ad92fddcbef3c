"""The short answer of factoid questions: the figure with its unit, the date, the name (hand-made sentences)."""

import pytest

from bot.plan import Subject
from bot.question import read_question
from bot.short_answer import counted_figures, fact_holders, short_answer
from bot.web.render import answer_block


@pytest.mark.parametrize(
    ("question", "sentence", "fact"),
    [
        ("Berapa target prevalensi stunting tahun 2027?",
         "Prevalensi stunting ditargetkan turun menjadi 14,2 persen pada tahun 2027.", "14,2 persen"),
        ("Berapa surplus anggaran tahun 2024?",
         "Surplus anggaran tahun 2024 sebesar Rp2.939.374.456.267,00 dicatat dalam laporan.",
         "Rp2.939.374.456.267,00"),
        ("How many districts does the city have?", "Kota ini terdiri dari 5 kecamatan dan 22 kelurahan.",
         "5 kecamatan"),
        ("Kapan Perda ini mulai berlaku?", "Peraturan Daerah ini mulai berlaku pada tanggal 12 Maret 2025.",
         "12 Maret 2025"),
        ("Siapa Kepala Bappeda DKI Jakarta?", "Kepala Bappeda DKI Jakarta adalah Atika Nur Rahmania sejak 2022.",
         "Atika Nur Rahmania"),
        ("Di mana ibu kota Jepang?", "Ibu kota Jepang adalah Tokyo, kota terbesar di Asia Timur.", "Tokyo"),
    ],
)
def test_fact_of_each_kind(question, sentence, fact):
    assert short_answer(read_question(question), [sentence]) == (0, fact)


def test_the_year_asked_about_is_not_the_answer():
    q = read_question("Berapa target kemiskinan tahun 2029?")
    assert short_answer(q, ["Pada tahun 2029 angka kemiskinan ditargetkan 3,1 persen."]) == (0, "3,1 persen")


def test_no_fact_no_short_answer():
    assert short_answer(read_question("Kapan taman itu dibangun?"), ["Taman dibangun bersama warga."]) is None
    assert short_answer(read_question("Jelaskan arah kebijakan kesehatan."), ["Tahun 2025 sebesar 5%."]) is None


def test_the_page_leads_with_the_short_answer():
    answer = {"answer": "14,2 persen [1]\n\nMenurut RPJMD:\n- “target 14,2 persen” [1]", "short_answer": "14,2 persen [1]",
              "citations": [{"n": 1, "title": "RPJMD", "text": "target 14,2 persen", "highlights": []}],
              "abstained": False}
    html = answer_block(0, answer)
    assert html.index('class="short-answer"') < html.index('class="answer-text"')
    assert html.count("14,2 persen [") == 0 and html.count(">[1]</a>") == 2


ROW = (("Indikator", "Prevalensi Stunting"), ("Satuan", "Persen"), ("Kondisi Awal", "17,2"),
       ("TARGET KINERJA 2027", "14,2"), ("TARGET KINERJA 2029", "12,5"))


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Berapa target prevalensi stunting tahun 2027?", "14,2 Persen (TARGET KINERJA 2027)"),
        ("Berapa kondisi awal prevalensi stunting?", "17,2 Persen (Kondisi Awal)"),
    ],
)
def test_a_figure_asked_of_a_table_row_is_the_named_columns_value_with_its_unit(question, fact):
    assert short_answer(read_question(question), ["Indikator: Prevalensi Stunting; ..."], [ROW]) == (0, fact)


def test_a_year_the_row_has_no_column_for_gives_no_figure_from_it():
    q = read_question("Berapa target prevalensi stunting tahun 2031?")
    assert short_answer(q, ["Indikator: Prevalensi Stunting; ..."], [ROW]) is None
    later = "Prevalensi stunting ditargetkan 10 persen pada tahun 2031."
    assert short_answer(q, ["Indikator: Prevalensi Stunting; ...", later], [ROW, ()]) == (1, "10 persen")


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Berapa proporsi ekonomi kreatif?", "4. Peningkatan daya saing pariwisata dan ekonomi kreatif."),
        ("Berapa target jumlah museum?", "No.: 6.; Indikator: Jumlah museum yang direvitalisasi"),
        ("Berapa target indeks kebahagiaan tahun 2029?", "Target yang tercantum berlaku dari tahun 2025-2030."),
    ],
)
def test_a_list_number_or_a_bare_year_is_not_a_figure(question, sentence):
    assert short_answer(read_question(question), [sentence]) is None


def test_a_figure_after_a_list_number_is_still_found():
    sentence = "3. Jumlah museum yang direvitalisasi mencapai 12 unit pada tahun 2026."
    assert short_answer(read_question("Berapa jumlah museum yang direvitalisasi?"), [sentence]) == (0, "12 unit")


NUMBERED = (("No", "4."), ("Sasaran Pembangunan", "Biaya Logistik (% PDB)"), ("Baseline (2023)", "14,29 (2022)"),
            ("Target 2025", "13,50"))


def test_the_baseline_asked_with_a_year_is_the_baseline_column_not_that_years_target():
    q = read_question("Berapa baseline biaya logistik terhadap PDB pada RKPD 2025?")
    assert short_answer(q, ["No: 4.; ..."], [NUMBERED]) == (0, "14,29 (2022) (Baseline (2023))")


def test_a_row_that_names_no_asked_column_gives_no_figure_not_its_row_number():
    q = read_question("Berapa biaya logistik?")
    assert short_answer(q, ["No: 4.; ..."], [NUMBERED]) is None


def test_a_row_of_another_indicator_never_answers():
    q = read_question("Berapa target indeks kebahagiaan tahun 2027?")
    happiness = Subject((frozenset({"bahagia"}), frozenset({"indeks"})), (6.0, 2.0))
    assert short_answer(q, ["Indikator: Prevalensi Stunting; ..."], [ROW], subject=happiness) is None
    stunting = Subject((frozenset({"stunting"}),), (5.0,))
    assert short_answer(q, ["Indikator: Prevalensi Stunting; ..."], [ROW], subject=stunting) == (
        0, "14,2 Persen (TARGET KINERJA 2027)")


def test_a_row_named_only_by_its_tables_caption_answers_the_one_holding_most_of_the_subject_first():
    q = read_question("How many hospital beds will the city need in 2035?")
    beds = Subject((frozenset({"rumah", "sakit"}), frozenset({"tempat", "tidur"}), frozenset({"butuh"})),
                   (6.0, 5.0, 2.0))
    people = (("", "Jumlah Penduduk (ribuan)"), ("2035", "10.528"))
    wards = (("", "Proyeksi Tempat Tidur"), ("2035", "27.345"))
    caption = "Tabel 2.20 Proyeksi Kebutuhan Tempat Tidur Rumah Sakit"
    assert short_answer(q, ["penduduk", "tempat tidur"], [people, wards], subject=beds,
                        contexts=[caption, caption]) == (1, "27.345 (2035)")
    assert short_answer(q, ["penduduk"], [people], subject=beds, contexts=["Tabel 2.21 Jumlah Penduduk"]) is None


def test_a_count_is_the_figure_that_counts_the_thing_asked():
    """'Ada berapa pulau ...?': the figure of islands, though a sentence quoted before it holds another figure."""
    read = read_question("Ada berapa pulau di Kepulauan Seribu?")
    pieces = ["Kontribusi PDRB Kepulauan Seribu sangat kecil (0,22%).",
              "Dari 110 pulau yang terdapat di Kepulauan Seribu, 11 berpenghuni."]
    assert short_answer(read, pieces) == (1, "110 pulau")
    counts, any_figure = fact_holders(read)
    assert not counts(pieces[0], False) and counts(pieces[1], False) and any_figure(pieces[0], False)
    assert counts("Jumlah pulau berpenghuni; 2025: 11", True)  # a row that names islands counts them
    # no sentence counts the thing: the first figure found stands
    assert short_answer(read, pieces[:1]) == (0, "0,22%")
    # a row's figure is read before a later sentence's count
    row = [("Indikator", "Jumlah pulau berpenghuni"), ("2025", "11")]
    in_2025 = read_question("Ada berapa pulau berpenghuni di Kepulauan Seribu tahun 2025?")
    assert short_answer(in_2025, ["Jumlah pulau berpenghuni: 11", pieces[1]], [row, ()]) == (0, "11 (2025)")
    # an amount asked of a numbered item is not a count of such items
    amount = read_question("Berapa anggaran misi 3 Kota Metro?")
    assert len(fact_holders(amount)) == 1
    assert [m.group(0) for m in counted_figures("menetapkan 5 (lima) misi pembangunan", ("misi",))] == ["5"]
