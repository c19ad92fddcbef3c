"""PDF, DOCX and HTML readers and content sniffing: text, pages, titles, a specific reason per bad file."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from ingest.cleaning import clean_text
from ingest.formats import RawDocument
from ingest.formats.docx import read_docx
from ingest.formats.html import read_html, strip_template_markup
from ingest.formats.pdf import GARBLED, NO_TEXT_LAYER, looks_like_language, read_pdf
from ingest.formats.sniff import check_extension, sniff_format
from ingest.tables import find_tables
from planbot.errors import UnreadableDocument

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PDF_DIR = CORPUS / "pdf"
HTML_DIR = CORPUS / "html"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present (../shared/corpus)")
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="tesseract not installed (apt-get install tesseract-ocr tesseract-ocr-ind)",
)

INDONESIAN = (
    "Visi pembangunan daerah adalah terwujudnya masyarakat yang sejahtera, maju dan berdaya saing. Untuk "
    "mencapai visi tersebut, pemerintah daerah menetapkan misi yang dijabarkan ke dalam tujuan, sasaran, "
    "strategi dan arah kebijakan pembangunan dengan memperhatikan potensi dan permasalahan di daerah."
)
ENGLISH = (
    "The regional development plan sets out the vision of the regency for the next five years and the "
    "missions that lead to it. Each mission is broken down into goals and targets, with indicators that are "
    "measured every year and reported to the provincial government in the annual report."
)
# Page 5 of manual-rkp-2018-bappenas_broken-font-encoding.pdf as pypdf extracts it (broken ToUnicode map).
GARBLED_SAMPLE = (
    "KRISNA-RKPi merupakang iba iangidariiSistemiIngformasiiKRISNA,iyang iberfung siiseba aiialat\n"
    "bangtuiingterngaliKemengteriangiPPN/BappengasidalamiprosesipengyusungangiprioritasidalamiRengcanga\n"
    "KerjaiPemeringtahi(RKP).i\n"
    "Mangual i peng  ungaang i mengu i RKP i ingi i diharapkang i dapat i membangtu ipeng  unga i "
    "ingterngal\n"
    "KemengteriangiPPN/Bappengasidalamimeng elolaidataiingformasiiPrioritasiNasiongal,iseba aiibahang\n"
    "ungtukipengyusungangiRKPidangiRengjaiK/L.\n"
    "Terdapati6i(engam)ikate oriiPeng  ungaidalamimeng aksesiSistemiIngformasiiKRISNA,ideng angihaki\n"
    "kewengang angimasing -masing iadalahiseba aiiberikut:\n"
    "MengjabarkangisasarangidangiingdikatoriPrioritasiNasiongal\n"
    "MengjabarkangiPrioritasiNasiongalikeidalamiPro ramiPrioritas\n"
)


# --- fixture writers ---------------------------------------------------------------------------------------


def write_pdf(path: Path, pages: list[list[str]], title: str | None = None) -> Path:
    """A minimal valid PDF: one page per entry, each line drawn in Helvetica 12pt."""
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        shown = " T* ".join(f"({_pdf_escape(line)}) Tj" for line in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET".encode("latin-1") if lines else b""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    if title:
        objects.append(f"<< /Title ({_pdf_escape(title)}) >>".encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def _pdf_escape(text: str) -> str:
    """Escape a PDF literal string."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


PAGE1 = ["Rencana Pembangunan Jangka Menengah Daerah", "Bab satu memuat visi dan misi kota."]
PAGE2 = ["Bab dua memuat tujuan dan sasaran", "untuk meningkatkan kesejahteraan masyarakat."]


@pytest.fixture
def two_page_pdf(tmp_path: Path) -> Path:
    return write_pdf(tmp_path / "rpjmd.pdf", [PAGE1, PAGE2], title="RPJMD Kota Contoh 2025-2029")


def write_docx(path: Path) -> Path:
    """A DOCX with a title, headings, a numbered and a bulleted list, and a table."""
    from docx import Document

    doc = Document()
    doc.core_properties.title = "Renstra Dinas Contoh"
    doc.add_heading("Rencana Strategis Dinas", 0)
    doc.add_heading("Bab I Pendahuluan", 1)
    doc.add_paragraph("Renstra ini memuat tujuan dan sasaran dinas.")
    doc.add_heading("Misi", 2)
    doc.add_paragraph("Meningkatkan kualitas layanan publik", style="List Number")
    doc.add_paragraph("Membangun infrastruktur hijau", style="List Number")
    doc.add_paragraph("Catatan:")
    doc.add_paragraph("Air bersih", style="List Bullet")
    doc.add_paragraph("Sanitasi", style="List Bullet")
    table = doc.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["Indikator", "2025", "2029"], ["IPM", "75,1", "78,0"], ["Kemiskinan", "9,2%", "7,5%"]]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph("Penutup dokumen.")
    doc.save(str(path))
    return path


def reason_of(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.reason


# --- looks_like_language -----------------------------------------------------------------------------------


def test_language_heuristic_accepts_indonesian_and_english():
    assert looks_like_language(INDONESIAN)
    assert looks_like_language(ENGLISH)
    assert looks_like_language(INDONESIAN + "\n" + ENGLISH)


def test_language_heuristic_rejects_broken_font_encoding():
    assert not looks_like_language(GARBLED_SAMPLE)


def test_language_heuristic_rejects_shifted_letters_and_symbol_soup():
    shifted = "".join(chr((ord(c) - 97 + 3) % 26 + 97) if c.islower() else c for c in ENGLISH)
    assert not looks_like_language(shifted)  # no function words survive a substitution cipher
    assert not looks_like_language(" ".join(["xkcd qwrt bnm zxcv plmk"] * 10))  # no vowels
    assert not looks_like_language(
        INDONESIAN.replace("a", "\ue000").replace("e", "\ufffd")
    )  # private use / U+FFFD


def test_language_heuristic_leaves_short_text_alone():
    assert looks_like_language("Daftar Isi")
    assert not looks_like_language("\x01\x02\x03\ue000")


# --- PDF ---------------------------------------------------------------------------------------------------


def test_pdf_two_pages_text_and_page_numbers(two_page_pdf: Path):
    doc = read_pdf(two_page_pdf)
    assert isinstance(doc, RawDocument)
    assert (doc.format, doc.paginated, len(doc.pages)) == ("pdf", True, 2)
    assert doc.pages[0].splitlines() == PAGE1
    assert doc.pages[1].splitlines() == PAGE2
    assert "Bab dua" not in doc.pages[0] and "Bab satu" not in doc.pages[1]
    assert doc.title == "RPJMD Kota Contoh 2025-2029"
    assert doc.warnings == []


def test_pdf_max_pages(two_page_pdf: Path):
    doc = read_pdf(two_page_pdf, max_pages=1)
    assert doc.pages == ["\n".join(PAGE1)]


def test_pdf_empty_page_is_reported_in_a_warning(tmp_path: Path):
    path = write_pdf(tmp_path / "mixed.pdf", [PAGE1, [], PAGE2])
    doc = read_pdf(path)
    assert len(doc.pages) == 3 and doc.pages[1] == ""
    assert doc.title is None
    assert any("1 of 3 pages have no text layer" in w and w.endswith(": 2") for w in doc.warnings)


def test_pdf_encrypted(two_page_pdf: Path, tmp_path: Path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(two_page_pdf)))
    writer.encrypt("secret")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(locked)
    assert reason_of(excinfo) == "encrypted PDF: remove the password and ingest again"
    assert excinfo.value.path == str(locked)


def test_pdf_aes_without_cryptography_package(
    two_page_pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import DependencyError

    writer = PdfWriter(clone_from=PdfReader(str(two_page_pdf)))
    writer.encrypt(user_password="", owner_password="owner-secret")
    locked = tmp_path / "aes.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)

    def needs_cryptography(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(locked)
    assert reason_of(excinfo).startswith("encrypted PDF (AES)") and "pip install cryptography" in reason_of(
        excinfo
    )


def test_pdf_with_only_an_owner_password_is_read(two_page_pdf: Path, tmp_path: Path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(two_page_pdf)))
    writer.encrypt(user_password="", owner_password="owner-secret")
    restricted = tmp_path / "restricted.pdf"
    with restricted.open("wb") as fh:
        writer.write(fh)
    assert read_pdf(restricted).pages[1].splitlines() == PAGE2


def test_pdf_zero_bytes(tmp_path: Path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(empty)
    assert reason_of(excinfo) == "truncated or damaged PDF: the file is empty (0 bytes)"


def test_pdf_truncated(two_page_pdf: Path, tmp_path: Path):
    data = two_page_pdf.read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(half)
    assert reason_of(excinfo).startswith("truncated or damaged PDF: the end of the file is missing")


def test_pdf_damaged_structure(two_page_pdf: Path, tmp_path: Path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"garbage " * 200 + b"\n%%EOF\n")
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(broken)
    assert reason_of(excinfo).startswith("truncated or damaged PDF: the file structure cannot be read")


def test_pdf_that_is_not_a_pdf(tmp_path: Path):
    fake = tmp_path / "fake.pdf"
    fake.write_text("just some text, saved with the wrong extension\n")
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(fake)
    assert reason_of(excinfo) == "truncated or damaged PDF: no %PDF header, the content is not a PDF"


def test_pdf_without_text_layer(tmp_path: Path):
    blank = write_pdf(tmp_path / "scan.pdf", [[], []])
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(blank)
    assert reason_of(excinfo) == NO_TEXT_LAYER
    assert "PLANBOT_OCR=1" in reason_of(excinfo)


def test_pdf_ocr_without_tesseract_names_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import ingest.formats.pdf as pdf_module

    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    blank = write_pdf(tmp_path / "scan.pdf", [[]])
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(blank, ocr=True)
    assert "tesseract" in reason_of(excinfo)
    assert "apt-get install tesseract-ocr tesseract-ocr-ind poppler-utils" in reason_of(excinfo)


def test_pdf_garbled_text_layer(tmp_path: Path):
    lines = [line for line in GARBLED_SAMPLE.splitlines() if line]
    garbled = write_pdf(tmp_path / "garbled.pdf", [lines[:5], lines[5:]])
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(garbled)
    assert reason_of(excinfo) == GARBLED


# --- DOCX --------------------------------------------------------------------------------------------------


def test_docx_headings_lists_and_table(tmp_path: Path):
    doc = read_docx(write_docx(tmp_path / "renstra.docx"))
    assert (doc.format, doc.paginated, len(doc.pages)) == ("docx", False, 1)
    assert doc.title == "Renstra Dinas Contoh"
    assert doc.pages[0] == (
        "# Rencana Strategis Dinas\n\n"
        "# Bab I Pendahuluan\n\n"
        "Renstra ini memuat tujuan dan sasaran dinas.\n\n"
        "## Misi\n\n"
        "1. Meningkatkan kualitas layanan publik\n"
        "2. Membangun infrastruktur hijau\n\n"
        "Catatan:\n\n"
        "- Air bersih\n"
        "- Sanitasi\n\n"
        "<table>\n"
        "<tr><td>Indikator</td><td>2025</td><td>2029</td></tr>\n"
        "<tr><td>IPM</td><td>75,1</td><td>78,0</td></tr>\n"
        "<tr><td>Kemiskinan</td><td>9,2%</td><td>7,5%</td></tr>\n"
        "</table>\n\n"
        "Penutup dokumen.\n"
    )


def test_docx_title_falls_back_to_title_paragraph(tmp_path: Path):
    from docx import Document

    path = tmp_path / "untitled.docx"
    document = Document()
    document.add_heading("RPJMD Kabupaten Contoh", 0)
    document.add_paragraph("Isi dokumen.")
    document.save(str(path))
    assert read_docx(path).title == "RPJMD Kabupaten Contoh"


def test_docx_not_a_zip(tmp_path: Path):
    bad = tmp_path / "bad.docx"
    bad.write_text("not a word document")
    with pytest.raises(UnreadableDocument) as excinfo:
        read_docx(bad)
    assert reason_of(excinfo) == "damaged or not a DOCX file"


def test_docx_zip_without_document_part(tmp_path: Path):
    bad = tmp_path / "other.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableDocument) as excinfo:
        read_docx(bad)
    assert reason_of(excinfo) == "damaged or not a DOCX file"


def test_docx_truncated(tmp_path: Path):
    data = write_docx(tmp_path / "full.docx").read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableDocument) as excinfo:
        read_docx(cut)
    assert reason_of(excinfo) == "damaged or not a DOCX file"


def test_docx_empty_document(tmp_path: Path):
    from docx import Document

    path = tmp_path / "empty.docx"
    Document().save(str(path))
    with pytest.raises(UnreadableDocument) as excinfo:
        read_docx(path)
    assert reason_of(excinfo) == "no text (the document is empty)"


# --- HTML --------------------------------------------------------------------------------------------------

PAGE_HTML = """<?php include 'config.php'; ?>
<!DOCTYPE html>
<html><head><title>Visi &amp; Misi Kota Contoh</title>
<style>body { color: red }</style><script>var secret = "do-not-index";</script></head>
<body>
@extends('layouts.app')
@section('content')
<nav><ul><li><a href="/">Beranda</a></li><li>Menu navigasi</li></ul></nav>
<header><ul><li>Profil</li><li>Berita</li></ul></header>
<h1>Visi dan Misi</h1>
<p>Halaman ini memuat visi &amp; misi kota, kontak: info@contoh.go.id.</p>
<h2>Visi</h2>
<p>Terwujudnya Kota Contoh yang <b>sejahtera</b>, maju&nbsp;dan berkelanjutan</p>
<h2>Misi</h2>
<ol><li>Meningkatkan kualitas pendidikan</li><li>Membangun <i>infrastruktur</i> kota</li></ol>
<ul><li>Program prioritas pertama</li></ul>
<p>Baris satu<br>Baris dua</p>
<table><tr><th>Indikator</th><th>Target</th></tr><tr><td>IPM</td><td>78,0</td></tr></table>
<div>Kalimat dalam div</div><div>Kalimat kedua</div>
{{ $walikota->nama }} {!! $banner !!} {{-- komentar blade --}}
<?= $footerText ?>
@if($user) <span>hanya untuk admin</span> @endif
@csrf
<form><input value="cari"><button>Cari</button><label>Label formulir</label></form>
<script>alert(1)</script><noscript>Aktifkan JavaScript</noscript>
<template><p>template tersembunyi</p></template>
<svg><text>grafik</text></svg>
<footer>Hak cipta 2024 Pemerintah Kota Contoh</footer>
@endsection
</body></html>
"""


def test_html_visible_text_as_markdown(tmp_path: Path):
    path = tmp_path / "visimisi.html"
    path.write_text(PAGE_HTML, encoding="utf-8")
    doc = read_html(path)
    assert (doc.format, doc.paginated, len(doc.pages)) == ("html", False, 1)
    assert doc.title == "Visi & Misi Kota Contoh"
    text = doc.pages[0]
    assert text.startswith("# Visi dan Misi\n\n")
    assert "Halaman ini memuat visi & misi kota, kontak: info@contoh.go.id." in text
    assert (
        "\n\n## Visi\n\nTerwujudnya Kota Contoh yang sejahtera, maju dan berkelanjutan\n\n## Misi\n\n" in text
    )
    assert "\n1. Meningkatkan kualitas pendidikan\n2. Membangun infrastruktur kota\n" in text
    assert "\n- Program prioritas pertama\n" in text
    assert "\nBaris satu\nBaris dua\n" in text
    table = "\n<table>\n<tr><th>Indikator</th><th>Target</th></tr>\n<tr><td>IPM</td><td>78,0</td></tr>\n</table>\n"
    assert table in text  # a data table as table markup (ingest/tables.py reads it)
    assert "\nKalimat dalam div\nKalimat kedua\n" in text
    assert "hanya untuk admin" in text  # content inside @if ... @endif stays; the directives go
    for hidden in (
        "alert(1)",
        "do-not-index",
        "color: red",
        "Beranda",
        "navigasi",
        "Profil",
        "Aktifkan",
        "template tersembunyi",
        "grafik",
        "Hak cipta",
        "Label formulir",
        "cari",
        "Cari",
    ):
        assert hidden not in text, hidden
    for markup in (
        "<?",
        "?>",
        "{{",
        "}}",
        "{!!",
        "$",
        "@extends",
        "@section",
        "@if",
        "@endif",
        "@csrf",
        "@endsection",
        "config.php",
        "<",
        ">",
    ):
        assert markup not in text.replace(table, "\n"), markup
    assert "server template markup (PHP/Blade/Jinja) removed" in doc.warnings


def test_html_title_falls_back_to_first_h1(tmp_path: Path):
    path = tmp_path / "h1.html"
    path.write_text("<html><body><h1>Renstra   Dinas</h1><p>Isi halaman.</p></body></html>")
    doc = read_html(path)
    assert doc.title == "Renstra Dinas"
    assert doc.pages[0] == "# Renstra Dinas\n\nIsi halaman.\n"
    assert doc.warnings == []


def test_html_broken_markup_and_latin1(tmp_path: Path):
    path = tmp_path / "broken.htm"
    path.write_bytes("<p>Caf\u00e9 <b>tanpa penutup<p>Paragraf kedua<div><li>butir".encode("cp1252"))
    doc = read_html(path)
    assert doc.pages[0] == "Caf\u00e9 tanpa penutup\n\nParagraf kedua\n\n- butir\n"  # <div> closes the <p>
    assert any("not UTF-8" in w for w in doc.warnings)


def test_html_headings_inside_cells_and_items_stay_plain(tmp_path: Path):
    path = tmp_path / "cells.html"
    path.write_text(
        "<table><tr><td><h4>Visi</h4></td><td>Kota <br>maju</td></tr></table>"
        "<ul><li><h3>Misi</h3> pertama<ul><li>sub butir</li></ul></li></ul>"
    )
    assert read_html(path).pages[0] == "Visi | Kota maju\n\n- Misi pertama\n  - sub butir\n"


def test_html_without_visible_text(tmp_path: Path):
    path = tmp_path / "empty.html"
    path.write_text(
        "<html><head><title>Kosong</title></head><body><script>alert(1)</script>"
        "<?php echo $x; ?> {{ $y }}</body></html>"
    )
    with pytest.raises(UnreadableDocument) as excinfo:
        read_html(path)
    assert reason_of(excinfo) == "no visible text"


def test_strip_template_markup_keeps_email_and_text():
    out = strip_template_markup(
        "Hubungi admin@kota.go.id @include('x.y', ['a' => f(1)]) selesai <?php if ($a) { ?>ya"
    )
    assert "admin@kota.go.id" in out and "selesai" in out
    assert "@include" not in out and "f(1)" not in out and "<?php" not in out


# --- sniffing and extension checks -------------------------------------------------------------------------


def _sniff(path: Path) -> str | None:
    return sniff_format(path, path.read_bytes()[:8192])


def test_sniff_formats(tmp_path: Path, two_page_pdf: Path):
    docx = write_docx(tmp_path / "a.docx")
    other_zip = tmp_path / "a.zip"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("data.csv", "a,b\n")
    html = tmp_path / "a.html"
    html.write_text(
        "\ufeff  <!-- saved page -->\n<?php $x = 1; ?>\n<!DOCTYPE html><html><body>x</body></html>"
    )
    blade = tmp_path / "b.html"
    blade.write_text("@extends('layouts.app')\n@section('content')\n<div class='x'><h1>Renstra</h1></div>")
    text = tmp_path / "a.txt"
    text.write_text("Visi: Kota yang maju.\n")
    binary = tmp_path / "a.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    assert _sniff(two_page_pdf) == "pdf"
    assert _sniff(docx) == "docx"
    assert _sniff(other_zip) == "zip"
    assert _sniff(html) == "html"
    assert _sniff(blade) == "html"
    assert _sniff(text) == "text"
    assert _sniff(binary) == "binary"
    assert sniff_format(text, b"") is None
    assert sniff_format(text, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == "binary"
    assert sniff_format(text, "Visi kota yang maju dan sejahtera".encode("cp1252")) == "text"


def test_check_extension_pdf_named_docx(two_page_pdf: Path, tmp_path: Path):
    renamed = tmp_path / "laporan.docx"
    renamed.write_bytes(two_page_pdf.read_bytes())
    with pytest.raises(UnreadableDocument) as excinfo:
        check_extension(renamed)
    assert reason_of(excinfo) == "content is PDF but the file is named .docx: rename it to .pdf"
    with pytest.raises(UnreadableDocument) as excinfo:
        read_docx(renamed)
    assert reason_of(excinfo) == "damaged or not a DOCX file"


def test_check_extension_docx_named_pdf(tmp_path: Path):
    path = tmp_path / "renstra.pdf"
    write_docx(tmp_path / "renstra.docx").rename(path)
    with pytest.raises(UnreadableDocument) as excinfo:
        check_extension(path)
    assert reason_of(excinfo) == "content is DOCX but the file is named .pdf: rename it to .docx"


def test_check_extension_binary_named_txt(tmp_path: Path):
    path = tmp_path / "catatan.txt"
    path.write_bytes(b"\x00\x01\x02binary\xff\xfe" * 50)
    with pytest.raises(UnreadableDocument) as excinfo:
        check_extension(path)
    assert reason_of(excinfo) == "binary content, not text"


def test_check_extension_html_named_pdf_and_zip_named_docx(tmp_path: Path):
    html_pdf = tmp_path / "page.pdf"
    html_pdf.write_text("<!doctype html><html><body>Visi</body></html>")
    with pytest.raises(UnreadableDocument) as excinfo:
        check_extension(html_pdf)
    assert reason_of(excinfo) == "content is HTML but the file is named .pdf: rename it to .html"
    zip_docx = tmp_path / "arsip.docx"
    with zipfile.ZipFile(zip_docx, "w") as zf:
        zf.writestr("data.csv", "a,b\n")
    with pytest.raises(UnreadableDocument) as excinfo:
        check_extension(zip_docx)
    assert "ZIP archive" in reason_of(excinfo) and "not a DOCX" in reason_of(excinfo)


def test_check_extension_accepts_matching_and_html_as_text(tmp_path: Path, two_page_pdf: Path):
    html_txt = tmp_path / "page.txt"
    html_txt.write_text("<!DOCTYPE html><html><body><p>Visi</p></body></html>")
    fragment = tmp_path / "fragment.html"
    fragment.write_text("Visi dan misi tanpa tag\n")
    md = tmp_path / "notes.MD"
    md.write_text("# Visi\n\nKota maju.\n")
    for path in (html_txt, fragment, md, two_page_pdf, write_docx(tmp_path / "ok.docx")):
        assert check_extension(path) is None
    unknown = tmp_path / "data.xyz"
    unknown.write_bytes(b"\x00\x01")
    assert check_extension(unknown) is None


# --- the shared corpus of real documents -------------------------------------------------------------------


@pytest.fixture(scope="module")
def himpunan() -> RawDocument:
    return read_pdf(PDF_DIR / "himpunan-renja-kl-2019_ocr-tables.pdf")


@needs_corpus
def test_corpus_large_ocr_tables_pdf(himpunan: RawDocument):
    assert len(himpunan.pages) == 200 and himpunan.paginated
    assert "Halaman 1 dari 98" in himpunan.pages[6]  # page 7 of the PDF
    assert "MAJELIS PERMUSYAWARATAN RAKYAT" in himpunan.pages[6]
    assert "Lampiran I Himpunan RKA-K/L Tahun 2019" in himpunan.pages[5]
    assert any(w.startswith("4 of 200 pages have no text layer") for w in himpunan.warnings)


@needs_corpus
def test_corpus_budget_tables_read_as_tables(himpunan: RawDocument):
    """The budget tables have rules between columns only: each column's body is one tall cell, split back into
    one row per figure, a program name wrapped over two lines staying one cell."""
    assert sum("<table>" in page for page in himpunan.pages) >= 190
    (table,) = find_tables(clean_text(himpunan.pages[7]))
    assert table.grid.width == 9 and len(table.rows) == 10
    assert table.labels[1:] == ["RUPIAH MURNI", "PNBP", "BLU", "PLN", "HLN", "PDN", "SBSN", "JUMLAH"]
    line = table.row_lines()[4]
    assert line.split("; ")[0].endswith(
        ": 002.01.01 Program Dukungan Manajemen dan Pelaksanaan Tugas Teknis Lainnya Sekretariat Jenderal DPR RI")
    assert line.endswith("; RUPIAH MURNI: 1.998.530.447; PNBP: 0; BLU: 0; PLN: 0; HLN: 0; PDN: 0; SBSN: 0; "
                         "JUMLAH: 1.998.530.447")


@needs_corpus
def test_corpus_clean_manual_pdf():
    doc = read_pdf(PDF_DIR / "manual-renja-kl-2019-bappenas.pdf")
    assert len(doc.pages) == 63
    assert "PANDUAN PENGGUNAAN PENYUSUNAN" in doc.pages[1]
    assert "Daftar Isi" in doc.pages[2]
    assert "\n" in doc.pages[1]  # line breaks kept for later unwrapping


@needs_corpus
def test_corpus_slides_pdf():
    doc = read_pdf(PDF_DIR / "renstra-kemendikbud-2015-2019_slides.pdf")
    assert len(doc.pages) == 51
    assert "RENCANA STRATEGIS" in doc.pages[0] and "KEMENTERIAN PENDIDIKAN DAN" in doc.pages[0]
    assert "Siklus Perencanaan & Penganggaran Pendidikan" in doc.pages[1]
    assert doc.title is None  # the file's metadata title is empty
    assert "<table" not in doc.pages[1]  # the frame drawn round a slide is not a table
    (table,) = find_tables(clean_text(doc.pages[45]))
    assert table.labels == ["NO", "PROGRAM", "2015", "2016", "2017", "2018", "2019", "TOTAL"]
    assert table.row_lines()[3] == ("NO: 3; PROGRAM: Program Dikdasmen; 2015: 31.347,82; 2016: 37.664,01; "
                                    "2017: 38.747,36; 2018: 39.920,94; 2019: 41.132,42; TOTAL: 188.812,55")


@needs_corpus
def test_corpus_garbled_pdf():
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(PDF_DIR / "manual-rkp-2018-bappenas_broken-font-encoding.pdf")
    assert reason_of(excinfo) == GARBLED


@needs_corpus
def test_corpus_scanned_pdf_needs_ocr():
    path = next(PDF_DIR.glob("kepmendagri-*_SCANNED-no-text-layer.pdf"))
    with pytest.raises(UnreadableDocument) as excinfo:
        read_pdf(path)
    assert reason_of(excinfo) == NO_TEXT_LAYER


@needs_corpus
@needs_tesseract
def test_corpus_scanned_pdf_ocr_first_page():
    path = next(PDF_DIR.glob("kepmendagri-*_SCANNED-no-text-layer.pdf"))
    doc = read_pdf(path, ocr=True, max_pages=1)
    assert len(doc.pages) == 1
    words = set(re.findall(r"\w+", doc.pages[0].lower()))
    assert {"menteri", "dalam", "negeri", "keputusan", "tentang", "penghargaan", "bahwa"} <= words
    assert looks_like_language(doc.pages[0])
    assert any("OCR" in w for w in doc.warnings)


@needs_corpus
def test_corpus_sumedang_html():
    doc = read_html(HTML_DIR / "kab-sumedang_visimisikab.php.html")
    text = doc.pages[0]
    assert doc.title == "Visi dan Misi Kab. Sumedang - PPID Kab. Sumedang"
    assert text.startswith("# VISI & MISI PEMERINTAH DAERAH KABUPATEN SUMEDANG\n\n### Visi\n\n")
    assert "Sumedang SIMPATI (Sejahtera, Agamis, Maju, Profesional, dan Kreatif" in text
    assert "\n\n### Misi\n\n1. Mewujudkan nilai-nilai religius" in text
    for n in range(1, 10):
        assert re.search(rf"^{n}\. Me\w+", text, re.MULTILINE) or re.search(
            rf"^{n}\. \w+", text, re.MULTILINE
        )
    assert "Sumedang Puseur Budaya Sunda" in text
    assert "<?php" not in text and "$this" not in text and "load->view" not in text


@needs_corpus
def test_corpus_batu_blade_html():
    doc = read_html(HTML_DIR / "kota-batu_dlh_profil-renstra.blade.php.html")
    text = doc.pages[0]
    assert doc.title == "RENSTRA"
    assert text.startswith("# RENSTRA\n\nDINAS LINGKUNGAN HIDUP KOTA BATU\n\n")
    assert "\n## RENCANA STRATEGIS (RENSTRA) DINAS LINGKUNGAN KOTA BATU 2017 – 2022\n" in text
    assert "Desa Berdaya Kota Berjaya Terwujudnya Kota Batu Sebagai Sentra Agrowisata Internasional" in text
    assert "Meningkatkan Kualitas Lingkungan Hidup." in text
    assert (
        "\n1. Undang-Undang Nomor 28 Tahun 1999" in text and "\n10. Peraturan Walikota Batu Nomor 18" in text
    )
    for markup in ("@extends", "@section", "@endsection", "layouts.app", "<!--", "&nbsp;"):
        assert markup not in text


@needs_corpus
def test_corpus_html_pages_hold_no_tables_and_read_as_before():
    """Neither real page has a <table> (their visions, missions and regulations are headings, paragraphs
    and lists): no table markup comes out, the table reader finds nothing, and the text is what it was
    before tables were written as markup (the first lines checked above)."""
    for path in sorted(HTML_DIR.glob("*.html")):
        assert "<table" not in path.read_text(encoding="utf-8", errors="replace").lower(), path.name
        text = clean_text(read_html(path).pages[0])
        assert "<table" not in text and "<tr>" not in text and " | " not in text, path.name
        assert find_tables(text) == [], path.name


@needs_corpus
def test_corpus_sniffing_and_extensions():
    for path in sorted(PDF_DIR.glob("*.pdf")):
        assert _sniff(path) == "pdf", path.name
        check_extension(path)
    for path in sorted(HTML_DIR.glob("*.html")):
        assert _sniff(path) == "html", path.name
        check_extension(path)
