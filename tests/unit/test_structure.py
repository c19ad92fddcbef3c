"""Plan structure extraction: the seeds' vision/pillars/missions/commitments/programs/affairs, one test per
pattern on a hand-written snippet, graceful degradation, and the shared corpus (skipped when absent)."""

from __future__ import annotations

import importlib.util

import pytest

from ingest.cleaning import clean_text
from ingest.structure import KINDS, PlanItem, extract_plan
from tests.conftest import CORPUS, SEEDS

SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))


def _seed(name: str) -> tuple[str, list[PlanItem]]:
    text = clean_text((SEEDS / name).read_text(encoding="utf-8"))
    return text, extract_plan(text)


def _kind(items: list[PlanItem], kind: str, parent: str | None = "any") -> list[PlanItem]:
    return [it for it in items if it.kind == kind and (parent == "any" or it.parent == parent)]


def _texts(items: list[PlanItem], kind: str, parent: str | None = "any") -> list[str]:
    return [it.text for it in _kind(items, kind, parent)]


def _numbers(items: list[PlanItem], kind: str) -> list[int | None]:
    return [it.number for it in _kind(items, kind)]


def _assert_well_formed(text: str, items: list[PlanItem]) -> None:
    """Every item is an exact, trimmed span of the text (an item read from a table row: its cell's span, or
    the row's when the cell is not written verbatim), of a known kind, in document order."""
    for it in items:
        assert it.kind in KINDS
        assert 0 <= it.start < it.end <= len(text)
        if it.fields:
            row_start, row_end = it.fields["row"]
            assert row_start <= it.start < it.end <= row_end
            assert text[it.start : it.end] == it.text or (it.start, it.end) == (row_start, row_end)
        else:
            assert text[it.start : it.end] == it.text
        assert it.text == it.text.strip()
        assert not it.text.startswith(("**", "“", '"', "- ", "1. ")), it
        assert not it.text.endswith(("**", ";", ",")), it
    assert [(it.start, it.end) for it in items] == sorted((it.start, it.end) for it in items)


def _extract(snippet: str) -> list[PlanItem]:
    """extract_plan on a snippet, checking spans on the way."""
    items = extract_plan(snippet)
    _assert_well_formed(snippet, items)
    return items


# ------------------------------------------------------------------------------------------------ seeds


@pytest.mark.parametrize("name", SEED_FILES)
def test_every_seed_item_is_an_exact_trimmed_span(name):
    text, items = _seed(name)
    assert items
    _assert_well_formed(text, items)
    assert all(isinstance(it, PlanItem) for it in items)


def test_seed_000_kota_metro_rpjmd_full_structure():
    _, items = _seed("000_17d2c2306983f87c.txt")
    assert _texts(items, "vision") == [
        "Terwujudnya Kota Metro Berpendidikan, Sehat, Sejahtera, dan Berbudaya"
    ]
    assert _kind(items, "vision")[0].parent is None and _kind(items, "vision")[0].number is None
    assert _texts(items, "vision_pillar", "vision") == [
        "Kota Metro Berpendidikan",
        "Kota Metro Sehat",
        "Kota Metro Sejahtera",
        "Kota Metro Berbudaya",
    ]
    assert _numbers(items, "vision_pillar") == [1, 2, 3, 4]
    missions = _kind(items, "mission")
    assert [m.number for m in missions] == [1, 2, 3, 4, 5]
    assert all(m.parent is None for m in missions)
    assert missions[0].text.startswith("Mewujudkan kualitas pendidikan dan kebudayaan")
    assert missions[2].text == (
        "Meningkatkan kuantitas dan kualitas infrastruktur fisik secara efektif, efisien, "
        "berwawasan lingkungan, dan berkelanjutan"
    )
    assert missions[4].text.startswith("Mewujudkan Tata Kelola Pemerintahan yang baik")
    assert not any("Misi" in m.text[:6] for m in missions)  # the "**Misi 1** :" label is outside the span

    commitments = _kind(items, "commitment")
    assert len(commitments) == 5 and all(c.parent == "mission 3" for c in commitments)
    assert [c.number for c in commitments] == [1, 2, 3, 4, 5]
    assert (
        commitments[0].text
        == "Meningkatkan sistem dan pembangunan infrastruktur yang terintegrasi dan berkelanjutan"
    )
    assert commitments[4].text == "Mengembangkan Sanitasi Total Berbasis Masyarakat"

    programs = _kind(items, "program")
    assert len(programs) == 6 and all(p.parent == "mission 3" for p in programs)
    assert programs[0].text == "Revitalisasi Stadion Tejosari"
    assert programs[5].text == "Peningkatan infrastruktur penerangan lingkungan"

    assert _texts(items, "affair", "mission 3") == [
        "Pekerjaan Umum dan Penataan Ruang",
        "Perumahan dan Kawasan Permukiman",
        "Perhubungan",
        "Lingkungan Hidup",
        "Komunikasi dan Informatika",
        "Fungsi Penunjang",
    ]
    assert not _kind(items, "agency_vision") and not _kind(items, "agency_mission")


def test_seed_001_kota_metro_short_bullets_under_misi_heading():
    _, items = _seed("001_320a63bc815bd81c.txt")
    assert _texts(items, "vision") == ["Terwujudnya Kota Metro Berpendidikan, Sehat, Sejahtera dan Berbudaya"]
    assert _texts(items, "vision_pillar", "vision") == [
        "Kota Metro Berpendidikan",
        "Kota Metro Sehat",
        "Kota Metro Sejahtera",
        "Kota Metro Berbudaya",
    ]
    missions = _kind(items, "mission")
    assert [m.number for m in missions] == [1, 2, 3, 4, 5]
    assert missions[0].text.startswith("Mewujudkan Kualitas Pendidikan dan Kebudayaan")
    assert missions[1].text == "Mewujudkan Masyarakat sehat jasmani, rohani & sosial"
    assert (
        missions[4].text
        == "Mewujudkan Tata Kelola Pemerintahan yang Baik (Good Governance), Terhormat, dan Bermartabat"
    )
    assert {it.kind for it in items} == {"vision", "vision_pillar", "mission"}


def test_seed_002_agency_vision_and_the_four_listed_missions():
    _, items = _seed("002_6c3c559c2f5a9bed.txt")
    assert not _kind(items, "vision") and not _kind(items, "mission")
    (vision,) = _kind(items, "agency_vision")
    assert (
        " ".join(vision.text.split())
        == "TERWUJUDNYA KOTA METRO BERPENDIDIKAN, SEHAT, SEJAHTERA, dan BERBUDAYA"
    )
    assert vision.parent is None
    missions = _kind(items, "agency_mission")
    assert [m.number for m in missions] == [1, 2, 3, 4]  # the text says 3 (Tiga) but lists 4
    assert missions[0].text == "Pemerataan Pembangunan infrastruktur lingkungan perumahan dan permukiman"
    assert missions[3].text == "Pembangunan dan pemerataan penerangan jalan umum"
    assert all("\n" not in m.text for m in missions)  # the explanation lines are not part of the mission


def test_seed_003_bekasi_vision_inline_quote_and_explained_missions():
    _, items = _seed("003_68827eb2284742d1.txt")
    (vision,) = _kind(items, "vision")
    assert "Bekasi Maju, Sejahtera dan Ihsan" in vision.text
    missions = _kind(items, "mission")
    assert [m.number for m in missions] == [1, 2, 3, 4, 5]
    assert missions[0].text == "Menyelenggarakan Tata Kelola Kepemerintahan Yang Baik"
    assert missions[4].text.startswith("Mewujudkan Kehidupan Masyarakat yang anam")
    # "Faktor penghambat :" bullets are not missions, and the "misi pertama yaitu ..." prose adds nothing
    assert len(items) == 6


def test_seed_004_lubuklinggau_inline_vision_missions_and_program_list():
    _, items = _seed("004_13641eae8e0458e4.txt")
    assert _texts(items, "vision") == ["Metropolis Madani"]
    missions = _kind(items, "mission")
    assert [m.number for m in missions] == [1, 2, 3, 4]
    assert [m.text for m in missions] == [
        "mewujudkan sumber daya manusia yang berakhlak, berkualitas dan berkarakter",
        "meningkatkan daya saing ekonomi dan kesejahteraan sosial",
        "meningkatkan infrastruktur daerah yang berwawasan lingkungan",
        "meningkatkan tata kelola pemerintahan yang baik",
    ]
    programs = _kind(items, "program")
    assert [p.number for p in programs] == list(range(1, 12))  # eleven listed, not padded to twelve
    assert programs[0].text == "pemberdayaan tempat ibadah"
    assert "beasiswa S1, S2, S3" in [p.text for p in programs]
    assert programs[-2].text == "peningkatan objek wisata"
    assert programs[-1].text == "layanan berbasis android"
    assert all(p.parent is None for p in programs)


# --------------------------------------------------------------------------------------- one per pattern


def test_pattern_misi_n_labelled_lines():
    items = _extract("Misi 1 : Mewujudkan masyarakat sehat.\nMisi 2: Meningkatkan ekonomi kreatif;\n")
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (1, "Mewujudkan masyarakat sehat"),
        (2, "Meningkatkan ekonomi kreatif"),
    ]


def test_quotes_inside_an_item_are_kept_balanced():
    items = _extract("Misi 1 : Mewujudkan Jakarta sebagai “Kota Global”;\nMisi 2 : 'Mewujudkan Ruang Kota'\n")
    assert _texts(items, "mission") == ["Mewujudkan Jakarta sebagai “Kota Global”", "Mewujudkan Ruang Kota"]


def test_pattern_bold_misi_labels_inside_an_introduced_list():
    snippet = (
        "Maka ditetapkan 3 (tiga) misi pembangunan, yaitu sebagai berikut :\n\n"
        "1. **Misi 1** : Mewujudkan pendidikan berkualitas.\n"
        "2. **Misi 2** : Mewujudkan masyarakat sehat.\n\n"
        "3. **Misi 3** : Meningkatkan infrastruktur.\n\n"
        "Uraian lain yang bukan misi.\n4. Bukan misi\n"
    )
    items = _extract(snippet)
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (1, "Mewujudkan pendidikan berkualitas"),
        (2, "Mewujudkan masyarakat sehat"),
        (3, "Meningkatkan infrastruktur"),
    ]


def test_pattern_numbered_missions_with_explanations_take_the_numbered_line_only():
    snippet = (
        "Dalam mewujudkan visi tersebut, maka misi yang dilaksanakan adalah sebagai berikut :\n"
        "1. Menyelenggarakan Tata Kelola Pemerintahan Yang Baik\n"
        "Misi ini bermakna bahwa tata kelola dilakukan melalui pelayanan.\n"
        "2. Membangun Prasarana Kota.\n"
        "Misi ini bermakna pembangunan prasarana.\n"
        "Faktor penghambat :\n"
        "3. Bukan misi\n"
    )
    items = _extract(snippet)
    assert _texts(items, "mission") == [
        "Menyelenggarakan Tata Kelola Pemerintahan Yang Baik",
        "Membangun Prasarana Kota",
    ]


def test_pattern_caps_misi_heading_with_dash_bullets():
    snippet = (
        "MISI KABUPATEN CONTOH\n- Mewujudkan A yang maju\n- Meningkatkan B\n- Mengembangkan C\n"
        "Penutup.\n- lain\n"
    )
    items = _extract(snippet)
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (1, "Mewujudkan A yang maju"),
        (2, "Meningkatkan B"),
        (3, "Mengembangkan C"),
    ]


def test_pattern_misi_n_heading_with_commitments_programs_and_affairs():
    snippet = (
        "Misi 2\n\n“Mewujudkan masyarakat sehat jasmani dan rohani”\n\n"
        "Komitmen perwujudan Misi 2 akan dilaksanakan melalui :\n\n"
        "1. Meningkatkan layanan puskesmas;\n2. Mengembangkan gizi keluarga\n\n"
        "Program Kerja :\n\n1. Pembangunan rumah sakit;\n2. Posyandu aktif.\n\n"
        "Urusan yang mengampu pelaksanaan Misi 2 : Kesehatan; Sosial; dan urusan Pangan.\n"
    )
    items = _extract(snippet)
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (2, "Mewujudkan masyarakat sehat jasmani dan rohani")
    ]
    assert _texts(items, "commitment", "mission 2") == [
        "Meningkatkan layanan puskesmas",
        "Mengembangkan gizi keluarga",
    ]
    assert _texts(items, "program", "mission 2") == ["Pembangunan rumah sakit", "Posyandu aktif"]
    assert _texts(items, "affair", "mission 2") == ["Kesehatan", "Sosial", "Pangan"]


def test_pattern_program_list_without_a_mission_has_no_parent():
    items = _extract("Program Kerja :\n1. Satu program\n2. Dua program\n")
    assert [(p.number, p.parent) for p in _kind(items, "program")] == [(1, None), (2, None)]


def test_pattern_vision_quoted_on_the_next_line_curly_straight_and_bold():
    for quoted in (
        "“Terwujudnya Kota Contoh Sejahtera”",
        '"Terwujudnya Kota Contoh Sejahtera"',
        "**“Terwujudnya Kota Contoh Sejahtera”.**",
        "*“Terwujudnya Kota Contoh Sejahtera”*",
    ):
        items = _extract(
            f"Dalam periode 2021-2026, visi pembangunan Kota Contoh adalah\n\n{quoted}\n\nPenjelasan."
        )
        assert _texts(items, "vision") == ["Terwujudnya Kota Contoh Sejahtera"], quoted


def test_pattern_vision_quote_spanning_a_line_break():
    snippet = (
        "Visi Kota Contoh Tahun 2021–2026 adalah:\n\n**“TERWUJUDNYA KOTA CONTOH SEHAT,\n"
        "SEJAHTERA, dan BERBUDAYA”.**\n"
    )
    (vision,) = _kind(_extract(snippet), "vision")
    assert vision.text == "TERWUJUDNYA KOTA CONTOH SEHAT,\nSEJAHTERA, dan BERBUDAYA"


def test_pattern_vision_inline_quote_and_inline_title_phrase():
    items = _extract(
        "Visi Kepala Daerah periode 2013 – 2018 adalah “Bekasi Maju, Sejahtera dan Ihsan.” Visi ini ..."
    )
    assert _texts(items, "vision") == ["Bekasi Maju, Sejahtera dan Ihsan"]
    items = _extract(
        "Menurut Wako, visi Kota Lubuklinggau sangatlah sederhana yakni Metropolis Madani. Secara rinci ..."
    )
    assert _texts(items, "vision") == ["Metropolis Madani"]
    items = _extract(
        "Guna mendukung visi kepala daerah terpilih yaitu Kota Batu Berjaya, Berdaya Saing Dan Sejahtera, "
        "Dinas Lingkungan Hidup menetapkan tujuannya."
    )
    assert _texts(items, "vision") == ["Kota Batu Berjaya, Berdaya Saing Dan Sejahtera"]


def test_pattern_vision_inline_bold():
    items = _extract(
        "Guna mendukung visi kepala daerah terpilih yaitu **Desa Berdaya Kota Berjaya, **Dinas X menetapkan."
    )
    assert _texts(items, "vision") == ["Desa Berdaya Kota Berjaya"]


def test_pattern_vision_heading_then_statement_line():
    items = _extract(
        "VISI KOTA CONTOH\nTerwujudnya Kota Contoh Yang Maju dan Sejahtera\nMemperhatikan visi diatas ..."
    )
    assert _texts(items, "vision") == ["Terwujudnya Kota Contoh Yang Maju dan Sejahtera"]
    # a quote that covers only part of the line: the whole line is the statement
    snippet = "### Visi\n\n**“Contoh SIMPATI (Sejahtera, Maju” Menuju Indonesia Emas 2045**\n\n### Misi\n\n"
    snippet += "1. Mewujudkan nilai religius\n\n2. Meningkatkan kinerja aparatur;\n"
    items = _extract(snippet)
    assert _texts(items, "vision") == ["Contoh SIMPATI (Sejahtera, Maju” Menuju Indonesia Emas 2045"]
    assert _texts(items, "mission") == ["Mewujudkan nilai religius", "Meningkatkan kinerja aparatur"]


def test_pattern_vision_label_with_the_statement_on_the_same_line():
    assert _texts(_extract("VISI : Terwujudnya Kabupaten Contoh yang Maju dan Sejahtera\n"), "vision") == [
        "Terwujudnya Kabupaten Contoh yang Maju dan Sejahtera"
    ]
    assert _texts(_extract("**Visi Kabupaten Contoh** : “Contoh Hebat, Contoh Juara”.\n"), "vision") == [
        "Contoh Hebat, Contoh Juara"
    ]
    assert _extract("Visi : ini hanya catatan kecil tentang rapat. Rapat berikutnya besok.\n") == []


def test_pattern_lettered_mission_list():
    snippet = (
        "Misi Kabupaten Contoh adalah sebagai berikut:\na. Mewujudkan A\nb. Mewujudkan B\nc) Bukan bagian\n"
    )
    assert [(m.number, m.text) for m in _kind(_extract(snippet), "mission")] == [
        (1, "Mewujudkan A"),
        (2, "Mewujudkan B"),
    ]


def test_pattern_vision_set_off_as_a_heading_after_a_line_of_prose():
    snippet = (
        "# 4.1 Visi\n\nBerdasarkan kekuatan modal dasar yang dimiliki, isu dan permasalahan yang "
        "dihadapi, serta upaya\n\n"
        "# Jakarta Kota Global yang Maju, Berkeadilan, dan Berkelanjutan.\n\n# Maju\n\nJakarta maju ..."
    )
    assert _texts(_extract(snippet), "vision") == [
        "Jakarta Kota Global yang Maju, Berkeadilan, dan Berkelanjutan"
    ]


def test_pattern_statements_hard_wrapped_over_lines_like_slides():
    snippet = (
        "VISI\nTerbentuknya Insan serta Ekosistem Pendidikan dan\nKebudayaan yang Berkarakter dengan "
        "berlandaskan\n"
        "Gotong Royong\nVisi Kementerian 2015-2019\n\nMISI\n1. Mewujudkan Pelaku Pendidikan yang Kuat\n"
        "2. Mewujudkan Pelestarian Kebudayaan dan Pengembangan\nBahasa\n3. Mewujudkan Penguatan Tata "
        "Kelola serta\n"
        "Efektivitas Birokrasi\nMisi Kementerian 2015-2019\n"
    )
    items = _extract(snippet)
    assert _texts(items, "vision") == [
        "Terbentuknya Insan serta Ekosistem Pendidikan dan\nKebudayaan yang Berkarakter dengan berlandaskan"
        + "\nGotong Royong"
    ]
    assert _texts(items, "mission") == [
        "Mewujudkan Pelaku Pendidikan yang Kuat",
        "Mewujudkan Pelestarian Kebudayaan dan Pengembangan\nBahasa",
        "Mewujudkan Penguatan Tata Kelola serta\nEfektivitas Birokrasi",
    ]


def test_pattern_pillars_take_the_title_line():
    snippet = (
        "Adapun pokok-pokok visi tersebut adalah :\n\n1) Kota Contoh Berpendidikan\n\n"
        "Kota Contoh Berpendidikan diwujudkan dengan membentuk generasi emas.\n\n2) Kota Contoh Sehat\n\n"
        "Kota Contoh Sehat diwujudkan dengan masyarakat sehat.\n\n2. MISI\n"
    )
    items = _extract(snippet)
    assert [(p.number, p.parent, p.text) for p in _kind(items, "vision_pillar")] == [
        (1, "vision", "Kota Contoh Berpendidikan"),
        (2, "vision", "Kota Contoh Sehat"),
    ]


def test_pattern_missions_in_one_sentence():
    snippet = (
        "Sedangkan misinya adalah mewujudkan SDM yang berakhlak, berkualitas dan berkarakter, meningkatkan "
        "daya saing ekonomi, meningkatkan infrastruktur serta meningkatkan tata kelola yang baik."
    )
    items = _extract(snippet)
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (1, "mewujudkan SDM yang berakhlak, berkualitas dan berkarakter"),
        (2, "meningkatkan daya saing ekonomi"),
        (3, "meningkatkan infrastruktur"),
        (4, "meningkatkan tata kelola yang baik"),
    ]


def test_pattern_priority_programs_comma_list():
    snippet = (
        "Ke-5 program tersebut antara lain pencegahan korupsi, beasiswa S1, S2, S3, "
        "infrastruktur dasar dan layanan digital."
    )
    items = _extract(snippet)
    assert _texts(items, "program") == [
        "pencegahan korupsi",
        "beasiswa S1, S2, S3",
        "infrastruktur dasar",
        "layanan digital",
    ]


def test_pattern_agency_vision_and_missions():
    snippet = (
        "Visi Dinas Pekerjaan Umum Kota Contoh adalah:\n\n“Terwujudnya Infrastruktur Kota Yang Andal”\n\n"
        "Misi Dinas Pekerjaan Umum Kota Contoh menetapkan 2 (dua) misi, yaitu:\n\n"
        "1. Membangun jalan yang mantap\n\nPenjelasan misi pertama.\n\n2. Memelihara drainase kota\n"
        "\nPenjelasan kedua.\n"
    )
    items = _extract(snippet)
    assert _texts(items, "agency_vision") == ["Terwujudnya Infrastruktur Kota Yang Andal"]
    assert _texts(items, "agency_mission") == ["Membangun jalan yang mantap", "Memelihara drainase kota"]
    assert not _kind(items, "vision") and not _kind(items, "mission")


def test_pattern_ordinal_mission_reference():
    snippet = (
        "Dinas menetapkan tujuannya berdasarkan misi keempat, Meningkatkan Pembangunan Infrastruktur Yang "
        "Berkualitas yaitu dengan meningkatkan kualitas lingkungan."
    )
    items = _extract(snippet)
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (4, "Meningkatkan Pembangunan Infrastruktur Yang Berkualitas")
    ]


def test_ordinal_references_do_not_duplicate_listed_missions():
    snippet = (
        "Misi yang dilaksanakan adalah sebagai berikut :\n1. Menyelenggarakan Tata Kelola Yang Baik\n"
        "2. Mewujudkan Kehidupan Yang Aman\n\nMaka misi pertama yaitu Menyelenggarakan Tata Kelola "
        "yang Baik dan "
        "misi ketiga yaitu Mewujudkan Ketertiban Umum Kota."
    )
    items = _extract(snippet)
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (1, "Menyelenggarakan Tata Kelola Yang Baik"),
        (2, "Mewujudkan Kehidupan Yang Aman"),
        (3, "Mewujudkan Ketertiban Umum Kota"),
    ]


def test_the_region_missions_under_a_misi_heading_beat_a_long_term_plan_quoted_earlier():
    snippet = (
        "# Kebijakan Jangka Panjang\n\nDirumuskan 3 Misi Jangka Panjang Daerah sebagai berikut:\n\n"
        "1. Mewujudkan A jangka panjang\n2. Mewujudkan B jangka panjang\n3. Mewujudkan C jangka panjang\n\n"
        "# III.1.1. Visi\n\nVisi Gubernur periode 2025 – 2029 adalah:\n\n# KOTA GLOBAL YANG BERDAYA SAING\n\n"
        "# III.1.2. Misi\n\nUraian. Oleh karena itu, dua misi pembangunan daerah ditetapkan sebagai "
        "berikut:\n\n"
        "1. Mewujudkan Masyarakat Berdaya\n2. Mewujudkan Pusat Ekonomi\n"
    )
    items = _extract(snippet)
    assert _texts(items, "vision") == ["KOTA GLOBAL YANG BERDAYA SAING"]
    assert _texts(items, "mission") == ["Mewujudkan Masyarakat Berdaya", "Mewujudkan Pusat Ekonomi"]


def test_a_national_vision_is_not_the_documents_vision():
    snippet = (
        'Visi Indonesia untuk periode 2025-2029, yaitu "Bersama Indonesia Maju Menuju Indonesia Emas 2045".'
    )
    assert _extract(snippet) == []


# ----------------------------------------------------------------------------------- graceful degradation


@pytest.mark.parametrize(
    "snippet",
    [
        "",
        "   \n\n  ",
        "Lorem ipsum dolor sit amet. Kota ini indah dan warganya ramah.\n\nTidak ada rencana di sini.",
        "Visi adalah rumusan umum mengenai keadaan yang diinginkan pada akhir periode perencanaan.",
        "Visi Kota adalah penjabaran visi Kepala Daerah, yaitu Dr. H. Wahdi, Sp. OG dan Drs. H. Qomaru.",
        "Misi yang dilaksanakan adalah sebagai berikut :\n1. Hanya satu butir\n",  # one item is no list
        "Misi yang dilaksanakan adalah sebagai berikut :\n2. Mulai dari dua\n3. Lalu tiga\n",  # not from 1
        "Pencapaian visi misi Kepala Daerah :\nFaktor penghambat :\n• Anggaran terbatas\n• SDM kurang\n",
        (
            "Program tersebut antara lain sesuatu yang sangat panjang sekali dan tidak bisa dipisah "
            "dengan rapi "
            "menjadi daftar, lalu hal lain."
        ),
        "Visi\n\n" + "kalimat panjang " * 100,
        "**Misi 3**\n\n",
        "Urusan Pemerintahan Wajib : Pendidikan; Kesehatan; dan Sosial.",  # not tied to a mission
        "VISI\nMemperhatikan visi di atas, ada beberapa hal yang perlu diuraikan lebih lanjut.\nPenjelasan.",
        "\n".join(f"{i}. butir {i}" for i in range(1, 50)),
    ],
)
def test_no_structure_is_invented(snippet):
    assert _extract(snippet) == []


@pytest.mark.timeout(120)  # a hang guard against catastrophic regex backtracking, not a speed target
def test_long_pathological_input_finishes_and_spans_stay_true():
    words = (
        "Visi misi adalah yaitu : “ ” ** 1. 2. - Misi 3 Komitmen Program Kerja : pokok-pokok "
        "visi mewujudkan , dan"
    )
    words = words.split()
    text = " ".join(words[i * 7 % len(words)] for i in range(200_000))
    for doc in (text, text.replace(" 1. ", "\n1. ").replace(" : ", " :\n")):
        _assert_well_formed(doc, extract_plan(doc))


# ---------------------------------------------------------------------------------------- shared corpus

DKI = CORPUS / "dki_jakarta" / "RPJMD_2025-2029.md"


@pytest.mark.timeout(120)  # a hang guard; speed is measured in bench/, not asserted here
@pytest.mark.skipif(not DKI.exists(), reason="shared corpus absent")
def test_dki_jakarta_rpjmd_markdown_spans_valid():
    text = clean_text(DKI.read_text(encoding="utf-8"))
    _assert_well_formed(text, extract_plan(text))


HTML = CORPUS / "html"
_HAS_HTML_READER = importlib.util.find_spec("ingest.formats") is not None and (
    importlib.util.find_spec("ingest.formats.html") is not None
)


def _html_plan(name: str) -> tuple[str, list[PlanItem]]:
    from ingest.formats.html import read_html

    text = clean_text(read_html(HTML / name).pages[0])
    items = extract_plan(text)
    _assert_well_formed(text, items)
    return text, items


@pytest.mark.skipif(
    not HTML.exists() or not _HAS_HTML_READER, reason="html corpus or ingest.formats.html absent"
)
def test_html_sumedang_vision_and_nine_missions():
    _, items = _html_plan("kab-sumedang_visimisikab.php.html")
    (vision,) = _kind(items, "vision")
    assert vision.text.startswith("Sumedang SIMPATI (Sejahtera, Agamis, Maju, Profesional, dan Kreatif")
    assert vision.text.endswith("Menuju Indonesia Emas 2045")
    missions = _kind(items, "mission")
    assert [m.number for m in missions] == list(range(1, 10))
    assert missions[0].text.startswith("Mewujudkan nilai-nilai religius, taat hukum dan demokratis")
    assert missions[8].text.startswith("Memperkuat peran pelaku seni budaya")
    assert missions[8].text.endswith("(Sumedang Puseur Budaya Sunda)")


@pytest.mark.skipif(
    not HTML.exists() or not _HAS_HTML_READER, reason="html corpus or ingest.formats.html absent"
)
def test_html_kota_batu_head_of_region_vision_and_fourth_mission():
    _, items = _html_plan("kota-batu_dlh_profil-renstra.blade.php.html")
    (vision,) = _kind(items, "vision")
    assert vision.text.startswith("Desa Berdaya Kota Berjaya Terwujudnya Kota Batu Sebagai Sentra Agrowisata")
    assert vision.text.endswith("Berdaya Saing Dan Sejahtera")
    assert [(m.number, m.text) for m in _kind(items, "mission")] == [
        (
            4,
            "Meningkatkan Pembangunan Infrastruktur Dan Kawasan Perdesaan Yang Berkualitas Dan Berwawasan "
            + "Lingkungan",
        )
    ]
    # the legal basis list ("Landasan hukum ..., yaitu:") is not a mission list
    assert not any("Undang-Undang" in it.text for it in items)
