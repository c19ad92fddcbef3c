"""How much one file may unpack to before it is refused: zip bombs and oversized documents.

Each limit is a Planbot setting (`PLANBOT_<NAME>`); the readers check them before the expensive step
(the zip's central directory before python-docx inflates anything, the page tree before pypdf extracts,
the decoded text before lexbor parses), so a bomb is refused in seconds with bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from planbot.errors import DocumentTooLarge

MB = 1024 * 1024


@dataclass(frozen=True)
class FormatLimits:
    """Limits on what one DOCX, PDF or HTML file may unpack to (defaults: see planbot/settings.py)."""

    docx_max_unpacked_mb: float = 256.0
    docx_max_xml_mb: float = 64.0
    docx_max_entries: int = 5_000
    docx_max_compression_ratio: float = 100.0
    docx_max_paragraphs: int = 400_000
    pdf_max_pages: int = 2_000
    html_max_mchars: float = 10.0

    @classmethod
    def from_settings(cls, settings: Any) -> FormatLimits:
        """The limits named in a Settings object (fields of the same name)."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls) if hasattr(settings, f.name)})

    def refuse(self, path: object, name: str, found: str, limit: str) -> DocumentTooLarge:
        """The error for `found` over limit `name` (a field of this class), naming its setting."""
        return DocumentTooLarge(str(path), found=found, limit=limit, setting=f"PLANBOT_{name.upper()}")


DEFAULT_LIMITS = FormatLimits()
# Entries smaller than this are not held to the compression ratio: small, repetitive XML parts (styles,
# settings) legitimately compress far better than a document body, and cannot hurt at that size.
RATIO_MIN_BYTES = 1 * MB


def mb(n: float) -> str:
    """Bytes as "12.3 MB"."""
    return f"{n / MB:,.1f} MB"
