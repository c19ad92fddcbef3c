"""Tables in DOCX and PDF files come out as tables: merged cells, multi-row headers, captions, readable rows."""

from __future__ import annotations

from pathlib import Path

from llama_index.core.schema import Document

from ingest.chunking import StructureChunker, embed_text
from ingest.cleaning import clean_text
from ingest.readers import read_document
from ingest.tables import find_tables

CAPTION = "Tabel 3.1 Target Indikator Kinerja Daerah"
PROSE = "Capaian kinerja daerah yang telah dicapai pada tahun ini disajikan dalam tabel berikut."


def _words(text: str) -> int:
    return len(text.split())


def write_docx_with_table(path: Path) -> Path:
    """A DOCX whose table has a two-row header (Indikator and Satuan merged down, Target merged across two
    years) and a unit merged down over two data rows, after a caption paragraph."""
    from docx import Document as DocxDocument

    doc = DocxDocument()
    doc.add_heading("Bab III Tujuan dan Sasaran", 1)
    doc.add_paragraph(CAPTION)
    values = [
        ["Indikator", "Satuan", "Target", ""],
        ["", "", "2027", "2030"],
        ["Angka Partisipasi Sekolah", "%", "14,2", "15,0"],
        ["Rasio <Guru> & Murid", "", "16,1", "18,3"],
        ["Indeks Pembangunan Manusia", "poin", "75,1", "78,0"],
    ]
    table = doc.add_table(rows=len(values), cols=4)
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    table.cell(0, 0).merge(table.cell(1, 0))  # vertical: vMerge restart + continue
    table.cell(0, 1).merge(table.cell(1, 1))
    table.cell(0, 2).merge(table.cell(0, 3))  # horizontal: gridSpan 2
    table.cell(2, 1).merge(table.cell(3, 1))  # a unit shared by two data rows
    doc.add_paragraph("Sumber: Bappeda, diolah.")
    doc.save(str(path))
    return path


def test_a_docx_table_reads_as_a_table_with_merges_labels_and_caption(tmp_path: Path):
    raw = read_document(write_docx_with_table(tmp_path / "renstra.docx"))
    text = clean_text(raw.pages[0])
    tables = find_tables(text)
    assert len(tables) == 1
    table = tables[0]
    assert table.caption == CAPTION
    cells = [[p.cell.text if p else None for p in row] for row in table.grid.rows]
    assert cells == [
        ["Indikator", "Satuan", "Target", "Target"],
        ["Indikator", "Satuan", "2027", "2030"],
        ["Angka Partisipasi Sekolah", "%", "14,2", "15,0"],
        ["Rasio <Guru> & Murid", "%", "16,1", "18,3"],
        ["Indeks Pembangunan Manusia", "poin", "75,1", "78,0"],
    ]
    assert table.labels == ["Indikator", "Satuan", "Target 2027", "Target 2030"]
    assert table.row_lines()[2:] == [
        "Indikator: Angka Partisipasi Sekolah; Satuan: %; Target 2027: 14,2; Target 2030: 15,0",
        "Indikator: Rasio <Guru> & Murid; Satuan: %; Target 2027: 16,1; Target 2030: 18,3",
        "Indikator: Indeks Pembangunan Manusia; Satuan: poin; Target 2027: 75,1; Target 2030: 78,0",
    ]
    assert "Sumber: Bappeda, diolah." in text[table.end :]


def test_a_docx_table_chunk_quotes_its_rows_with_the_caption(tmp_path: Path):
    raw = read_document(write_docx_with_table(tmp_path / "renstra.docx"))
    doc = Document(id_="renstra", text=clean_text(raw.pages[0]), metadata={"title": "Renstra Dinas Pendidikan"})
    nodes = StructureChunker(token_counter=_words, max_tokens=320).get_nodes_from_documents([doc])
    tables = [n for n in nodes if "table_caption" in n.metadata]
    assert len(tables) == 1
    node = tables[0]
    assert node.metadata["table_caption"] == CAPTION and node.text.startswith(CAPTION)
    assert node.metadata["section"] == "Bab III Tujuan dan Sasaran"
    content = embed_text(node.text, node.metadata)
    assert "Indikator: Angka Partisipasi Sekolah; Satuan: %; Target 2027: 14,2; Target 2030: 15,0" in content
    assert "Indikator: Rasio <Guru> & Murid; Satuan: %; Target 2027: 16,1" in content
    assert "<td" not in content and "&amp;" not in content


def test_docx_header_rows_marked_to_repeat_are_header_cells(tmp_path: Path):
    """Word's "repeat as header row" (w:tblHeader) on the first row: that row and the row its merged cells
    reach into are <th>, so the table reader takes both as header even when the years look like figures."""
    from docx import Document as DocxDocument
    from docx.oxml import OxmlElement

    doc = DocxDocument()
    table = doc.add_table(rows=3, cols=3)
    for r, row in enumerate([["Indikator", "Tahun", ""], ["", "2027", "2030"], ["IPM", "75,1", "78,0"]]):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 1).merge(table.cell(0, 2))
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    doc.save(str(tmp_path / "header.docx"))
    text = read_document(tmp_path / "header.docx").pages[0]
    assert text.count("<th") == 4 and text.count("<td") == 3
    table_read = find_tables(text)[0]
    assert table_read.header_rows == 2
    assert table_read.row_lines()[2] == "Indikator: IPM; Tahun 2027: 75,1; Tahun 2030: 78,0"


# --- PDF ---------------------------------------------------------------------------------------------------


def write_pdf_with_tables(path: Path) -> Path:
    """A one-page PDF drawn by matplotlib: a caption, a ruled table, then a table whose body is one ruled row
    holding one figure per line in each column (as budget tables are drawn), and a source line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.1, 0.92, "Bab II Gambaran Umum Kondisi Daerah", fontsize=14)
    fig.text(0.1, 0.90, PROSE, fontsize=10)
    fig.text(0.1, 0.88, "Tabel 2.1 Capaian Indikator Kinerja Daerah", fontsize=11)
    ax = fig.add_axes((0.1, 0.55, 0.8, 0.3))
    ax.axis("off")
    rows = [["Indikator", "Satuan", "2025", "2026"], ["Indeks Pembangunan Manusia", "poin", "75,1", "76,0"],
            ["Tingkat Kemiskinan", "%", "9,2", "8,4"], ["Tingkat Pengangguran Terbuka", "%", "5,8", "5,1"]]
    first = ax.table(cellText=rows, loc="upper center", cellLoc="left", colWidths=[0.45, 0.15, 0.2, 0.2])
    first.auto_set_font_size(False)
    first.set_fontsize(10)
    first.scale(1, 2)
    ax = fig.add_axes((0.1, 0.2, 0.8, 0.25))
    ax.axis("off")
    body = [["Kode", "Program", "Pagu"],
            ["1.01\n1.02\n1.03", "Pendidikan\nKesehatan\nPekerjaan Umum", "120.500\n98.250\n310.000"]]
    second = ax.table(cellText=body, loc="upper center", cellLoc="left", colWidths=[0.2, 0.5, 0.3])
    second.auto_set_font_size(False)
    second.set_fontsize(10)
    for col in range(3):
        second[1, col].set_height(0.35)
    fig.text(0.1, 0.1, "Sumber: Bappeda.", fontsize=11)
    fig.savefig(str(path))
    plt.close(fig)
    return path


def test_a_pdf_table_reads_as_a_table_in_place_of_its_lines(tmp_path: Path):
    raw = read_document(write_pdf_with_tables(tmp_path / "rpjmd.pdf"))
    page = raw.pages[0]
    assert page.startswith(f"Bab II Gambaran Umum Kondisi Daerah\n{PROSE}\nTabel 2.1 Capaian Indikator Kinerja Daerah\n<table>")
    assert page.rstrip().endswith("</table>\nSumber: Bappeda.")
    assert page.count("Tingkat Kemiskinan") == 1 and page.count("310.000") == 1  # not doubled as plain lines
    tables = find_tables(clean_text(page))
    assert len(tables) == 2
    first, second = tables
    assert first.caption == "Tabel 2.1 Capaian Indikator Kinerja Daerah"
    assert first.labels == ["Indikator", "Satuan", "2025", "2026"]
    assert first.row_lines()[1:] == [
        "Indikator: Indeks Pembangunan Manusia; Satuan: poin; 2025: 75,1; 2026: 76,0",
        "Indikator: Tingkat Kemiskinan; Satuan: %; 2025: 9,2; 2026: 8,4",
        "Indikator: Tingkat Pengangguran Terbuka; Satuan: %; 2025: 5,8; 2026: 5,1",
    ]
    assert second.row_lines()[1:] == [  # one row per figure, not one row of three-line cells
        "Kode: 1.01; Program: Pendidikan; Pagu: 120.500",
        "Kode: 1.02; Program: Kesehatan; Pagu: 98.250",
        "Kode: 1.03; Program: Pekerjaan Umum; Pagu: 310.000",
    ]


def test_pdf_tables_can_be_switched_off(tmp_path: Path):
    raw = read_document(write_pdf_with_tables(tmp_path / "rpjmd.pdf"), pdf_tables=False)
    assert "<table" not in raw.pages[0]
    assert "Tingkat Kemiskinan" in raw.pages[0] and "Tabel 2.1 Capaian Indikator Kinerja Daerah" in raw.pages[0]
