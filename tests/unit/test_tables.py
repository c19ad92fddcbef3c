from ingest.tables import find_tables, fragment_lines, fragment_rows, is_caption, load_carry, place

TARGETS = (
    "Tabel 3.2 Target Kinerja Sumber Daya Air\n\n"
    "<table><tr><td rowspan=\"2\">Indikator</td><td rowspan=\"2\">Satuan</td>"
    "<td colspan=\"2\">TARGET KINERJA</td></tr>"
    "<tr><td>2027</td><td>2030</td></tr>"
    "<tr><td>(1)</td><td>(2)</td><td>(3)</td><td>(4)</td></tr>"
    "<tr><td>Volume Kapasitas Tampungan Air</td><td>m3</td><td>765.138</td><td>995.738</td></tr>"
    "<tr><td>Panjang Tanggul Pantai</td><td>km</td><td></td><td>33,4</td></tr></table>\n"
)


def _one(text):
    tables = find_tables(text)
    assert len(tables) == 1
    return tables[0]


def test_rowspan_and_colspan_are_resolved_on_the_grid():
    text = (
        "<table><tr><td rowspan=\"2\">A</td><td colspan=\"2\">B</td></tr>"
        "<tr><td>c1</td><td>c2</td></tr>"
        "<tr><td>x</td><td colspan=\"2\">y</td></tr></table>"
    )
    t = _one(text)
    cells = [[p.cell.text if p else None for p in row] for row in t.grid.rows]
    assert cells == [["A", "B", "B"], ["A", "c1", "c2"], ["x", "y", "y"]]
    assert t.grid.width == 3


def test_multi_row_header_is_joined_per_column_and_rows_read_as_label_value():
    t = _one(TARGETS)
    assert t.header_rows == 3  # two header rows and the (1) (2) (3) column-number row
    assert t.labels == ["Indikator", "Satuan", "TARGET KINERJA 2027", "TARGET KINERJA 2030"]
    lines = t.row_lines()
    assert lines[:3] == ["", "", ""]
    assert lines[3] == (
        "Indikator: Volume Kapasitas Tampungan Air; Satuan: m3; TARGET KINERJA 2027: 765.138; "
        "TARGET KINERJA 2030: 995.738"
    )
    assert lines[4] == "Indikator: Panjang Tanggul Pantai; Satuan: km; TARGET KINERJA 2030: 33,4"  # empty cell skipped


def test_rowspan_values_are_repeated_in_every_row_they_cover():
    text = (
        "<table><tr><td>Urusan</td><td>Program</td></tr>"
        "<tr><td rowspan=\"2\">Pekerjaan Umum</td><td>Jalan</td></tr>"
        "<tr><td>Drainase</td></tr></table>"
    )
    assert _one(text).row_lines()[1:] == ["Urusan: Pekerjaan Umum; Program: Jalan",
                                          "Urusan: Pekerjaan Umum; Program: Drainase"]


def test_spans_of_the_table_and_of_each_row_are_exact():
    t = _one(TARGETS)
    assert TARGETS[t.start : t.end].startswith("<table>") and TARGETS[t.start : t.end].endswith("</table>")
    for row in t.rows:
        assert TARGETS[row.start : row.end].startswith("<tr>")
    assert TARGETS[t.rows[-1].start : t.rows[-1].end].endswith("</tr>")


def test_caption_is_the_nearest_tabel_line_before_the_table():
    t = _one(TARGETS)
    assert t.caption == "Tabel 3.2 Target Kinerja Sumber Daya Air"
    assert TARGETS[t.caption_start :].startswith("Tabel 3.2")
    assert is_caption("Tabe1 II.4 Kondisi DAS") and is_caption("**Table 2** Budget") and is_caption("TABEL 1")
    assert not is_caption("Tabelnya ada di bawah") and not is_caption("Tables below") and not is_caption("Total")
    far = "Tabel 1 Jauh\n\nsatu\n\ndua\n\ntiga\n\nempat\n\n<table><tr><td>a</td></tr></table>"
    assert _one(far).caption == ""


def test_a_title_row_across_the_table_is_the_caption_when_none_precedes():
    text = (
        "<table><tr><td colspan=\"2\">RINGKASAN ANGGARAN</td></tr>"
        "<tr><td>Pos</td><td>Nilai</td></tr><tr><td>Belanja</td><td>10</td></tr></table>"
    )
    t = _one(text)
    assert t.caption == "RINGKASAN ANGGARAN"
    assert t.labels == ["Pos", "Nilai"]
    assert t.row_lines()[-1] == "Pos: Belanja; Nilai: 10"


def test_pipe_tables_are_found_with_their_header():
    text = "Tabel 2 Capaian\n\n| Indikator | Nilai |\n|---|---|\n| IPM | 80,1 |\n| AHH | 74 |\n\nSelesai."
    t = _one(text)
    assert t.kind == "pipe" and t.caption == "Tabel 2 Capaian"
    assert t.labels == ["Indikator", "Nilai"]
    assert [x for x in t.row_lines() if x] == ["Indikator: IPM; Nilai: 80,1", "Indikator: AHH; Nilai: 74"]
    assert text[t.start : t.end].endswith("| AHH | 74 |")


def test_malformed_tables_never_raise():
    bad = [
        "<table><tr><td>a<td>b</tr><tr><td rowspan=\"x\" colspan=\"99999\">c</table>",
        "<table><tr><td>never closed",
        "<table>no rows at all</table> text",
        "<table><tr><td>a</td></tr>stray text<tr><td>b</td></tr></table>",
        "</td></tr></table><table><tr><tr><td></td>",
        "<table><tr><td rowspan=\"1000000\">x</td></tr></table>",
        "<table " + "x" * 5000,
    ]
    for text in bad:
        for t in find_tables(text):
            assert 0 <= t.start < t.end <= len(text)
            t.row_lines()
            t.header_text()
    assert find_tables("<table>no rows at all</table>") == []  # left to be read as text
    t = _one("<table><tr><td>Kota</td></tr><tr><td>Bogor</td></tr>stray text<tr><td>Depok</td></tr></table>")
    assert t.row_lines() == ["", "Kota: Bogor; stray text", "Kota: Depok"]  # stray text kept as a cell


def test_an_unclosed_table_ends_at_its_last_tag_before_a_long_gap():
    text = "<table><tr><td>a</td></tr><tr><td>b</td></tr>" + "\nteks biasa" * 60
    t = _one(text)
    assert text[t.start : t.end] == "<table><tr><td>a</td></tr><tr><td>b</td></tr>"


def test_a_table_continued_after_a_page_break_keeps_the_header():
    first = TARGETS
    second = "\n12\n\n<table><tr><td>Luas RTH</td><td>ha</td><td>10</td><td>12</td></tr></table>"
    tables = find_tables(first + second)
    assert len(tables) == 2
    assert tables[1].labels == tables[0].labels
    assert tables[1].caption == "Tabel 3.2 Target Kinerja Sumber Daya Air"
    assert tables[1].row_lines() == ["Indikator: Luas RTH; Satuan: ha; TARGET KINERJA 2027: 10; TARGET KINERJA 2030: 12"]


def test_a_fragment_of_rows_reads_with_the_labels_and_the_cells_spanning_into_it():
    text = (
        "<table><tr><td>Urusan</td><td>Program</td><td>Target</td></tr>"
        "<tr><td rowspan=\"3\">Pekerjaan Umum</td><td>Jalan</td><td>10</td></tr>"
        "<tr><td>Drainase</td><td>20</td></tr><tr><td>Irigasi</td><td>30</td></tr></table>"
    )
    t = _one(text)
    carry = t.carry_into(2)
    assert carry == [[0, 1, 2, "Pekerjaan Umum"]]
    fragment = text[t.rows[2].start : t.end]
    assert fragment_lines(fragment, t.labels, carry) == [
        "Urusan: Pekerjaan Umum; Program: Drainase; Target: 20",
        "Urusan: Pekerjaan Umum; Program: Irigasi; Target: 30",
    ]
    assert load_carry("not json") == ([], 0)
    grid = place([[]], carry=[[1, 1, 1, "x"]])
    assert grid.width == 2


def test_rows_of_a_fragment_keep_their_spans_and_labelled_cells():
    t = _one(TARGETS)
    rows = fragment_rows(TARGETS, t.labels)
    assert [r.line for r in rows] == t.row_lines()[t.header_rows :]
    first = rows[0]
    assert TARGETS[first.start : first.end].startswith("<tr><td>Volume Kapasitas Tampungan Air</td>")
    assert first.cells == (("Indikator", "Volume Kapasitas Tampungan Air"), ("Satuan", "m3"),
                           ("TARGET KINERJA 2027", "765.138"), ("TARGET KINERJA 2030", "995.738"))
    pipe = "| Indikator | Satuan | 2029 |\n|---|---|---|\n| Angka Harapan Hidup | tahun | 74,1 |\n"
    (row,) = fragment_rows(pipe, ["Indikator", "Satuan", "2029"])
    assert pipe[row.start : row.end] == "| Angka Harapan Hidup | tahun | 74,1 |"
