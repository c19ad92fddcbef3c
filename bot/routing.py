"""Where a question's search looks: the plans it names first, every region it compares, the region it names
together with documents of unknown region. Each function runs the retriever it is given (its dense scores
are kept for the decision) and returns the ranked hits."""

from __future__ import annotations

from llama_index.core.schema import NodeWithScore, QueryBundle

from bot.terms import REGION_PREFIXES, QueryTerms
from index.lexical import stem, words
from index.search import HybridRetriever

MAX_REGIONS_SPREAD = 4
UNPLACED_POOL = 4  # with documents of unknown region, a region-named question ranks k * this unfiltered passages


def preferring(retriever: HybridRetriever, bundle: QueryBundle, docs: frozenset[str],
               hits: list[NodeWithScore]) -> list[NodeWithScore]:
    """The named documents' best passages first, then the rest of the ranking (a preference, not a filter).

    docs: the named documents within the retriever's region (the caller's to narrow), so the search is limited
    to them alone: a store filters a few documents' chunks faster than all of a region's at a million chunks."""
    if not docs:
        return hits
    scores = dict(retriever.dense_scores)
    region, retriever.region, retriever.doc_ids = retriever.region, None, sorted(docs)
    preferred = retriever.retrieve(bundle)
    retriever.region, retriever.doc_ids = region, None
    retriever.dense_scores = {**retriever.dense_scores, **scores}
    first = {h.node.node_id for h in preferred}
    return preferred + [h for h in hits if h.node.node_id not in first]


def across_regions(retriever: HybridRetriever, bundle: QueryBundle, regions: list[str], k: int) -> list[NodeWithScore]:
    """The best passages overall, with each region's best among the first k, for questions that compare
    regions or ask "which cities"."""
    hits = retriever.retrieve(bundle)
    scores = dict(retriever.dense_scores)
    missing = []
    for r in regions[:MAX_REGIONS_SPREAD]:
        if not any(h.node.metadata.get("region") == r for h in hits[:k]):
            retriever.region = r
            missing += retriever.retrieve(bundle)[:1]
            scores.update(retriever.dense_scores)
    retriever.region, retriever.dense_scores = None, scores
    if not missing:
        return hits
    added = {h.node.node_id for h in missing}
    rest = [h for h in hits if h.node.node_id not in added]
    at = max(1, k - len(missing))  # they take the last of the first k places, after the best passage
    return rest[:at] + missing + rest[at:]


def routed_with_unplaced(retriever: HybridRetriever, bundle: QueryBundle, region: str) -> list[NodeWithScore]:
    """The asked region's passages ranked together with those of documents whose region is unknown: routing
    by the region a question names must not drop a passage only because its document names no region."""
    k = retriever.top_k
    retriever.region, retriever.top_k = None, k * UNPLACED_POOL
    pool = [h for h in retriever.retrieve(bundle) if h.node.metadata.get("region") in (region, None, "")]
    retriever.dense_scores = {h.node.node_id: retriever.dense_scores[h.node.node_id]
                              for h in pool if h.node.node_id in retriever.dense_scores}
    retriever.region, retriever.top_k = region, k
    hits = pool[:k]
    if len(hits) < k:  # other regions crowded the pool: fill from the routed search
        seen = {h.node.node_id for h in hits}
        routed = retriever.retrieve(bundle)
        hits += [h for h in routed if h.node.node_id not in seen][: k - len(hits)]
    return hits


def without_region_words(q: QueryTerms, region: str | None) -> QueryTerms:
    """Region names route the search; they are not topic words to match in sentences."""
    if not region:
        return q
    drop = {stem(w) for w in words(region)} | REGION_PREFIXES
    return QueryTerms(tuple(t for t in q.terms if t not in drop), q.untranslated)
