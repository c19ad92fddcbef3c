"""The gazetteer: which region a question asks about, and whether the corpus has a plan of it."""

import pytest

from bot.places import GAZETTEER_PATH, Gazetteer, Place, regions_not_covered

JAKARTA = ["Provinsi DKI Jakarta"]


def test_the_gazetteer_holds_every_regency_and_city_with_its_province():
    lines = GAZETTEER_PATH.read_text(encoding="utf-8").splitlines()[1:]
    assert len(lines) >= 500
    g = Gazetteer.load()
    assert g.place("Kota Jakarta Selatan") == Place("Kota Jakarta Selatan", "Provinsi DKI Jakarta")
    assert g.place("Kota Metro").province == "Provinsi Lampung"
    assert g.place("Kabupaten Administrasi Kepulauan Seribu") == g.place("Kabupaten Kepulauan Seribu")
    assert g.place("Provinsi Daerah Khusus Ibukota Jakarta").name == "Provinsi DKI Jakarta"
    assert g.place("Kota Sukamaju") is None
    assert g.place("Kota Lubuklinggau") == g.place("Kota Lubuk Linggau") == g.places["kotalubuklinggau"]


@pytest.mark.parametrize("question, names", [
    ("Berapa luas wilayah Kota Tangerang?", ["Kota Tangerang"]),
    ("What is Surabaya's unemployment target for 2026?", ["Kota Surabaya"]),
    ("Apa visi RPJMD Surabaya?", ["Kota Surabaya"]),
    ("Berapa APBD Provinsi Jawa Barat tahun 2025?", ["Provinsi Jawa Barat"]),
    ("Berapa APBD Jawa Barat?", ["Provinsi Jawa Barat"]),
])
def test_a_region_no_document_covers_is_named(question, names):
    assert regions_not_covered(question, JAKARTA) == names


def test_a_bare_name_of_two_places_is_named_as_written_and_an_english_level_word_picks_one():
    assert regions_not_covered("Apa visi Bandung?", JAKARTA) == ["Bandung"]
    assert regions_not_covered("What is Bandung City's vision?", JAKARTA) == ["Kota Bandung"]
    assert regions_not_covered("What is Bekasi Regency's vision?", ["Kota Bekasi"]) == ["Kabupaten Bekasi"]


@pytest.mark.parametrize("question", [
    "Ada berapa pulau di Kabupaten Administrasi Kepulauan Seribu?",  # lies within the province
    "Berapa penduduk Jakarta Selatan?",
    "Bandingkan target stunting Jakarta dan Surabaya",  # one of the regions is covered: compare answers
    "How much is a ticket from Lebak Bulus to Bundaran HI?",  # a street, not Kabupaten Lebak
    "Berapa target prevalensi stunting tahun 2027?",  # names no region
])
def test_questions_about_the_covered_region_or_no_region_pass(question):
    assert regions_not_covered(question, JAKARTA) == []


def test_the_province_around_a_citys_plan_and_the_city_inside_a_provinces_plan_are_related():
    assert regions_not_covered("Apa visi Provinsi Lampung?", ["Kota Metro"]) == []
    assert regions_not_covered("Apa visi Kota Metro?", ["Provinsi Lampung"]) == []
    assert regions_not_covered("Apa visi Kota Bekasi?", ["Kota Metro"]) == ["Kota Bekasi"]


def test_a_bare_name_that_is_also_a_village_of_a_covered_province_is_not_refused():
    assert Gazetteer.load().place("Kabupaten Manggarai").local_in == ("Provinsi DKI Jakarta",)
    assert regions_not_covered("Kapan LRT rute Velodrome - Manggarai beroperasi?", JAKARTA) == []
    assert regions_not_covered("Apa visi Kabupaten Manggarai?", JAKARTA) == ["Kabupaten Manggarai"]


def test_the_seeds_regions_are_placed_whatever_their_spacing():
    seeds = ["Kota Metro", "Kota Bekasi", "Kota Lubuklinggau"]
    assert regions_not_covered("Apa visi Kota Bandung?", seeds) == ["Kota Bandung"]
    assert regions_not_covered("Apa visi Kota Lubuk Linggau?", seeds) == []


def test_no_verdict_over_texts_the_gazetteer_cannot_place():
    assert regions_not_covered("Berapa luas Kota Tangerang?", [*JAKARTA, None]) == []  # an unplaced text
    assert regions_not_covered("Berapa luas Kota Tangerang?", [*JAKARTA, "Kota Sukamaju"]) == []
    assert regions_not_covered("Berapa luas Kota Tangerang?", []) == []
