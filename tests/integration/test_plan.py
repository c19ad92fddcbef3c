"""Plan structure end to end: extracted at ingest, listed by `planbot plan`, used by answers."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED, cli_env


def plan(home, *args):
    proc = subprocess.run([sys.executable, "-m", "bot", "plan", *args], env=cli_env(home), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_plan_lists_metro_misi_3_programs_as_json_and_csv(seeds_home):
    rows = json.loads(plan(seeds_home, "--region", "Kota Metro", "--kind", "program", "--json"))
    assert [r["text"] for r in rows][:1] == ["Revitalisasi Stadion Tejosari"]
    assert len(rows) == 6 and all(r["parent"] == "mission 3" for r in rows)
    table = list(csv.DictReader(io.StringIO(plan(seeds_home, "--search", "Sanitasi Total", "--csv"))))
    assert len(table) == 1 and table[0]["kind"] == "commitment" and table[0]["number"] == "5"


def test_sanitation_answer_names_misi_3_and_its_commitment(bot):
    answer = bot.ask("which mission covers sanitation?")
    assert not answer.abstained
    assert "Commitment 5 (under Mission 3)" in answer.answer and "Mission 3, Kota Metro" in answer.answer
    assert "Mengembangkan Sanitasi Total Berbasis Masyarakat" in answer.answer
    first = answer.citations[0]
    assert "Sanitasi Total Berbasis Masyarakat" in first.text and first.section == "MISI > Misi 3"


def test_numbered_mission_question_is_answered_from_the_structure(bot):
    answer = bot.ask("Apa misi kelima Kota Bekasi?")
    assert "Misi 5" in answer.answer and "Mewujudkan Kehidupan Masyarakat yang anam" in answer.answer
    assert answer.citations[0].region == "Kota Bekasi"
    assert answer.plan_items[0]["kind"] == "mission" and answer.plan_items[0]["number"] == 5


RPJMD = SHARED / "corpus" / "dki_jakarta" / "RPJMD_2025-2029.md"
TABEL_III_2 = Path(__file__).parents[1] / "data" / "rpjmd_tabel_iii2_targets.tsv"
TABLE_DOC = Path(__file__).parents[1] / "data" / "kinerja_sukamaju.md"


@pytest.fixture(scope="module")
def rpjmd_targets_home(tmp_path_factory) -> Path:
    """A data dir holding the DKI RPJMD's chapter with Tabel III.2 (caption to the next table), ingested
    by the CLI with the region a catalog gives it."""
    if not RPJMD.is_file():
        pytest.skip("shared corpus not present (../shared/corpus/dki_jakarta)")
    text = RPJMD.read_text(encoding="utf-8")
    start = text.index("Tabel III.2 Tujuan dan Sasaran Pembangunan tahun 2025-2029  \n")
    end = text.index("Tabel III.3 Strategi Pembangunan", start)
    docs = tmp_path_factory.mktemp("rpjmd-docs")
    (docs / "rpjmd_tabel_iii2.md").write_text(text[start:end], encoding="utf-8")
    (docs / "catalog.toml").write_text(
        '["rpjmd_tabel_iii2.md"]\ntitle = "RPJMD Provinsi DKI Jakarta 2025-2029"\n'
        'region = "Provinsi DKI Jakarta"\nperiod = "2025-2029"\ndoc_type = "RPJMD"\n', encoding="utf-8")
    home = tmp_path_factory.mktemp("rpjmd-home")
    proc = subprocess.run([sys.executable, "-m", "bot", "ingest", str(docs)], env=cli_env(home),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return home


def test_plan_lists_every_indicator_of_tabel_iii2_with_its_targets_cell_for_cell(rpjmd_targets_home):
    rows = json.loads(plan(rpjmd_targets_home, "--kind", "indicator", "--region", "Provinsi DKI Jakarta", "--json"))
    got = [[r["text"], r["fields"].get("unit", ""), r["fields"].get("baseline", ""),
            *[r["fields"].get("targets", {}).get(str(y), "") for y in range(2025, 2031)], r["fields"].get("final", "")]
           for r in rows]
    expected = list(csv.reader(TABEL_III_2.open(encoding="utf-8"), delimiter="\t"))[1:]
    assert got == expected
    assert all(r["region"] == "Provinsi DKI Jakarta" and r["fields"]["table"].startswith("Tabel III.2") for r in rows)
    stunting = next(r for r in rows if r["text"] == "Prevalensi Stunting")
    assert stunting["parent"] == "goal 1.b" and stunting["fields"]["goal"] == "Membaiknya Kualitas Kesehatan Masyarakat Perkotaan"


def test_plan_search_forgives_the_ocr_typo_and_exports_a_column_per_year(rpjmd_targets_home):
    table = list(csv.DictReader(io.StringIO(plan(rpjmd_targets_home, "--kind", "indicator", "--search", "akses air minum",
                                                 "--csv"))))
    assert [r["text"] for r in table] == ["Akeses Layanan Air Minum dan Sanitasi Layak"]
    assert table[0]["target_2027"] == "97,58" and table[0]["baseline"] == "96,99" and table[0]["unit"] == "persen"
    text = plan(rpjmd_targets_home, "--kind", "indicator", "--search", "stunting")
    assert "Prevalensi Stunting — persen · baseline 17,2 · 2025: 15,8 · 2026: 15 · 2027: 14,2" in text


@pytest.fixture(scope="module")
def table_bot(tmp_path_factory, embedder):
    """A Planbot over one plan with a goals-and-indicators table (tests/data/kinerja_sukamaju.md)."""
    import shutil

    from bot.service import Planbot
    from index.indexer import Indexer
    from planbot.settings import Settings

    docs = tmp_path_factory.mktemp("table-docs")
    shutil.copy(TABLE_DOC, docs / TABLE_DOC.name)
    home = tmp_path_factory.mktemp("table-home")
    report = Indexer(Settings(home=home), embedder).ingest([docs], progress=False)
    assert not report.failed, report.failed
    return Planbot(Settings(home=home), embedder)


@pytest.mark.parametrize("question, first", [
    ("Berapa target prevalensi stunting Kota Sukamaju tahun 2027?", "14,2 persen (target 2027)"),
    ("What is the 2029 target for life expectancy in Kota Sukamaju?", "73,40 tahun (target 2029)"),
    ("Berapa kondisi awal akses air minum layak di Kota Sukamaju?", "88,5 persen (kondisi awal)"),  # "Akeses"
])
def test_a_figure_asked_of_a_table_comes_first_with_its_unit_then_the_cited_row(table_bot, question, first):
    answer = table_bot.ask(question)
    assert not answer.abstained and answer.answer.startswith(first), answer.answer
    row = answer.citations[0]
    assert row.table_caption == "Tabel 3.1 Tujuan, Sasaran dan Indikator Kinerja Kota Sukamaju" and row.rows


def test_a_year_the_table_has_no_column_for_is_not_found_with_what_the_plan_gives(table_bot):
    answer = table_bot.ask("Berapa target prevalensi stunting Kota Sukamaju tahun 2032?")
    assert answer.abstained
    assert "memuat Prevalensi Stunting (persen) untuk 2025: 15,8;" in answer.answer and "tidak untuk tahun 2032" in answer.answer
    english = table_bot.ask("What is the 2035 target for life expectancy in Kota Sukamaju?")
    assert english.abstained and "gives Usia Harapan Hidup (tahun) for 2025: 72,35;" in english.answer


def test_the_indicators_of_a_named_goal_are_listed_with_their_rows_cited(table_bot):
    answer = table_bot.ask("Indikator apa yang dipakai untuk mengukur sasaran meningkatnya kualitas kesehatan "
                           "masyarakat di Kota Sukamaju?")
    assert answer.answer.startswith("Prevalensi Stunting; Usia Harapan Hidup (indikator, Meningkatnya Kualitas "
                                    "Kesehatan Masyarakat) [1]"), answer.answer
    quoted = answer.answer.split("\n\n", 1)[1]
    assert "Indikator Kinerja: Prevalensi Stunting" in quoted and "Indikator Kinerja: Usia Harapan Hidup" in quoted
    assert "Akeses Layanan Air Minum" not in quoted  # the other goal's indicator


def test_the_goals_a_mission_is_served_by_are_listed_from_the_table_that_files_them(table_bot):
    answer = table_bot.ask("Sasaran apa saja yang mendukung misi 1 Kota Sukamaju?")
    assert not answer.abstained
    listed = answer.answer.split("\n\n", 1)[0]
    assert "Tujuan/sasaran (bagian dari Misi 1)" in listed, answer.answer
    assert "Meningkatnya Kualitas Kesehatan Masyarakat" in listed and "Meningkatnya Akses Air Minum" in listed


QUOTING_PLANS = {
    # the work plan quotes another plan's missions first in the folder; the long-term plan has its own
    "a_rkpd_2025.md": """# RENCANA KERJA PEMERINTAH DAERAH KOTA SUKAMAJU TAHUN 2025

Misi pembangunan yang menjadi acuan tahun 2025 adalah sebagai berikut :

1. **Misi 1** : Mewujudkan pelayanan publik yang cepat dan terbuka.
2. **Misi 2** : Mewujudkan pasar rakyat yang ramai dan tertata.
""",
    "b_rpjpd_2025_2045.md": """# RENCANA PEMBANGUNAN JANGKA PANJANG DAERAH KOTA SUKAMAJU 2025-2045

Misi pembangunan jangka panjang tahun 2025-2045 adalah sebagai berikut :

1. **Misi 1** : Mewujudkan warga yang sehat dan cerdas.
2. **Misi 2** : Mewujudkan sungai yang bersih dan bebas banjir.
""",
}
QUOTING_CATALOG = """
["a_rkpd_2025.md"]
title = "RKPD Kota Sukamaju 2025"
region = "Kota Sukamaju"
period = "2025"
doc_type = "RKPD"

["b_rpjpd_2025_2045.md"]
title = "RPJPD Kota Sukamaju 2025-2045"
region = "Kota Sukamaju"
period = "2025-2045"
doc_type = "RPJPD"
"""


def test_a_numbered_mission_comes_from_the_plan_the_question_names(tmp_path, embedder):
    """'misi kedua RPJPD' is the long-term plan's second mission, not the one the work plan lists first."""
    from bot.service import Planbot
    from index.indexer import Indexer
    from planbot.settings import Settings

    docs, home = tmp_path / "docs", tmp_path / "home"
    docs.mkdir()
    for name, text in QUOTING_PLANS.items():
        (docs / name).write_text(text, encoding="utf-8")
    (docs / "catalog.toml").write_text(QUOTING_CATALOG, encoding="utf-8")
    report = Indexer(Settings(home=home), embedder).ingest([docs], progress=False)
    assert not report.failed, report.failed
    bot = Planbot(Settings(home=home), embedder)
    long_term = bot.ask("Apa misi kedua RPJPD Kota Sukamaju 2025-2045?")
    assert "sungai yang bersih dan bebas banjir" in long_term.answer
    assert "pasar rakyat" not in long_term.answer
    assert long_term.plan_items[0]["doc_id"] == "b_rpjpd_2025_2045.md"
    work_plan = bot.ask("Apa misi kedua RKPD Kota Sukamaju 2025?")
    assert "pasar rakyat yang ramai dan tertata" in work_plan.answer
