"""Bad files: each gets its reason in `planbot status` (text, grouped by format, and --json) while the good
files are ingested; fixing or removing a bad file clears its entry on the next ingest."""

from __future__ import annotations

import json
import shutil

from tests.integration.store_state import run
from tests.unit.test_formats import PAGE1, PAGE2, write_docx, write_pdf

GOOD = """# Rencana Pembangunan Kota Contoh

## Misi 1

Meningkatkan kualitas pelayanan kesehatan dasar di seluruh puskesmas kota.
"""


def test_bad_files_are_listed_with_reasons_and_cleared_when_fixed(tmp_path):
    from pypdf import PdfReader, PdfWriter

    folder, home = tmp_path / "plans", tmp_path / "home"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "notes.pdf").write_text("Ini hanya catatan teks biasa, bukan PDF.\n" * 20, encoding="utf-8")
    plain = write_pdf(tmp_path / "plain.pdf", [PAGE1, PAGE2], title="RPJMD Kota Contoh")
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt("secret")
    with (folder / "locked.pdf").open("wb") as fh:
        writer.write(fh)
    shutil.copy(plain, folder / "renstra.docx")  # a PDF under a .docx name
    (folder / "big.md").write_text("Paragraf panjang tentang rencana kota.\n" * 30_000, encoding="utf-8")  # ~1.2 MB

    proc = run(home, "ingest", str(folder), check=False, PLANBOT_MAX_FILE_MB="1")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "1 new, 0 updated, 0 unchanged, 5 failed" in proc.stdout

    info = json.loads(run(home, "status", "--json").stdout)
    assert [d["doc_id"] for d in info["documents"]] == ["good.md"] and info["chunks"] >= 1
    failures = {f["source"]: f for f in info["failures"]}
    assert sorted(failures) == ["big.md", "locked.pdf", "notes.pdf", "renstra.docx", "zero.pdf"]
    assert failures["zero.pdf"]["reason"] == "empty file (0 bytes)"
    assert failures["notes.pdf"]["reason"] == "content is plain text but the file is named .pdf: rename it to .txt"
    assert failures["locked.pdf"]["reason"] == "encrypted PDF: remove the password and ingest again"
    assert "PDF" in failures["renstra.docx"]["reason"]
    assert "over the 1 MB limit" in failures["big.md"]["reason"]
    assert {f["format"] for f in failures.values()} == {"pdf", "docx", "md"}
    assert failures["locked.pdf"]["path"] == str((folder / "locked.pdf").resolve())

    text = run(home, "status").stdout
    assert "5 files failed their last ingest" in text
    pdf_block = text.split("  pdf:\n", 1)[1]
    assert pdf_block.index("locked.pdf: encrypted PDF") < pdf_block.index("zero.pdf: empty file")
    assert "  docx:\n    renstra.docx: " in text and "  md:\n    big.md: file is " in text

    # Fix two, remove three: the next ingest clears every entry (no --prune needed).
    write_pdf(folder / "notes.pdf", [PAGE1, PAGE2], title="Catatan")
    write_docx(folder / "renstra.docx")
    for name in ("zero.pdf", "locked.pdf", "big.md"):
        (folder / name).unlink()
    proc = run(home, "ingest", str(folder), PLANBOT_MAX_FILE_MB="1")
    assert "2 new, 0 updated, 1 unchanged, 0 failed" in proc.stdout
    info = json.loads(run(home, "status", "--json").stdout)
    assert info["failures"] == []
    assert sorted(d["doc_id"] for d in info["documents"]) == ["good.md", "notes.pdf", "renstra.docx"]
    assert "failed" not in run(home, "status").stdout


def test_conversion_debris_is_counted_in_status(tmp_path):
    folder, home = tmp_path / "plans", tmp_path / "home"
    folder.mkdir()
    image = "![](https://cdn.example.com/halaman-12-gambar-3.png)"
    noisy = GOOD + f"\n{image}\n\nWilayah prioritas {'(jakarta),' * 40} ditetapkan setiap tahun.\n"
    (folder / "noisy.md").write_text(noisy, encoding="utf-8")
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    run(home, "ingest", str(folder))

    info = json.loads(run(home, "status", "--json").stdout)
    debris = {d["doc_id"]: d["debris_chars"] for d in info["documents"]}
    assert debris["good.md"] == 0 and debris["noisy.md"] >= len(image) + 39 * len("(jakarta),") - 10
    assert info["debris_chars"] == debris["noisy.md"]
    assert "characters of conversion debris not indexed" in run(home, "status").stdout
