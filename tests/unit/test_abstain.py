"""Refusing before retrieval: a name in the question that the corpus does not hold."""

import pytest

from bot.abstain import CorpusProfile, counted_thing, judge_answer, judge_question, unknown_places
from bot.terms import query_terms
from index.lexical import analyze, words


def _corpus(*words: str) -> CorpusProfile:
    return CorpusProfile(regions=(), titles=(), words=frozenset(words), terms=frozenset())


def test_a_region_the_corpus_lacks_is_unknown():
    assert unknown_places("Apa visi Kabupaten Sleman?", _corpus("kabupaten", "visi", "metro")) == ["Kabupaten Sleman"]


def test_a_name_is_known_when_any_of_its_words_is():
    corpus = _corpus("snouck", "hurgronje")
    assert unknown_places("Kapan Christiaan Snouck Hurgronje meninggal?", corpus) == []
    assert unknown_places("Kapan Christiaan Snouck meninggal?", _corpus("snouck")) == []


def test_accented_names_are_read_whole():
    assert unknown_places("Siapa wali kota Orléans?", _corpus("orléans")) == []
    assert unknown_places("Siapa wali kota Orléans?", _corpus("orl")) == ["Orléans"]
    assert unknown_places("Siapa Adipati Wrocław?", _corpus("wrocław")) == []


def test_possessive_and_prefixes_do_not_count():
    assert unknown_places("What is Jakarta's vision?", _corpus("jakarta")) == []
    assert unknown_places("What is Bandung City's vision?", _corpus("city", "jakarta")) == ["Bandung City's"]


def test_general_words_in_a_name_do_not_make_it_known():
    corpus = _corpus("barat", "rpjmd", "misi", "jakarta")
    assert unknown_places("Apa visi Provinsi Jawa Barat 2018-2023?", corpus) == ["Provinsi Jawa Barat"]
    assert unknown_places("What are the missions in Kabupaten Bogor's RPJMD?", corpus) == ["Kabupaten Bogor's RPJMD"]


@pytest.mark.parametrize(
    "question, thing",
    [
        ("Berapa jumlah pulau di Kepulauan Seribu?", ("pulau",)),
        ("Berapa banyaknya sekolah negeri?", ("sekolah",)),
        ("How much did spending fall short of the budget?", ()),
        ("What is the total, and how much of it goes to schools?", ()),
        ("Berapa kira-kira jumlah pegawai di dinas itu?", ("pegawai",)),
        ("How many key performance indicators are there?", ("performance", "kerja", "indicators", "indikator")),
        ("How many hospital beds will the city need?", ("hospital", "rumah", "sakit", "rs", "rsud", "beds", "tempat",
                                                        "tidur")),  # an English compound names the thing last
        ("Berapa target persentase rumah tangga miskin?", ("rumah",)),
        ("Berapa lama periode itu berlangsung?", ()),
    ],
)
def test_counted_thing(question, thing):
    assert counted_thing(question) == thing


@pytest.mark.parametrize(
    "question, thing",
    [
        ("Ada berapa pulau di Kepulauan Seribu?", ("pulau",)),
        ("Berapa kira-kira jumlah pegawai di dinas itu?", ("pegawai",)),
        ("How many hospital beds will the city need?", ("beds", "tempat", "tidur")),  # the compound's head
        ("Berapa anggaran misi 3 Kota Metro?", ()),  # an amount of money, not a count of missions
        ("Berapa proyeksi kebutuhan SMA tahun 2030?", ()),  # a figure of needs
        ("Berapa jumlah penduduk kota itu?", ("duduk",)),
        ("Berapa target persentase rumah tangga miskin?", ()),
        ("How much money is budgeted for the stadium?", ()),
    ],
)
def test_counted_thing_of_a_count_only(question, thing):
    assert counted_thing(question, count_only=True) == thing


def test_a_rate_need_not_be_a_percentage():
    passages = ["Angka kematian ibu ditargetkan turun menjadi 45 per 100.000 kelahiran hidup pada 2045."]
    verdict = judge_answer("Berapa target angka kematian ibu tahun 2045?", passages, passages, 1.0, 0.9)
    assert not verdict.abstain
    verdict = judge_answer("Berapa persentase balita stunting tahun 2045?", passages, passages, 1.0, 0.9)
    assert verdict.abstain


def test_a_figure_for_a_year_the_passages_never_name_is_refused():
    passages = ["Tingkat kemiskinan Kota Bekasi pada tahun 2019 sebesar 4,2 persen."]
    asked = "Berapa tingkat kemiskinan Kota Bekasi tahun 2015?"
    assert judge_answer(asked, passages, passages, 1.0, 0.9, "how_much", (2015,)).abstain
    assert not judge_answer(asked.replace("2015", "2019"), passages, passages, 1.0, 0.9, "how_much", (2019,)).abstain
    header = ["Indikator | Target 2030\n<tr><td>Volume tampungan air</td><td>995.738</td></tr>"]
    assert not judge_answer("Berapa target volume tampungan air 2030?", header, header, 1.0, 0.9, "how_much", (2030,)).abstain


def test_a_name_written_another_way_is_known():
    assert unknown_places("Apakah album pertama TIC band?", _corpus("ticband", "band", "album")) == []
    assert unknown_places("Apa arti istilah Shengnü?", _corpus("shengnu")) == []
    assert unknown_places("Kapan film Monster dirilis?", _corpus("monsters")) == []
    assert unknown_places("Apa visi Kota Bo?", _corpus("bogor")) == ["Kota Bo"]


def test_a_name_is_not_known_from_a_longer_word():
    assert unknown_places("Apa visi Provinsi Jawa Barat?", _corpus("jawaban", "ban")) == ["Provinsi Jawa Barat"]
    assert unknown_places("Apa visi Provinsi Jawa Barat?", _corpus("jawab")) == ["Provinsi Jawa Barat"]
    assert unknown_places("Somali dan Etiopia", _corpus("somalia", "etiopia")) == []


def _text_corpus(text: str) -> CorpusProfile:
    return CorpusProfile(regions=(), titles=(), words=frozenset(words(text)), terms=frozenset(analyze(text)))


def test_an_unknown_name_beside_a_known_one_is_left_to_the_passages():
    corpus = _text_corpus("Sir Alexander Chapman Ferguson menikah dengan istri bernama Cathy. HUT kota Balikpapan.")
    question = 'Siapakah nama istri Sir Alexander Chapman "Alex" Ferguson?'
    assert unknown_places(question, corpus) == ["Alex"]
    assert not judge_question(question, query_terms(question, "id"), corpus).abstain
    assert not judge_question("Kapan HUT kota Balikpapan?", query_terms("Kapan HUT kota Balikpapan?", "id"), corpus).abstain


def test_an_unknown_place_or_a_question_of_unknown_names_only_is_refused():
    corpus = _text_corpus("Visi Kota Balikpapan: pendiri kota yang nyaman.")
    for question in ("Apa visi Kabupaten Sleman dan Kota Balikpapan?", "Siapa pendiri Djisamsoe?"):
        assert judge_question(question, query_terms(question, "id"), corpus).abstain


def test_a_count_written_in_words_answers_a_counting_question():
    quoted = ["G7 beranggotakan tujuh negara industri maju."]
    assert not judge_answer("Berapa jumlah anggota dari G7?", quoted, quoted, 1.0, 0.9, "how_much").abstain
    vague = ["Salah satu negara anggota G7 adalah Jepang."]
    assert judge_answer("Berapa jumlah anggota dari G7?", vague, vague, 1.0, 0.9, "how_much").abstain


def test_a_when_question_is_answered_by_a_time_without_digits():
    quoted = ["Setelah pemerintahan pusat Mesir runtuh pada akhir periode Kerajaan Lama, ekonomi melemah."]
    assert not judge_answer("Kapan pemerintahan pusat Mesir runtuh?", quoted, quoted, 1.0, 0.9, "when").abstain
    timeless = ["Pemerintahan pusat Mesir runtuh karena krisis ekonomi dan kekeringan."]
    assert judge_answer("Kapan pemerintahan pusat Mesir runtuh?", timeless, timeless, 1.0, 0.9, "when").abstain


def test_table_rows_state_money_and_rates_the_way_tables_do():
    budget = ["Uraian: Pengeluaran Pembiayaan; Realisasi APBD Tahun 2023: 5.719.141.961.111"]
    assert not judge_answer("Berapa pengeluaran pembiayaan tahun 2023?", budget, budget, 1.0, 0.9, "how_much").abstain
    assert judge_answer("Berapa anggaran pembiayaan?", ["Jumlah kecamatan: 44"], ["Jumlah kecamatan: 44"], 1.0, 0.9,
                        "how_much").abstain
    rate = ["Indikator: Persentase Kepesertaan JKN; Satuan: %; 2026: 98,65"]
    assert not judge_answer("Berapa target persentase kepesertaan JKN 2026?", rate, rate, 1.0, 0.9, "how_much",
                            (2026,)).abstain
