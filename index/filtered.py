"""Filtered dense search (a region, a document, the plans a question names) that stays fast at a million chunks.

A store's own filter grows costly with the collection: Chroma's `where` over a region (2.6% of the chunks)
took 91 ms at 100,000 chunks against 13 ms unfiltered, and several hundred ms at 1,000,000. The manifest
knows which documents a filter admits (their region, their ids) and which of their chunks are visible, so
a filtered search is answered, in this order, by:

1. an exact search over the admitted documents' embeddings held in this process, when all are held: a
   chunk id names one version of one chunk, so its embedding never changes, and a document's entry is
   keyed by its version hash. Only narrow filters are held (those whose pool would exceed HOLD_POOL), at
   most MAX_VECTORS embeddings in all, the least recently searched dropped first. A document not yet held
   is read from the store: at once when the filter lacks at most LOAD_NOW chunks, else by a background
   thread (a server answers embeddings as JSON, ~0.1 ms each: 25,000 would hold up the ask for seconds),
   while this search goes on to
2. the unfiltered nearest, ids and similarities only (reading metadata is what costs at large k: 3,000 at
   100,000 chunks took 40 ms with distances, 495 ms with metadatas), kept when within the filter by the
   manifest: exact when n of them are within it (no chunk outside the pool is nearer), else
3. None: the store's own filter.

1 and 2 return the true n nearest visible chunks within the filter; the chunks returned are read from the
store and checked against the filter by their own metadata (a disagreement falls back to the store).
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from index.store import Filter, StoredChunk, VectorStore
from planbot.errors import StoreUnavailable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from index.manifest import Manifest

log = logging.getLogger(__name__)

MAX_VECTORS = 200_000  # embeddings held for filtered search (384 dims: 293 MiB at most)
HOLD_POOL = 1000  # a filter whose pool would be larger than this is held
LOAD_NOW = 2000  # a filter lacking at most this many held chunks reads them during the search
POOL_MARGIN = 3  # the unfiltered pool holds this many times the n hits the filter's share of the chunks gives
POOL_MIN = 300
POOL_MAX = 4000  # a larger pool costs more than the store's own filter

Docs = list[tuple[str, str, int]]  # (doc_id, version hash, visible chunks)


def pool_size(n: int, within: int, total: int) -> int:
    """How many unfiltered nearest to rank for n hits of a filter admitting `within` of `total` visible chunks."""
    return max(POOL_MIN, math.ceil(POOL_MARGIN * n * total / max(within, 1)))


class FilteredSearch:
    """The n nearest visible chunks within a filter, without the store's filter where possible (see the
    module's docstring). One per process (the service's), shared by its retrievers; thread-safe."""

    def __init__(self, store: VectorStore, manifest: Manifest, max_vectors: int = MAX_VECTORS,
                 background: bool = True):
        self.store, self.manifest, self.max_vectors, self.background = store, manifest, max_vectors, background
        self._docs: OrderedDict[tuple[str, str], tuple[list[str], np.ndarray]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self._wanted: dict[tuple[str, str], int] = {}  # documents the background thread is to read
        self._loader: threading.Thread | None = None

    def search(self, vector: Sequence[float], n: int, filter: Filter) -> list[tuple[StoredChunk, float]] | None:
        """The n nearest visible chunks within the filter with cosine similarity, nearest first; None when
        neither the held embeddings nor the unfiltered pool can tell (the caller then asks the store)."""
        docs, total = self.manifest.filter_documents(filter)
        within = sum(count for _, _, count in docs)
        if within == 0:
            return []
        k = pool_size(n, within, total)
        hits = None
        if k > HOLD_POOL and within <= self.max_vectors:
            hits = self._exact(vector, n, docs)
        if hits is None and k <= POOL_MAX:
            hits = self._pooled(vector, n, filter, within, k)
        if hits is None:
            return None
        chunks = {c.id: c for c in self.store.get([cid for cid, _ in hits])}
        if len(chunks) < len(hits) or not all(filter.matches(c.metadata) for c in chunks.values()):
            return None  # the store's metadata disagrees with the manifest's: the store decides
        return [(chunks[cid], score) for cid, score in hits]

    def wait(self, timeout: float | None = None) -> None:
        """Until the background thread has read what it was asked to (tests, benchmarks)."""
        loader = self._loader
        if loader is not None:
            loader.join(timeout)

    def _exact(self, vector: Sequence[float], n: int, docs: Docs) -> list[tuple[str, float]] | None:
        """Cosine similarity against every visible chunk of these documents; None when some are not held yet
        (read now when few, else by the background thread)."""
        with self._lock:
            missing = [(doc_id, doc_hash, count) for doc_id, doc_hash, count in docs if (doc_id, doc_hash) not in self._docs]
        if missing and (sum(count for _, _, count in missing) <= LOAD_NOW or not self.background):
            for doc_id, doc_hash, count in missing:
                if not self._load(doc_id, doc_hash, count):
                    return None
        elif missing:
            self._load_later(missing)
            return None
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        ids: list[str] = []
        scores: list[np.ndarray] = []
        with self._lock:
            for doc_id, doc_hash, _ in docs:
                entry = self._docs.get((doc_id, doc_hash))
                if entry is None:  # dropped meanwhile to make room
                    return None
                self._docs.move_to_end((doc_id, doc_hash))
                ids.extend(entry[0])
                scores.append(entry[1] @ query)
        sims = np.concatenate(scores)
        top = np.argpartition(-sims, n - 1)[:n] if len(sims) > n else np.arange(len(sims))
        top = top[np.lexsort((np.array([ids[i] for i in top]), -sims[top]))]  # by similarity, ties by id
        return [(ids[i], float(sims[i])) for i in top]

    def _load(self, doc_id: str, doc_hash: str, count: int) -> bool:
        """Read a document version's visible chunk ids and embeddings from the store and hold them (unit
        rows); False when the store lacks some or the manifest changed meanwhile (then nothing is held)."""
        ids = self.manifest.document_chunk_ids(doc_id)
        found, matrix = self.store.embedding_matrix(ids)
        if len(found) != len(ids) or len(ids) != count:
            return False
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix /= np.where(norms > 0, norms, 1.0)
        with self._lock:
            if (doc_id, doc_hash) not in self._docs:
                self._docs[(doc_id, doc_hash)] = (found, matrix)
                self._held += len(found)
            while self._held > self.max_vectors and len(self._docs) > 1:  # least recently searched first
                _, (dropped, _) = self._docs.popitem(last=False)
                self._held -= len(dropped)
        return True

    def _load_later(self, missing: Docs) -> None:
        """Have the background thread read these documents (one thread; started when none runs)."""
        with self._lock:
            for doc_id, doc_hash, count in missing:
                self._wanted.setdefault((doc_id, doc_hash), count)
            if self._loader is None or not self._loader.is_alive():
                self._loader = threading.Thread(target=self._load_wanted, name="planbot-filtered-load", daemon=True)
                self._loader.start()

    def _load_wanted(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    return
                (doc_id, doc_hash), count = next(iter(self._wanted.items()))
                del self._wanted[(doc_id, doc_hash)]
            try:
                self._load(doc_id, doc_hash, count)
            except (StoreUnavailable, sqlite3.Error) as exc:  # the searches go on without; a later one asks again
                log.warning("could not read %s's embeddings for filtered search: %s", doc_id, exc)
                with self._lock:
                    self._wanted.clear()
                return

    def _pooled(self, vector: Sequence[float], n: int, filter: Filter, within: int, k: int) -> list[tuple[str, float]] | None:
        """The n nearest within the filter among the k unfiltered nearest (ids only); None when the pool does
        not hold n of them (unless it holds all there are)."""
        ranked = self.store.nearest(vector, k)
        admitted = self.manifest.within(filter, [cid for cid, _ in ranked])
        hits = [(cid, score) for cid, score in ranked if cid in admitted][:n]
        return hits if len(hits) >= min(n, within) else None
