"""Search returns only chunks the manifest holds as visible, asked per search, not from an in-memory id set."""

from __future__ import annotations

import pytest
from llama_index.core.schema import QueryBundle

from bot.service import Planbot
from index.lexical import analyze
from index.lexical_bm25s import Bm25sIndex
from index.manifest import Manifest
from index.search import HybridRetriever
from planbot.settings import Settings
from tests.chat_server import copy_home

QUESTIONS = ["Apa visi Kota Bekasi?", "Bagaimana Kota Metro menangani sampah?", "Program penanganan kawasan kumuh"]


@pytest.fixture(scope="module")
def hidden(tmp_path_factory, seeds_home, embedder):
    """A copy of the seeds index whose store also holds, for every visible chunk, a pending twin (recorded by
    begin() of a new version) and an orphan twin (like a retired row not yet deleted): same text, same vector."""
    home = copy_home(seeds_home, tmp_path_factory.mktemp("hidden") / "home")
    bot = Planbot(Settings(home=home), embedder)
    manifest, store = bot.manifest, bot.store
    visible = sorted(manifest.visible_chunk_ids())
    chunks = store.get(visible)
    vectors = store.embeddings(visible)
    for suffix in ("pending", "retired"):
        store.upsert([f"{c.id}-{suffix}" for c in chunks], [c.text for c in chunks],
                     [c.metadata for c in chunks], [vectors[c.id] for c in chunks])
    doc = manifest.get(chunks[0].metadata["doc_id"])
    manifest.begin(doc.doc_id, doc.source, "next-version", [f"{c.id}-pending" for c in chunks], doc.metadata, "")
    return bot, set(visible)


def test_retriever_never_returns_a_chunk_the_manifest_does_not_hold_visible(hidden):
    """Issue 14: the retriever asks the manifest which of its candidates are visible (pending and retired
    rows in the store have the same text and vectors as visible ones, and BM25 here indexes them too)."""
    bot, visible = hidden
    every = bot.store.all_ids()
    assert len(every) == 3 * len(visible)
    rows = {c.id: c for c in bot.store.get(every)}
    lexical = Bm25sIndex.build(every, [analyze(c.text) for c in rows.values()],
                               [c.metadata.get("region", "") for c in rows.values()],
                               [c.metadata.get("doc_id", "") for c in rows.values()])
    for mode in ("hybrid", "dense", "lexical"):
        for question in QUESTIONS:
            retriever = HybridRetriever(bot.store, lexical, bot.embedder, bot.manifest.visible, mode=mode, top_k=10)
            hits = retriever.retrieve(QueryBundle(question, embedding=bot.embedder.get_query_embedding(question)))
            assert hits, (mode, question)
            assert {h.node.node_id for h in hits} <= visible, (mode, question)
    for mode in ("hybrid", "dense"):  # the service's own retriever, over its saved BM25
        hits = bot.retriever(mode=mode, k=10).retrieve(QUESTIONS[0])
        assert hits and {h.node.node_id for h in hits} <= visible, mode


def test_the_service_holds_counts_not_the_set_of_chunk_ids(hidden):
    """Issue 14: start-up keeps no set of every visible chunk id; the status count comes from SQLite."""
    bot, visible = hidden
    assert not hasattr(bot, "visible") and not hasattr(bot, "_doc_chunks")
    assert bot.chunk_count == bot.manifest.chunk_count() == len(visible)
    doc = next(d for d in bot.manifest.summaries() if d.chunks)
    assert set(bot.manifest.document_chunk_ids(doc.doc_id)) == set(bot.manifest.get(doc.doc_id).chunk_ids)


def test_visible_chunks_follow_commits_and_removals_and_fill_older_manifests(tmp_path):
    """The visible_chunks table equals the documents' chunk_ids after begin, commit, remove and drop, and a
    manifest written before it has the table filled when opened."""
    manifest = Manifest(tmp_path / "m.sqlite", "c")
    manifest.begin("a", "a.md", "h1", ["a1", "a2"], {}, "")
    assert manifest.visible(["a1", "a2"]) == set() and manifest.chunk_count() == 0
    manifest.commit("a", "a.md", "h1", ["a1", "a2"], {}, "")
    manifest.commit("b", "b.md", "h1", ["b1"], {}, "")
    assert manifest.visible(["a1", "b1", "zz"]) == {"a1", "b1"}
    manifest.commit("a", "a.md", "h2", ["a3"], {}, "")
    assert manifest.visible_chunk_ids() == {"a3", "b1"}
    assert list(manifest.sorted_visible_chunk_ids()) == ["a3", "b1"]
    manifest.remove("b")
    assert manifest.visible_chunk_ids() == {"a3"} and manifest.chunk_count() == 1
    manifest._db.executescript("DROP TABLE visible_chunks; DROP TRIGGER visible_chunks_insert; "
                               "DROP TRIGGER visible_chunks_update; DROP TRIGGER visible_chunks_delete;")
    manifest.close()
    reopened = Manifest(tmp_path / "m.sqlite", "c")
    assert reopened.visible_chunk_ids() == {"a3"} and reopened.document_chunk_ids("a") == ["a3"]
    reopened.drop_collection()
    assert reopened.chunk_count() == 0
