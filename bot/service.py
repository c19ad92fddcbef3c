"""The Planbot service: models and indexes loaded once, `ask` answers with citations."""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import Counter

from llama_index.core import Settings as LlamaSettings
from llama_index.core.llms import MockLLM
from llama_index.core.schema import NodeWithScore, QueryBundle

from bot.abstain import CorpusProfile, judge_answer, judge_question
from bot.answer import compose, compose_plan, select
from bot.language import detect_language
from bot.plan import PlanRow, plan_rows_across, plan_rows_for, terms_beyond
from bot.records import Answer, Citation
from bot.terms import REGION_PREFIXES, query_terms, regions_named
from index.embedders import PlanbotEmbedding, make_embedder
from index.glossary import translate_terms
from index.indexer import Indexer, load_lexical
from index.lexical import LexicalIndex, stem, words
from index.manifest import Manifest
from index.search import Fusion, HybridRetriever, to_node
from index.store import ChromaStore
from planbot.errors import PlanbotError
from planbot.offline import set_offline_env
from planbot.settings import Settings

MAX_QUESTION_CHARS = 2000
MAX_TERMS_BEYOND_PLAN = 3
MAX_REGIONS_SPREAD = 4
# Questions about several regions at once: each region gets a passage among the first k, and a quote.
_ACROSS_REGIONS = re.compile(
    r"\b(which|what) (cities|regions|regencies)\b|\bkota mana\b|\bdaerah mana\b|\bkota-kota\b|\bbandingkan\b"
    r"|\bcompare\b|\beach (city|region)\b|\bmasing-masing kota\b|\bthe cities\b",
    re.IGNORECASE,
)


def _inside_rows(citation: Citation, piece, rows: list[PlanRow]) -> bool:
    """True when a quoted piece is mostly a plan item the answer already names ("1. Revitalisasi ...;")."""
    if citation.start is None:
        return False
    a, b = citation.start + piece.start, citation.start + piece.end
    return any(r.doc_id == citation.doc_id and min(b, r.end) - max(a, r.start) >= 0.6 * (b - a) for r in rows)


def _within(citation: Citation, piece, spans: list[tuple[str, int, int]]) -> bool:
    """True when a quoted piece starts inside one of the (doc_id, start, end) spans."""
    if citation.start is None:
        return False
    at = citation.start + piece.start
    return any(doc == citation.doc_id and start <= at < end for doc, start, end in spans)


class Planbot:
    """One per process: shares the embedding model, the store and the lexical index across requests."""

    def __init__(self, settings: Settings, embedder: PlanbotEmbedding | None = None, fusion: Fusion | None = None):
        set_offline_env()
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        LlamaSettings.llm = MockLLM()  # answers are extractive; nothing may reach for a hosted LLM
        LlamaSettings.embed_model = self.embedder
        self.store: ChromaStore | None = None
        self.manifest = Manifest(settings.manifest_path, settings.collection)
        self.fusion = fusion or Fusion()
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        """Reload what changed on disk: the store, visible chunks, BM25, the corpus profile."""
        with self._lock:
            self._generation = self.manifest.generation()
            if self.store is None or not self.settings.chroma_url:
                if self.store is not None:  # an embedded client does not see other processes' writes: reopen
                    self.store.close()
                self.store = ChromaStore(self.settings, self.embedder.model_name, self.embedder.dim)
            docs = self.manifest.documents()
            self._doc_chunks = {d.doc_id: set(d.chunk_ids) for d in docs}
            self._spans: dict[str, list] = {}
            self.visible = self.manifest.visible_chunk_ids()
            self.lexical: LexicalIndex = load_lexical(self.settings, self.store, self.manifest)
            regions = Counter(d.metadata.get("region") for d in docs if d.metadata.get("region") and d.chunk_ids)
            vocab = set()
            for d in docs:
                vocab.update(words(d.text))
                vocab.update(words(" ".join(str(v) for v in d.metadata.values())))
            meta = {d.doc_id: d.metadata for d in docs if d.chunk_ids}
            self.plan_rows = [
                PlanRow(**i, region=meta[i["doc_id"]].get("region"), title=meta[i["doc_id"]].get("title", i["doc_id"]),
                        period=meta[i["doc_id"]].get("period"))
                for i in self.manifest.plan_items() if i["doc_id"] in meta
            ]
            self.corpus = CorpusProfile(
                regions=tuple(r for r, _ in regions.most_common()),
                titles=tuple(d.metadata.get("title", d.doc_id) for d in docs if d.chunk_ids),
                words=frozenset(vocab),
                terms=self.lexical.vocabulary,
            )

    def indexer(self) -> Indexer:
        """An indexer sharing this service's embedding model."""
        return Indexer(self.settings, self.embedder)

    def retriever(self, *, mode: str = "hybrid", k: int | None = None, region: str | None = None,
                  doc_id: str | None = None, language: str = "id") -> HybridRetriever:
        return HybridRetriever(
            self.store, self.lexical, self.embedder, self.visible, mode=mode, top_k=k or self.settings.top_k,
            fusion=self.fusion, region=region, doc_id=doc_id, language=language,
        )

    def ask(self, question: str, *, k: int | None = None, region: str | None = None, doc_id: str | None = None,
            mode: str = "hybrid") -> Answer:
        """Answer a question from the indexed plans, or abstain and say what the corpus covers."""
        started = time.perf_counter()
        question = " ".join((question or "").split())
        if not question:
            raise PlanbotError("the question is empty: ask something about the plans, e.g. 'Apa visi Kota Bekasi?'")
        if len(question) > MAX_QUESTION_CHARS:
            raise PlanbotError(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
        if self.manifest.generation() != self._generation:
            self.refresh()  # an ingest elsewhere (the CLI, --watch, an upload) committed since the last question
        if not self.visible:
            raise PlanbotError(
                f"nothing is ingested in collection {self.settings.collection!r} yet: run `planbot ingest` first"
            )
        if region and region not in self.corpus.regions:
            raise PlanbotError(f"unknown region {region!r}; the corpus has: {', '.join(self.corpus.regions)}")
        embedding = self.embedder.get_query_embedding(question)  # the model runs outside the lock: the slow part
        with self._lock:  # a refresh swaps the store and the indexes: answer from one consistent set
            return self._answer(question, embedding, k=k, region=region, doc_id=doc_id, mode=mode, started=started)

    def _answer(self, question: str, embedding: list[float], *, k: int | None, region: str | None,
                doc_id: str | None, mode: str, started: float) -> Answer:
        language = detect_language(question)
        q = query_terms(question, language)
        verdict = judge_question(question, q, self.corpus)
        if verdict.abstain:
            return self._abstain(question, language, verdict.reason, started)
        regions = regions_named(question, self.corpus.regions)
        asked_region = region or (regions[0] if len(regions) == 1 else None)
        q = self._without_region_words(q, asked_region)
        spread = not asked_region and not doc_id and (len(regions) > 1 or bool(_ACROSS_REGIONS.search(question)))
        plan_rows = plan_rows_for(question, q, self.plan_rows, asked_region) if not doc_id else []
        if spread and not plan_rows:
            plan_rows = plan_rows_across(question, self.plan_rows, regions or list(self.corpus.regions))
        beyond = terms_beyond(q, plan_rows, question) if plan_rows else []
        if (len(plan_rows) > 2 and all(r.kind == "mission" for r in plan_rows)
                and len(terms_beyond(q, plan_rows, question, strict=True)) >= MAX_TERMS_BEYOND_PLAN):
            plan_rows = []  # a list that only frames the question ("faktor penghambat ... visi misi"): passages answer
        retriever = self.retriever(mode=mode, k=k, region=asked_region, doc_id=doc_id, language=language)
        lexical_query = question + " " + " ".join(translate_terms(question)) if language == "en" else question
        bundle = QueryBundle(query_str=lexical_query, embedding=embedding)
        hits = (self._across_regions(retriever, bundle, regions or list(self.corpus.regions), k or self.settings.top_k)
                if spread else retriever.retrieve(bundle))
        if not hits and asked_region and not region:
            retriever.region = None
            hits = retriever.retrieve(bundle)
        plan_hits = self._plan_hits(plan_rows)
        cited = {p.node.node_id for p in plan_hits}
        hits = plan_hits + [h for h in hits if h.node.node_id not in cited]
        hits = hits[: k or self.settings.top_k]
        citations = [self._citation(i + 1, h) for i, h in enumerate(hits)]
        weights = {t: self.lexical.idf(t) for t in q.terms}
        chosen = select(citations, q, weights, spread=spread)
        top_similarity = max(retriever.dense_scores.values(), default=0.0) if mode != "lexical" else 1.0
        verdict = judge_answer(
            question,
            [p.text(citations[p.citation].text) for p in chosen],
            [c.text for c in citations[:3]],
            max((p.score for p in chosen), default=0.0),
            top_similarity,
        )
        if plan_rows and not verdict.abstain:
            text = compose_plan(plan_rows, citations, language)
            if beyond:
                extra = [p for p in chosen if not _inside_rows(citations[p.citation], p, plan_rows)]
                spans = self._explanation_spans(plan_rows)
                explaining = [p for p in extra if _within(citations[p.citation], p, spans)]
                extra = explaining or extra
                if extra:
                    text += "\n\n" + compose(citations, extra, language)
        elif verdict.abstain:
            return self._abstain(question, language, verdict.reason, started)
        else:
            text = compose(citations, chosen, language)
        return Answer(question, text, False, language, citations, (time.perf_counter() - started) * 1000,
                      plan_items=[r.as_dict() for r in plan_rows])

    def _explanation_spans(self, rows: list[PlanRow]) -> list[tuple[str, int, int]]:
        """Where each named item's explanation may stand: from its end to the document's next plan item."""
        spans = []
        for r in rows:
            following = [x.start for x in self.plan_rows if x.doc_id == r.doc_id and x.start >= r.end]
            spans.append((r.doc_id, r.end, min(following, default=sys.maxsize)))
        return spans

    def _across_regions(self, retriever: HybridRetriever, bundle: QueryBundle, regions: list[str], k: int) -> list[NodeWithScore]:
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

    @staticmethod
    def _without_region_words(q, region: str | None):
        """Region names route the search; they are not topic words to match in sentences."""
        if not region:
            return q
        drop = {stem(w) for w in words(region)} | REGION_PREFIXES
        return type(q)(tuple(t for t in q.terms if t not in drop), q.untranslated)

    def _plan_hits(self, rows: list[PlanRow]) -> list[NodeWithScore]:
        """The chunks that hold the plan items (cited first)."""
        out, seen = [], set()
        for r in rows:
            chunk = self._chunk_at(r.doc_id, r.start)
            if chunk and chunk.id not in seen:
                seen.add(chunk.id)
                out.append(NodeWithScore(node=to_node(chunk), score=1.0))
        return out

    def _chunk_at(self, doc_id: str, offset: int):
        """The visible chunk of a document that contains a character offset."""
        spans = self._spans.get(doc_id)
        if spans is None:
            got = self.store.get(sorted(i for i in self.visible if i in self._doc_chunks.get(doc_id, ())))
            spans = self._spans[doc_id] = sorted(got, key=lambda c: c.metadata.get("start", 0))
        for c in spans:
            if c.metadata.get("start", 0) <= offset < c.metadata.get("end", 0):
                return c
        return None

    def _abstain(self, question: str, language: str, reason: str | None, started: float) -> Answer:
        if language == "id":
            text = "Maaf, jawabannya tidak ditemukan dalam dokumen rencana yang tersedia."
        else:
            text = "Sorry, I could not find the answer in the plan documents I have."
        text += " " + self.corpus.describe(language)
        return Answer(question, text, True, language, [], (time.perf_counter() - started) * 1000, reason=reason)

    @staticmethod
    def _citation(n: int, hit) -> Citation:
        meta = hit.node.metadata
        page = meta.get("page")
        return Citation(
            n=n,
            source=meta.get("source", ""),
            title=meta.get("title") or meta.get("source", ""),
            region=meta.get("region"),
            section=meta.get("section") or None,
            page=int(page) if isinstance(page, (int, float)) and page > 0 else None,
            text=hit.node.get_content(),
            score=float(hit.score or 0.0),
            doc_id=meta.get("doc_id", ""),
            start=meta.get("start"),
            end=meta.get("end"),
        )
