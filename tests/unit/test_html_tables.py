"""HTML pages' tables read as tables: the HTML reader writes a data table as the table markup ingest/tables.py
reads (spans kept, header rows as <th>, its <caption> as a "Tabel ..." line), so an HTML plan's table gets a
grid, joined header labels, a caption, readable row lines and its performance framework, as a DOCX's does."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from ingest.chunking import StructureChunker, embed_text
from ingest.cleaning import clean_text
from ingest.formats.html import MAX_TABLE_GRID, read_html
from ingest.framework import extract_framework
from ingest.pipeline import Preparer, discover
from ingest.readers import read_document
from ingest.tables import MAX_COLSPAN, find_tables
from planbot.errors import UnreadableDocument

GOALS_PAGE = """<!DOCTYPE html><html><head><title>RPJMD Kota Contoh</title></head><body>
<h1>RPJMD Kota Contoh 2025-2029</h1>
<p>Tujuan, sasaran dan indikator kinerja disajikan pada tabel berikut.</p>
<table class="table table-bordered">
  <caption>Tabel 3.1 Tujuan, Sasaran dan Indikator</caption>
  <thead>
    <tr><th rowspan="2">No</th><th rowspan="2">Tujuan/Sasaran</th><th rowspan="2">Indikator Kinerja</th>
        <th rowspan="2">Satuan</th><th rowspan="2">Kondisi Awal</th><th colspan="2">Target Kinerja</th>
        <th rowspan="2">Kondisi Akhir</th></tr>
    <tr><th>2025</th><th>2026</th></tr>
  </thead>
  <tbody>
    <tr><td rowspan="2">1.a</td><td rowspan="2">Meningkatnya <b>Kesehatan</b> &amp; Gizi</td>
        <td>Prevalensi   Stunting</td><td>persen</td><td>17,2</td><td>15,8</td><td>15</td><td>15</td></tr>
    <tr><td>Akses Air Minum Layak</td><td>persen</td><td>96,99</td><td>97,13</td><td>97,38</td><td>97,38</td></tr>
  </tbody>
</table>
<p>Demikian tujuan dan sasaran pembangunan daerah.</p>
</body></html>
"""


def _page(tmp_path: Path, body: str, name: str = "halaman.html") -> str:
    path = tmp_path / name
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    return read_html(path).pages[0]


def test_an_html_plan_table_gives_grid_labels_caption_row_lines_and_framework(tmp_path: Path):
    path = tmp_path / "rpjmd.html"
    path.write_text(GOALS_PAGE, encoding="utf-8")
    raw = read_document(path)
    text = clean_text(raw.pages[0])
    assert "Tabel 3.1 Tujuan, Sasaran dan Indikator\n<table>\n<tr><th rowspan=\"2\">No</th>" in text
    assert '<td rowspan="2">Meningkatnya Kesehatan &amp; Gizi</td>' in text  # cleaned and escaped
    [table] = find_tables(text)
    assert table.kind == "html" and table.caption == "Tabel 3.1 Tujuan, Sasaran dan Indikator"
    assert text[table.caption_start :].startswith("Tabel 3.1")
    assert table.header_rows == 2 and table.grid.width == 8 and len(table.rows) == 4
    assert table.labels == ["No", "Tujuan/Sasaran", "Indikator Kinerja", "Satuan", "Kondisi Awal",
                            "Target Kinerja 2025", "Target Kinerja 2026", "Kondisi Akhir"]
    grid = [[p.cell.text if p else None for p in row] for row in table.grid.rows]
    assert grid[3] == ["1.a", "Meningkatnya Kesehatan & Gizi", "Akses Air Minum Layak", "persen", "96,99", "97,13",
                       "97,38", "97,38"]  # the rowspans carried down
    assert grid[0][5] == grid[0][6] == "Target Kinerja"  # the colspan
    lines = table.row_lines()
    assert lines[:2] == ["", ""]
    assert lines[2] == ("No: 1.a; Tujuan/Sasaran: Meningkatnya Kesehatan & Gizi; Indikator Kinerja: Prevalensi "
                        "Stunting; Satuan: persen; Kondisi Awal: 17,2; Target Kinerja 2025: 15,8; Target Kinerja "
                        "2026: 15; Kondisi Akhir: 15")
    for k, row in enumerate(table.rows):  # one row per line: each row's span is its own line
        assert text[row.start : row.end].startswith("<tr>") and text[row.start : row.end].endswith("</tr>"), k
    items = extract_framework(text)
    stunting = next(i for i in items if i.text == "Prevalensi Stunting")
    assert stunting.kind == "indicator" and stunting.parent == "goal 1.a"
    assert stunting.fields["unit"] == "persen" and stunting.fields["baseline"] == "17,2"
    assert stunting.fields["targets"] == {"2025": "15,8", "2026": "15"} and stunting.fields["final"] == "15"
    assert stunting.fields["table"] == "Tabel 3.1 Tujuan, Sasaran dan Indikator"
    water = next(i for i in items if i.text == "Akses Air Minum Layak")
    assert water.fields["goal"] == "Meningkatnya Kesehatan & Gizi" and water.fields["targets"]["2026"] == "97,38"
    assert "Demikian tujuan dan sasaran" in text and text.startswith("# RPJMD Kota Contoh 2025-2029\n\n")


def test_the_preparer_chunks_an_html_table_with_its_caption_and_row_lines_and_reads_its_indicators(tmp_path):
    (tmp_path / "rpjmd.html").write_text(GOALS_PAGE, encoding="utf-8")
    chunker = StructureChunker(token_counter=lambda s: len(s.split()) * 2, max_tokens=320)
    preparer = Preparer(chunker, max_file_mb=50, ocr=False, settings_key="test")
    (source,), _ = discover([tmp_path])
    prepared = preparer.prepare(source, preparer.version(source))
    [node] = [n for n in prepared.nodes if "table_caption" in n.metadata]
    assert node.metadata["table_caption"] == "Tabel 3.1 Tujuan, Sasaran dan Indikator"
    assert node.text.startswith("Tabel 3.1") and node.text.endswith("</table>")
    embedded = embed_text(node.text, node.metadata)
    assert "<td" not in embedded
    assert "Indikator Kinerja: Akses Air Minum Layak; Satuan: persen; Kondisi Awal: 96,99; Target Kinerja 2025: " \
           "97,13" in embedded
    indicators = {i.text: i.fields["targets"] for i in prepared.plan if i.kind == "indicator"}
    assert indicators == {"Prevalensi Stunting": {"2025": "15,8", "2026": "15"},
                          "Akses Air Minum Layak": {"2025": "97,13", "2026": "97,38"}}


def test_a_caption_without_the_word_tabel_is_marked_as_one_and_found(tmp_path: Path):
    text = _page(tmp_path, "<table><caption> Capaian  IKU </caption><tr><td>Indikator</td><td>2024</td></tr>"
                           "<tr><td>IPM</td><td>75,1</td></tr></table>")
    assert text.startswith("Tabel Capaian IKU\n<table>\n")
    assert find_tables(clean_text(text))[0].caption == "Tabel Capaian IKU"


def test_layout_tables_of_one_row_or_one_column_stay_text(tmp_path: Path):
    one_row = _page(tmp_path, "<table><tr><td>Logo</td><td>Pemerintah <br>Kota Contoh</td></tr></table>")
    assert one_row == "Logo | Pemerintah Kota Contoh\n"
    one_column = _page(tmp_path, "<table><caption>Menu</caption><tr><td>Visi</td></tr>"
                                 "<tr><td>Misi <b>kota</b></td></tr></table>")
    assert one_column == "Menu\nVisi\nMisi kota\n"
    assert find_tables(one_row + one_column) == []


def test_th_only_tables_leave_the_header_to_the_table_reader(tmp_path: Path):
    text = _page(tmp_path, "<table><tr><th>Program</th><th>Pagu</th></tr><tr><th>Air Minum</th><th>1.250</th></tr>"
                           "</table>")
    assert "<th>" not in text  # every row a header row: none is marked
    [table] = find_tables(text)
    assert table.row_lines()[1] == "Program: Air Minum; Pagu: 1.250"


def test_a_table_in_a_data_cell_stays_in_its_cell_and_markup_in_text_is_escaped(tmp_path: Path):
    text = _page(tmp_path, "<table><tr><th>Kegiatan</th><th>Rincian</th></tr>"
                           "<tr><td>x &lt; y &amp; z</td><td><table><tr><td>i1</td><td>i2</td></tr>"
                           "<tr><td>i3</td><td>i4</td></tr></table></td></tr></table>")
    assert text.count("<table>") == 1
    assert "<tr><td>x &lt; y &amp; z</td><td>i1 | i2; i3 | i4</td></tr>" in text
    [table] = find_tables(text)
    assert table.row_lines()[1] == "Kegiatan: x < y & z; Rincian: i1 | i2; i3 | i4"


def test_a_data_table_inside_a_layout_table_is_written_after_its_text(tmp_path: Path):
    text = _page(tmp_path, "<table><tr><td><p>Profil dinas</p><table><tr><th>Urusan</th><th>Jumlah</th></tr>"
                           "<tr><td>Lingkungan</td><td>4</td></tr></table></td></tr></table>")
    assert text == ("Profil dinas\n\n<table>\n<tr><th>Urusan</th><th>Jumlah</th></tr>\n"
                    "<tr><td>Lingkungan</td><td>4</td></tr>\n</table>\n")
    assert find_tables(text)[0].row_lines()[1] == "Urusan: Lingkungan; Jumlah: 4"


def test_a_table_in_a_list_item_stays_on_the_items_line(tmp_path: Path):
    assert _page(tmp_path, "<ul><li>Butir <table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr>"
                           "</table></li></ul>") == "- Butir a | b; c | d\n"


def test_spans_are_bounded(tmp_path: Path):
    text = _page(tmp_path, '<table><tr><td colspan="999999999">a</td><td rowspan="0">b</td></tr><tr><td>c</td>'
                           '</tr><tr><td>d</td><td rowspan="2000000000">e</td></tr></table>')
    assert f'<td colspan="{MAX_COLSPAN}">a</td><td rowspan="3">b</td>' in text  # rowspan 0: to the last row
    assert "<td>e</td>" in text  # a rowspan past the last row is cut there
    [table] = find_tables(text)
    assert table.grid.width == MAX_COLSPAN + 1


def test_a_table_too_large_to_lay_out_is_written_as_text_in_bounded_time_and_memory(tmp_path: Path):
    # One row of 1,000 cells spanning 100,000 rows of one cell each: a grid of 10^8 positions from 2 MB.
    body = "<table><tr>" + '<td rowspan="100000">x</td>' * 1000 + "</tr>" + "<tr><td>y</td></tr>" * 100_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    text = _page(tmp_path, body + "</table>")
    assert time.perf_counter() - started < 60
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # kB
    assert "<table" not in text and text.startswith("x | x | x") and text.split("\n").count("y") == 100_000
    assert 100_000 * 1000 > MAX_TABLE_GRID


def test_tables_nested_too_deep_are_refused_not_crashed(tmp_path: Path):
    path = tmp_path / "sarang.html"
    path.write_text("<table><tr><td>" * 2000 + "isi" + "</td></tr></table>" * 2000, encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="nested too deeply"):
        read_html(path)
