"""The manifest: which documents are indexed, at which version, which chunks are visible, what failed.

SQLite under the data dir. A document's chunks become visible only when its row is committed, so a
reader never sees half of a re-ingested document and an interrupted ingest is finished by the next run.

Every chunk id the vector store holds is named here, in one of three places, at every moment of an
ingest (a SIGKILL can land anywhere): `chunk_ids` (visible), `pending_chunk_ids` (written before the
vectors, cleared by commit or rolled back by the next ingest) or `retired_chunks` (recorded in the
same transaction that stops them being visible, deleted from the store afterwards). So nothing in the
store is ever unaccounted for, and the next ingest knows exactly what to finish or undo.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.store import Filter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    source TEXT NOT NULL,
    hash TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    pending_hash TEXT,
    pending_chunk_ids TEXT,
    metadata TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (collection, doc_id)
);
CREATE TABLE IF NOT EXISTS plan_items (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    number INTEGER,
    parent TEXT,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    PRIMARY KEY (collection, doc_id, seq)
);
CREATE TABLE IF NOT EXISTS failures (
    collection TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (collection, source)
);
CREATE TABLE IF NOT EXISTS document_words (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    version TEXT NOT NULL,
    words TEXT NOT NULL,
    PRIMARY KEY (collection, doc_id)
);
CREATE TABLE IF NOT EXISTS retired_chunks (
    collection TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    PRIMARY KEY (collection, chunk_id)
);
"""

# The visible chunks one row each, so search asks "which of these few ids are visible?" with one indexed query
# and nobody holds every id in memory. Triggers keep it equal to the documents' chunk_ids in the transaction
# that changes them, whichever statement does.
_ADD_VISIBLE = ("INSERT OR REPLACE INTO visible_chunks SELECT new.collection, value, new.doc_id "
                "FROM json_each(new.chunk_ids)")
_DROP_VISIBLE = "DELETE FROM visible_chunks WHERE collection = old.collection AND doc_id = old.doc_id"
_VISIBLE_SCHEMA = (
    ("CREATE TABLE IF NOT EXISTS visible_chunks (collection TEXT NOT NULL, chunk_id TEXT NOT NULL, "
     "doc_id TEXT NOT NULL, PRIMARY KEY (collection, chunk_id))"),
    "CREATE INDEX IF NOT EXISTS visible_chunks_by_doc ON visible_chunks (collection, doc_id)",
    ("CREATE TRIGGER IF NOT EXISTS visible_chunks_insert AFTER INSERT ON documents BEGIN "
     f"{_ADD_VISIBLE}; END"),
    ("CREATE TRIGGER IF NOT EXISTS visible_chunks_update AFTER UPDATE OF chunk_ids ON documents BEGIN "
     f"{_DROP_VISIBLE}; {_ADD_VISIBLE}; END"),
    f"CREATE TRIGGER IF NOT EXISTS visible_chunks_delete AFTER DELETE ON documents BEGIN {_DROP_VISIBLE}; END",
)


@dataclass(frozen=True)
class Failure:
    """A file whose last ingest failed: its id, the reason, and its path when known (older rows: None)."""

    source: str
    reason: str
    path: str | None
    at: float


@dataclass(frozen=True)
class DocRecord:
    """A committed document: its version hash, visible chunks, metadata and cleaned text."""

    doc_id: str
    source: str
    hash: str
    chunk_ids: list[str]
    metadata: dict
    text: str
    pending: bool


@dataclass(frozen=True)
class DocSummary:
    """A document as the service's start-up needs it: id, metadata and how many chunks are visible (no ids)."""

    doc_id: str
    metadata: dict
    chunks: int


def _record(row: tuple) -> DocRecord:
    """A DocRecord from a row of doc_id, source, hash, chunk_ids, metadata, text, pending_hash."""
    return DocRecord(row[0], row[1], row[2], json.loads(row[3]), json.loads(row[4]), row[5], row[6] is not None)


_LOCK_WAIT_S = 60
_IN_BATCH = 500  # ids per `IN (...)`: well under SQLite's limit on bound parameters


def _enter_wal(db: sqlite3.Connection) -> None:
    """Switch to WAL, waiting for another process that is opening the same new file.

    SQLite answers "database is locked" at once, without its busy handler, when two connections switch
    a new file's journal mode together (two collections ingested at once into one data dir)."""
    deadline = time.monotonic() + _LOCK_WAIT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _json_or_null(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


class Manifest:
    """Document versions and failures of one collection, in SQLite."""

    def __init__(self, path: Path, collection: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.collection = collection
        self._db = sqlite3.connect(path, timeout=_LOCK_WAIT_S, check_same_thread=False, isolation_level=None)
        self._census_cache: tuple[tuple[int, int], dict[str, tuple[str, str | None, int]], int] | None = None
        _enter_wal(self._db)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        with self._tx():  # one process at a time reads and migrates the schema
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(failures)")}
            if "path" not in columns:  # manifests written before failures kept the file's path
                self._db.execute("ALTER TABLE failures ADD COLUMN path TEXT")
            item_columns = {r[1] for r in self._db.execute("PRAGMA table_info(plan_items)")}
            if "fields" not in item_columns:  # manifests written before table rows gave items their values
                self._db.execute("ALTER TABLE plan_items ADD COLUMN fields TEXT")
            self._add_visible_chunks()

    def _add_visible_chunks(self) -> None:
        """Inside the opening transaction: the visible_chunks table and its triggers, filled from the documents
        when the manifest was written before them."""
        exists = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'visible_chunks'").fetchone()
        for statement in _VISIBLE_SCHEMA:
            self._db.execute(statement)
        if not exists:
            self._db.execute("INSERT OR REPLACE INTO visible_chunks SELECT d.collection, j.value, d.doc_id "
                             "FROM documents d, json_each(d.chunk_ids) j")

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One write transaction (taken immediately, so concurrent writers queue)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def generation(self) -> int:
        """Changes whenever another connection (another process, an upload's indexer) commits to the manifest."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def documents(self, *, text: bool = True) -> list[DocRecord]:
        """Every document of the collection, committed or pending (text=False: their texts left empty, so the
        whole corpus is not read into memory)."""
        text_column = "text" if text else "''"
        rows = self._db.execute(
            f"SELECT doc_id, source, hash, chunk_ids, metadata, {text_column}, pending_hash FROM documents "
            "WHERE collection = ? ORDER BY doc_id",
            (self.collection,),
        ).fetchall()
        return [_record(r) for r in rows]

    def summaries(self) -> list[DocSummary]:
        """Every document's id, metadata and visible chunk count (SQLite counts; no chunk id is read)."""
        rows = self._db.execute(
            "SELECT doc_id, metadata, json_array_length(chunk_ids) FROM documents WHERE collection = ? ORDER BY doc_id",
            (self.collection,),
        )
        return [DocSummary(r[0], json.loads(r[1]), int(r[2])) for r in rows]

    def vocabulary(self, words_of: Callable[[str, dict], Iterable[str]], version: str) -> set[str]:
        """The distinct words of every document's text and metadata, as `words_of(text, metadata)` gives them.

        Read from the words commit() stored with each version (a document at a time, never the whole corpus's
        text at once); a document stored without them, or with another `version` of words_of, is read from
        its text.
        """
        out: set[str] = set()
        rows = self._db.execute(
            "SELECT d.metadata, w.words, CASE WHEN w.words IS NULL THEN d.text END FROM documents d "
            "LEFT JOIN document_words w ON w.collection = d.collection AND w.doc_id = d.doc_id AND w.hash = d.hash "
            "AND w.version = ? WHERE d.collection = ?",
            (version, self.collection),
        )
        for metadata, stored, text in rows:
            out.update(stored.split() if stored is not None else words_of(text, json.loads(metadata)))
        return out

    def get(self, doc_id: str) -> DocRecord | None:
        """The committed record of one document."""
        r = self._db.execute(
            "SELECT doc_id, source, hash, chunk_ids, metadata, text, pending_hash FROM documents "
            "WHERE collection = ? AND doc_id = ?",
            (self.collection, doc_id),
        ).fetchone()
        return _record(r) if r else None

    def hashes(self) -> dict[str, str]:
        """doc_id -> committed version hash, for documents with nothing pending."""
        rows = self._db.execute(
            "SELECT doc_id, hash FROM documents WHERE collection = ? AND pending_hash IS NULL", (self.collection,)
        )
        return dict(rows.fetchall())

    def visible_chunk_ids(self) -> set[str]:
        """Chunks of committed document versions: what search may return (all of them: the indexer's
        bookkeeping; the answer path asks `visible` about the few it holds)."""
        rows = self._db.execute("SELECT chunk_id FROM visible_chunks WHERE collection = ?", (self.collection,))
        return {r[0] for r in rows}

    def visible(self, chunk_ids: Iterable[str]) -> set[str]:
        """Which of these chunk ids are visible (a search's few dozen hits)."""
        return {chunk_id for chunk_id, _ in self._visible_rows(chunk_ids)}

    def _visible_rows(self, chunk_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(chunk id, doc id) of those of these chunk ids that are visible: one indexed query per 500 ids."""
        ids = list(dict.fromkeys(chunk_ids))
        for i in range(0, len(ids), _IN_BATCH):
            part = ids[i : i + _IN_BATCH]
            yield from self._db.execute(
                f"SELECT chunk_id, doc_id FROM visible_chunks WHERE collection = ? "
                f"AND chunk_id IN ({','.join('?' * len(part))})",
                (self.collection, *part),
            )

    def chunk_count(self) -> int:
        """How many chunks are visible."""
        row = self._db.execute("SELECT COUNT(*) FROM visible_chunks WHERE collection = ?", (self.collection,))
        return int(row.fetchone()[0])

    def _census(self) -> tuple[dict[str, tuple[str, str | None, int]], int]:
        """Each document's version hash, region (as its metadata names it) and visible chunk count, and the
        visible chunks in all; read again only after a commit by any connection: a filtered search asks per
        query, and reading every document's metadata (its text shares the row) per query would cost more
        than the search."""
        state = (self.generation(), self._db.total_changes)
        if self._census_cache is None or self._census_cache[0] != state:
            docs = {
                doc_id: (doc_hash, region if isinstance(region, str) else None, int(count))
                for doc_id, doc_hash, region, count in self._db.execute(
                    "SELECT doc_id, hash, json_extract(metadata, '$.region'), json_array_length(chunk_ids) "
                    "FROM documents WHERE collection = ?",
                    (self.collection,),
                )
            }
            self._census_cache = (state, docs, sum(d[2] for d in docs.values()))
        return self._census_cache[1], self._census_cache[2]

    def filter_documents(self, filter: Filter) -> tuple[list[tuple[str, str, int]], int]:
        """The documents a search filter admits, each (doc_id, version hash, visible chunks), and the visible
        chunks in all. A chunk is within the filter when its document is: every chunk of a version is
        written with its document's metadata."""
        docs, total = self._census()
        admitted = [
            (doc_id, doc_hash, count)
            for doc_id, (doc_hash, region, count) in docs.items()
            if count and filter.matches({"region": region, "doc_id": doc_id})
        ]
        return sorted(admitted), total

    def within(self, filter: Filter, chunk_ids: Iterable[str]) -> set[str]:
        """Which of these chunk ids are visible and within the filter."""
        docs = {doc_id for doc_id, _, _ in self.filter_documents(filter)[0]}
        return {chunk_id for chunk_id, doc_id in self._visible_rows(chunk_ids if docs else ()) if doc_id in docs}

    def document_chunk_ids(self, doc_id: str) -> list[str]:
        """The visible chunks of one document. `+chunk_id`: sorting by the primary key's column led SQLite to
        walk the whole primary key for one document's rows (1.4 s at a million chunks, 0.2 ms by doc_id)."""
        rows = self._db.execute(
            "SELECT chunk_id FROM visible_chunks WHERE collection = ? AND doc_id = ? ORDER BY +chunk_id",
            (self.collection, doc_id),
        )
        return [r[0] for r in rows]

    def sorted_visible_chunk_ids(self) -> Iterator[str]:
        """The visible chunk ids in sorted order, read from SQLite as they are consumed."""
        rows = self._db.execute(
            "SELECT chunk_id FROM visible_chunks WHERE collection = ? ORDER BY chunk_id", (self.collection,)
        )
        return (r[0] for r in rows)

    def pending_chunk_ids(self) -> set[str]:
        """Chunks of versions being written (or left by an interrupted ingest)."""
        ids: set[str] = set()
        for (chunk_ids,) in self._db.execute(
            "SELECT pending_chunk_ids FROM documents WHERE collection = ? AND pending_chunk_ids IS NOT NULL",
            (self.collection,),
        ):
            ids.update(json.loads(chunk_ids))
        return ids

    def retired_chunk_ids(self) -> set[str]:
        """Chunks no longer visible that may still be in the store, waiting to be deleted."""
        rows = self._db.execute("SELECT chunk_id FROM retired_chunks WHERE collection = ?", (self.collection,))
        return {r[0] for r in rows}

    def known_chunk_ids(self) -> set[str]:
        """Visible, pending and retired chunks: anything else in the store is an orphan."""
        return self.visible_chunk_ids() | self.pending_chunk_ids() | self.retired_chunk_ids()

    def _retire(self, chunk_ids) -> None:
        """Inside a transaction: remember chunks to delete from the store."""
        self._db.executemany(
            "INSERT OR IGNORE INTO retired_chunks VALUES (?, ?)", [(self.collection, c) for c in chunk_ids]
        )

    def clear_retired(self, chunk_ids) -> None:
        """Forget retired chunks once they are deleted from the store."""
        with self._tx():
            self._db.executemany(
                "DELETE FROM retired_chunks WHERE collection = ? AND chunk_id = ?",
                [(self.collection, c) for c in chunk_ids],
            )

    def rollback_pending(self) -> list[str]:
        """Undo versions an interrupted ingest left pending; returns the doc ids rolled back.

        Call only while holding the ingest lock (then nothing pending can still be in progress). The
        pending chunks move to retired_chunks; a document that never had a committed version is dropped.
        """
        with self._tx():
            rows = self._db.execute(
                "SELECT doc_id, hash, chunk_ids, pending_chunk_ids FROM documents "
                "WHERE collection = ? AND (pending_hash IS NOT NULL OR pending_chunk_ids IS NOT NULL)",
                (self.collection,),
            ).fetchall()
            for doc_id, committed_hash, chunk_ids, pending in rows:
                self._retire(set(json.loads(pending or "[]")) - set(json.loads(chunk_ids)))
                if committed_hash:
                    self._db.execute(
                        "UPDATE documents SET pending_hash = NULL, pending_chunk_ids = NULL "
                        "WHERE collection = ? AND doc_id = ?",
                        (self.collection, doc_id),
                    )
                else:
                    self._db.execute(
                        "DELETE FROM documents WHERE collection = ? AND doc_id = ?", (self.collection, doc_id)
                    )
        return [r[0] for r in rows]

    def begin(self, doc_id: str, source: str, new_hash: str, chunk_ids: list[str], metadata: dict, text: str) -> None:
        """Record a new version as pending; the old version (if any) stays visible."""
        with self._tx():
            exists = self._db.execute(
                "SELECT 1 FROM documents WHERE collection = ? AND doc_id = ?", (self.collection, doc_id)
            ).fetchone()
            if exists:
                self._db.execute(
                    "UPDATE documents SET pending_hash = ?, pending_chunk_ids = ?, updated_at = ? "
                    "WHERE collection = ? AND doc_id = ?",
                    (new_hash, json.dumps(chunk_ids), time.time(), self.collection, doc_id),
                )
            else:
                self._db.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, '', '[]', ?, ?, ?, '', ?)",
                    (self.collection, doc_id, source, new_hash, json.dumps(chunk_ids), json.dumps(metadata), time.time()),
                )

    def commit(self, doc_id: str, source: str, new_hash: str, chunk_ids: list[str], metadata: dict, text: str,
               plan: list[tuple] = (), words: tuple[str, Iterable[str]] | None = None) -> list[str]:
        """Make the new version (chunks and plan items) visible in one transaction.

        Returns the old version's chunks that are no longer visible; they are retired in the same
        transaction, so a kill before the caller deletes them from the store leaves nothing unaccounted.
        words: (version, the document's distinct words) for vocabulary(), kept with this version's hash.
        """
        with self._tx():
            row = self._db.execute(
                "SELECT chunk_ids FROM documents WHERE collection = ? AND doc_id = ?", (self.collection, doc_id)
            ).fetchone()
            retired = sorted(set(json.loads(row[0]) if row else []) - set(chunk_ids))
            self._retire(retired)
            self._db.execute("DELETE FROM plan_items WHERE collection = ? AND doc_id = ?", (self.collection, doc_id))
            self._db.executemany(
                'INSERT INTO plan_items (collection, doc_id, seq, kind, number, parent, text, start, "end", fields) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(self.collection, doc_id, i, *item[:6], _json_or_null(item[6] if len(item) > 6 else None))
                 for i, item in enumerate(plan)],
            )
            self._db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?) "
                "ON CONFLICT (collection, doc_id) DO UPDATE SET source = excluded.source, hash = excluded.hash, "
                "chunk_ids = excluded.chunk_ids, pending_hash = NULL, pending_chunk_ids = NULL, "
                "metadata = excluded.metadata, text = excluded.text, updated_at = excluded.updated_at",
                (self.collection, doc_id, source, new_hash, json.dumps(chunk_ids), json.dumps(metadata), text, time.time()),
            )
            self._db.execute("DELETE FROM document_words WHERE collection = ? AND doc_id = ?", (self.collection, doc_id))
            if words is not None:
                self._db.execute("INSERT INTO document_words VALUES (?, ?, ?, ?, ?)",
                                 (self.collection, doc_id, new_hash, words[0], " ".join(sorted(set(words[1])))))
            self._db.execute("DELETE FROM failures WHERE collection = ? AND source = ?", (self.collection, doc_id))
        return retired

    def remove(self, doc_id: str) -> list[str]:
        """Forget a document; returns the chunk ids it had (visible and pending), retired in the same transaction."""
        with self._tx():
            rec = self._db.execute(
                "SELECT chunk_ids, pending_chunk_ids FROM documents WHERE collection = ? AND doc_id = ?",
                (self.collection, doc_id),
            ).fetchone()
            if rec is None:
                return []
            ids = sorted(set(json.loads(rec[0])) | set(json.loads(rec[1] or "[]")))
            self._retire(ids)
            self._db.execute("DELETE FROM documents WHERE collection = ? AND doc_id = ?", (self.collection, doc_id))
            self._db.execute("DELETE FROM plan_items WHERE collection = ? AND doc_id = ?", (self.collection, doc_id))
            self._db.execute("DELETE FROM document_words WHERE collection = ? AND doc_id = ?", (self.collection, doc_id))
        return ids

    def plan_items(self) -> list[dict]:
        """Plan items of committed documents: doc_id, kind, number, parent, text, start, end, fields (a table
        row's values, or None)."""
        rows = self._db.execute(
            'SELECT doc_id, kind, number, parent, text, start, "end", fields FROM plan_items WHERE collection = ? '
            "ORDER BY doc_id, seq",
            (self.collection,),
        )
        keys = ("doc_id", "kind", "number", "parent", "text", "start", "end")
        return [{**dict(zip(keys, r)), "fields": json.loads(r[7]) if r[7] else None} for r in rows]

    def record_failure(self, source: str, reason: str, path: str | None = None) -> None:
        """Remember why a file could not be ingested (shown by `planbot status`)."""
        with self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO failures (collection, source, reason, at, path) VALUES (?, ?, ?, ?, ?)",
                (self.collection, source, reason, time.time(), path),
            )

    def clear_failure(self, source: str) -> None:
        """Forget a past failure of this file."""
        with self._tx():
            self._db.execute("DELETE FROM failures WHERE collection = ? AND source = ?", (self.collection, source))

    def failures(self) -> list[tuple[str, str]]:
        """(source, reason) of files that failed their last ingest."""
        return [(f.source, f.reason) for f in self.failure_records()]

    def failure_records(self) -> list[Failure]:
        """Files that failed their last ingest, with their paths."""
        rows = self._db.execute(
            "SELECT source, reason, path, at FROM failures WHERE collection = ? ORDER BY source", (self.collection,)
        )
        return [Failure(*r) for r in rows]

    def drop_collection(self) -> None:
        """Forget every document and failure of this collection (its chunks are retired first)."""
        with self._tx():
            self._retire(self.visible_chunk_ids() | self.pending_chunk_ids())
            self._db.execute("DELETE FROM documents WHERE collection = ?", (self.collection,))
            self._db.execute("DELETE FROM failures WHERE collection = ?", (self.collection,))
            self._db.execute("DELETE FROM plan_items WHERE collection = ?", (self.collection,))
            self._db.execute("DELETE FROM document_words WHERE collection = ?", (self.collection,))
