"""Read a file into a RawDocument, by its extension, with a clear reason when it cannot be read.

Which extensions are read, and by which reader, is the format registry's (ingest/formats/registry.py).
"""

from __future__ import annotations

from pathlib import Path

from ingest.formats import RawDocument
from ingest.formats.limits import DEFAULT_LIMITS, FormatLimits
from ingest.formats.registry import ReadOptions, extensions, format_for
from ingest.formats.sniff import check_extension
from ingest.formats.text import MAX_LINE_CHARS, read_text
from planbot.errors import UnreadableDocument

__all__ = ["MAX_LINE_CHARS", "is_supported", "read_document", "read_text"]


def is_supported(path: Path) -> bool:
    """True when Planbot has a reader for this file's extension."""
    return format_for(path) is not None


def read_document(
    path: Path, *, max_file_mb: float = 50.0, ocr: bool = False, limits: FormatLimits = DEFAULT_LIMITS,
    pdf_tables: bool = True,
) -> RawDocument:
    """Text of one file; raises UnreadableDocument naming the reason (DocumentTooLarge past `limits`).

    pdf_tables: find ruled tables on PDF pages and write them as table markup (PLANBOT_PDF_TABLES)."""
    fmt = format_for(path)
    if fmt is None:
        raise UnreadableDocument(str(path), f"unsupported file type {path.suffix or '(none)'}; use one of {extensions()}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    if size == 0:
        raise UnreadableDocument(str(path), "empty file (0 bytes)")
    if size > max_file_mb * 1024 * 1024:
        raise UnreadableDocument(
            str(path), f"file is {size / 1048576:.1f} MB, over the {max_file_mb:g} MB limit (PLANBOT_MAX_FILE_MB)"
        )
    check_extension(path)
    return fmt.read(path, ReadOptions(ocr=ocr, limits=limits, pdf_tables=pdf_tables))
