"""Hybrid retrieval as a llama-index BaseRetriever: dense (the vector store) and BM25, fused by weighted RRF."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from index.embedders import PlanbotEmbedding
from index.filtered import FilteredSearch
from index.lexical import LexicalBackend
from index.store import Filter, StoredChunk, VectorStore

MODES = ("hybrid", "dense", "lexical")
RRF_K = 60


FUSION_PATH = Path(__file__).resolve().parent.parent / "planbot" / "fitted" / "fusion.json"


GAP_DEPTH = 20  # the dense gap is read over this many nearest passages


def dense_gap(scores: Sequence[float]) -> float:
    """How far the nearest passage stands above the others (its similarity minus the mean of the next
    GAP_DEPTH - 1): large when one passage is clearly about the question, small among many alike passages."""
    ranked = sorted(scores, reverse=True)[:GAP_DEPTH]
    return ranked[0] - sum(ranked[1:]) / len(ranked[1:]) if len(ranked) > 1 else 0.0


@dataclass(frozen=True)
class Fusion:
    """How much the lexical ranking counts beside the dense one, per question language, and the RRF constant.

    With `gap_split`, a question whose dense gap (`dense_gap`) is below it uses the `_flat` weights: among
    many alike passages (a region's plans) the model's ranking is less sure, and word matches count more.
    With `sentence_weight`, the first `rerank_depth` fused passages are ranked again by their fused score
    plus this weight times the share of the question's terms that one sentence of the passage holds (a
    passage that answers states the asked thing in one sentence; one that only shares its words scatters
    them). The values are read from planbot/fitted/fusion.json, written by `python -m evals.fit_fusion` from the
    development sets; English questions meet Indonesian text through the glossary-translated query.
    """

    lexical_weight_id: float = 1.0
    lexical_weight_en: float = 0.5
    rrf_k: int = RRF_K
    gap_split: float | None = None
    lexical_weight_id_flat: float | None = None
    lexical_weight_en_flat: float | None = None
    sentence_weight: float = 0.0
    rerank_depth: int = 10

    def weight(self, language: str, gap: float) -> float:
        """The lexical weight for a question of this language whose dense gap is `gap`."""
        flat = self.gap_split is not None and gap < self.gap_split
        chosen = self.lexical_weight_en_flat if language == "en" else self.lexical_weight_id_flat
        if flat and chosen is not None:
            return chosen
        return self.lexical_weight_en if language == "en" else self.lexical_weight_id

    @classmethod
    def fitted(cls, path: Path = FUSION_PATH) -> Fusion:
        """The fitted fusion, or the defaults when no fit was written."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()

        def optional(key: str) -> float | None:
            return float(data[key]) if data.get(key) is not None else None

        return cls(float(data["lexical_weight_id"]), float(data["lexical_weight_en"]), int(data["rrf_k"]),
                   optional("gap_split"), optional("lexical_weight_id_flat"), optional("lexical_weight_en_flat"),
                   float(data.get("sentence_weight", 0.0)), int(data.get("rerank_depth", cls.rerank_depth)))


def reranked(scores: dict[str, float], share: Callable[[str], float], weight: float) -> dict[str, float]:
    """The second stage's scores: each passage's fused score (1.0: first in both rankings) plus `weight` times
    its best sentence's share of the question's terms (`share`, by chunk id), over 1 + weight."""
    return {i: (s + weight * share(i)) / (1.0 + weight) for i, s in scores.items()}


def to_node(chunk: StoredChunk) -> TextNode:
    meta = chunk.metadata
    return TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=meta,
        start_char_idx=meta.get("start"),
        end_char_idx=meta.get("end"),
    )


class HybridRetriever(BaseRetriever):
    """Dense and lexical candidates over the visible chunks, fused by weighted reciprocal rank.

    visible: which of the given chunk ids are visible (Manifest.visible: one indexed query for a search's few
    dozen candidates); chunks of pending or retired versions still in the store are never returned.
    sentence_share: a passage text's best sentence share of the question's terms (the answer stage's own
    measure), for the fusion's second-stage rerank; without it the fused order stands.
    filtered: the process's FilteredSearch (index/filtered.py), which answers a filtered dense search without
    the store's filter where it can; without it a filtered search is the store's own.
    """

    def __init__(
        self,
        store: VectorStore,
        lexical: LexicalBackend,
        embedder: PlanbotEmbedding,
        visible: Callable[[Iterable[str]], set[str]],
        *,
        mode: str = "hybrid",
        top_k: int = 5,
        fusion: Fusion = Fusion(),
        region: str | None = None,
        doc_id: str | None = None,
        language: str = "id",
        doc_ids: Collection[str] | None = None,
        sentence_share: Callable[[str], float] | None = None,
        filtered: FilteredSearch | None = None,
    ):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown retriever {mode!r}; choose one of {MODES}")
        self.store, self.lexical, self.embedder = store, lexical, embedder
        self.visible, self.filtered = visible, filtered
        self.mode, self.top_k, self.fusion = mode, top_k, fusion
        self.region, self.doc_id, self.language = region, doc_id, language
        self.doc_ids = sorted(doc_ids) if doc_ids else None  # only these documents (the plans a question names)
        self.sentence_share = sentence_share
        self.dense_scores: dict[str, float] = {}
        self._corpus_gap: float | None = None  # the question's dense gap, read once for all its searches

    @property
    def filter(self) -> Filter:
        """The region and documents this retriever is limited to (the same for dense and BM25)."""
        return Filter.of(self.region, self.doc_id, self.doc_ids)

    def dense(self, query: str, n: int, embedding: list[float] | None = None) -> list[tuple[StoredChunk, float]]:
        """Nearest visible chunks by cosine similarity."""
        vector = embedding or self.embedder.get_query_embedding(query)
        if self.filter and self.filtered is not None:
            hits = self.filtered.search(vector, n, self.filter)
            if hits is not None:
                return hits
        asked, best = n + 10, []
        while True:  # until n visible, or the store has no more: chunks of pending or retired versions crowd
            hits = self.store.query(vector, asked, self.filter)
            shown = self._visible_dense(hits)
            best = shown if len(shown) > len(best) else best
            if len(best) >= n or len(hits) < asked:
                return best[:n]
            asked *= 4

    def _visible_dense(self, hits: list[tuple[StoredChunk, float]]) -> list[tuple[StoredChunk, float]]:
        shown = self.visible(c.id for c, _ in hits)
        return [(c, s) for c, s in hits if c.id in shown]

    def lexical_hits(self, query: str, n: int) -> list[tuple[str, float]]:
        """BM25 hits among the visible chunks (an index saved before a commit may still name retired ones)."""
        hits = self.lexical.search(query, n, self.filter)
        shown = self.visible(i for i, _ in hits)
        return [(i, s) for i, s in hits if i in shown]

    def _gap(self, dense: list[tuple[StoredChunk, float]], query_bundle: QueryBundle) -> float:
        """The question's dense gap over the whole corpus (as the fusion was fitted), not only over the region
        or documents this search is limited to; read once per retriever (one question), however many searches
        routing makes with it."""
        if self.fusion.gap_split is None:
            return 0.0
        if self._corpus_gap is None:
            if not self.filter:
                scores = [s for _, s in dense]
            else:
                vector = query_bundle.embedding or self.embedder.get_query_embedding(query_bundle.query_str)
                scores = [s for _, s in self._visible_dense(self.store.query(vector, GAP_DEPTH + 10, None))]
            self._corpus_gap = dense_gap(scores)
        return self._corpus_gap

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = query_bundle.query_str
        n = max(self.top_k * 4, 20)
        dense = self.dense(query, n, query_bundle.embedding) if self.mode != "lexical" else []
        lexical = self.lexical_hits(query, n) if self.mode != "dense" else []
        self.dense_scores = {c.id: s for c, s in dense}
        if self.mode == "dense":
            return [NodeWithScore(node=to_node(c), score=s) for c, s in dense[: self.top_k]]
        if self.mode == "lexical":
            chunks = {c.id: c for c in self.store.get([i for i, _ in lexical[: self.top_k]])}
            return [NodeWithScore(node=to_node(chunks[i]), score=s) for i, s in lexical[: self.top_k] if i in chunks]
        weight = self.fusion.weight(self.language, self._gap(dense, query_bundle))
        fused: dict[str, float] = {}
        for rank, (c, _) in enumerate(dense):
            fused[c.id] = fused.get(c.id, 0.0) + 1.0 / (self.fusion.rrf_k + rank + 1)
        if weight > 0:
            for rank, (cid, _) in enumerate(lexical):
                fused[cid] = fused.get(cid, 0.0) + weight / (self.fusion.rrf_k + rank + 1)
        rerank = self.sentence_share is not None and self.fusion.sentence_weight > 0
        order = sorted(fused, key=fused.get, reverse=True)[: max(self.top_k, self.fusion.rerank_depth if rerank else 0)]
        known = {c.id: c for c, _ in dense}
        missing = [i for i in order if i not in known]
        known.update({c.id: c for c in self.store.get(missing)})
        order = [i for i in order if i in known]
        scale = (1.0 + weight) / (self.fusion.rrf_k + 1)
        score = {i: fused[i] / scale for i in order}  # 1.0: first in both rankings
        if rerank:
            score = reranked(score, lambda i: self.sentence_share(known[i].text), self.fusion.sentence_weight)
            order.sort(key=score.__getitem__, reverse=True)
        return [NodeWithScore(node=to_node(known[i]), score=score[i]) for i in order[: self.top_k]]
