"""What a file really contains, from its first bytes, and whether that matches its extension."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.formats.registry import accepted_content, extension_for_content
from planbot.errors import UnreadableDocument

HEAD_BYTES = 8192
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Word .doc, .xls, .ppt
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
LIST_MAX_ENTRIES = 10_000  # zips declaring more files are not listed to sniff them
_HTML_START = re.compile(
    r"<(!doctype\s+html|html|head|body|meta|title|link|base|style|script|div|section|article|main|header|nav|"
    r"p|h[1-6]|table|ul|ol|span|a|img|form|br|center|font)[\s>/]",
    re.IGNORECASE,
)
_LEADING_JUNK = re.compile(r"\A(?:\s+|<!--.*?(?:-->|\Z)|<\?xml[^>]*>)", re.DOTALL)
_CONTROL = set(range(32)) - {9, 10, 12, 13, 27}

# What each sniffed content kind is called in a message.
_NAMES = {
    "pdf": "PDF",
    "docx": "DOCX",
    "zip": "a ZIP archive",
    "html": "HTML",
    "text": "plain text",
    "binary": "binary",
}


def sniff_format(path: Path, head: bytes) -> str | None:
    """Real format from content: "pdf", "docx", "zip", "html", "binary" or "text"; None when head is empty."""
    if not head:
        return None
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(ZIP_MAGICS):
        return "docx" if _zip_is_docx(path, head) else "zip"
    text = _decode_head(head)
    if text is None:
        return "binary"
    return "html" if looks_like_html(text) else "text"


def looks_like_html(text: str) -> bool:
    """True when text starts (after BOM, comments and template tags) with an HTML tag."""
    from ingest.formats.html import strip_template_markup

    rest = strip_template_markup(text.lstrip("\ufeff"))
    while True:
        m = _LEADING_JUNK.match(rest)
        if not m or not m.group(0):
            break
        rest = rest[m.end() :]
    return bool(_HTML_START.match(rest))


def _zip_is_docx(path: Path, head: bytes) -> bool:
    """True when the zip holds word/document.xml (read from the file, else guessed from the head).

    A zip declaring more than LIST_MAX_ENTRIES files is not listed (ZipFile builds an object per entry:
    half a million took 12 s and 300 MB); it is guessed from the head, and the DOCX reader refuses it.
    """
    try:
        with path.open("rb") as fh:
            end = zipfile._EndRecData(fh)  # private, stable: the entry count before ZipFile builds every entry
        if end and end[zipfile._ECD_ENTRIES_TOTAL] > LIST_MAX_ENTRIES:
            return b"word/" in head or b"[Content_Types].xml" in head
        with zipfile.ZipFile(path) as zf:
            return "word/document.xml" in zf.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return b"word/" in head


def _decode_head(head: bytes) -> str | None:
    """Head decoded as text, or None when it is binary (NUL bytes, control bytes, undecodable)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in head or head.startswith(OLE_MAGIC):
        return None
    if sum(b in _CONTROL for b in head) > 0.05 * len(head):
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a multi-byte character cut at the end of the head
            return head[: exc.start].decode("utf-8", errors="replace")
    if sum(b >= 0x80 for b in head) > 0.3 * len(head):
        return None
    return head.decode("cp1252", errors="replace")


def check_extension(path: Path) -> None:
    """Raise UnreadableDocument when the content does not match the extension (e.g. a PDF named .docx)."""
    ext = path.suffix.lower()
    accepted = accepted_content(ext)
    if accepted is None:
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    real = sniff_format(path, head)
    if real is None or real in accepted:
        return
    raise UnreadableDocument(str(path), mismatch_reason(ext, real, head))


def mismatch_reason(ext: str, real: str, head: bytes = b"") -> str:
    """Short user-facing reason for content `real` found in a file named `ext`."""
    if real == "binary":
        if ext == ".pdf":
            return "truncated or damaged PDF: no %PDF header, the content is not a PDF"
        if ext == ".docx" and head.startswith(OLE_MAGIC):
            return "old Word .doc format, not DOCX: save it as .docx and ingest again"
        if ext == ".docx":
            return "damaged or not a DOCX file"
        return "binary content, not text"
    if real == "zip":
        return f"content is a ZIP archive without word/document.xml, not a DOCX, but the file is named {ext}"
    rename = extension_for_content(real)
    if ext == ".docx" and real in ("text", "html"):
        return f"damaged or not a DOCX file: the content is {_NAMES[real]}, rename it to {rename}"
    return f"content is {_NAMES[real]} but the file is named {ext}: rename it to {rename}"
