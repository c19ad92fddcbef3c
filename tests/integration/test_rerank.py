"""The hybrid retriever's second stage: the fused passages reranked by their best sentence (issue 12).

A real Chroma collection with hand-made vectors (so the dense order is known) and a real BM25 index: one
passage is nearest to the question but scatters its words over several sentences, the other states the
asked thing in one sentence. The fused order puts the first one first; the rerank, the second.
"""

from __future__ import annotations

from functools import partial

from llama_index.core.schema import QueryBundle

from bot.answer import best_piece_share
from bot.terms import query_terms
from index.lexical import analyze
from index.lexical_bm25s import Bm25sIndex
from index.search import Fusion, HybridRetriever
from index.store import make_store
from planbot.settings import Settings

QUESTION = "Berapa target angka harapan hidup tahun 2029?"
SCATTERED = ("Angka kematian bayi turun. Harapan masyarakat pada layanan kesehatan tinggi. Hidup sehat "
             "dibudayakan. Target program ditetapkan tiap tahun sampai 2029.")
STATED = "Angka harapan hidup ditargetkan mencapai 75,2 tahun pada 2029. Layanan puskesmas diperluas."
FILLER = [f"Pembangunan jalan lingkungan di kecamatan {n} dilanjutkan dengan swadaya warga." for n in range(8)]


def _retriever(tmp_path, fusion: Fusion, share=None) -> HybridRetriever:
    store = make_store(Settings(home=tmp_path, collection="rerank"), "hand-made", 3)
    ids = ["scattered", "stated", *[f"filler{n}" for n in range(len(FILLER))]]
    texts = [SCATTERED, STATED, *FILLER]
    # the question's vector is (1, 0, 0): the scattered passage is nearest, the stated one next, fillers far
    vectors = [[1.0, 0.05, 0.0], [1.0, 0.4, 0.0], *[[0.1, 0.0, 1.0 + n / 10] for n in range(len(FILLER))]]
    metadata = [{"doc_id": i, "region": "Kota Contoh"} for i in ids]
    store.upsert(ids, texts, metadata, vectors)
    lexical = Bm25sIndex.build(ids, [analyze(t) for t in texts], ["Kota Contoh"] * len(ids), ids)
    return HybridRetriever(store, lexical, None, lambda chunk_ids: set(chunk_ids), top_k=3, fusion=fusion,
                           sentence_share=share)


def _order(retriever: HybridRetriever) -> list[str]:
    return [h.node.node_id for h in retriever.retrieve(QueryBundle(QUESTION, embedding=[1.0, 0.0, 0.0]))]


def _share():
    terms = query_terms(QUESTION, "id")
    return partial(best_piece_share, q=terms, weights={t: 1.0 for t in terms.terms})


def test_the_passage_stating_the_asked_thing_in_one_sentence_rises_above_one_that_scatters_its_words(tmp_path):
    assert _order(_retriever(tmp_path / "a", Fusion(lexical_weight_id=0.0)))[:2] == ["scattered", "stated"]
    reranked = _retriever(tmp_path / "b", Fusion(lexical_weight_id=0.0, sentence_weight=0.3), _share())
    hits = reranked.retrieve(QueryBundle(QUESTION, embedding=[1.0, 0.0, 0.0]))
    assert [h.node.node_id for h in hits][:2] == ["stated", "scattered"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0.0 <= h.score <= 1.0 for h in hits)


def test_no_rerank_without_a_weight_or_without_the_questions_terms(tmp_path):
    fused = _order(_retriever(tmp_path / "a", Fusion(lexical_weight_id=0.0)))
    assert _order(_retriever(tmp_path / "b", Fusion(lexical_weight_id=0.0), _share())) == fused
    assert _order(_retriever(tmp_path / "c", Fusion(lexical_weight_id=0.0, sentence_weight=0.3))) == fused


def test_best_piece_share_is_the_best_single_sentence_not_the_whole_passage():
    terms = query_terms(QUESTION, "id")
    weights = {t: 1.0 for t in terms.terms}
    assert best_piece_share(STATED, terms, weights) == 1.0
    assert best_piece_share(SCATTERED, terms, weights) == 0.5  # "target ... tahun ... 2029": 3 of its 6 terms
    assert best_piece_share("", terms, weights) == 0.0
