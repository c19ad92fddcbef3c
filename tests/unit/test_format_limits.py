"""Zip bombs and oversized documents are refused in seconds, with bounded memory, naming the limit (issue 11.4).

Regression: a 1 MB .docx took `planbot chat` from 308 MB to 2.3 GB, and a 650 KB one held a core (and the
ingest lock) for over 6 minutes, because python-docx inflated and parsed whatever the zip held.
"""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from ingest.formats.docx import read_docx
from ingest.formats.html import read_html
from ingest.formats.limits import DEFAULT_LIMITS, FormatLimits
from ingest.formats.pdf import read_pdf
from ingest.readers import read_document
from planbot.errors import DocumentTooLarge, UnreadableDocument
from planbot.settings import Settings

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PARAGRAPH = (
    b"<w:p><w:r><w:t>Meningkatkan kualitas pelayanan publik dan tata kelola pemerintahan yang baik.</w:t>"
    b"</w:r></w:p>"
)


def small_docx(path: Path, paragraphs: int = 3) -> Path:
    """A normal DOCX made by python-docx."""
    from docx import Document

    document = Document()
    document.add_heading("Rencana Strategis", 1)
    for i in range(paragraphs):
        document.add_paragraph(f"Paragraf {i}: pembangunan daerah yang berkelanjutan.")
    document.save(str(path))
    return path


def rewrite_docx(src: Path, dst: Path, body_chunks, *, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of src whose word/document.xml is written from body_chunks (streamed, never held whole)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            if info.filename == "word/document.xml":
                with zout.open("word/document.xml", "w", force_zip64=True) as out:
                    out.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'.encode())
                    for chunk in body_chunks:
                        out.write(chunk)
                    out.write(b"</w:body></w:document>")
            else:
                zout.writestr(info, zin.read(info.filename))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def repeated(unit: bytes, total_bytes: int, block: int = 1 << 20):
    """unit repeated to about total_bytes, in blocks of about `block` bytes."""
    chunk = unit * max(1, block // len(unit))
    for _ in range(max(1, total_bytes // len(chunk))):
        yield chunk


@pytest.fixture(scope="module")
def docx_bomb(tmp_path_factory) -> Path:
    """A valid DOCX whose word/document.xml is ~200 MB of repeated paragraphs, compressed to well under 1 MB."""
    root = tmp_path_factory.mktemp("bomb")
    return rewrite_docx(small_docx(root / "base.docx"), root / "bomb.docx", repeated(PARAGRAPH, 200 << 20))


def refused(call, *args, **kwargs) -> tuple[DocumentTooLarge, float, int]:
    """(the DocumentTooLarge raised, seconds taken, growth of this process's resident memory in bytes)."""
    process = psutil.Process()
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        with pytest.raises(DocumentTooLarge) as excinfo:
            call(*args, **kwargs)
    finally:
        done.set()
        sampler.join()
    return excinfo.value, time.monotonic() - started, peak[0] - before


# --- DOCX --------------------------------------------------------------------------------------------------


def test_docx_zip_bomb_is_refused_from_the_zip_directory(docx_bomb: Path):
    assert docx_bomb.stat().st_size < 1 << 20
    error, seconds, grew = refused(read_docx, docx_bomb)
    assert seconds < 3 and grew < 50 << 20
    assert isinstance(error, UnreadableDocument)  # so the indexer lists it among the bad files
    assert str(error).startswith(f"{docx_bomb}: refused, too large to read safely")
    assert "word/document.xml unpacks to 2" in error.reason and "MB" in error.reason
    assert "64 MB per XML part (PLANBOT_DOCX_MAX_XML_MB)" in error.reason
    assert "Split the document" in error.reason and error.setting == "PLANBOT_DOCX_MAX_XML_MB"


def test_docx_bomb_through_read_document(docx_bomb: Path):
    """The entry point the indexer uses applies the same limits."""
    error, seconds, _ = refused(read_document, docx_bomb)
    assert seconds < 3 and error.setting == "PLANBOT_DOCX_MAX_XML_MB"


def test_docx_compression_ratio(docx_bomb: Path):
    limits = FormatLimits(docx_max_xml_mb=1000, docx_max_unpacked_mb=1000)
    error, seconds, _ = refused(read_docx, docx_bomb, limits)
    assert seconds < 3
    assert "word/document.xml is compressed" in error.reason and "to 1 (" in error.reason
    assert "over the limit of 100 to 1 (PLANBOT_DOCX_MAX_COMPRESSION_RATIO)" in error.reason


def test_docx_total_unpacked_size(tmp_path: Path):
    media = bytes(range(256)) * 4096 * 3  # 3 MB that compresses little (ratio under the limit)
    docx = rewrite_docx(small_docx(tmp_path / "a.docx"), tmp_path / "b.docx", [PARAGRAPH],
                        extra={"word/media/image1.bin": media})
    error, _, _ = refused(read_docx, docx, FormatLimits(docx_max_unpacked_mb=2))
    assert "files unpack to 3." in error.reason and "(PLANBOT_DOCX_MAX_UNPACKED_MB)" in error.reason


def test_docx_with_100k_entries(tmp_path: Path):
    docx = small_docx(tmp_path / "many.docx")
    with zipfile.ZipFile(docx, "a", zipfile.ZIP_STORED) as zf:
        for i in range(100_000):
            zf.writestr(f"word/media/e{i}", b"")
    error, seconds, grew = refused(read_document, docx)  # content sniffing included
    assert seconds < 3 and grew < 50 << 20
    assert "the zip holds 100,0" in error.reason and "5,000 files (PLANBOT_DOCX_MAX_ENTRIES)" in error.reason


def test_docx_too_many_paragraphs_is_counted_before_parsing(tmp_path: Path):
    """Half a million short paragraphs (a 1.2 MB file) are refused by count, not parsed and rendered."""
    numbered = (f"<w:p><w:r><w:t>{i}</w:t></w:r></w:p>".encode() for i in range(500_000))
    docx = rewrite_docx(small_docx(tmp_path / "a.docx"), tmp_path / "paras.docx", numbered)
    assert docx.stat().st_size < 2 << 20
    error, seconds, grew = refused(read_docx, docx)
    assert seconds < 20 and grew < 100 << 20
    assert "more than 400,000 paragraphs and table cells" in error.reason
    assert "(PLANBOT_DOCX_MAX_PARAGRAPHS)" in error.reason


def test_docx_table_cells_count_toward_the_paragraph_limit(tmp_path: Path):
    from docx import Document

    document = Document()
    table = document.add_table(rows=40, cols=5)
    for row in table.rows:
        for cell in row.cells:
            cell.text = "75,1"
    document.save(str(tmp_path / "table.docx"))
    error, _, _ = refused(read_docx, tmp_path / "table.docx", FormatLimits(docx_max_paragraphs=300))
    assert "more than 300 paragraphs and table cells" in error.reason
    assert "Indikator" not in error.reason
    doc = read_docx(tmp_path / "table.docx", FormatLimits(docx_max_paragraphs=500))
    assert doc.pages[0].count("<tr><td>75,1</td><td>75,1</td><td>75,1</td><td>75,1</td><td>75,1</td></tr>") == 40


def test_docx_huge_grid_span_is_one_cell(tmp_path: Path):
    """A cell spanning 100 million grid columns was expanded cell by cell (python-docx row.cells)."""
    body = (
        b"<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr>"
        b'<w:tc><w:tcPr><w:gridSpan w:val="100000000"/></w:tcPr><w:p><w:r><w:t>Indikator</w:t></w:r></w:p></w:tc>'
        b"<w:tc><w:p><w:r><w:t>2029</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    docx = rewrite_docx(small_docx(tmp_path / "a.docx"), tmp_path / "span.docx", [body])
    started = time.monotonic()
    doc = read_docx(docx)
    assert time.monotonic() - started < 3
    assert doc.pages[0].strip() == '<table>\n<tr><td colspan="100">Indikator</td><td>2029</td></tr>\n</table>'


def test_docx_huge_grid_before_and_long_vertical_merge_stay_numbers(tmp_path: Path):
    """A row skipping 100 million grid columns (gridBefore) and a cell merged down over 3,000 rows are one
    cell each in the markup: nothing is expanded per grid column or per merged row."""
    skip = (b'<w:tr><w:trPr><w:gridBefore w:val="100000000"/></w:trPr>'
            b"<w:tc><w:p><w:r><w:t>2029</w:t></w:r></w:p></w:tc></w:tr>")
    first = (b'<w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>Urusan</w:t></w:r></w:p></w:tc>'
             b"<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr>")
    rest = b"<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc></w:tr>"
    body = b"<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>" + skip + first + rest * 3_000 + b"</w:tbl>"
    docx = rewrite_docx(small_docx(tmp_path / "a.docx"), tmp_path / "merge.docx", [body])
    started = time.monotonic()
    text = read_docx(docx).pages[0]
    assert time.monotonic() - started < 5
    assert text.startswith('<table>\n<tr><td colspan="100"></td><td>2029</td></tr>\n'
                           '<tr><td rowspan="3001">Urusan</td><td>1</td></tr>\n<tr><td>2</td></tr>\n')
    assert text.count("<tr>") == 3_002 and text.count("Urusan") == 1


def test_docx_list_level_is_bounded(tmp_path: Path):
    """A list level (w:ilvl) of 50 million indented the line by 100 million spaces; Word's deepest is 8."""
    body = (b'<w:p><w:pPr><w:numPr><w:ilvl w:val="50000000"/><w:numId w:val="7"/></w:numPr></w:pPr>'
            b"<w:r><w:t>Air bersih</w:t></w:r></w:p>")
    doc = read_docx(rewrite_docx(small_docx(tmp_path / "a.docx"), tmp_path / "deep.docx", [body]))
    assert doc.pages[0] == "- Air bersih\n"
    assert len(doc.pages[0]) < 100


def test_docx_style_cycle_does_not_hang(tmp_path: Path):
    """Styles based on each other in a circle (A on B, B on A) sent the style walk round for ever."""
    src = small_docx(tmp_path / "a.docx")
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W_NS}">'
        '<w:style w:type="paragraph" w:styleId="A"><w:name w:val="A"/><w:basedOn w:val="B"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="B"><w:name w:val="B"/><w:basedOn w:val="A"/></w:style>'
        "</w:styles>"
    ).encode()
    body = b'<w:p><w:pPr><w:pStyle w:val="A"/></w:pPr><w:r><w:t>Visi daerah</w:t></w:r></w:p>'
    docx = tmp_path / "cycle.docx"
    with zipfile.ZipFile(rewrite_docx(src, tmp_path / "b.docx", [body])) as zin, zipfile.ZipFile(docx, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, styles if info.filename == "word/styles.xml" else zin.read(info.filename))
    result: list = []
    worker = threading.Thread(target=lambda: result.append(read_docx(docx)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert result and result[0].pages[0].strip() == "Visi daerah"


def test_docx_within_limits_reads_as_before(tmp_path: Path):
    doc = read_docx(small_docx(tmp_path / "ok.docx", paragraphs=2))
    assert doc.pages[0] == (
        "# Rencana Strategis\n\nParagraf 0: pembangunan daerah yang berkelanjutan.\n\n"
        "Paragraf 1: pembangunan daerah yang berkelanjutan.\n"
    )


# --- PDF ---------------------------------------------------------------------------------------------------


def blank_pdf(path: Path, pages: int, *, declare: int | None = None) -> Path:
    """A PDF of blank pages made by pypdf; `declare` replaces the page count its root claims."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with path.open("wb") as fh:
        writer.write(fh)
    if declare is not None:  # same length, so the cross-reference offsets stay right
        real, claimed = f"/Count {pages}".encode(), f"/Count {declare}".encode()
        path.write_bytes(path.read_bytes().replace(real, claimed.ljust(len(real))))
    return path


def test_pdf_with_too_many_pages_is_refused_before_extracting(tmp_path: Path):
    pdf = blank_pdf(tmp_path / "pages.pdf", 2_001)
    error, seconds, _ = refused(read_pdf, pdf)
    assert seconds < 5
    assert str(error).startswith(f"{pdf}: refused")
    assert "the PDF has 2,001 pages, over the limit of 2,000 pages (PLANBOT_PDF_MAX_PAGES)" in error.reason


def test_pdf_page_tree_larger_than_it_declares(tmp_path: Path):
    """A root claiming 1 page over a tree of 500: the tree walk stops at the limit."""
    pdf = blank_pdf(tmp_path / "liar.pdf", 500, declare=1)
    error, _, _ = refused(read_pdf, pdf, limits=FormatLimits(pdf_max_pages=100))
    assert "more than 100 pages" in error.reason and "(PLANBOT_PDF_MAX_PAGES)" in error.reason


def test_pdf_within_the_limit_is_read(tmp_path: Path):
    """Blank pages under the limit get the usual reason (no text layer), not the size refusal."""
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(blank_pdf(tmp_path / "ok.pdf", 3))
    assert not isinstance(excinfo.value, DocumentTooLarge)


# --- HTML --------------------------------------------------------------------------------------------------


def test_oversized_html_is_refused_before_parsing(tmp_path: Path):
    page = tmp_path / "big.html"
    row = "<p>Program peningkatan kualitas pelayanan publik.</p>\n"
    page.write_text("<html><body>" + row * (11_000_000 // len(row)) + "</body></html>", encoding="utf-8")
    error, seconds, grew = refused(read_html, page)
    assert seconds < 5 and grew < 150 << 20  # the text itself (11 MB bytes + str), not a parsed tree
    assert "the page decodes to 11.0 million characters" in error.reason
    assert "10 million characters (PLANBOT_HTML_MAX_MCHARS)" in error.reason


@pytest.mark.parametrize("opener", ["{{", "{{--", "{!!", "{%", "{#", "@php "])
def test_html_unclosed_template_markers_take_linear_time(tmp_path: Path, opener: str):
    """60 KB of unclosed "{{" took ~45 s: each opener scanned to the end of the file for its closer."""
    page = tmp_path / "markers.html"
    page.write_text("<p>Visi daerah " + opener * (60_000 // len(opener)) + "</p>", encoding="utf-8")
    started = time.monotonic()
    read_html(page)
    assert time.monotonic() - started < 3


# --- settings ----------------------------------------------------------------------------------------------


def test_limits_come_from_planbot_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("PLANBOT_PDF_MAX_PAGES", "2")
    limits = FormatLimits.from_settings(Settings())
    assert limits.pdf_max_pages == 2
    assert FormatLimits.from_settings(Settings(_env_file=None)).docx_max_xml_mb == DEFAULT_LIMITS.docx_max_xml_mb
    error, _, _ = refused(read_document, blank_pdf(tmp_path / "three.pdf", 3), limits=limits)
    assert "the PDF has 3 pages, over the limit of 2 pages (PLANBOT_PDF_MAX_PAGES)" in error.reason


def test_settings_defaults_match_the_reader_defaults():
    """Readers called without settings (tests, tools) use the same defaults as planbot/settings.py."""
    fields = Settings.model_fields
    for name in ("docx_max_unpacked_mb", "docx_max_xml_mb", "docx_max_entries", "docx_max_compression_ratio",
                 "docx_max_paragraphs", "pdf_max_pages", "html_max_mchars"):
        assert fields[name].default == getattr(DEFAULT_LIMITS, name), name
        assert fields[name].description
