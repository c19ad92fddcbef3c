"""Read a file into a RawDocument, by its extension, with a clear reason when it cannot be read."""

from __future__ import annotations

from pathlib import Path

from ingest.formats import RawDocument
from ingest.formats.limits import DEFAULT_LIMITS, FormatLimits
from planbot.errors import UnreadableDocument

SUPPORTED = {".txt": "txt", ".md": "md", ".markdown": "md", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
MAX_LINE_CHARS = 100_000


def is_supported(path: Path) -> bool:
    """True when Planbot has a reader for this file's extension."""
    return path.suffix.lower() in SUPPORTED


def read_document(
    path: Path, *, max_file_mb: float = 50.0, ocr: bool = False, limits: FormatLimits = DEFAULT_LIMITS
) -> RawDocument:
    """Text of one file; raises UnreadableDocument naming the reason (DocumentTooLarge past `limits`)."""
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise UnreadableDocument(str(path), f"unsupported file type {path.suffix or '(none)'}; use one of {sorted(SUPPORTED)}")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    if size == 0:
        raise UnreadableDocument(str(path), "empty file (0 bytes)")
    if size > max_file_mb * 1024 * 1024:
        raise UnreadableDocument(
            str(path), f"file is {size / 1048576:.1f} MB, over the {max_file_mb:g} MB limit (PLANBOT_MAX_FILE_MB)"
        )
    from ingest.formats.sniff import check_extension

    check_extension(path)
    if fmt == "pdf":
        from ingest.formats.pdf import read_pdf

        return read_pdf(path, ocr=ocr, limits=limits)
    if fmt == "docx":
        from ingest.formats.docx import read_docx

        return read_docx(path, limits)
    if fmt == "html":
        from ingest.formats.html import read_html

        return read_html(path, limits)
    return read_text(path, fmt, head)


def read_text(path: Path, fmt: str, head: bytes) -> RawDocument:
    """A .txt or .md file: UTF-8, else Windows-1252/Latin-1 with a warning; binary content refused."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    if b"\x00" in data[:65536]:
        raise UnreadableDocument(str(path), "binary content, not text")
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        warnings.append("not UTF-8: decoded as Windows-1252/Latin-1")
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        raise UnreadableDocument(
            str(path), f"a single line of {longest:,} characters: not prose (limit {MAX_LINE_CHARS:,} per line)"
        )
    if not text.strip():
        raise UnreadableDocument(str(path), "no text (only whitespace)")
    return RawDocument(format=fmt, pages=[text], paginated=False, warnings=warnings)
