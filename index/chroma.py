"""Chroma as the vector store (index/store.py's VectorStore): embedded PersistentClient by default,
HttpClient for a server. The only module that imports chromadb, catches its errors or writes its `where`.

One ChromaStore per process and collection: an embedded client does not see what another process wrote
after it opened, and chromadb shares one in-memory system between all clients of a folder in a process,
freeing it only when the last of them closes. So whoever must see fresh data (the chat service after an
outside ingest, an indexer under its lock) calls `reopen()` on the one store, and everything else that
writes in the same process (an upload's indexer) is handed that store rather than opening its own.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlparse

from index.store import CollectionMissing, Filter, StoredChunk
from planbot.errors import IndexModelMismatch, StoreUnavailable
from planbot.settings import Settings

EMBEDDINGS_BATCH = 1000  # ids per request when reading embeddings back as a matrix


def where(filter: Filter | None) -> dict | None:
    """Chroma's `where` for a Filter (None when it has no condition)."""
    if not filter:
        return None
    conds: list[dict] = []
    if filter.region:
        conds.append({"region": filter.region})
    if filter.doc_id:
        conds.append({"doc_id": filter.doc_id})
    if filter.doc_ids:
        conds.append({"doc_id": {"$in": list(filter.doc_ids)}})
    return conds[0] if len(conds) == 1 else {"$and": conds}


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreUnavailable(f"PLANBOT_CHROMA_URL={settings.chroma_url!r} is not an http(s)://host:port URL")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError subclasses
            raise StoreUnavailable(
                f"cannot reach the Chroma server at {settings.chroma_url} ({exc}); start it with "
                "`chroma run --path DIR` or unset PLANBOT_CHROMA_URL to use the embedded store"
            ) from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def drop_collection(settings: Settings) -> None:
    """Delete the collection without opening it: --rebuild must work when it was built with another model."""
    from chromadb.errors import NotFoundError

    client = _client(settings)
    try:
        client.delete_collection(settings.collection)
    except NotFoundError:
        pass
    finally:
        client.close()


def _server_call(method: Callable) -> Callable:
    """A server that stops answering mid-session (shell, web UI): a StoreUnavailable naming it, no httpx trace.

    An embedded store's call runs under the store's lock (a reopen() waits for it), and an error chromadb
    raises (an index changed by another process since this one opened it: "Error finding id") becomes a
    StoreUnavailable naming the folder; reopening the store heals it.
    """

    @functools.wraps(method)
    def wrapper(self: ChromaStore, *args: Any, **kwargs: Any) -> Any:
        if not self.settings.chroma_url:
            from chromadb.errors import ChromaError

            with self._lock:
                try:
                    return method(self, *args, **kwargs)
                except ChromaError as exc:
                    raise StoreUnavailable(
                        f"the vector store in {self.settings.chroma_dir} could not be read ({exc}); it may have "
                        "been changed by another process since it was opened: reopen it (a new request does)"
                    ) from exc
        import httpx

        try:
            return method(self, *args, **kwargs)
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"lost the Chroma server at {self.settings.chroma_url} ({exc}); check that `chroma run` "
                "is still running there, then try again"
            ) from exc

    return wrapper


def _clean_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma takes str/int/float/bool values only."""
    return {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))}


class ChromaStore:
    """One Chroma collection holding chunk texts, metadata and embeddings (always passed in): a VectorStore."""

    def __init__(self, settings: Settings, model_name: str, dim: int, *, create: bool = True):
        self.settings = settings
        self.model_name = model_name
        self.dim = dim
        self._lock = threading.RLock()
        self._client = _client(settings)
        self._open_collection(create)
        self.max_batch = max(1, min(5000, self._client.get_max_batch_size()))

    def _open_collection(self, create: bool) -> None:
        """The collection handle (created when asked), checked against the embedding model."""
        from chromadb.errors import NotFoundError

        settings, name, model_name, dim = self.settings, self.settings.collection, self.model_name, self.dim
        try:
            if create:
                self._col = self._client.get_or_create_collection(
                    name,
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine", "embedding_model": model_name, "embedding_dim": dim},
                )
            else:
                self._col = self._client.get_collection(name, embedding_function=None)
        except NotFoundError as exc:
            raise CollectionMissing(f"there is no collection {name!r} in the vector store") from exc
        except Exception as exc:
            if settings.chroma_url:
                raise StoreUnavailable(f"cannot open collection {name!r} on {settings.chroma_url}: {exc}") from exc
            raise
        self._check_model()

    def _check_model(self) -> None:
        meta = self._col.metadata or {}
        built_with, built_dim = meta.get("embedding_model"), meta.get("embedding_dim")
        if built_with and (built_with != self.model_name or built_dim != self.dim):
            raise IndexModelMismatch(
                f"collection {self.settings.collection!r} was built with {built_with} ({built_dim} dims), "
                f"but the embedding model now is {self.model_name} ({self.dim} dims). Set PLANBOT_EMBEDDING back, "
                f"use another --collection, or rebuild it: planbot ingest --rebuild"
            )

    @_server_call
    def count(self) -> int:
        return self._col.count()

    @_server_call
    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids the store already has."""
        found: set[str] = set()
        for i in range(0, len(ids), self.max_batch):
            found.update(self._col.get(ids=list(ids[i : i + self.max_batch]), include=[])["ids"])
        return found

    @_server_call
    def all_ids(self) -> list[str]:
        """Every id in the collection."""
        out: list[str] = []
        offset = 0
        while True:
            page = self._col.get(include=[], limit=self.max_batch, offset=offset)["ids"]
            out.extend(page)
            if len(page) < self.max_batch:
                return out
            offset += len(page)

    @_server_call
    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict], embeddings: Sequence[Sequence[float]]) -> None:
        """Write chunks with their embeddings, in batches the store accepts."""
        for i in range(0, len(ids), self.max_batch):
            j = i + self.max_batch
            self._col.upsert(
                ids=list(ids[i:j]),
                documents=list(texts[i:j]),
                metadatas=[_clean_metadata(m) for m in metadatas[i:j]],
                embeddings=[list(e) for e in embeddings[i:j]],
            )

    @_server_call
    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Refresh the metadata (offsets, section) of chunks whose text and embedding are unchanged.

        Documents are never sent without embeddings: Chroma would embed them with its default model,
        which it downloads from the internet.
        """
        for i in range(0, len(ids), self.max_batch):
            j = i + self.max_batch
            self._col.update(ids=list(ids[i:j]), metadatas=[_clean_metadata(m) for m in metadatas[i:j]])

    @_server_call
    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), self.max_batch):
            self._col.delete(ids=ids[i : i + self.max_batch])

    @_server_call
    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (missing ids skipped)."""
        got: dict[str, StoredChunk] = {}
        for i in range(0, len(ids), self.max_batch):
            res = self._col.get(ids=list(ids[i : i + self.max_batch]), include=["documents", "metadatas"])
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"]):
                got[cid] = StoredChunk(cid, text, dict(meta or {}))
        return [got[i] for i in ids if i in got]

    @_server_call
    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored embeddings by id, so unchanged chunks need not be embedded again: missing ids are left out,
        and all of them when Chroma cannot give them back (reuse is only an optimisation; a lost server is
        still a StoreUnavailable)."""
        from chromadb.errors import ChromaError

        out: dict[str, list[float]] = {}
        try:
            for i in range(0, len(ids), self.max_batch):
                res = self._col.get(ids=list(ids[i : i + self.max_batch]), include=["embeddings"])
                out.update({cid: [float(x) for x in vector] for cid, vector in zip(res["ids"], res["embeddings"])})
        except ChromaError:
            return {}
        return out

    @_server_call
    def query(self, embedding: Sequence[float], n: int, filter: Filter | None = None) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks with cosine similarity, within the filter by Chroma's `where`.

        No count() first: chromadb 1.5 returns fewer hits (or none) when n exceeds the collection, and the
        extra call cost 16 ms per ask on the DKI index (a round trip per ask on a server). Chroma's `where`
        grows costly with the collection (a region: 91 ms at 100,000 chunks against 13 ms unfiltered), so
        a filtered search first tries index/filtered.py (held embeddings, then `nearest` ids kept by the manifest).
        """
        res = self._col.query(
            query_embeddings=[list(embedding)],
            n_results=n,
            where=where(filter),
            include=["documents", "metadatas", "distances"],
        )
        return [
            (StoredChunk(cid, text, dict(meta or {})), 1.0 - float(dist))
            for cid, text, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        ]

    @_server_call
    def nearest(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The k nearest ids with cosine similarity, distances only: reading metadata is what costs at large k
        (3,000 nearest at 100,000 chunks: 40 ms with distances, 495 ms with metadatas)."""
        res = self._col.query(query_embeddings=[list(embedding)], n_results=k, include=["distances"])
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(res["ids"][0], res["distances"][0])]

    @_server_call
    def embedding_matrix(self, ids: Sequence[str]) -> tuple[list[str], Any]:
        """Stored embeddings as a float32 matrix, with the ids found; read EMBEDDINGS_BATCH at a time, as a
        server's answer is JSON whose floats, parsed, take far more memory than the matrix."""
        import numpy as np

        found: list[str] = []
        rows = []
        batch = min(self.max_batch, EMBEDDINGS_BATCH)
        for i in range(0, len(ids), batch):
            res = self._col.get(ids=list(ids[i : i + batch]), include=["embeddings"])
            found.extend(res["ids"])
            rows.append(np.asarray(res["embeddings"], dtype=np.float32).reshape(len(res["ids"]), -1))
        return found, np.concatenate(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    @_server_call
    def drop(self) -> None:
        """Delete the whole collection."""
        self._client.delete_collection(self.settings.collection)

    def reopen(self) -> None:
        """See what other processes wrote since this store opened: an embedded client is closed and opened
        afresh (creating the collection if a rebuild dropped it), waiting for calls in flight in other
        threads. A server's client always sees the server's data: nothing to do."""
        if self.settings.chroma_url:
            return
        with self._lock:
            self._client.close()
            self._client = _client(self.settings)
            self._open_collection(create=True)

    def close(self) -> None:
        """Let go of the client. An embedded client keeps its vector index in memory and does not see what
        another process wrote after it opened; a store opened afresh does (see reopen)."""
        with self._lock:
            self._client.close()


class ChromaRecords:
    """A small keyed table kept in a Chroma collection of its own on the server (index/shared.py's registry
    and claims): records of an id, flat metadata and a text, with a constant one-dimensional vector (Chroma
    needs one; without it the client would embed the text with its default model, downloaded from the web).

    `add_new` is the one atomic step Chroma offers: an add of an id the collection already holds is ignored,
    so of several adds of one id the first wins and a `get` tells every adder who that was.
    """

    def __init__(self, settings: Settings, name: str):
        self.settings = settings
        self.name = name
        self._lock = threading.RLock()
        self._client = _client(settings)
        self._col = self._open()
        self.max_batch = max(1, min(1000, self._client.get_max_batch_size()))

    def _open(self):
        try:
            return self._client.get_or_create_collection(
                self.name, embedding_function=None, metadata={"planbot": "shared-ingest registry"})
        except Exception as exc:
            raise StoreUnavailable(f"cannot open collection {self.name!r} on {self.settings.chroma_url}: {exc}") from exc

    @_server_call
    def add_new(self, id: str, metadata: dict[str, Any], text: str = "") -> dict[str, Any]:
        """Add the record unless the id exists; the metadata the collection then holds (the first adder's)."""
        self._col.add(ids=[id], embeddings=[[1.0]], metadatas=[_clean_metadata(metadata)], documents=[text])
        got = self._col.get(ids=[id], include=["metadatas"])
        return dict(got["metadatas"][0] or {})

    @_server_call
    def upsert(self, id: str, metadata: dict[str, Any], text: str = "") -> None:
        self._col.upsert(ids=[id], embeddings=[[1.0]], metadatas=[_clean_metadata(metadata)], documents=[text])

    @_server_call
    def update(self, id: str, metadata: dict[str, Any]) -> None:
        """Change these metadata keys of an existing record (the others stay)."""
        self._col.update(ids=[id], metadatas=[_clean_metadata(metadata)])

    @_server_call
    def metadata(self, equal: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """id -> metadata of every record (or of those whose metadata has all of `equal`'s values), paged."""
        conds = [{k: v} for k, v in (equal or {}).items()]
        where_ = None if not conds else conds[0] if len(conds) == 1 else {"$and": conds}
        out: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            page = self._col.get(where=where_, include=["metadatas"], limit=self.max_batch, offset=offset)
            out.update({i: dict(m or {}) for i, m in zip(page["ids"], page["metadatas"])})
            if len(page["ids"]) < self.max_batch:
                return out
            offset += len(page["ids"])

    @_server_call
    def metadata_of(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """id -> metadata of these records (missing ids left out)."""
        got = self._col.get(ids=list(ids), include=["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"])}

    @_server_call
    def texts(self, ids: Sequence[str]) -> dict[str, tuple[dict[str, Any], str]]:
        """id -> (metadata, text) of these records (missing ids left out), a few at a time (texts are large)."""
        out: dict[str, tuple[dict[str, Any], str]] = {}
        for i in range(0, len(ids), 16):
            got = self._col.get(ids=list(ids[i : i + 16]), include=["metadatas", "documents"])
            out.update({k: (dict(m or {}), d or "") for k, m, d in zip(got["ids"], got["metadatas"], got["documents"])})
        return out

    @_server_call
    def drop(self) -> None:
        from chromadb.errors import NotFoundError

        try:
            self._client.delete_collection(self.name)
        except NotFoundError:
            pass
        self._col = self._open()

    def close(self) -> None:
        self._client.close()


def collection_exists(settings: Settings, name: str) -> bool:
    """Whether the server holds a collection of this name (without creating it)."""
    from chromadb.errors import NotFoundError

    client = _client(settings)
    try:
        client.get_collection(name, embedding_function=None)
        return True
    except NotFoundError:
        return False
    finally:
        client.close()
