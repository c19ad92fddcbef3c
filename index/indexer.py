"""Ingest into the index: embed new chunks, swap document versions atomically, keep BM25 in step.

Crash safety (a SIGKILL may land anywhere): every step below leaves each document at its old or its
new version, and the next ingest finishes or undoes the rest.

  1. manifest.begin     the new chunk ids are recorded as pending before any of them reach the store
  2. store.upsert       new chunks (ids scoped to the version, so the old version's rows are untouched)
  3. manifest.commit    one SQLite transaction: new chunks visible, old ones moved to retired_chunks
  4. store.delete       retired chunks out, then forgotten by the manifest
  5. BM25 saved         atomically, with a fingerprint of the visible chunks; readers rebuild a stale one

The next ingest (under the lock) first rolls back pending versions and deletes retired chunks.
With settings.shared_ingest (several machines, one Chroma server: index/shared.py), a document version is
claimed before it is written, step 3 is preceded by the commit point across machines (one upsert of the
document's record in the shared registry), and the store's leftovers (old versions, a dead writer's chunks)
are deleted only by the end-of-run sweep, which asks the registry and the live claims what is still needed.
With settings.ingest_workers > 1, files are read, chunked and embedded in worker processes (index/parallel.py)
but still written only here, one at a time, by the same steps.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from llama_index.core.schema import TextNode
from tqdm import tqdm

from index.embedders import PlanbotEmbedding
from index.lexical import (
    WORDS_VERSION,
    LexicalBackend,
    analyze,
    backend_class,
    document_words,
    lexical_path,
    remove_lexical,
    sorted_fingerprint,
)
from index.locking import clear_owner, lock_path, wait_for_owner, write_owner
from index.manifest import Manifest
from index.shared import SharedIngest
from index.store import CollectionMissing, VectorStore, drop_store, make_store
from ingest.chunking import StructureChunker, embed_text
from ingest.formats.limits import FormatLimits
from ingest.pipeline import Prepared, Preparer, SourceFile, discover
from planbot.errors import ConfigError, IndexBusy, UnreadableDocument
from planbot.settings import Settings

LOCK_GRACE_S = 0.5
LEASE_LOST = ("its claim expired while it was being written and another worker took it over; raise "
              "PLANBOT_CLAIM_LEASE_S")
NO_PASSAGES = ("no passages to index: after cleaning the text holds only headings (or nothing under them); "
               "add the text that belongs under the headings")


@dataclass
class IngestReport:
    """What one ingest did, for people (summary line) and machines (--json)."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # shared ingest: another machine has it
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
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts) + f" ({self.chunks_embedded} chunks embedded in {self.seconds:.1f}s)"

    def as_dict(self) -> dict:
        return {
            "new": self.new, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
            "warnings": [{"source": s, "warning": w} for s, w in self.warnings],
            "chunks_embedded": self.chunks_embedded, "chunks_reused": self.chunks_reused,
            "tokens_embedded": self.tokens_embedded, "seconds": round(self.seconds, 3),
            "embed_seconds": round(self.embed_seconds, 3),
        }


def stored_id(node_id: str, version: str) -> str:
    """The store id of a chunk: its content id scoped to the document version.

    Two versions of a document never share a row, so writing the new version (metadata included)
    cannot change what readers of the old one see before the commit.
    """
    return f"{node_id}-{version[:16]}"


def content_key(chunk_id: str) -> str:
    """The content id inside a store id (ids written before version scoping are content ids)."""
    return chunk_id.split("-", 1)[0]


def failpoint(name: str) -> None:
    """Test hook: SIGKILL this process at the named step when PLANBOT_FAILPOINT names it (or pause there for a
    minute when PLANBOT_PAUSEPOINT does).

    Used by tests/integration/test_crash_safety.py to kill an ingest at an exact step of _write;
    a no-op otherwise.
    """
    if os.environ.get("PLANBOT_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("PLANBOT_PAUSEPOINT") == name:  # hold still here, so a test can kill from outside
        time.sleep(60)


def build_lexical(store: VectorStore, manifest: Manifest, backend: str = "builtin") -> LexicalBackend:
    """BM25 over the visible chunks of the collection, with the named backend."""
    ids, terms, regions, doc_ids = [], [], [], []
    visible = sorted(manifest.visible_chunk_ids())
    for i in range(0, len(visible), store.max_batch):  # a page of texts at a time, never the whole corpus's
        for c in store.get(visible[i : i + store.max_batch]):
            ids.append(c.id)
            terms.append(analyze(embed_text(c.text, c.metadata)))
            regions.append(c.metadata.get("region", ""))
            doc_ids.append(c.metadata.get("doc_id", ""))
    return backend_class(backend).build(ids, terms, regions, doc_ids)


def load_lexical(settings: Settings, store: VectorStore, manifest: Manifest) -> LexicalBackend:
    """The saved BM25 index (of PLANBOT_LEXICAL's backend) when it matches the visible chunks, else rebuilt
    and saved."""
    path = lexical_path(settings)
    index = backend_class(settings.lexical).load(path, sorted_fingerprint(manifest.sorted_visible_chunk_ids()))
    if index is None:
        index = build_lexical(store, manifest, settings.lexical)
        index.save(path)
    return index


def settings_key(settings: Settings, model_name: str) -> str:
    """The settings that change what a file turns into, for its version hash: a change re-ingests it (a
    setting at its default adds nothing, so existing indexes keep their versions)."""
    return (f"{model_name}/{settings.chunk_tokens}" + ("" if settings.pdf_tables else "/no-pdf-tables")
            + ("" if settings.table_rows else "/no-table-rows"))


def make_preparer(settings: Settings, embedder: PlanbotEmbedding, version_salt: str = "") -> Preparer:
    """The Preparer for this collection: chunks bounded in the embedder's own tokens, the settings' limits.
    version_salt: part of every file's version (see Indexer)."""
    chunker = StructureChunker(token_counter=embedder.token_count, max_tokens=settings.chunk_tokens,
                               table_rows=settings.table_rows)
    return Preparer(
        chunker,
        max_file_mb=settings.max_file_mb,
        ocr=settings.ocr,
        settings_key=settings_key(settings, embedder.model_name) + (f"/{version_salt}" if version_salt else ""),
        limits=FormatLimits.from_settings(settings),
        pdf_tables=settings.pdf_tables,
        table_rows=settings.table_rows,
    )


def read_failure(exc: Exception) -> str:
    """Why a file could not be read, in one line (no stack trace)."""
    if isinstance(exc, UnreadableDocument):
        return exc.reason
    return f"could not be read ({type(exc).__name__}: {exc})"[:300]


def prepare_file(preparer: Preparer, source: SourceFile, version: str) -> Prepared | str:
    """The file read, cleaned and chunked, or why it cannot be ingested (one line)."""
    try:
        prepared = preparer.prepare(source, version)
    except Exception as exc:  # noqa: BLE001  (a reader library choking on one file must not stop the rest)
        return read_failure(exc)
    # committed without passages, it would be listed as ingested yet no question could ever find it
    return prepared if prepared.nodes else NO_PASSAGES


def embed_nodes(embedder: PlanbotEmbedding, nodes: list[TextNode]) -> tuple[list[list[float]], int, float]:
    """Passage vectors for the nodes (their embedding texts), with the tokens fed to the model and the seconds."""
    texts = [embed_text(n.text, n.metadata) for n in nodes]
    if not texts:
        return [], 0, 0.0
    t0 = time.perf_counter()
    vectors = embedder.get_text_embedding_batch(texts)
    seconds = time.perf_counter() - t0
    return vectors, sum(embedder.token_count(t) for t in texts), seconds


class Indexer:
    """Writes documents into one collection: Chroma for vectors, the manifest for versions, BM25 beside."""

    def __init__(self, settings: Settings, embedder: PlanbotEmbedding, *, check_model: bool = True,
                 store: VectorStore | None = None, version_salt: str = ""):
        """check_model=False skips opening an existing collection now (for --rebuild, which drops it anyway).

        store: the process's open store to write through (the chat service's, for uploads) instead of a
        client of the indexer's own, which would keep chromadb's shared in-memory state from being reopened.
        version_salt: joined to every file's version, so a new salt re-prepares every file (an eval index
        built from a copy of an older one with other ingest code); chunks whose text is unchanged keep their
        embeddings.
        """
        self.settings = settings
        self.embedder = embedder
        self._shared_store = store is not None
        self._store: VectorStore | None = store if store is not None else (
            self._open_existing() if check_model else None)
        self.manifest = Manifest(settings.manifest_path, settings.collection)
        self.preparer = make_preparer(settings, embedder, version_salt)
        settings.home.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(str(lock_path(settings)))
        self.shared: SharedIngest | None = None  # opened under the lock by each shared ingest

    @property
    def store(self) -> VectorStore:
        """The vector store, opened on first use: inside ingest that is under the lock, so two first
        ingests never race to create the collection."""
        if self._store is None:
            self._store = make_store(self.settings, self.embedder.model_name, self.embedder.dim)
        return self._store

    def _open_existing(self) -> VectorStore | None:
        """The collection when it exists, so a model mismatch is reported now; None when it does not (it is
        created under the lock, where two first ingests cannot race)."""
        try:
            return make_store(self.settings, self.embedder.model_name, self.embedder.dim, create=False)
        except CollectionMissing:
            return None

    def _reopen_store(self) -> None:
        """Drop a store opened before this lock was taken (a watcher's, between its ingests).

        An embedded Chroma client keeps its vector index in memory and does not see what another
        process wrote since it opened; the next use opens it afresh from the files. A shared store is
        reopened in place, for its other users too.
        """
        if self._shared_store and self._store is not None:
            self._store.reopen()
        elif self._store is not None:
            self._store.close()
            self._store = None

    def close(self) -> None:
        """Let go of the store (unless it was handed in) and the manifest connection."""
        if self._store is not None and not self._shared_store:
            self._store.close()
            self._store = None
        self._close_shared()
        self.manifest.close()

    def _close_shared(self) -> None:
        if self.shared is not None:
            self.shared.close()
            self.shared = None

    @contextmanager
    def locked(self, wait: float = 600, on_wait: Callable[[int | None], None] | None = None) -> Iterator[None]:
        """Hold the collection's ingest lock: wait up to `wait` seconds (telling on_wait who holds it), else IndexBusy.

        The lock is an OS file lock (flock), so a killed holder releases it at once.
        """
        try:
            self.lock.acquire(timeout=LOCK_GRACE_S)  # a moment's grace: another process may just be finishing
        except Timeout:
            holder = wait_for_owner(self.settings)
            if on_wait:
                on_wait(holder)
            try:
                self.lock.acquire(timeout=wait)
            except Timeout as exc:
                who = f"pid {holder}" if holder else "another process"
                raise IndexBusy(
                    f"another ingest ({who}) is still writing collection {self.settings.collection!r} after "
                    f"{wait:g} s of waiting; run again when it has finished (or wait longer with --wait)"
                ) from exc
        try:
            write_owner(self.settings)
            yield
        finally:
            clear_owner(self.settings)
            self.lock.release()

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        prune: bool = False,
        prune_within: Iterable[Path] | None = None,
        rebuild: bool = False,
        progress: bool = True,
        wait: float = 600,
        on_wait: Callable[[int | None], None] | None = None,
        on_file: Callable[[str, str], None] | None = None,
        ids_from: Path | None = None,
    ) -> IngestReport:
        """Ingest files and folders; unchanged files are skipped, changed ones swapped in whole.

        With rebuild, the collection is dropped first, under the same lock (no other ingest can slip in).
        prune_within limits --prune to documents whose files were under these paths (the watcher's folders).
        ids_from: document ids are the files' paths relative to this folder (uploads: `uploads/<name>`, kept
        apart from the corpus's ids) instead of relative to the folder given, or a file's own folder.
        """
        scope = [Path(p).resolve() for p in prune_within] if prune_within is not None else None
        if prune and self.settings.shared_ingest:
            raise ConfigError(
                "--prune is refused with PLANBOT_SHARED_INGEST: a file gone from this machine may still be "
                "another machine's to ingest. Remove documents from a shared collection by rebuilding it "
                "(planbot ingest --rebuild, on one machine, then ingest again everywhere)")
        with self.locked(wait, on_wait):
            self._reopen_store()
            try:
                if self.settings.shared_ingest:
                    self._open_shared(rebuild)
                if rebuild:
                    self._rebuild()
                return self._ingest(list(paths), prune=prune, scope=scope, progress=progress, on_file=on_file,
                                    ids_from=ids_from)
            finally:
                self._close_shared()

    def _open_shared(self, rebuild: bool) -> None:
        """Join the shared registry (index/shared.py); refuse a collection written without it."""
        self.shared = SharedIngest(self.settings)
        if self.shared.fresh and not rebuild and self.store.count() > 0:
            raise ConfigError(
                f"collection {self.settings.collection!r} on {self.settings.chroma_url} holds chunks ingested "
                "without PLANBOT_SHARED_INGEST, which no machine's shared registry names: ingest it again with "
                "--rebuild (which drops it for every machine), or name a new --collection")

    def _ingest(self, paths: list[Path], *, prune: bool, scope: list[Path] | None, progress: bool,
                on_file, ids_from: Path | None = None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        self._recover()
        if self.shared is not None:
            self.shared.sync(self.manifest)  # other machines' commits are unchanged here, not ingested again
        sources, missing = discover(paths)
        if ids_from is not None:
            root = Path(ids_from).resolve()
            sources = [SourceFile(s.path, root) if s.path.is_relative_to(root) else s for s in sources]
        report.failed.extend(missing)
        committed = self.manifest.hashes()
        bar = tqdm(total=len(sources), desc="Ingesting", unit="file", disable=not progress, leave=False)

        def done(doc_id: str, status: str) -> None:
            bar.set_postfix_str(doc_id[-40:])
            bar.update()
            if on_file:
                on_file(doc_id, status)

        if self.settings.ingest_workers > 1:
            self._ingest_in_workers(sources, committed, report, done)
        else:
            for source in sources:
                done(source.doc_id, self._ingest_one(source, committed, report))
        bar.close()
        if prune:
            self._prune(report, scope)
        self._forget_stale_failures(paths, sources)
        self._sweep_orphans()  # shared: syncs first, so what other machines committed meanwhile is here
        failpoint("before_lexical")
        load_lexical(self.settings, self.store, self.manifest)
        report.seconds = time.perf_counter() - started
        return report

    def _recover(self) -> None:
        """Finish what an interrupted ingest left: roll back pending versions, delete retired chunks.

        Shared: the store's copies are left to the sweep (another machine may have committed the same
        version, whose chunk ids are the same)."""
        self.manifest.rollback_pending()
        if self.shared is not None:
            self.manifest.clear_retired(self.manifest.retired_chunk_ids())
            return
        self._purge_retired()

    def _purge_retired(self) -> None:
        """Delete retired chunks from the store, then forget them (a kill in between repeats a no-op delete)."""
        retired = self.manifest.retired_chunk_ids() - self.manifest.visible_chunk_ids()
        if retired:
            ids = sorted(retired)
            self.store.delete(ids)
            self.manifest.clear_retired(ids)

    def _forget_stale_failures(self, paths: list[Path], sources: list[SourceFile]) -> None:
        """Drop failures of files that are gone, or no longer ingested from a folder this run scanned."""
        seen = {str(s.path) for s in sources}
        roots = [Path(p).resolve() for p in paths if Path(p).is_dir()]
        for failure in self.manifest.failure_records():
            if failure.path is None or failure.path in seen:
                continue
            path = Path(failure.path)
            gone = not (path.exists() or path.is_symlink())
            if gone or any(path.is_relative_to(root) for root in roots):
                self.manifest.clear_failure(failure.source)

    def _ingest_one(self, source: SourceFile, committed: dict[str, str], report: IngestReport) -> str:
        version, status = self._changed_version(source, committed, report)
        if version is None:
            return status
        return self._commit(source, prepare_file(self.preparer, source, version), committed, report)

    def _changed_version(self, source: SourceFile, committed: dict[str, str],
                         report: IngestReport) -> tuple[str | None, str]:
        """(its version, "") when the file must be (re)ingested, else (None, "unchanged" or "failed"), reported."""
        try:
            version = self.preparer.version(source)
        except Exception as exc:  # noqa: BLE001  (as prepare_file: one bad file must not stop the rest)
            return None, self._failed(source, read_failure(exc), report)
        if committed.get(source.doc_id) == version:
            report.unchanged.append(source.doc_id)
            self.manifest.clear_failure(source.doc_id)
            return None, "unchanged"
        if self.shared is not None:
            won, why = self.shared.claim(source.doc_id, version)
            if not won:
                report.skipped.append((source.doc_id, why))
                return None, "skipped"
        return version, ""

    def _ingest_in_workers(self, sources: list[SourceFile], committed: dict[str, str], report: IngestReport,
                           done: Callable[[str, str], None]) -> None:
        """Changed files prepared and embedded in settings.ingest_workers processes; this process, the one
        writer, commits each as it comes back (the same _write as a serial ingest)."""
        from index.parallel import Job, embedded_in_workers

        def jobs() -> Iterator[Job]:
            for source in sources:
                version, status = self._changed_version(source, committed, report)
                if version is None:
                    done(source.doc_id, status)
                    continue
                old = self.manifest.get(source.doc_id)
                yield Job(source, version, frozenset(content_key(i) for i in old.chunk_ids) if old else frozenset())

        for result in embedded_in_workers(self.settings, jobs(), self.settings.ingest_workers):
            report.tokens_embedded += result.tokens
            report.embed_seconds += result.seconds
            status = self._commit(result.source, result.prepared, committed, report, result.vectors)
            done(result.source.doc_id, status)

    def _commit(self, source: SourceFile, prepared: Prepared | str, committed: dict[str, str], report: IngestReport,
                vectors: dict[str, list[float]] | None = None) -> str:
        """Write a prepared file (or record why it could not be prepared); its status for the report."""
        if isinstance(prepared, str):
            if self.shared is not None:
                self.shared.release(source.doc_id)
            return self._failed(source, prepared, report)
        report.warnings.extend((source.doc_id, w) for w in prepared.warnings)
        if not self._write(prepared, report, vectors or {}):
            report.skipped.append((source.doc_id, LEASE_LOST))
            return "skipped"
        if source.doc_id in committed:
            report.updated.append(source.doc_id)
            return "updated"
        report.new.append(source.doc_id)
        return "new"

    def _failed(self, source: SourceFile, reason: str, report: IngestReport) -> str:
        report.failed.append((source.doc_id, reason))
        self.manifest.record_failure(source.doc_id, reason, str(source.path))
        return "failed"

    def _write(self, prepared: Prepared, report: IngestReport, embedded: dict[str, list[float]]) -> bool:
        """Pending row, new chunks in, commit, old chunks out: readers see the old or the new version.
        False (nothing committed) when a shared ingest's claim was lost meanwhile.

        Chunks whose content the old version already had keep their embedding (copied from the old
        row, not recomputed) but get a new, version-scoped row: the old rows stay exactly as they were.
        embedded: vectors a worker already made, by node id; the other fresh chunks are embedded here.
        """
        doc_id = prepared.source.doc_id
        nodes = prepared.nodes
        ids = [stored_id(n.node_id, prepared.version) for n in nodes]
        old = self.manifest.get(doc_id)
        meta = dict(prepared.document.metadata)
        path = str(prepared.source.path)
        self.manifest.begin(doc_id, path, prepared.version, ids, meta, prepared.document.text)
        failpoint("after_begin")
        by_key = {content_key(i): i for i in (old.chunk_ids if old else [])}
        known = self._embeddings([by_key[n.node_id] for n in nodes if n.node_id in by_key])
        stored = [known.get(by_key.get(n.node_id, "")) for n in nodes]
        reused = sum(v is not None for v in stored)
        vectors = [v if v is not None else embedded.get(n.node_id) for v, n in zip(stored, nodes, strict=True)]
        fresh = [k for k, v in enumerate(vectors) if v is None]
        made, tokens, seconds = embed_nodes(self.embedder, [nodes[k] for k in fresh])
        for k, vector in zip(fresh, made, strict=True):
            vectors[k] = vector
        report.embed_seconds += seconds
        report.tokens_embedded += tokens
        self.store.upsert(ids, [n.text for n in nodes], [n.metadata for n in nodes], vectors)
        report.chunks_embedded += len(nodes) - reused
        report.chunks_reused += reused
        failpoint("after_upsert")
        plan = [(i.kind, i.number, i.parent, i.text, i.start, i.end, i.fields) for i in prepared.plan]
        if self.shared is not None:
            if not self.shared.commit(doc_id, path, prepared.version, ids, meta, prepared.document.text, plan):
                self._recover()  # the claim was lost: this version is undone here as an interrupted one
                return False
            failpoint("after_shared_commit")
        retired = self.manifest.commit(doc_id, path, prepared.version, ids, meta, prepared.document.text, plan,
                                       words=(WORDS_VERSION, document_words(prepared.document.text, meta)))
        failpoint("after_commit")
        if retired and self.shared is not None:
            self.manifest.clear_retired(retired)  # the sweep deletes them once no record or live claim needs them
        elif retired:
            self.store.delete(retired)
            failpoint("after_delete")
            self.manifest.clear_retired(retired)
        return True

    def _embeddings(self, ids: list[str]) -> dict[str, list[float]]:
        """Stored embeddings by chunk id (ids missing from the store are left out)."""
        return self.store.embeddings(ids)  # those the store cannot give back are embedded again

    def _prune(self, report: IngestReport, scope: list[Path] | None = None) -> None:
        """Remove documents whose files are gone (their failures too); only under `scope` when given."""
        for doc in self.manifest.documents():
            source = Path(doc.source)
            if scope is not None and not any(source == s or source.is_relative_to(s) for s in scope):
                continue
            if not source.exists():
                retired = self.manifest.remove(doc.doc_id)
                self.store.delete(retired)
                self.manifest.clear_retired(retired)
                self.manifest.clear_failure(doc.doc_id)
                report.removed.append(doc.doc_id)

    def _sweep_orphans(self) -> None:
        """Delete chunks no document version refers to (left by an interrupted ingest); shared, those no
        committed record names and no live claim is writing, on any machine."""
        if self.shared is not None:
            leftovers = self.shared.orphans(self.store.all_ids(), self.manifest)
            if leftovers:
                self.store.delete(leftovers)
            return
        known = self.manifest.known_chunk_ids()
        orphans = [i for i in self.store.all_ids() if i not in known]
        if orphans:
            self.store.delete(orphans)

    def rebuild(self, wait: float = 600) -> None:
        """Forget the collection entirely (vectors, manifest, BM25) so the next ingest starts clean."""
        with self.locked(wait):
            try:
                if self.settings.shared_ingest:  # the shared registry goes too, or it would bring the documents back
                    self._open_shared(rebuild=True)
                self._rebuild()
            finally:
                self._close_shared()

    def _rebuild(self) -> None:
        # Manifest first: a kill after it leaves only retired rows in the store, never visible chunks
        # whose vectors are gone.
        self.manifest.drop_collection()
        if self.shared is not None:
            self.shared.drop()  # every machine's manifest follows at its next sync
        remove_lexical(self.settings)
        self._reopen_store()
        drop_store(self.settings)
        if self._shared_store and self._store is not None:
            self._store.reopen()  # creates the collection again, for every user of the shared store
        else:
            self._store = make_store(self.settings, self.embedder.model_name, self.embedder.dim)
        self.manifest.clear_retired(self.manifest.retired_chunk_ids())
