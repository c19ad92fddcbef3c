"""Ingest into the index: embed new chunks, swap document versions atomically, keep BM25 in step."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from tqdm import tqdm

from index.embedders import PlanbotEmbedding
from index.lexical import LexicalIndex, analyze, fingerprint
from index.manifest import Manifest
from index.store import ChromaStore
from ingest.chunking import StructureChunker, embed_text
from ingest.pipeline import Prepared, Preparer, SourceFile, discover
from planbot.errors import IndexBusy, UnreadableDocument
from planbot.settings import Settings


@dataclass
class IngestReport:
    """What one ingest did, for people (summary line) and machines (--json)."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0
    tokens_embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{len(self.new)} new", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged"]
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts) + f" ({self.chunks_embedded} chunks embedded in {self.seconds:.1f}s)"

    def as_dict(self) -> dict:
        return {
            "new": self.new, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
            "warnings": [{"source": s, "warning": w} for s, w in self.warnings],
            "chunks_embedded": self.chunks_embedded, "chunks_reused": self.chunks_reused,
            "tokens_embedded": self.tokens_embedded, "seconds": round(self.seconds, 3),
            "embed_seconds": round(self.embed_seconds, 3),
        }


def lexical_path(settings: Settings) -> Path:
    return settings.lexical_dir / f"{settings.collection}.json"


def build_lexical(store: ChromaStore, manifest: Manifest) -> LexicalIndex:
    """BM25 over the visible chunks of the collection."""
    ids = sorted(manifest.visible_chunk_ids())
    chunks = store.get(ids)
    return LexicalIndex(
        [c.id for c in chunks],
        [analyze(embed_text(c.text, c.metadata)) for c in chunks],
        [c.metadata.get("region", "") for c in chunks],
        [c.metadata.get("doc_id", "") for c in chunks],
    )


def load_lexical(settings: Settings, store: ChromaStore, manifest: Manifest) -> LexicalIndex:
    """The saved BM25 index when it matches the visible chunks, else rebuilt and saved."""
    path = lexical_path(settings)
    index = LexicalIndex.load(path, fingerprint(manifest.visible_chunk_ids()))
    if index is None:
        index = build_lexical(store, manifest)
        index.save(path)
    return index


class Indexer:
    """Writes documents into one collection: Chroma for vectors, the manifest for versions, BM25 beside."""

    def __init__(self, settings: Settings, embedder: PlanbotEmbedding):
        self.settings = settings
        self.embedder = embedder
        self.store = ChromaStore(settings, embedder.model_name, embedder.dim)
        self.manifest = Manifest(settings.manifest_path, settings.collection)
        chunker = StructureChunker(token_counter=embedder.token_count, max_tokens=settings.chunk_tokens)
        self.preparer = Preparer(
            chunker,
            max_file_mb=settings.max_file_mb,
            ocr=settings.ocr,
            settings_key=f"{embedder.model_name}/{settings.chunk_tokens}",
        )
        self.lock = FileLock(str(settings.home / f"{settings.collection}.ingest.lock"))

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        prune: bool = False,
        progress: bool = True,
        wait: float = 600,
        on_file: Callable[[str, str], None] | None = None,
    ) -> IngestReport:
        """Ingest files and folders; unchanged files are skipped, changed ones swapped in whole."""
        try:
            with self.lock.acquire(timeout=wait):
                return self._ingest(list(paths), prune=prune, progress=progress, on_file=on_file)
        except Timeout as exc:
            raise IndexBusy(
                f"another ingest is writing collection {self.settings.collection!r} (lock {self.lock.lock_file}); "
                "wait for it to finish and run again"
            ) from exc

    def _ingest(self, paths: list[Path], *, prune: bool, progress: bool, on_file) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        sources, missing = discover(paths)
        report.failed.extend(missing)
        committed = self.manifest.hashes()
        bar = tqdm(sources, desc="Ingesting", unit="file", disable=not progress, leave=False)
        for source in bar:
            bar.set_postfix_str(source.doc_id[-40:])
            status = self._ingest_one(source, committed, report)
            if on_file:
                on_file(source.doc_id, status)
        if prune:
            self._prune(report)
        self._sweep_orphans()
        load_lexical(self.settings, self.store, self.manifest)
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_one(self, source: SourceFile, committed: dict[str, str], report: IngestReport) -> str:
        try:
            version = self.preparer.version(source)
            if committed.get(source.doc_id) == version:
                report.unchanged.append(source.doc_id)
                self.manifest.clear_failure(source.doc_id)
                return "unchanged"
            prepared = self.preparer.prepare(source, version)
        except UnreadableDocument as exc:
            report.failed.append((source.doc_id, exc.reason))
            self.manifest.record_failure(source.doc_id, exc.reason)
            return "failed"
        report.warnings.extend((source.doc_id, w) for w in prepared.warnings)
        self._write(prepared, report)
        if source.doc_id in committed:
            report.updated.append(source.doc_id)
            return "updated"
        report.new.append(source.doc_id)
        return "new"

    def _write(self, prepared: Prepared, report: IngestReport) -> None:
        """Pending row, new chunks in, commit, old chunks out: readers see the old or the new version."""
        doc_id = prepared.source.doc_id
        nodes = prepared.nodes
        ids = [n.node_id for n in nodes]
        old = self.manifest.get(doc_id)
        meta = dict(prepared.document.metadata)
        path = str(prepared.source.path)
        self.manifest.begin(doc_id, path, prepared.version, ids, meta, prepared.document.text)
        have = self.store.existing_ids(ids)
        fresh = [n for n in nodes if n.node_id not in have]
        reused = [n for n in nodes if n.node_id in have]
        if reused:
            self.store.update_metadata([n.node_id for n in reused], [n.metadata for n in reused])
        texts = [embed_text(n.text, n.metadata) for n in fresh]
        t0 = time.perf_counter()
        vectors = self.embedder.get_text_embedding_batch(texts) if texts else []
        report.embed_seconds += time.perf_counter() - t0
        report.tokens_embedded += sum(self.embedder.token_count(t) for t in texts)
        self.store.upsert([n.node_id for n in fresh], [n.text for n in fresh], [n.metadata for n in fresh], vectors)
        report.chunks_embedded += len(fresh)
        report.chunks_reused += len(reused)
        plan = [(i.kind, i.number, i.parent, i.text, i.start, i.end) for i in prepared.plan]
        self.manifest.commit(doc_id, path, prepared.version, ids, meta, prepared.document.text, plan)
        if old:
            self.store.delete(set(old.chunk_ids) - set(ids))

    def _prune(self, report: IngestReport) -> None:
        """Remove documents whose files are gone."""
        for doc in self.manifest.documents():
            if not Path(doc.source).exists():
                self.store.delete(self.manifest.remove(doc.doc_id))
                report.removed.append(doc.doc_id)

    def _sweep_orphans(self) -> None:
        """Delete chunks no document version refers to (left by an interrupted ingest)."""
        known = self.manifest.known_chunk_ids()
        orphans = [i for i in self.store.all_ids() if i not in known]
        if orphans:
            self.store.delete(orphans)

    def rebuild(self) -> None:
        """Forget the collection entirely (vectors, manifest, BM25) so the next ingest starts clean."""
        with self.lock.acquire(timeout=600):
            self.store.drop()
            self.manifest.drop_collection()
            lexical_path(self.settings).unlink(missing_ok=True)
            self.store = ChromaStore(self.settings, self.embedder.model_name, self.embedder.dim)
