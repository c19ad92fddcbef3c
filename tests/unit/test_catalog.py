"""Document metadata: catalog.toml first, else region, title, type, period and agency read from the title
page (hand-made title pages modelled on real ones), and section paths free of markup. The DKI Jakarta
documents in ../shared/corpus (skipped when absent) once gave region 'Provinsi Daerah Khusus', titles
'RENCANA KERJA' / 'RPJMD' and section paths ending in '</td></tr></table>'."""

from __future__ import annotations

import re

import pytest

from bot.terms import region_key, regions_named
from ingest.catalog import infer_metadata, load_catalog
from ingest.chunking import StructureChunker, classify_line, heading_text, split_units
from ingest.cleaning import clean_text
from ingest.pipeline import Preparer, SourceFile, discover
from ingest.regions import PROVINCES, find_regions, normalise_region
from ingest.title_page import title_case
from planbot.errors import ConfigError
from tests.conftest import CORPUS, SEEDS

DKI = CORPUS / "dki_jakarta"


def _infer(text: str, name: str = "doc.md", title: str | None = None) -> dict[str, str]:
    return infer_metadata(clean_text(text), name, title)


# ------------------------------------------------------------------------------------------ title pages

PERDA = """![Lambang Garuda Pancasila dan label SALINAN]

# GUBERNUR DAERAH KHUSUS IBUKOTA JAKARTA

## PERATURAN DAERAH PROVINSI DAERAH KHUSUS IBUKOTA JAKARTA

### NOMOR 2 TAHUN 2025

### TENTANG
### RENCANA PEMBANGUNAN JANGKA MENENGAH DAERAH
### TAHUN 2025-2029

DENGAN RAHMAT TUHAN YANG MAHA ESA

GUBERNUR DAERAH KHUSUS IBUKOTA JAKARTA,

Menimbang:
- a. bahwa berdasarkan Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah, perlu menetapkan
  Peraturan Daerah tentang Rencana Pembangunan Jangka Menengah Daerah Tahun 2025-2029;
"""

PERGUB_RKPD = """# RENCANA KERJA
PEMERINTAH DAERAH
TAHUN 2025

![](https://example.org/cover.jpg)

# GUBERNUR JAWA TENGAH

PERATURAN GUBERNUR JAWA TENGAH

NOMOR 25 TAHUN 2024

TENTANG

RENCANA KERJA PEMERINTAH DAERAH TAHUN 2025

DENGAN RAHMAT TUHAN YANG MAHA ESA

Menimbang : a. bahwa untuk melaksanakan Pasal 103 Peraturan Menteri Dalam Negeri Nomor 86 Tahun 2017, perlu
menetapkan Peraturan Gubernur tentang Rencana Kerja Pemerintah Daerah Tahun 2025;
"""

PERBUP_APBD = """BUPATI TANAH LAUT
PROVINSI KALIMANTAN SELATAN

PERATURAN BUPATI TANAH LAUT
NOMOR 7 TAHUN 2023
TENTANG
PENJABARAN ANGGARAN PENDAPATAN DAN BELANJA DAERAH TAHUN ANGGARAN 2024

DENGAN RAHMAT TUHAN YANG MAHA ESA
BUPATI TANAH LAUT,
"""

RENSTRA_DINAS = """RENCANA STRATEGIS
DINAS KESEHATAN
KABUPATEN HULU SUNGAI SELATAN
TAHUN 2021-2026

KATA PENGANTAR

Puji syukur kami panjatkan ke hadirat Tuhan Yang Maha Esa atas tersusunnya Rencana Strategis Dinas Kesehatan
Kabupaten Hulu Sungai Selatan. Dokumen ini disusun sebagai pedoman Dinas Kesehatan Kabupaten Hulu Sungai
Selatan Provinsi Kalimantan Selatan selama lima tahun.
"""

RKPD_KOTA = """# RANCANGAN AKHIR
# RENCANA KERJA PEMERINTAH DAERAH (RKPD) KOTA PAGAR ALAM TAHUN 2024

## BAB I PENDAHULUAN

Rencana Kerja Pemerintah Daerah Kota Pagar Alam Tahun 2024 merupakan penjabaran dari RPJMD Kota Pagar Alam.
"""

ACCENT = """Visi dan Misi Wali Kota Orléans Métropole

Dokumen ini merangkum visi Wali Kota Orléans Métropole untuk periode 2020-2026. Kota Orléans Métropole
menetapkan tiga misi pembangunan.
"""


def test_perda_title_page_gives_full_region_title_type_and_period():
    """Regression: the region was 'Provinsi Daerah Khusus' (cut at a capitalised word) and the title the
    first heading 'GUBERNUR DAERAH KHUSUS IBUKOTA JAKARTA'."""
    meta = _infer(PERDA)
    assert meta["region"] == "Provinsi DKI Jakarta"
    assert meta["title"] == (
        "Peraturan Daerah Provinsi DKI Jakarta Nomor 2 Tahun 2025 tentang "
        "Rencana Pembangunan Jangka Menengah Daerah Tahun 2025-2029"
    )
    assert meta["doc_type"] == "RPJMD"
    assert meta["period"] == "2025-2029"
    assert meta["agency"] == "Pemerintah Provinsi DKI Jakarta"


def test_pergub_rkpd_title_comes_from_the_regulation_not_the_cover_heading():
    """Regression: the title was the cover's first heading, 'RENCANA KERJA'."""
    meta = _infer(PERGUB_RKPD)
    assert meta["title"] == (
        "Peraturan Gubernur Jawa Tengah Nomor 25 Tahun 2024 tentang "
        "Rencana Kerja Pemerintah Daerah Tahun 2025"
    )
    assert (meta["region"], meta["doc_type"], meta["period"]) == ("Provinsi Jawa Tengah", "RKPD", "2025")


def test_perbup_of_a_two_word_regency_and_a_budget_year():
    meta = _infer(PERBUP_APBD)
    assert meta["region"] == "Kabupaten Tanah Laut"  # not its province, named on the same title page
    assert meta["title"].startswith("Peraturan Bupati Tanah Laut Nomor 7 Tahun 2023 tentang Penjabaran")
    assert (meta["doc_type"], meta["period"]) == ("APBD", "2024")


def test_renstra_of_a_dinas_in_a_three_word_regency():
    meta = _infer(RENSTRA_DINAS)
    assert meta["region"] == "Kabupaten Hulu Sungai Selatan"
    assert meta["title"] == "Rencana Strategis Dinas Kesehatan Kabupaten Hulu Sungai Selatan Tahun 2021-2026"
    assert (meta["doc_type"], meta["period"]) == ("Renstra", "2021-2026")
    assert meta["agency"] == "Dinas Kesehatan Kabupaten Hulu Sungai Selatan"


def test_rkpd_of_a_city_keeps_acronyms_in_its_title():
    meta = _infer(RKPD_KOTA)
    assert (
        meta["title"] == "Rancangan Akhir Rencana Kerja Pemerintah Daerah (RKPD) Kota Pagar Alam Tahun 2024"
    )
    assert (meta["region"], meta["doc_type"], meta["period"]) == ("Kota Pagar Alam", "RKPD", "2024")


def test_a_name_with_accents_is_never_cut_at_the_accent():
    """Regression: 'Orléans' was read as 'Orl'."""
    meta = _infer(ACCENT)
    assert meta["region"] == "Kota Orléans Métropole"
    assert meta["doc_type"] == "Visi dan Misi"


def test_a_name_running_on_into_a_title_case_statement_counts_as_the_short_name():
    text = "Visi Kota Metro\n\nTerwujudnya Kota Metro Berpendidikan, Sehat, Sejahtera dan Berbudaya.\n\n"
    assert _infer(text + "Misi ini ditetapkan untuk Kota Metro.\n")["region"] == "Kota Metro"
    wrapped = "RENSTRA DINAS KESEHATAN KABUPATEN HULU SUNGAI SELATAN\n\n"
    wrapped += "Dinas Kesehatan Kabupaten Hulu Sungai\nSelatan"
    assert _infer(wrapped + " menyusun Renstra.\n")["region"] == "Kabupaten Hulu Sungai Selatan"


def test_a_text_naming_no_region_gets_none_and_a_title_from_its_file():
    meta = _infer(
        "catatan rapat tentang drainase dan kolam retensi yang akan dibangun tahun depan.\n",
        "notulen_rapat.txt",
    )
    assert "region" not in meta
    assert meta["title"] == "notulen rapat"


# ------------------------------------------------------------------------------------------ region names


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Provinsi Daerah Khusus Ibukota Jakarta", "Provinsi DKI Jakarta"),
        ("Pemerintah Provinsi DKI Jakarta", "Provinsi DKI Jakarta"),
        ("GUBERNUR DAERAH KHUSUS IBUKOTA JAKARTA", "Provinsi DKI Jakarta"),
        ("Provinsi Daerah Khusus Jakarta", "Provinsi DKI Jakarta"),
        ("Provinsi Daerah Istimewa Yogyakarta", "Provinsi DI Yogyakarta"),
        ("PROVINSI KEPULAUAN BANGKA BELITUNG", "Provinsi Kepulauan Bangka Belitung"),
        ("Kab. Hulu Sungai Selatan", "Kabupaten Hulu Sungai Selatan"),
        ("KABUPATEN HULU SUNGAI SELATAN TAHUN 2021", "Kabupaten Hulu Sungai Selatan"),
        ("Wali Kota Metro", "Kota Metro"),
        ("Bupati Lampung Tengah", "Kabupaten Lampung Tengah"),
        ("Kota Administrasi Jakarta Selatan", "Kota Administrasi Jakarta Selatan"),
        ("Prov. Sumbar", "Provinsi Sumatera Barat"),
    ],
)
def test_region_mentions_are_read_whole_and_canonical(written, canonical):
    assert [m.region for m in find_regions(written)] == [canonical]


def test_words_that_are_not_places_are_not_regions():
    assert find_regions("Gubernur Bank Indonesia menjadikan Jakarta kota global") == []


def test_one_spelling_per_region_for_catalogs_and_questions():
    assert len(PROVINCES) == 38
    assert normalise_region("DKI Jakarta") == normalise_region("Provinsi Daerah Khusus Ibukota Jakarta")
    assert normalise_region("Kab. Bogor") == "Kabupaten Bogor"
    assert normalise_region("KOTA METRO") == "Kota Metro"
    assert region_key("Provinsi DKI Jakarta") == {"jakarta"}
    assert regions_named(
        "Apa visi Jakarta dalam RPJMD 2025-2029?", ["Provinsi DKI Jakarta", "Kota Metro"]
    ) == ["Provinsi DKI Jakarta"]
    assert regions_named("Apa misi Yogyakarta?", ["Provinsi DI Yogyakarta"]) == ["Provinsi DI Yogyakarta"]


def test_title_case_keeps_acronyms_and_small_words():
    assert title_case("RENCANA PEMBANGUNAN JANGKA MENENGAH DAERAH (RPJMD) PROVINSI DKI JAKARTA") == (
        "Rencana Pembangunan Jangka Menengah Daerah (RPJMD) Provinsi DKI Jakarta"
    )
    assert title_case("Visi dan Misi Kota Metro") == "Visi dan Misi Kota Metro"


# ------------------------------------------------------------------------------------------ catalog.toml


def test_seeds_catalog_is_read_and_checked():
    entries = load_catalog(SEEDS)
    assert entries["000_17d2c2306983f87c.txt"]["region"] == "Kota Metro"
    assert entries["000_17d2c2306983f87c.txt"]["doc_type"] == "RPJMD"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('["a.md"]\nperiod = "2029-2025"\n', "field 'period'"),
        ('["a.md"]\nperiod = "lima tahun"\n', "field 'period'"),
        ('["a.md"]\nregion = ""\n', "field 'region' is empty"),
        ('["a.md"]\ntitle = ["x"]\n', "field 'title' must be text"),
        ('["a.md"]\nwilayah = "Kota Metro"\n', "unknown fields ['wilayah']"),
        ('title = "x"\n', "must be a table"),
    ],
)
def test_catalog_mistakes_name_the_file_entry_and_field(tmp_path, body, message):
    (tmp_path / "catalog.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        load_catalog(tmp_path)
    assert str(tmp_path / "catalog.toml") in str(err.value)


def _preparer(counter=lambda s: len(s.split()) * 2) -> Preparer:
    return Preparer(
        StructureChunker(token_counter=counter, max_tokens=320),
        max_file_mb=50,
        ocr=False,
        settings_key="test",
    )


def test_catalog_fields_win_over_inference_and_the_rest_is_inferred(tmp_path):
    (tmp_path / "renstra.md").write_text(RENSTRA_DINAS, encoding="utf-8")
    (tmp_path / "catalog.toml").write_text(
        '["renstra.md"]\ntitle = "Renstra Dinkes HSS"\nperiod = 2021\nregion = "Kab. Hulu Sungai Selatan"\n',
        encoding="utf-8",
    )
    preparer = _preparer()
    (source,), _ = discover([tmp_path])
    meta = preparer.prepare(source, preparer.version(source)).document.metadata
    assert (meta["title"], meta["period"], meta["region"]) == (
        "Renstra Dinkes HSS",
        "2021",
        "Kabupaten Hulu Sungai Selatan",
    )
    assert meta["doc_type"] == "Renstra" and meta["agency"] == "Dinas Kesehatan Kabupaten Hulu Sungai Selatan"


def test_a_catalog_region_makes_the_default_agency():
    meta = infer_metadata(
        "Catatan rapat koordinasi.\n\nRapat membahas drainase.\n", "n.txt", known={"region": "Kota Metro"}
    )
    assert (meta["region"], meta["agency"]) == ("Kota Metro", "Pemerintah Kota Metro")


def test_an_edited_catalog_is_read_again(tmp_path):
    """A long-lived preparer (planbot ingest --watch) used to keep the catalog it read first."""
    (tmp_path / "a.md").write_text(RENSTRA_DINAS, encoding="utf-8")
    source = SourceFile(tmp_path / "a.md", tmp_path)
    preparer = _preparer()
    assert preparer.catalog_entry(source) == {}
    (tmp_path / "catalog.toml").write_text('["a.md"]\ndoc_type = "Renstra"\n', encoding="utf-8")
    assert preparer.catalog_entry(source) == {"doc_type": "Renstra"}


# ------------------------------------------------------------------------------------------ section paths

TABLE_DOC = """# BAB II GAMBARAN UMUM

## 2.1 Capaian Indikator

<table><tr><td>Indikator</td><td>Wilayah</td></tr><tr><td>Angka Harapan Hidup</td><td>Jakarta
Utara</td></tr><tr><td>PDRB</td><td>Jakut</td></tr></table>

Capaian indikator tersebut menunjukkan peningkatan dari tahun sebelumnya di seluruh wilayah kota.

| Indikator | Nilai |
|---|---|

## **2.2 Aspek &amp; Daya Saing** <br>

Daya saing daerah diukur dari kemampuan ekonomi, fasilitas wilayah dan sumber daya manusia.
"""


def test_table_cells_never_become_headings_and_headings_lose_their_markup():
    """Regression: a cell 'Jakut</td></tr></table>' on its own line became a section."""
    units = split_units(TABLE_DOC)
    heads = [u.title for u in units if u.kind == "heading"]
    assert heads == ["BAB II GAMBARAN UMUM", "2.1 Capaian Indikator", "2.2 Aspek & Daya Saing"]
    assert classify_line("Jakut</td></tr></table>")[0] == "para"
    assert classify_line("| Indikator | Nilai |")[0] == "para"
    assert heading_text("![logo](x.png) **Visi** <b>Kota</b> [Metro](https://metro.go.id) &amp; Misi \\") == (
        "Visi Kota Metro & Misi"
    )


def test_chunk_section_paths_are_plain_text():
    chunker = StructureChunker(token_counter=lambda s: len(s.split()) * 2, max_tokens=320)
    from llama_index.core.schema import Document

    nodes = chunker.get_nodes_from_documents([Document(id_="t", text=TABLE_DOC, metadata={"title": "T"})])
    sections = {n.metadata["section"] for n in nodes}
    assert sections == {
        "BAB II GAMBARAN UMUM > 2.1 Capaian Indikator",
        "BAB II GAMBARAN UMUM > 2.2 Aspek & Daya Saing",
    }


# ------------------------------------------------------------------------------------------ the DKI corpus

DKI_EXPECTED = {  # file: (doc_type, period); every one is Provinsi DKI Jakarta
    "PERDA_NO.1_TAHUN_2025.md": ("Pertanggungjawaban APBD", "2024"),
    "PERDA_NO.2_TAHUN_2025.md": ("RPJMD", "2025-2029"),
    "PERDA_NO.3_TAHUN_2025.md": ("Perubahan APBD", "2025"),
    "RKPD_2025.md": ("RKPD", "2025"),
    "RPJMD_2025-2029.md": ("RPJMD", "2025-2029"),
    "RPJPD_2025-2045.md": ("RPJPD", "2025-2045"),
    # a knowledge base about the planning agency: its title page names no plan type and no period
    "basis_pengetahuan_bappeda_dki_jakarta.md": (None, None),
}


def _words(n_tokens_per_word: int = 2):
    """A token counter close to the model's for Indonesian (the real one makes this test minutes long)."""
    return lambda s: len(re.findall(r"\w+|[^\w\s]", s)) * n_tokens_per_word // 2 + 1


@pytest.fixture(scope="module")
def dki_prepared():
    if not DKI.is_dir():
        pytest.skip(f"{DKI} is absent")
    preparer = _preparer(_words())
    sources, _ = discover([DKI])
    return {s.doc_id: preparer.prepare(s, preparer.version(s)) for s in sources}


def test_dki_documents_get_region_type_period_and_a_title_from_their_title_page(dki_prepared):
    """Regression: region 'Provinsi Daerah Khusus' or none, titles 'RENCANA KERJA' and 'RPJMD'."""
    assert set(dki_prepared) == set(DKI_EXPECTED)
    for name, (doc_type, period) in DKI_EXPECTED.items():
        meta = dki_prepared[name].document.metadata
        assert meta["region"] == "Provinsi DKI Jakarta", name
        assert meta.get("doc_type") == doc_type, name
        assert meta.get("period") == period, name
        assert meta["agency"], name
        title = meta["title"]
        if name.startswith(("PERDA", "RPJMD", "RPJPD")):
            assert title.startswith("Peraturan Daerah Provinsi DKI Jakarta Nomor "), (name, title)
        elif name.startswith("RKPD"):
            assert title == (
                "Peraturan Gubernur DKI Jakarta Nomor 25 Tahun 2024 tentang "
                "Rencana Kerja Pemerintah Daerah Tahun 2025"
            )
        else:
            assert title == "Bappeda DKI Jakarta"
    assert (
        dki_prepared["RPJMD_2025-2029.md"]
        .document.metadata["title"]
        .endswith("tentang Rencana Pembangunan Jangka Menengah Daerah Tahun 2025-2029")
    )


def test_dki_chunks_carry_the_metadata_and_no_section_path_holds_markup(dki_prepared):
    """Regression: section paths ended in '</td></tr></table>'."""
    for name, prepared in dki_prepared.items():
        assert prepared.nodes, name
        for node in prepared.nodes:
            assert node.metadata["region"] == "Provinsi DKI Jakarta"
            section = node.metadata["section"]
            assert "<" not in section and ">" not in section.replace(" > ", ""), (name, section)
            assert not re.search(r"&\w+;|!\[|\]\(|\*\*", section), (name, section)
