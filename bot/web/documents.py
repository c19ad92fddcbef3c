"""The documents tab: what is ingested, and uploads checked, copied under <home>/uploads/ and ingested.

Checks happen before anything is copied so a wrong type or an oversized file is refused with a reason
the user can act on; what the readers cannot turn into text comes back from the IngestReport.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.indexer import IngestReport
from planbot.errors import PlanbotError

UPLOAD_TYPES = (".txt", ".md", ".html", ".pdf", ".docx")
DOC_COLUMNS = ["doc_id", "title", "region", "period", "chunks"]
FAILURE_COLUMNS = ["source", "reason"]


@dataclass
class UploadResult:
    """What an upload did: the stored path, the ingest report, and one line to show."""

    path: Path
    report: IngestReport
    message: str

    @property
    def ok(self) -> bool:
        return not self.report.failed


def document_rows(bot) -> list[list]:
    """One row per ingested document (as `planbot status` lists them)."""
    rows = []
    for d in bot.manifest.documents():
        m = d.metadata
        rows.append([d.doc_id, m.get("title") or d.doc_id, m.get("region") or "", m.get("period") or "", len(d.chunk_ids)])
    return rows


def failure_rows(bot) -> list[list]:
    """Files that could not be ingested, with the reason."""
    return [[s, r] for s, r in bot.manifest.failures()]


def safe_name(name: str) -> str:
    """A file name that stays inside the uploads folder: no directories, no leading dots, plain characters."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "upload"
    return f"{stem[:100]}{suffix}"


def check_upload(path: Path, max_file_mb: float) -> None:
    """Refuse what cannot be ingested before copying it: wrong type, empty, too big."""
    suffix = path.suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise PlanbotError(
            f"{path.name}: file type {suffix or '(none)'} is not accepted; upload one of {', '.join(UPLOAD_TYPES)}"
        )
    size = path.stat().st_size
    if size == 0:
        raise PlanbotError(f"{path.name}: the file is empty")
    if size > max_file_mb * 1024 * 1024:
        raise PlanbotError(f"{path.name}: {size / 1048576:.1f} MB is over the {max_file_mb:g} MB limit")


def ingest_upload(bot, upload: Path, *, on_file: Callable[[str, str], None] | None = None) -> UploadResult:
    """Check, copy under <home>/uploads/ and ingest one file, then reload the service so it can answer."""
    upload = Path(upload)
    check_upload(upload, bot.settings.max_file_mb)
    target_dir = Path(bot.settings.home) / "uploads"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / safe_name(upload.name)
    shutil.copyfile(upload, target)
    report = bot.indexer().ingest([target], progress=False, on_file=on_file)
    bot.refresh()
    if report.failed:
        reasons = "; ".join(f"{s}: {r}" for s, r in report.failed)
        message = f"Gagal / Failed — {reasons}"
    else:
        status = "baru / new" if report.new else "diperbarui / updated" if report.updated else "tidak berubah / unchanged"
        message = f"{target.name}: {status} ({report.chunks_embedded} chunks embedded in {report.seconds:.1f}s)"
        if report.warnings:
            message += " — " + "; ".join(w for _, w in report.warnings)
    return UploadResult(target, report, message)
