"""The format registry: a format registered in one place is read, content-checked, uploadable and named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import _format_of
from bot.web.documents import check_upload
from ingest.formats import RawDocument
from ingest.formats.registry import (
    Format,
    ReadOptions,
    format_for,
    formats,
    register,
    unregister,
    upload_extensions,
)
from ingest.readers import is_supported, read_document
from planbot.errors import PlanbotError, UnreadableDocument


def _read_tsv(path: Path, options: ReadOptions) -> RawDocument:
    """Tab-separated rows as a markdown pipe table."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    text = "\n".join("| " + " | ".join(cells) + " |" for cells in rows)
    return RawDocument(format="tsv", pages=[text + "\n"], paginated=False)


@pytest.fixture
def tsv_format():
    fmt = register(Format("tsv", (".tsv",), _read_tsv, frozenset({"text"}), content="text", upload=(".tsv",)))
    yield fmt
    unregister("tsv")


def test_the_built_in_formats_and_their_uploads():
    assert {f.name: f.extensions for f in formats()} == {
        "txt": (".txt",), "md": (".md", ".markdown"), "html": (".html", ".htm"), "pdf": (".pdf",), "docx": (".docx",),
    }
    assert upload_extensions() == (".txt", ".md", ".html", ".pdf", ".docx")


def test_a_registered_format_is_read_checked_uploadable_and_named(tsv_format, tmp_path: Path):
    path = tmp_path / "target.TSV"
    path.write_text("Indikator\t2029\nIPM\t78,0\n", encoding="utf-8")
    assert not is_supported(tmp_path / "x.csv")
    assert is_supported(path) and format_for(path) is tsv_format
    doc = read_document(path)
    assert (doc.format, doc.pages) == ("tsv", ["| Indikator | 2029 |\n| IPM | 78,0 |\n"])

    pdf_named_tsv = tmp_path / "laporan.tsv"
    pdf_named_tsv.write_bytes(b"%PDF-1.4\n" + b"\x00" * 64 + b"\n%%EOF\n")
    with pytest.raises(UnreadableDocument) as excinfo:
        read_document(pdf_named_tsv)
    assert excinfo.value.reason == "content is PDF but the file is named .tsv: rename it to .pdf"

    check_upload(path, 1)
    assert _format_of("uploads/target.tsv") == "tsv"
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(PlanbotError, match=r"upload one of \.txt, \.md, \.html, \.pdf, \.docx, \.tsv$"):
        check_upload(exe, 1)


def test_an_unregistered_format_is_refused_everywhere(tmp_path: Path):
    path = tmp_path / "target.tsv"
    path.write_text("Indikator\t2029\n", encoding="utf-8")
    with pytest.raises(UnreadableDocument, match=r"unsupported file type \.tsv; use one of \['.docx'"):
        read_document(path)
    with pytest.raises(PlanbotError, match=r"\.tsv is not accepted"):
        check_upload(path, 1)


def test_two_formats_cannot_claim_one_extension():
    with pytest.raises(ValueError, match=r"extension \.md is already read as md"):
        register(Format("notes", (".md",), _read_tsv, frozenset({"text"}), content="text"))
    with pytest.raises(ValueError, match="upload extensions"):
        Format("tsv", (".tsv",), _read_tsv, frozenset({"text"}), content="text", upload=(".csv",))
