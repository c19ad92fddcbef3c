"""The formats Planbot reads, registered in one place: extensions, reader, acceptable content, uploads.

Each reader module of this package registers its format when it is imported (`register(Format(...))` at
the bottom of the module), and every module of the package is imported the first time the registry is
asked, so a new format is one new file in ingest/formats/. What reads the registry: the readers
(`ingest.readers`), the content check (`ingest.formats.sniff`), the web upload check and the CLI's
`status` grouping.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.formats import RawDocument
from ingest.formats.limits import DEFAULT_LIMITS, FormatLimits

# Kinds of content sniff_format tells apart: a format accepts some of them for its extensions.
CONTENT_KINDS = frozenset({"pdf", "docx", "zip", "html", "text", "binary"})
# Modules of this package that hold no format.
_NOT_FORMATS = {"registry", "limits", "sniff"}


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may be told besides the path: OCR for scanned PDFs, the size limits, and whether to look
    for tables on PDF pages."""

    ocr: bool = False
    limits: FormatLimits = DEFAULT_LIMITS
    pdf_tables: bool = True


Reader = Callable[[Path, ReadOptions], RawDocument]


@dataclass(frozen=True)
class Format:
    """One readable format.

    name: what RawDocument.format and `planbot status` call it ("pdf"); extensions: lower-case, with the dot,
    the usual one first (the one a mismatched file is told to be renamed to); read: the reader; accepts: the
    sniffed content kinds (CONTENT_KINDS) a file with one of these extensions may hold; content: the kind
    this format's own files sniff as; upload: the extensions the web page accepts for upload (() for none);
    order: where it comes in lists shown to users (lower first).
    """

    name: str
    extensions: tuple[str, ...]
    read: Reader
    accepts: frozenset[str]
    content: str
    upload: tuple[str, ...] = ()
    order: int = 100

    def __post_init__(self) -> None:
        if not self.extensions or any(not e.startswith(".") or e != e.lower() for e in self.extensions):
            raise ValueError(f"format {self.name}: extensions must be lower-case and start with a dot")
        unknown = (set(self.accepts) | {self.content}) - CONTENT_KINDS
        if unknown:
            raise ValueError(f"format {self.name}: unknown content kinds {sorted(unknown)}; use {sorted(CONTENT_KINDS)}")
        if self.content not in self.accepts:
            raise ValueError(f"format {self.name}: its own content kind {self.content!r} must be accepted")
        if not set(self.upload) <= set(self.extensions):
            raise ValueError(f"format {self.name}: upload extensions {self.upload} are not among its extensions")


_formats: dict[str, Format] = {}
_lock = threading.RLock()
_discovered = False


def register(fmt: Format) -> Format:
    """Add a format (or replace the one of the same name); an extension already taken by another format is
    refused, so two formats never compete for one file."""
    with _lock:
        for other in _formats.values():
            taken = set(other.extensions) & set(fmt.extensions)
            if other.name != fmt.name and taken:
                raise ValueError(f"format {fmt.name}: extension {min(taken)} is already read as {other.name}")
        _formats[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Remove a registered format (tests that register one of their own)."""
    with _lock:
        _formats.pop(name, None)


def formats() -> list[Format]:
    """Every registered format, in the order shown to users."""
    _discover()
    with _lock:
        return sorted(_formats.values(), key=lambda f: (f.order, f.name))


def format_for(path: Path | str) -> Format | None:
    """The format a file is read as, from its extension; None when no format reads it."""
    ext = Path(path).suffix.lower()
    return next((f for f in formats() if ext in f.extensions), None)


def extensions() -> list[str]:
    """Every readable extension, sorted."""
    return sorted(e for f in formats() for e in f.extensions)


def upload_extensions() -> tuple[str, ...]:
    """Extensions the web page accepts for upload, in the order shown to users."""
    return tuple(e for f in formats() for e in f.upload)


def accepted_content(ext: str) -> frozenset[str] | None:
    """Sniffed content kinds acceptable in a file named with this extension; None for an unknown one."""
    fmt = next((f for f in formats() if ext.lower() in f.extensions), None)
    return fmt.accepts if fmt else None


def extension_for_content(kind: str) -> str | None:
    """The usual extension for a file whose content sniffs as `kind` (what to rename it to)."""
    return next((f.extensions[0] for f in formats() if f.content == kind), None)


def _discover() -> None:
    """Import every module of ingest.formats once, so each registers its format."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        import ingest.formats as package

        for module in pkgutil.iter_modules(package.__path__):
            if module.name not in _NOT_FORMATS and not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")
        _discovered = True
