"""What an index holds, read through the real APIs (ChromaStore, Manifest, LexicalIndex), for comparisons.

Used by the crash-safety, concurrency and watch tests: a snapshot of everything a reader can see, and
the checks that a store is consistent (every document at exactly one version, nothing unaccounted for).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.lexical import backend_class, fingerprint, lexical_path
from index.manifest import Manifest
from index.store import CollectionMissing, StoredChunk, VectorStore, make_store
from planbot.settings import Settings
from tests.conftest import cli_env

PLANBOT = [sys.executable, "-m", "bot"]


def run(home: Path, *args: str, check: bool = True, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*PLANBOT, *args], check=False, capture_output=True, text=True, env=cli_env(home, **env), timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"planbot {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def popen(home: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*PLANBOT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(home, **env)
    )


@dataclass
class DocVersion:
    """One committed version of a document as the manifest and the store hold it."""

    hash: str
    source: str
    chunk_ids: list[str]
    metadata: dict
    text: str
    plan: list[dict]
    chunks: dict[str, tuple[str, dict]]  # id -> (text, metadata) in the store


@dataclass
class Snapshot:
    """Everything stored for one collection."""

    docs: dict[str, DocVersion]
    pending_docs: list[str]  # documents with a version being written (or left by a kill)
    visible: list[str]  # all visible ids, duplicates kept
    known: set[str]
    retired: set[str]
    failures: list[tuple[str, str]]
    store: dict[str, StoredChunk]
    embeddings: dict[str, np.ndarray]
    lexical_raw: dict | None  # the saved BM25 file as JSON, or a bm25s folder's metadata (None when absent)
    lexical_error: str | None = None  # the file exists but is not whole (not valid JSON: half-written)
    lexical_current: bool = False  # a reader loads the saved file as is (its fingerprint matches)
    plan_rows: list[dict] = field(default_factory=list)


def open_store(settings: Settings, model_name: str, dim: int) -> VectorStore | None:
    """The collection, or None when no ingest got as far as creating it."""
    if not settings.chroma_dir.exists():
        return None
    try:
        return make_store(settings, model_name, dim, create=False)
    except CollectionMissing:
        return None


def _saved_lexical(path: Path) -> dict | None:
    """The saved BM25 index's JSON: the builtin's file, or the metadata of the version a bm25s folder's CURRENT
    names (None when there is none); ValueError when it is not whole."""
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    if path.is_dir() and (path / "CURRENT").is_file():
        from index.lexical_bm25s import META

        version = path / (path / "CURRENT").read_text(encoding="utf-8").strip()
        if not (version / META).is_file():
            raise ValueError(f"{path}/CURRENT names {version.name}, which has no {META}")
        return json.loads((version / META).read_text(encoding="utf-8"))
    return None


def _embeddings(store, ids: list[str], tries: int = 5) -> dict[str, list[float]]:
    """Every stored vector. `VectorStore.embeddings` gives back what Chroma can (reuse is only an optimisation,
    a read error gives nothing); once, in a CI run under load, a snapshot taken just after killed writers got
    fewer vectors than ids (the test passed alone and in every other run). A snapshot must hold them all, so a
    short read is tried again; what is still missing then fails the comparison as before."""
    got: dict[str, list[float]] = {}
    for attempt in range(tries):
        got = store.embeddings(ids) if store else {}
        if len(got) == len(ids):
            break
        time.sleep(1 + attempt)
    return got


def snapshot(home: Path, embedder) -> Snapshot:
    settings = Settings(home=home)
    manifest = Manifest(settings.manifest_path, settings.collection)
    store = None
    try:
        store = open_store(settings, embedder.model_name, embedder.dim)
        ids = store.all_ids() if store else []
        chunks = {c.id: c for c in store.get(ids)} if store else {}
        embeddings = {cid: np.asarray(e, dtype=np.float32) for cid, e in _embeddings(store, ids).items()}
        plan: dict[str, list[dict]] = {}
        for item in manifest.plan_items():
            plan.setdefault(item["doc_id"], []).append(item)
        docs, pending, visible = {}, [], []
        for d in manifest.documents():
            visible.extend(d.chunk_ids)
            if d.pending:
                pending.append(d.doc_id)
            if not d.hash:
                continue  # a new document whose first version never committed: not visible
            docs[d.doc_id] = DocVersion(
                d.hash, d.source, d.chunk_ids, d.metadata, d.text, plan.get(d.doc_id, []),
                {i: (chunks[i].text, chunks[i].metadata) for i in d.chunk_ids if i in chunks},
            )
        lex_path = lexical_path(settings)
        raw, error = None, None
        try:
            raw = _saved_lexical(lex_path)
        except ValueError as exc:
            error = str(exc)
        current = backend_class(settings.lexical).load(lex_path, fingerprint(visible)) is not None
        return Snapshot(
            docs, pending, visible, manifest.known_chunk_ids(), manifest.retired_chunk_ids(), manifest.failures(),
            chunks, embeddings, raw, error, current, manifest.plan_items(),
        )
    finally:
        manifest.close()
        if store is not None:
            # An embedded client caches its vector index in memory and does not see other processes'
            # later writes; closing it makes the next snapshot read the files afresh.
            store.close()


def assert_consistent(snap: Snapshot, allowed: dict[str, list[DocVersion]], required: set[str] = frozenset()) -> None:
    """Each document is exactly one of its allowed versions (or absent, unless required); nothing is
    in the store that the manifest does not account for; a saved BM25 file is whole and, when its
    fingerprint says it matches the visible chunks, it does."""
    assert len(snap.visible) == len(set(snap.visible)), "a chunk id is visible twice"
    unaccounted = set(snap.store) - snap.known
    assert not unaccounted, f"{len(unaccounted)} rows in Chroma that the manifest does not know"
    for doc_id in required:
        assert doc_id in snap.docs, f"{doc_id} lost its committed version"
    for doc_id, got in snap.docs.items():
        versions = allowed.get(doc_id, [])
        match = [v for v in versions if v.hash == got.hash]
        assert match, f"{doc_id} is at version {got.hash[:12]}, which is neither its old nor its new version"
        want = match[0]
        assert got.chunk_ids == want.chunk_ids, f"{doc_id}: visible chunks are not exactly one version's"
        assert got.chunks == want.chunks, f"{doc_id}: a visible chunk is missing or differs in Chroma"
        assert (got.text, got.metadata, got.plan) == (want.text, want.metadata, want.plan), doc_id
        for cid, (_, meta) in got.chunks.items():
            assert meta["doc_version"] == got.hash and meta["doc_id"] == doc_id, cid
    assert snap.lexical_error is None, f"the BM25 file is not whole: {snap.lexical_error}"
    if snap.lexical_raw and snap.lexical_raw.get("fingerprint") == fingerprint(snap.visible):
        assert snap.lexical_raw["ids"] == sorted(snap.visible)


def assert_same(got: Snapshot, want: Snapshot) -> None:
    """Two stores hold the same documents, chunks (texts, metadata, embeddings), BM25 index and manifest."""
    assert not got.pending_docs and not got.retired, (got.pending_docs, got.retired)
    assert sorted(got.docs) == sorted(want.docs)
    for doc_id, w in want.docs.items():
        g = got.docs[doc_id]
        assert (g.hash, g.source, g.chunk_ids) == (w.hash, w.source, w.chunk_ids), doc_id
        assert (g.metadata, g.text, g.plan) == (w.metadata, w.text, w.plan), doc_id
    assert got.failures == want.failures
    assert sorted(got.store) == sorted(want.store), "Chroma holds other chunk ids"
    for cid, w in want.store.items():
        assert (got.store[cid].text, got.store[cid].metadata) == (w.text, w.metadata), cid
        np.testing.assert_allclose(got.embeddings[cid], want.embeddings[cid], atol=2e-4, err_msg=cid)
    for key in ("fingerprint", "ids", "terms", "regions", "doc_ids", "docs"):  # the builtin's and bm25s's
        if key in want.lexical_raw:
            assert got.lexical_raw[key] == want.lexical_raw[key], f"BM25 index differs in {key}"
    assert got.lexical_current, "the saved BM25 index does not match the visible chunks"
    assert got.plan_rows == want.plan_rows


def versions_of(*snaps: Snapshot) -> dict[str, list[DocVersion]]:
    """doc_id -> the versions these snapshots hold (old and new), for assert_consistent."""
    out: dict[str, list[DocVersion]] = {}
    for s in snaps:
        for doc_id, v in s.docs.items():
            out.setdefault(doc_id, []).append(v)
    return out
