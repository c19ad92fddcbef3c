"""The performance framework read from plan tables: indicators with unit, baseline, yearly targets, final
value, goals and programs with budgets and agency; and the staff lookup over them (typo-tolerant search,
values on one line, CSV columns per year)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.plan import PlanRow
from bot.plan_csv import write_plan_csv
from bot.plan_lookup import filter_rows, search_matches, values_text
from ingest.framework import column_roles, extract_framework
from ingest.structure import extract_plan

RPJMD = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dki_jakarta" / "RPJMD_2025-2029.md"
# Tabel III.2 of the DKI RPJMD 2025-2029, read from its HTML by hand: indicator, unit, baseline, 2025..2030, final.
TABEL_III_2 = Path(__file__).parents[1] / "data" / "rpjmd_tabel_iii2_targets.tsv"

GOALS = (
    "Tabel 3.1 Tujuan, Sasaran dan Indikator\n\n"
    '<table><tr><td rowspan="2">No</td><td rowspan="2">Tujuan/Sasaran</td><td rowspan="2">Indikator Kinerja</td>'
    '<td rowspan="2">Satuan</td><td rowspan="2">Kondisi Awal</td><td colspan="2">Target Kinerja</td>'
    '<td rowspan="2">Kondisi Akhir</td></tr><tr><td>2025</td><td>2026</td></tr>'
    '<tr><td rowspan="2">1.a</td><td rowspan="2">Meningkatnya Kesehatan</td><td>Prevalensi Stunting</td>'
    "<td>persen</td><td>17,2</td><td>15,8</td><td>15</td><td>15</td></tr>"
    "<tr><td>Akses Air Minum Layak</td><td>persen</td><td>96,99</td><td>97,13</td><td>97,38</td><td>97,38</td></tr>"
    "</table>\n\n"
    "Tabel 3.2 Program dan Pagu\n\n"
    "<table><tr><td>Kode</td><td>Program</td><td>Indikator Program</td><td>Satuan</td><td>Kondisi Awal</td>"
    "<td>2026 Target</td><td>2026 Rp</td><td>Perangkat Daerah Penanggung Jawab</td></tr>"
    "<tr><td>1.02.02</td><td>PROGRAM PEMENUHAN UPAYA KESEHATAN</td><td>Cakupan Imunisasi</td><td>%</td>"
    "<td>90</td><td>95</td><td>1.250.000</td><td>Dinas Kesehatan</td></tr></table>\n"
)


def test_indicators_carry_unit_baseline_targets_final_and_their_goal():
    items = extract_framework(GOALS)
    stunting = next(i for i in items if i.text == "Prevalensi Stunting")
    assert stunting.kind == "indicator" and stunting.parent == "goal 1.a"
    assert stunting.fields["unit"] == "persen" and stunting.fields["baseline"] == "17,2"
    assert stunting.fields["targets"] == {"2025": "15,8", "2026": "15"} and stunting.fields["final"] == "15"
    assert stunting.fields["table"] == "Tabel 3.1 Tujuan, Sasaran dan Indikator"
    water = next(i for i in items if i.text == "Akses Air Minum Layak")
    assert water.parent == "goal 1.a" and water.fields["goal"] == "Meningkatnya Kesehatan"  # the rowspan's goal
    assert GOALS[stunting.start : stunting.end] == "Prevalensi Stunting"
    row_start, row_end = stunting.fields["row"]
    assert GOALS[row_start:row_end].startswith("<tr>") and "17,2" in GOALS[row_start:row_end]
    goals = [i for i in items if i.kind == "goal"]
    assert [g.text for g in goals] == ["Meningkatnya Kesehatan"]  # once, not once per indicator


def test_a_program_row_gives_the_program_with_budget_and_agency_and_its_indicator():
    items = extract_framework(GOALS)
    program = next(i for i in items if i.kind == "program")
    assert program.text == "PROGRAM PEMENUHAN UPAYA KESEHATAN"
    assert program.fields["budgets"] == {"2026": "1.250.000"} and program.fields["agency"] == "Dinas Kesehatan"
    indicator = next(i for i in items if i.text == "Cakupan Imunisasi")
    assert indicator.parent == "program 1.02.02" and indicator.fields["targets"] == {"2026": "95"}
    assert indicator.fields["agency"] == "Dinas Kesehatan"


def test_tables_that_measure_nothing_over_time_give_no_indicators():
    text = "<table><tr><td>Urusan</td><td>Program</td></tr><tr><td>Kesehatan</td><td>Posyandu</td></tr></table>"
    assert extract_framework(text) == []
    assert extract_plan("Misi 1. Meningkatkan kualitas hidup warga kota.\n\n" + text)[-1].kind != "indicator"


def test_goals_stated_as_measures_with_a_baseline_and_targets_are_indicators():
    text = ("Tabel 4.2 Sasaran Pembangunan Kota Contoh\n\n<table><tr><td>No</td><td>Sasaran Pembangunan</td>"
            "<td>Baseline (2023)</td><td>Target 2025</td></tr><tr><td>1.</td><td>Rasio PDRB Pariwisata (%)</td>"
            "<td>4,10</td><td>4,60</td></tr></table>")
    [item] = extract_framework(text)
    assert item.kind == "indicator" and item.text == "Rasio PDRB Pariwisata (%)"
    assert item.fields["baseline"] == "4,10" and item.fields["targets"] == {"2025": "4,60"}
    # a goal column beside a period's label ("Sasaran RPD 2023-2026") holds goals, not measures
    linked = ("<table><tr><td>Sasaran Prioritas Nasional</td><td>Sasaran RPD 2023-2026</td></tr><tr>"
              "<td>Indeks Pelayanan Publik</td><td>6.</td></tr></table>")
    assert extract_framework(linked) == []


MISSION_TABLES = """Tabel 3.1 Tujuan, Sasaran dan Indikator

<table><tr><td>No</td><td>Tujuan/Sasaran</td><td>Indikator Kinerja</td><td>Kondisi Awal</td><td>Target 2026</td></tr>
<tr><td>1</td><td>Meningkatnya Kualitas Hidup Warga</td><td>Indeks Pembangunan Manusia</td><td>80</td><td>81</td></tr>
<tr><td>1.a</td><td>Membaiknya Derajat Kesehatan Warga</td><td>Usia Harapan Hidup</td><td>72</td><td>73</td></tr>
<tr><td>1.b</td><td>Meratanya Akses Pendidikan Dasar</td><td>Angka Partisipasi Murni</td><td>95</td><td>96</td></tr>
<tr><td>2</td><td>Tumbuhnya Ekonomi Kota yang Inklusif</td><td>Pertumbuhan Ekonomi</td><td>5</td><td>5,2</td></tr></table>

Misi 1: Mewujudkan Warga yang Sehat dan Cerdas
Tujuan 1: Meningkatnya Kualitas Hidup Warga
Tabel 3.2 Program Prioritas Tujuan 1

<table><tr><td>SASARAN</td><td>PROGRAM PRIORITAS</td></tr>
<tr><td>Membaiknya Derajat Kesehatan Warga</td><td>Program Pemenuhan Upaya Kesehatan</td></tr></table>
"""


def test_goals_are_linked_to_the_mission_a_table_files_them_under():
    goals = {i.text: i.parent for i in extract_framework(MISSION_TABLES) if i.kind == "goal"}
    assert goals["Meningkatnya Kualitas Hidup Warga"] == "mission 1"  # the "Tujuan 1:" line under "Misi 1:"
    assert goals["Membaiknya Derajat Kesehatan Warga"] == "mission 1"  # a cell of the table led by it
    assert goals["Meratanya Akses Pendidikan Dasar"] == "mission 1"  # numbered 1.b, beside 1 and 1.a
    assert goals["Tumbuhnya Ekonomi Kota yang Inklusif"] is None  # nothing files goal 2 under a mission


def test_column_roles_forgive_ocr_slips_and_joined_words():
    columns = column_roles(["Kode", "Indikator Kinerja", "Satuan", "Kondisi Awat RPJMD", "KondisiAkhirRPJMD Rp",
                            "Capalan Kinerja 2026 Target", "Capalan Kinerja 2026 Rp", "Perangkat DaerahPenanggung"])
    assert columns.roles == {0: "code", 1: "indicator", 2: "unit", 3: "baseline", 4: "budget", 7: "agency"}
    assert column_roles(["Indikator", "Kondisi Akhir"]).roles == {0: "indicator", 1: "final"}
    assert columns.years == {5: ("2026", "target"), 6: ("2026", "budget")}


@pytest.mark.skipif(not RPJMD.is_file(), reason="shared corpus not present (../shared/corpus/dki_jakarta)")
def test_every_indicator_of_rpjmd_tabel_iii2_with_its_targets_cell_for_cell():
    text = RPJMD.read_text(encoding="utf-8")
    got = [
        [i.text, i.fields.get("unit", ""), i.fields.get("baseline", ""),
         *[i.fields.get("targets", {}).get(str(y), "") for y in range(2025, 2031)], i.fields.get("final", "")]
        for i in extract_plan(text)
        if i.kind == "indicator" and i.fields["table"].startswith("Tabel III.2 ")
    ]
    expected = list(csv.reader(TABEL_III_2.open(encoding="utf-8"), delimiter="\t"))[1:]
    assert len(expected) == 39
    assert got == expected


def _row(text, kind="indicator", fields=None, region="Provinsi DKI Jakarta"):
    return PlanRow(kind, None, None, text, 0, len(text), fields=fields, doc_id="rpjmd.md", region=region,
                   title="RPJMD", period="2025-2029")


def test_search_forgives_an_ocr_typo_either_way():
    assert search_matches("akses air minum", "Akeses Layanan Air Minum dan Sanitasi Layak")
    assert search_matches("Akeses", "Akses Layanan Air Minum")
    assert search_matches("stunt", "Prevalensi Stunting")
    assert not search_matches("stunting", "Indeks Modal Manusia")
    assert not search_matches("air limbah", "Akses Layanan Air Minum")
    rows = [_row("Akeses Layanan Air Minum"), _row("Prevalensi Stunting"), _row("Air Minum", region="Kota Metro")]
    assert [r.text for r in filter_rows(rows, region="Provinsi DKI Jakarta", search="akses air")] == [
        "Akeses Layanan Air Minum"]


def test_values_on_one_line_and_csv_columns_per_year():
    fields = {"unit": "persen", "baseline": "17,2", "targets": {"2026": "15", "2025": "15,8"}, "final": "12,3",
              "table": "Tabel III.2"}
    assert values_text(fields) == "persen · awal 17,2 · 2025: 15,8 · 2026: 15 · akhir 12,3"
    assert values_text(fields, "en").startswith("persen · baseline 17,2")
    out = io.StringIO()
    write_plan_csv([_row("Prevalensi Stunting", fields=fields).as_dict(), _row("Misi 1", kind="mission").as_dict()],
                   out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert table[0]["target_2025"] == "15,8" and table[0]["target_2026"] == "15" and table[0]["baseline"] == "17,2"
    assert table[1]["target_2025"] == "" and table[1]["text"] == "Misi 1"
