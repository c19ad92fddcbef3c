"""The documents tab: what is ingested, and uploads checked, copied under <home>/uploads/ and ingested.

Only files in Gradio's upload folder are taken: the app is mounted with `gr.mount_gradio_app`, which skips
Gradio's own check that an event's file was uploaded, so `only_uploaded_files` keeps the upload component
from copying any other path into the cache and `ingest_upload` refuses it (and logs it). Checks happen
before anything is copied so a wrong type or an oversized file is refused with a reason the user can act
on; what the readers cannot turn into text comes back from the IngestReport. Uploads get their own ids,
`uploads/<name>`: an upload never replaces a document of the corpus, only an earlier upload of the same
name. A refused or failed upload leaves nothing behind, neither in <home>/uploads/ nor in Gradio's cache.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from gradio.data_classes import FileData
from gradio.utils import get_upload_folder

from index.indexer import IngestReport
from ingest.formats.registry import upload_extensions
from planbot.errors import PlanbotError

log = logging.getLogger(__name__)

UPLOADS = "uploads"  # the folder under <home>, and the namespace of upload ids
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


def upload_folder() -> Path:
    """Where Gradio stores uploaded files (GRADIO_TEMP_DIR, else <tmp>/gradio), symlinks resolved."""
    return Path(get_upload_folder()).resolve()


def in_folder(path: Path | str, folder: Path) -> bool:
    """True when `path`, with symlinks followed, lies inside `folder`."""
    try:
        return Path(path).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL in the name
        return False


def only_uploaded_files(component: gr.File) -> gr.File:
    """Make a gr.File copy into Gradio's cache only what is already there (an upload through the page).

    Gradio copies the file an event names into its cache before the event's function runs, and only
    refuses paths outside its upload folder in an app started with `launch()`. Any other path is passed
    on as given, uncopied, for `ingest_upload` to refuse. The component's own type check is left to
    `ingest_upload` too: it says why in the status line and removes what it refuses from the cache (gr.File's
    check raises first, leaves the file in the cache, and adds an empty temp file there per event).
    Instance attributes, not a subclass: Gradio writes a .pyi stub beside every module defining a component.
    """
    copy, copy_async = component.move_resource_to_block_cache, component.async_move_resource_to_block_cache

    def move(url_or_file_path: str | Path | None) -> str | None:
        if url_or_file_path is not None and not in_folder(url_or_file_path, upload_folder()):
            return str(url_or_file_path)
        return copy(url_or_file_path)

    async def move_async(url_or_file_path: str | Path | None) -> str | None:
        if url_or_file_path is not None and not in_folder(url_or_file_path, upload_folder()):
            return str(url_or_file_path)
        return await copy_async(url_or_file_path)

    def preprocess(payload: FileData | None) -> str | None:
        return None if payload is None else str(payload.path)

    component.move_resource_to_block_cache = move
    component.async_move_resource_to_block_cache = move_async
    component.preprocess = preprocess
    return component


def document_rows(bot) -> list[list]:
    """One row per ingested document (as `planbot status` lists them)."""
    rows = []
    for d in bot.manifest.summaries():  # metadata and counts: no document's text is read
        m = d.metadata
        rows.append([d.doc_id, m.get("title") or d.doc_id, m.get("region") or "", m.get("period") or "", d.chunks])
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


def check_uploaded(path: Path, folder: Path) -> None:
    """Refuse (and log) a file that was not uploaded through the page: anything outside Gradio's upload folder."""
    if not in_folder(path, folder):
        log.warning("refused an upload event naming %s: not in Gradio's upload folder %s", path, folder)
        raise PlanbotError(
            f"{path.name or path}: refused — only files uploaded through this page are accepted; "
            "choose the file with the upload button"
        )


def check_upload(path: Path, max_file_mb: float) -> None:
    """Refuse what cannot be ingested before copying it: gone, wrong type, empty, too big."""
    suffix = path.suffix.lower()
    if not path.is_file():  # e.g. refused a moment ago (and so removed), then sent again
        raise PlanbotError(f"{path.name}: the uploaded file is no longer on the server; choose it again")
    accepted = upload_extensions()  # the format registry's
    if suffix not in accepted:
        raise PlanbotError(
            f"{path.name}: file type {suffix or '(none)'} is not accepted; upload one of {', '.join(accepted)}"
        )
    size = path.stat().st_size
    if size == 0:
        raise PlanbotError(f"{path.name}: the file is empty")
    if size > max_file_mb * 1024 * 1024:
        raise PlanbotError(f"{path.name}: {size / 1048576:.1f} MB is over the {max_file_mb:g} MB limit")


def discard_from_cache(path: Path, folder: Path) -> None:
    """Delete a refused upload from Gradio's cache (and its folder, when empty); never a file outside it."""
    if not in_folder(path, folder) or path.is_symlink():
        return
    path = path.resolve()
    path.unlink(missing_ok=True)
    parent = path.parent
    if parent != folder.resolve() and parent.is_relative_to(folder.resolve()):
        try:
            parent.rmdir()
        except OSError:
            pass  # other files in it


def upload_id(name: str) -> str:
    """The document id an uploaded file gets: its own namespace, apart from the corpus's ids."""
    return f"{UPLOADS}/{safe_name(name)}"


def ingest_upload(bot, upload: Path, *, folder: Path | None = None,
                  on_file: Callable[[str, str], None] | None = None) -> UploadResult:
    """Check, copy under <home>/uploads/ and ingest one file, then reload the service so it can answer.

    `folder` is Gradio's upload folder (default: where Gradio stores uploads); files elsewhere are refused.
    """
    upload, folder = Path(upload), (folder or upload_folder())
    check_uploaded(upload, folder)
    try:
        result = _ingest_checked(bot, upload, on_file)
    except PlanbotError:
        discard_from_cache(upload, folder)
        raise
    if not result.ok:
        discard_from_cache(upload, folder)
    return result


def _ingest_checked(bot, upload: Path, on_file: Callable[[str, str], None] | None) -> UploadResult:
    check_upload(upload, bot.settings.max_file_mb)
    home = Path(bot.settings.home)
    target = home / UPLOADS / safe_name(upload.name)
    doc_id = upload_id(upload.name)
    earlier = bot.manifest.get(doc_id)
    if earlier and Path(earlier.source).resolve() != target.resolve():
        raise PlanbotError(
            f"{upload.name}: the document {doc_id} was not uploaded here (it comes from {earlier.source}); "
            "rename the file and upload it again"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = target.with_name(f".previous-{target.name}")  # hidden: no ingest of the folder picks it up
    if kept.exists() and not target.exists():  # a server killed mid-upload: the earlier upload back first
        os.replace(kept, target)
    if target.exists():
        os.replace(target, kept)
    try:
        shutil.copyfile(upload, target)
        with closing(bot.indexer()) as indexer:
            report = indexer.ingest([target], progress=False, on_file=on_file, ids_from=home)
    except BaseException:
        _put_back(target, kept)
        raise
    finally:
        bot.refresh()
    if report.failed:
        _put_back(target, kept)
        reasons = "; ".join(f"{s}: {r}" for s, r in report.failed)
        return UploadResult(target, report, f"Gagal / Failed — {reasons}")
    kept.unlink(missing_ok=True)
    if report.new:
        status = "baru / new"
    elif report.updated:
        status = "diperbarui / updated your earlier upload"
    else:
        status = "tidak berubah / unchanged: the same as your earlier upload"
    message = f"{doc_id}: {status} ({report.chunks_embedded} chunks embedded in {report.seconds:.1f}s)"
    if report.warnings:
        message += " — " + "; ".join(w for _, w in report.warnings)
    return UploadResult(target, report, message)


def _put_back(target: Path, kept: Path) -> None:
    """Undo the copy of a failed upload: the earlier upload of that name back in place, or nothing."""
    if kept.exists():
        os.replace(kept, target)
    else:
        target.unlink(missing_ok=True)
