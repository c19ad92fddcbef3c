"""Readers for text, PDF, DOCX and HTML files, and content sniffing; each returns a RawDocument.

Each reader module registers its format (registry.py): a new format is one new module here.
"""

from dataclasses import dataclass, field


@dataclass
class RawDocument:
    """Text read from one file, before cleaning."""

    format: str  # the registered format's name: "txt" | "md" | "pdf" | "docx" | "html"
    pages: list[str]  # one string per page for PDF; a single-element list otherwise
    paginated: bool  # True for PDF (page numbers are meaningful)
    title: str | None = None  # PDF metadata title, DOCX core title, HTML <title> or first <h1>
    warnings: list[str] = field(default_factory=list)
