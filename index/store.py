"""The vector store seam: a small protocol, a typed filter and `make_store(settings)`.

Callers (the indexer, the retriever, the service, evals, tests) see only what is here. The one
implementation, Chroma (embedded PersistentClient or a `chroma run` server), lives in index/chroma.py,
which alone imports chromadb, catches its errors and writes its filter syntax.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from planbot.errors import PlanbotError
from planbot.settings import Settings

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the store holds it."""

    id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Filter:
    """Which chunks a search may return: all conditions given must hold (None and empty mean no condition).

    region: the chunk's region metadata; doc_id: one document; doc_ids: any of these documents.
    """

    region: str | None = None
    doc_id: str | None = None
    doc_ids: tuple[str, ...] | None = None

    @classmethod
    def of(cls, region: str | None = None, doc_id: str | None = None,
           doc_ids: Collection[str] | None = None) -> Filter:
        return cls(region or None, doc_id or None, tuple(sorted(doc_ids)) if doc_ids else None)

    def __bool__(self) -> bool:
        return bool(self.region or self.doc_id or self.doc_ids)

    def matches(self, metadata: dict[str, Any]) -> bool:
        """Whether a chunk with this metadata is within the filter (as the store's own filter decides)."""
        return ((not self.region or metadata.get("region") == self.region)
                and (not self.doc_id or metadata.get("doc_id") == self.doc_id)
                and (not self.doc_ids or metadata.get("doc_id") in self.doc_ids))


class CollectionMissing(PlanbotError):
    """The collection asked for (opened with create=False) does not exist."""


@runtime_checkable
class VectorStore(Protocol):
    """One collection of chunk texts, metadata and embeddings (always passed in, never computed by the store).

    Errors: StoreUnavailable when the store cannot be reached or read (reopen() heals an embedded one),
    IndexModelMismatch when the collection was built with another embedding model, CollectionMissing
    when opened with create=False and there is none.
    """

    max_batch: int

    def count(self) -> int: ...

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict],
               embeddings: Sequence[Sequence[float]]) -> None: ...

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None: ...

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (missing ids skipped)."""
        ...

    def existing_ids(self, ids: Sequence[str]) -> set[str]: ...

    def all_ids(self) -> list[str]: ...

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored embeddings by id; ids missing or that the store cannot give back are left out."""
        ...

    def query(self, embedding: Sequence[float], n: int, filter: Filter | None = None) -> list[tuple[StoredChunk, float]]:
        """The n nearest chunks within the filter, with cosine similarity."""
        ...

    def nearest(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The ids of the k nearest chunks (no filter), nearest first, with cosine similarity: no texts or
        metadata, so a search can rank many and keep those its own filter admits."""
        ...

    def embedding_matrix(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The stored embeddings of these ids as the rows of a float32 matrix, with the ids found in the
        order of the rows (ids missing are left out)."""
        ...

    def delete(self, ids: Iterable[str]) -> None: ...

    def drop(self) -> None: ...

    def reopen(self) -> None: ...

    def close(self) -> None: ...


def make_store(settings: Settings, model_name: str, dim: int, *, create: bool = True) -> VectorStore:
    """The configured vector store for settings.collection, checked against the embedding model."""
    from index.chroma import ChromaStore

    return ChromaStore(settings, model_name, dim, create=create)


def drop_store(settings: Settings) -> None:
    """Delete settings.collection without opening it (so --rebuild works when it was built with another
    model); nothing happens when there is none."""
    from index.chroma import drop_collection

    drop_collection(settings)
