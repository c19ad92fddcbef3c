"""A filtered dense search (index/filtered.py, and the store's own filter it falls back to) returns the true n
nearest visible chunks within the filter: checked against brute force on a small real Chroma collection,
with chunks of a pending version and of a retired one in the store beside the visible ones."""

from __future__ import annotations

import numpy as np
import pytest

from index import filtered as filtered_module
from index.filtered import FilteredSearch
from index.manifest import Manifest
from index.search import HybridRetriever
from index.store import Filter, make_store
from planbot.settings import Settings

DIM = 16
REGIONS = ("Kota Bekasi", "Provinsi DKI Jakarta", "Kota Metro")


class Corpus:
    """Documents of three regions (one without a region) in a real embedded Chroma collection and a manifest."""

    def __init__(self, home):
        rng = np.random.default_rng(7)
        self.settings = Settings(home=home, chroma_url=None)
        self.store = make_store(self.settings, "test-model", DIM)
        self.manifest = Manifest(self.settings.manifest_path, self.settings.collection)
        self.vectors: dict[str, np.ndarray] = {}
        self.meta: dict[str, dict] = {}
        self.visible: set[str] = set()
        centroids = rng.standard_normal((6, DIM))
        for d in range(24):
            region = REGIONS[d % 3] if d % 8 != 7 else None
            doc_id = f"doc{d:02d}.md"
            meta = {"doc_id": doc_id, "title": doc_id, **({"region": region} if region else {})}
            for version in ("a" * 64, "b" * 64):  # the first committed then retired (or left pending)
                size = int(rng.integers(5, 40))
                ids = [f"{doc_id}-{i:03d}-{version[:4]}" for i in range(size)]
                vecs = centroids[rng.integers(0, 6, size)] + rng.standard_normal((size, DIM))
                metas = [{**meta, "start": i} for i in range(size)]
                self.manifest.begin(doc_id, doc_id, version, ids, meta, "text")
                self.store.upsert(ids, [f"chunk {i}" for i in ids], metas, vecs.tolist())
                self.vectors.update(zip(ids, vecs))
                self.meta.update(zip(ids, metas))
                if version == "a" * 64 or d % 5:  # every fifth document's second version stays pending
                    self.manifest.commit(doc_id, doc_id, version, ids, meta, "text")
                    visible = set(ids)
            self.visible |= visible
        self.retriever = HybridRetriever(self.store, None, None, self.manifest.visible, mode="dense")

    def brute_force(self, query: np.ndarray, n: int, filter: Filter) -> list[str]:
        ids = sorted(i for i in self.visible if filter.matches(self.meta[i]))
        matrix = np.array([self.vectors[i] / np.linalg.norm(self.vectors[i]) for i in ids])
        sims = matrix @ (query / np.linalg.norm(query)) if ids else np.zeros(0)
        return [ids[i] for i in np.argsort(-sims, kind="stable")[:n]]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    c = Corpus(tmp_path_factory.mktemp("filtered"))
    yield c
    c.store.close()
    c.manifest.close()


FILTERS = [
    Filter.of(region="Provinsi DKI Jakarta"),
    Filter.of(region="Kota Metro"),
    Filter.of(doc_id="doc05.md"),
    Filter.of(doc_ids=["doc01.md", "doc04.md", "doc10.md"]),
    Filter.of(region="Kota Bekasi", doc_ids=["doc00.md", "doc03.md", "doc01.md"]),
    Filter.of(region="Kota Bogor"),  # no such region: nothing
]


def _queries(count: int = 12) -> list[np.ndarray]:
    return list(np.random.default_rng(11).standard_normal((count, DIM)))


@pytest.mark.parametrize("filter", FILTERS, ids=lambda f: repr(f)[7:60])
@pytest.mark.parametrize("n", [5, 20, 400])
def test_filtered_search_is_the_brute_force_nearest_within_the_filter(corpus, filter, n, monkeypatch):
    monkeypatch.setattr(filtered_module, "HOLD_POOL", 0)  # every filter's embeddings held: the exact search
    exact = FilteredSearch(corpus.store, corpus.manifest, background=False)
    for query in _queries():
        expected = corpus.brute_force(query, n, filter)
        hits = exact.search(query.tolist(), n, filter)
        assert [c.id for c, _ in hits] == expected
        assert all(filter.matches(c.metadata) and c.id in corpus.visible for c, _ in hits)
        want = [float(np.dot(corpus.vectors[i], query) / np.linalg.norm(corpus.vectors[i]) / np.linalg.norm(query))
                for i in expected]
        assert [s for _, s in hits] == pytest.approx(want, abs=1e-5)


@pytest.mark.parametrize("filter", FILTERS, ids=lambda f: repr(f)[7:60])
def test_the_pool_and_the_stores_filter_give_the_same_nearest(corpus, filter, monkeypatch):
    """With no embeddings held (max_vectors 0), the unfiltered pool answers when it can, else (None) the
    retriever asks the store's own filter: both are the brute-force nearest."""
    monkeypatch.setattr(filtered_module, "POOL_MIN", 200)
    pooled = FilteredSearch(corpus.store, corpus.manifest, max_vectors=0)
    answered = 0
    for query in _queries():
        expected = corpus.brute_force(query, 5, filter)
        hits = pooled.search(query.tolist(), 5, filter)
        if hits is not None:
            answered += 1
            assert [c.id for c, _ in hits] == expected
        corpus.retriever.region, corpus.retriever.doc_id, corpus.retriever.doc_ids = (
            filter.region, filter.doc_id, list(filter.doc_ids) if filter.doc_ids else None)
        assert [c.id for c, _ in corpus.retriever.dense("", 5, query.tolist())] == expected
    if filter.region in ("Provinsi DKI Jakarta", "Kota Metro") and not filter.doc_ids:
        assert answered  # a third of the chunks: the pool holds the 5 nearest


def test_held_embeddings_are_bounded_and_follow_new_versions(corpus, monkeypatch):
    monkeypatch.setattr(filtered_module, "HOLD_POOL", 0)
    small = FilteredSearch(corpus.store, corpus.manifest, max_vectors=60, background=False)
    query = _queries(1)[0]
    for f in FILTERS:
        hits = small.search(query.tolist(), 5, f)
        assert hits is None or [c.id for c, _ in hits] == corpus.brute_force(query, 5, f)
        assert small._held <= 60
    one = Filter.of(doc_id="doc05.md")
    assert [c.id for c, _ in small.search(query.tolist(), 5, one)] == corpus.brute_force(query, 5, one)
    assert ("doc05.md", corpus.manifest.get("doc05.md").hash) in small._docs
    keys = {doc_id: doc_hash for doc_id, doc_hash in small._docs}
    assert all(doc_hash == corpus.manifest.get(doc_id).hash for doc_id, doc_hash in keys.items())


def test_a_filter_lacking_many_embeddings_has_them_read_in_the_background(corpus, monkeypatch):
    """The first search does not wait for them (the pool or the store answers); once read, they answer."""
    monkeypatch.setattr(filtered_module, "HOLD_POOL", 0)
    monkeypatch.setattr(filtered_module, "LOAD_NOW", 10)
    held = FilteredSearch(corpus.store, corpus.manifest)
    jakarta = Filter.of(region="Provinsi DKI Jakarta")
    query = _queries(1)[0]
    first = held.search(query.tolist(), 5, jakarta)
    assert first is None or [c.id for c, _ in first] == corpus.brute_force(query, 5, jakarta)
    held.wait(60)
    docs, _ = corpus.manifest.filter_documents(jakarta)
    assert all((doc_id, doc_hash) in held._docs for doc_id, doc_hash, _ in docs)
    for query in _queries():
        assert [c.id for c, _ in held.search(query.tolist(), 5, jakarta)] == corpus.brute_force(query, 5, jakarta)
