"""From files to llama-index Documents and TextNodes: discover, read, clean, describe, chunk."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.schema import Document, TextNode

from ingest.catalog import CATALOG_NAME, infer_metadata, load_catalog
from ingest.chunking import StructureChunker
from ingest.cleaning import clean_text
from ingest.formats.limits import DEFAULT_LIMITS, FormatLimits
from ingest.readers import is_supported, read_document
from ingest.structure import PlanItem, extract_plan
from planbot.errors import UnreadableDocument

# Bump when cleaning or chunking changes what a file turns into: every document is then re-ingested.
PIPELINE_VERSION = "8"


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest and the corpus root its id is relative to."""

    path: Path
    root: Path

    @property
    def doc_id(self) -> str:
        return self.path.relative_to(self.root).as_posix()


@dataclass
class Prepared:
    """A document ready to index: the cleaned Document, its chunks and its version hash."""

    source: SourceFile
    document: Document
    nodes: list[TextNode]
    version: str
    warnings: list[str] = field(default_factory=list)
    plan: list[PlanItem] = field(default_factory=list)


def discover(paths: Iterable[Path]) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """Files to ingest under the given files and folders, and (path, reason) for paths that are missing."""
    found: list[SourceFile] = []
    missing: list[tuple[str, str]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            root = p.resolve()
            for f in sorted(root.rglob("*")):
                if f.name == CATALOG_NAME:
                    continue
                rel = f.relative_to(root)
                readable_or_broken = f.is_file() or (f.is_symlink() and not f.exists())
                if readable_or_broken and is_supported(f) and not any(part.startswith(".") for part in rel.parts):
                    found.append(SourceFile(f, root))
        elif p.is_file() or p.is_symlink():
            found.append(SourceFile(p.resolve(), p.resolve().parent))
        else:
            missing.append((str(p), "no such file or folder"))
    return found, missing


def version_of(source: SourceFile, catalog_entry: dict, settings_key: str) -> str:
    """Version hash of a file: its bytes, its catalog entry and the pipeline's settings."""
    h = hashlib.sha1()
    h.update(f"{PIPELINE_VERSION}\x00{settings_key}\x00{sorted(catalog_entry.items())}\x00".encode())
    with source.path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Preparer:
    """Turns source files into Prepared documents with one chunker and the corpus catalogs."""

    def __init__(self, chunker: StructureChunker, *, max_file_mb: float, ocr: bool, settings_key: str,
                 limits: FormatLimits = DEFAULT_LIMITS, pdf_tables: bool = True, table_rows: bool = True):
        """table_rows=False: no performance framework read from tables (the chunker's own table_rows decides
        how table pieces are embedded)."""
        self.chunker = chunker
        self.limits = limits
        self.pdf_tables = pdf_tables
        self.table_rows = table_rows
        self.max_file_mb = max_file_mb
        self.ocr = ocr
        self.settings_key = settings_key
        self._catalogs: dict[Path, tuple[tuple[int, int] | None, dict[str, dict[str, str]]]] = {}

    def catalog_entry(self, source: SourceFile) -> dict[str, str]:
        """The file's entry in its folder's catalog.toml (re-read when the catalog changes, as under --watch)."""
        try:
            st = (source.root / CATALOG_NAME).stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        cached = self._catalogs.get(source.root)
        if cached is None or cached[0] != stamp:
            cached = self._catalogs[source.root] = (stamp, load_catalog(source.root))
        return cached[1].get(source.doc_id, {})

    def version(self, source: SourceFile) -> str:
        try:
            return version_of(source, self.catalog_entry(source), self.settings_key)
        except OSError as exc:
            raise UnreadableDocument(str(source.path), f"cannot read the file ({exc.strerror or exc})") from exc

    def prepare(self, source: SourceFile, version: str) -> Prepared:
        """Read, clean, describe and chunk one file; raises UnreadableDocument."""
        raw = read_document(source.path, max_file_mb=self.max_file_mb, ocr=self.ocr, limits=self.limits,
                            pdf_tables=self.pdf_tables)
        parts, page_starts, offset = [], [], 0
        for page in raw.pages:
            cleaned = clean_text(page)
            page_starts.append(offset)
            parts.append(cleaned)
            offset += len(cleaned) + 2
        text = "\n\n".join(parts)
        if not text.strip():
            reason = "no text after cleaning" if not raw.paginated else "no text layer on any page: needs OCR"
            raise UnreadableDocument(str(source.path), reason)
        meta = infer_metadata(text, source.path.name, raw.title, known=self.catalog_entry(source))
        meta.update({"doc_id": source.doc_id, "source": source.doc_id, "format": raw.format})
        if raw.paginated:
            meta["page_starts"] = page_starts
        doc = Document(id_=source.doc_id, text=text, metadata=meta)
        doc.excluded_embed_metadata_keys = list(meta)
        doc.excluded_llm_metadata_keys = list(meta)
        nodes = [n for n in self.chunker.get_nodes_from_documents([doc]) if isinstance(n, TextNode)]
        for n in nodes:
            n.metadata["doc_version"] = version
        doc.metadata.pop("page_starts", None)
        return Prepared(source, doc, nodes, version, list(raw.warnings),
                        extract_plan(text, framework=self.table_rows))



__all__ = ["CATALOG_NAME", "Prepared", "Preparer", "SourceFile", "discover", "version_of"]
