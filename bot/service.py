"""The Planbot service: models and indexes loaded once, `ask` answers with citations."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial

from llama_index.core import Settings as LlamaSettings
from llama_index.core.llms import MockLLM
from llama_index.core.schema import NodeWithScore, QueryBundle

from bot.abstain import CorpusProfile, Verdict, coverage, judge_answer, judge_question, unknown_places
from bot.answer import best_piece_share, compose, compose_plan, pieces_of, select, where_label
from bot.citation_check import CitationChecker
from bot.citations import citation_of
from bot.compare import (
    Comparison,
    Scope,
    Theme,
    compare,
    compose_compare,
    region_scopes,
    region_words,
    theme_of,
)
from bot.decide import Decider, measure
from bot.enactment import asked_act, enactments, says
from bot.generate import Generated, apply, generate, generate_stream
from bot.llm_client import ChatClient
from bot.places import regions_not_covered
from bot.plan import (
    PlanRow,
    Subject,
    missing_number,
    plan_rows_across,
    plan_rows_for,
    table_item_asked,
    table_subject,
    terms_beyond,
)
from bot.question import Question, read_question, refusal_text
from bot.question_input import require_question
from bot.records import Answer, Citation
from bot.routing import across_regions, preferring, routed_with_unplaced, without_region_words
from bot.short_answer import fact_holders, short_answer
from bot.table_answer import cell_answer, cell_asked, holds_cell, other_rows_note, rows_of_others, years_note
from bot.terms import QueryTerms, query_terms, regions_named
from index.embedders import PlanbotEmbedding, make_embedder
from index.filtered import FilteredSearch
from index.indexer import Indexer, load_lexical
from index.lexical import WORDS_VERSION, LexicalBackend, document_words, words
from index.manifest import Manifest
from index.search import Fusion, HybridRetriever, to_node
from index.shared import sync_shared
from index.store import VectorStore, make_store
from ingest.chunking import embed_text
from planbot.errors import PlanbotError, StoreUnavailable
from planbot.language import TABLE_QUESTION_WORDS, bm25_query, detect_language
from planbot.offline import set_offline_env
from planbot.settings import Settings

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
MAX_TERMS_BEYOND_PLAN = 3

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
        self.store: VectorStore | None = None
        self.filtered: FilteredSearch | None = None
        self.manifest = Manifest(settings.manifest_path, settings.collection)
        self.fusion = fusion or Fusion.fitted()
        self.decider = Decider.load() if settings.abstention == "calibrated" else None
        self._lock = threading.Lock()
        self.llm = ChatClient(settings) if settings.llm else None  # asked only after Planbot decided to answer
        self.citation_checker = CitationChecker(embed=self._embed_normalised)
        self.refresh()

    def refresh(self) -> None:
        """Reload what changed on disk: the store, the documents' metadata, BM25, the corpus profile.

        Which chunks are visible is not held here: the retriever asks the manifest about the few it found.

        The store is reopened in place (an embedded client does not see other processes' writes), so the
        indexers this service hands out, which write through it, see the same fresh store.
        """
        with self._lock:
            generation = self.manifest.generation()
            self._generation = None  # a reload that fails half-way is tried again by the next request
            if self.store is None:
                self.store = make_store(self.settings, self.embedder.model_name, self.embedder.dim)
            else:
                self.store.reopen()
            if self.filtered is None:  # its held embeddings are keyed by document version: never stale
                self.filtered = FilteredSearch(self.store, self.manifest)
            docs = self.manifest.summaries()  # no texts, no chunk ids: search asks the manifest about its hits
            self._spans: dict[str, list] = {}
            self.chunk_count = sum(d.chunks for d in docs)
            self.lexical: LexicalBackend = load_lexical(self.settings, self.store, self.manifest)
            regions = Counter(d.metadata.get("region") for d in docs if d.metadata.get("region") and d.chunks)
            self._unplaced = any(d.chunks and not d.metadata.get("region") for d in docs)  # region unknown
            vocab = self.manifest.vocabulary(document_words, WORDS_VERSION)
            meta = {d.doc_id: d.metadata for d in docs if d.chunks}
            self._doc_meta = meta
            self.plan_rows = [
                PlanRow(**i, region=meta[i["doc_id"]].get("region"), title=meta[i["doc_id"]].get("title", i["doc_id"]),
                        period=meta[i["doc_id"]].get("period"))
                for i in self.manifest.plan_items() if i["doc_id"] in meta
            ]
            self.corpus = CorpusProfile(
                regions=tuple(r for r, _ in regions.most_common()),
                titles=tuple(d.metadata.get("title", d.doc_id) for d in docs if d.chunks),
                words=frozenset(vocab),
                terms=self.lexical.vocabulary,
            )
            self._generation = generation

    def refresh_if_changed(self) -> bool:
        """Reload when another connection (the CLI, --watch, an upload) committed since the last load; a
        store that cannot be read raises StoreUnavailable (the next call tries again)."""
        synced = sync_shared(self.settings, self.manifest)  # other machines' commits (PLANBOT_SHARED_INGEST)
        if not synced and self.manifest.generation() == self._generation:
            return False
        try:
            self.refresh()
        except StoreUnavailable as exc:
            raise self._store_failed(exc) from exc
        return True

    def _store_failed(self, exc: StoreUnavailable) -> StoreUnavailable:
        """Log a store error and make the next request reopen the store; the error to show the asker."""
        self._generation = None
        log.warning("vector store error, reopened on the next request: %s", exc)
        if self.settings.chroma_url:
            return StoreUnavailable(str(exc))  # names the server and what to check
        return StoreUnavailable(
            "the index could not be read just now (another ingest may have changed it); it is reloaded for "
            "the next question: please ask again"
        )

    def indexer(self) -> Indexer:
        """An indexer sharing this service's embedding model and its one store (close it after use)."""
        return Indexer(self.settings, self.embedder, store=self.store)

    def retriever(self, *, mode: str = "hybrid", k: int | None = None, region: str | None = None,
                  doc_id: str | None = None, language: str = "id", terms: QueryTerms | None = None) -> HybridRetriever:
        """A retriever for one question; with its `terms`, the fused passages are reranked by their best sentence."""
        share = None
        if terms is not None and terms.terms:
            weights = {t: self.lexical.idf(t) for t in terms.terms}
            share = partial(best_piece_share, q=terms, weights=weights)
        return HybridRetriever(
            self.store, self.lexical, self.embedder, self.manifest.visible, mode=mode, top_k=k or self.settings.top_k,
            fusion=self.fusion, region=region, doc_id=doc_id, language=language, sentence_share=share,
            filtered=self.filtered,
        )

    def ask(self, question: str, *, k: int | None = None, region: str | None = None, doc_id: str | None = None,
            mode: str = "hybrid", asked_as: str | None = None) -> Answer:
        """Answer a question from the indexed plans, or abstain and say what the corpus covers.

        With PLANBOT_LLM a chat model then writes the answer from the cited passages, checked sentence by
        sentence (bot.generate); asked_as: the user's own words when `question` is a rewritten follow-up."""
        answer = self._ask(question, k=k, region=region, doc_id=doc_id, mode=mode)
        if self.llm is None or answer.abstained or not answer.citations or answer.compare:
            return answer  # Planbot's own "not found" runs first: a model never turns a refusal into an answer
        started = time.perf_counter() - answer.latency_ms / 1000
        answer = apply(answer, generate(self.llm, self.citation_checker, answer, asked_as))
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def ask_stream(self, question: str, *, k: int | None = None, region: str | None = None,
                   doc_id: str | None = None, mode: str = "hybrid",
                   asked_as: str | None = None) -> Iterator[str | Answer]:
        """Like ask, streamed: with PLANBOT_LLM, the model's text so far (str) as it arrives, then the checked
        Answer, which replaces it. Without a model, or for a refusal, a compare or an answer without
        citations, only the Answer (a refusal is never sent to a model)."""
        answer = self._ask(question, k=k, region=region, doc_id=doc_id, mode=mode)
        if self.llm is None or answer.abstained or not answer.citations or answer.compare:
            yield answer
            return
        started = time.perf_counter() - answer.latency_ms / 1000
        for update in generate_stream(self.llm, self.citation_checker, answer, asked_as):
            if isinstance(update, Generated):
                answer = apply(answer, update)
                answer.latency_ms = (time.perf_counter() - started) * 1000
                yield answer
                return
            yield update

    def _embed_normalised(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        vectors = np.asarray(self.embedder.get_text_embedding_batch(texts), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms > 0, norms, 1.0)).tolist()

    def _ask(self, question: str, *, k: int | None, region: str | None, doc_id: str | None, mode: str) -> Answer:
        started = time.perf_counter()
        question = require_question(question)  # zero-width characters and whitespace alone are empty
        if len(question) > MAX_QUESTION_CHARS:
            raise PlanbotError(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
        self.refresh_if_changed()  # an ingest elsewhere (the CLI, --watch, an upload) committed since the last question
        if not self.chunk_count:
            raise PlanbotError(
                f"nothing is ingested in collection {self.settings.collection!r} yet: run `planbot ingest` first"
            )
        if region and region not in self.corpus.regions:
            raise PlanbotError(f"unknown region {region!r}; the corpus has: {', '.join(self.corpus.regions)}")
        read = read_question(question)
        if read.refusal:  # instructions to the system and personal data: a polite refusal, nothing retrieved
            return Answer(question, refusal_text(read.refusal, read.language), True, read.language, [],
                          (time.perf_counter() - started) * 1000, reason=f"refused: {read.refusal}")
        embedding = self.embedder.get_query_embedding(question)  # the model runs outside the lock: the slow part
        with self._lock:  # a refresh swaps the store and the indexes: answer from one consistent set
            try:
                return self._answer(read, embedding, k=k, region=region, doc_id=doc_id, mode=mode, started=started)
            except StoreUnavailable as exc:
                raise self._store_failed(exc) from exc

    def _answer(self, read: Question, embedding: list[float], *, k: int | None, region: str | None,
                doc_id: str | None, mode: str, started: float) -> Answer:
        question, language = read.text, read.language
        q = query_terms(question, language)
        abstention = self.settings.abstention
        covered = coverage(q, self.corpus)
        asked_verdict = judge_question(question, q, self.corpus, covered)  # the first release's rules: a signal, or the decision
        if abstention == "rules" and asked_verdict.abstain:
            return self._abstain(question, language, asked_verdict.reason, started)
        placed = [*self.corpus.regions, *([None] if self._unplaced else [])]
        elsewhere = regions_not_covered(question, placed) if not region and not doc_id else []
        if elsewhere:  # "Berapa luas Kota Tangerang?" over Jakarta's plans: none is about that region
            names = ", ".join(elsewhere)
            note = (f"Tidak ada dokumen tentang {names}." if language == "id" else f"No document is about {names}.")
            return self._abstain(question, language, f"no document covers {names}", started,
                                 f"{note} {self.corpus.describe(language)}")
        regions = regions_named(question, self.corpus.regions)
        if read.across_regions and not region and not doc_id:
            unknown = unknown_places(question, self.corpus) if regions else []
            theme = theme_of(question, region_words(self.corpus.regions) | {w for u in unknown for w in words(u)})
            if len(regions) + len(unknown) >= 2 and regions and theme:  # "Bandingkan ... Kota Metro dan Kota Bekasi"
                return self._compare_answer(read, theme, embedding, regions, unknown, mode, started)
        asked_region = region or (regions[0] if len(regions) == 1 else None)
        q = without_region_words(q, asked_region)
        spread = not asked_region and not doc_id and (len(regions) > 1 or read.across_regions)
        named = self.documents_named(read) if not doc_id else None
        act = asked_act(read)
        if act and (named or doc_id):  # "Kapan Perda RPJMD ditetapkan?": the document's own closing formula
            enacted = self._enactment_answer(read, act, sorted(named or {doc_id}), started)
            if enacted is not None:
                return enacted
        # the plan the question names answers, never another plan that quotes it (an RKPD lists the RPJPD's
        # missions): where the named plan has no such item, its passages answer
        own_rows = [r for r in self.plan_rows if r.doc_id in named] if named else self.plan_rows
        plan_rows = plan_rows_for(question, q, own_rows, asked_region) if not doc_id else []
        gap = missing_number(question, self.plan_rows, asked_region, named) if not doc_id else None
        if gap:  # a false premise ("misi keenam" of a five-mission plan): say what the plan has
            asked, has = gap
            note = (f"Rencana yang ditanyakan memuat {has} misi; tidak ada misi ke-{asked}." if language == "id"
                    else f"The plan asked about lists {has} missions; it has no mission {asked}.")
            return self._abstain(question, language, f"the plan lists {has} missions, not {asked}", started, note)
        if spread and not plan_rows:
            plan_rows = plan_rows_across(question, self.plan_rows, regions or list(self.corpus.regions))
        beyond = terms_beyond(q, plan_rows, question) if plan_rows else []
        if (len(plan_rows) > 2 and all(r.kind == "mission" for r in plan_rows)
                and len(terms_beyond(q, plan_rows, question, strict=True)) >= MAX_TERMS_BEYOND_PLAN):
            plan_rows = []  # a list that only frames the question ("faktor penghambat ... visi misi"): passages answer
        retriever = self.retriever(mode=mode, k=k, region=asked_region, doc_id=doc_id, language=language, terms=q)
        lexical_query = bm25_query(question, language)
        bundle = QueryBundle(query_str=lexical_query, embedding=embedding)
        if spread:
            hits = across_regions(retriever, bundle, regions or list(self.corpus.regions), k or self.settings.top_k)
        elif asked_region and not region and self._unplaced:
            hits = routed_with_unplaced(retriever, bundle, asked_region)
        else:
            hits = retriever.retrieve(bundle)
        if not hits and asked_region and not region:
            retriever.region = None
            hits = retriever.retrieve(bundle)
        if named and not spread:
            hits = preferring(retriever, bundle, self._within_region(named, retriever.region), hits)
        asked_rows = self._table_rows_asked(read, q, asked_region, named)
        plan_hits = self._plan_hits(plan_rows + asked_rows)
        cited = {p.node.node_id for p in plan_hits}
        hits = plan_hits + [h for h in hits if h.node.node_id not in cited]
        hits = hits[: k or self.settings.top_k]
        citations = [citation_of(i + 1, h) for i, h in enumerate(hits)]
        weights = {t: self.lexical.idf(t) for t in q.terms}
        holds_fact = fact_holders(read)
        chosen = select(citations, q, weights, spread=spread, holds_fact=holds_fact,
                        window=self.settings.quote_window)
        top_similarity = max(retriever.dense_scores.values(), default=0.0) if mode != "lexical" else 1.0
        quoted = [p.text(citations[p.citation].text) for p in chosen]
        best_piece = max((p.score for p in chosen), default=0.0)
        indexed = [embed_text(h.node.get_content(), h.node.metadata) for h in hits[:3]]  # with title, section
        found_verdict = judge_answer(question, quoted, indexed, best_piece, top_similarity, read.kind, read.years)
        signals = measure(read, q, [c.text for c in citations], quoted, best_piece,
                          list(retriever.dense_scores.values()), covered, self.lexical.idf,
                          self.lexical.max_idf, rules=(asked_verdict.abstain, found_verdict.abstain),
                          labels=[f"{c.title} {c.region or ''}" for c in citations[:3]])
        decision, fact, short = None, None, None
        gap_note = None  # what the plan gives for an indicator asked for a year its table lacks, once read
        if abstention == "rules":
            verdict = found_verdict
        elif abstention == "calibrated":
            decision = self.decider.decide(signals)
            # a refusal names the rule that saw why ("not in the corpus: Kabupaten Sleman") when one did
            why = asked_verdict.reason or found_verdict.reason or decision.reason
            verdict = Verdict(not decision.answer, why if not decision.answer else None)
            if found_verdict.abstain and read.years:
                gap_note = years_note(read, q, self.plan_rows, asked_region, named)
                if gap_note:  # the indicator asked has no column for the year and no passage found names it:
                    verdict = Verdict(True, found_verdict.reason)  # "not found" with what the plan gives
        else:
            verdict = Verdict(False)
        cell = cell_answer(read, asked_rows, citations, self.plan_rows) if not asked_verdict.abstain else None
        if cell is not None:  # the row the question names holds the cell it asks for: that cell, then the row
            short, pieces = cell
            text = f"{short}\n\n{compose(citations, pieces, language)}"
            return Answer(question, text, False, language, citations, (time.perf_counter() - started) * 1000,
                          signals=signals.as_dict(), confidence=decision.probability if decision else None,
                          short_answer=short)
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
            answer = self._abstain(question, language, verdict.reason, started,
                                   gap_note if gap_note is not None
                                   else years_note(read, q, self.plan_rows, asked_region, named))
            answer.signals = signals.as_dict()
            answer.confidence = decision.probability if decision else None
            return answer
        else:
            text = compose(citations, chosen, language)
            by_score = sorted(range(len(chosen)), key=lambda i: -chosen[i].score)
            subject = self._subject(read, asked_region)
            contexts = [(citations[chosen[i].citation].table_caption or "") if chosen[i].cells
                        else where_label(citations[chosen[i].citation], language) for i in by_score]
            fact = short_answer(read, [quoted[i] for i in by_score], [chosen[i].cells for i in by_score],
                                subject=subject, contexts=contexts)
            if fact:  # a factoid question: the figure, date or name first, then the quotes that hold it
                short = f"{fact[1]} [{citations[chosen[by_score[fact[0]]].citation].n}]"
                text = f"{short}\n\n{text}"
            elif subject is not None and (others := rows_of_others([chosen[i].cells for i in by_score], subject.named_by,
                                                                    contexts)):
                # a figure asked and only table rows of other indicators found: not the plan's figure for it
                answer = self._abstain(question, language, "the table rows found are about other indicators",
                                       started, other_rows_note(others, language))
                answer.signals = signals.as_dict()
                answer.confidence = decision.probability if decision else None
                return answer
        return Answer(question, text, False, language, citations, (time.perf_counter() - started) * 1000,
                      plan_items=[r.as_dict() for r in plan_rows], signals=signals.as_dict(),
                      confidence=decision.probability if decision else None,
                      short_answer=short if not plan_rows and fact else None)

    def _enactment_answer(self, read: Question, act: str, doc_ids: list[str], started: float) -> Answer | None:
        """The date a named regulation was enacted or promulgated (and its signer), from its closing formula,
        cited; None when the documents have no such formula (search answers then)."""
        found, hits, cited = [], [], set()
        for doc_id in doc_ids:
            record = self.manifest.get(doc_id)
            for e in enactments(doc_id, record.text) if record else []:
                chunk = self._chunk_at(doc_id, e.start) if e.act == act else None
                if chunk is not None and chunk.id not in cited:
                    cited.add(chunk.id)
                    found.append(e)
                    hits.append(NodeWithScore(node=to_node(chunk), score=1.0))
        if not found:
            return None
        citations = [citation_of(i + 1, h) for i, h in enumerate(hits)]
        pieces = [p for i, (e, c) in enumerate(zip(found, citations))
                  for p in pieces_of(c.text, i) if p.start < e.end - (c.start or 0) and e.start - (c.start or 0) < p.end]
        dates = {}
        for e, c in zip(found, citations):
            dates.setdefault(says(e, read), []).append(f"[{c.n}]")
        short = "; ".join(f"{said} {''.join(marks)}" for said, marks in dates.items())
        text = f"{short}\n\n{compose(citations, pieces, read.language)}"
        return Answer(read.text, text, False, read.language, citations, (time.perf_counter() - started) * 1000,
                      short_answer=short)

    def _subject(self, read: Question, region: str | None) -> Subject | None:
        """What a figure question is about, weighted by the corpus IDF (bot.plan.table_subject)."""
        if read.kind != "how_much":
            return None
        return table_subject(read.text, read.language, region, self.lexical.idf, self._known)

    def _known(self, term: str) -> bool:
        """Whether the corpus has the term (BM25 gives a term it lacks the largest IDF)."""
        return self.lexical.idf(term) < self.lexical.max_idf

    def _table_rows_asked(self, read: Question, q, region: str | None, named: frozenset[str] | None) -> list[PlanRow]:
        """The table row a question asks a cell of ("Berapa target <indicator> 2027?", "the budget of <program>"):
        cited first, so the row is quoted and its figure read, wherever search ranks it."""
        if not (set(words(read.text)) & TABLE_QUESTION_WORDS or read.kind == "how_much"):
            return []
        what = cell_asked(read)
        holds = (lambda r: holds_cell(r, what, read.years, self.plan_rows)) if what else None
        row = table_item_asked(read.text, read.language, q, self.plan_rows, region, named,
                               kinds=("indicator", "program", "goal", "affair"), weight=self.lexical.idf, holds=holds,
                               known=self._known)
        return [row] if row else []

    def compare(self, theme: str, *, regions: list[str] | None = None, doc_ids: list[str] | None = None,
                language: str | None = None, mode: str = "hybrid") -> Comparison:
        """Plans side by side on a typed theme: one section per region, then one per document (the Plans tab)."""
        self.refresh_if_changed()
        language = language or read_question(theme).language
        found = theme_of(theme, region_words(self.corpus.regions))
        if not found:
            raise PlanbotError("type a theme to compare (a topic such as 'sanitasi', or 'misi', 'program')")
        embedding = self.embedder.get_query_embedding(theme)  # the model runs outside the lock
        with self._lock:
            scopes = region_scopes([r for r in regions or [] if r in self.corpus.regions], self._doc_regions())
            for d in doc_ids or []:
                meta = self._doc_meta.get(d)
                if meta is None:
                    raise PlanbotError("unknown doc_id: no ingested document has this id (the Documents tab lists them)")
                scopes.append(Scope(meta.get("title") or d, meta.get("region"), (d,)))
            if len(scopes) < 2:
                raise PlanbotError("choose two or more regions or documents to compare")
            bundle = QueryBundle(query_str=bm25_query(theme, language), embedding=embedding)
            return self._compare(found, scopes, bundle, language, mode)

    def _within_region(self, docs: frozenset[str], region: str | None) -> frozenset[str]:
        """The documents of a region among these (all of them when no region is asked)."""
        return docs if region is None else frozenset(d for d in docs if self._doc_meta[d].get("region") == region)

    def _doc_regions(self) -> list[tuple[str, str | None]]:
        return [(d, m.get("region")) for d, m in self._doc_meta.items()]

    def _compare(self, theme, scopes: list[Scope], bundle: QueryBundle, language: str, mode: str,
                 unknown: list[str] | None = None) -> Comparison:
        def passages(scope: Scope) -> list[NodeWithScore]:
            retriever = self.retriever(mode=mode, k=3, language=language)
            retriever.doc_ids = sorted(scope.doc_ids)
            return retriever.retrieve(bundle) if scope.doc_ids else []

        def chunk_hit(doc_id: str, offset: int) -> NodeWithScore | None:
            chunk = self._chunk_at(doc_id, offset)
            return NodeWithScore(node=to_node(chunk), score=1.0) if chunk else None

        return compare(theme, scopes, self.plan_rows, idf=self.lexical.idf, chunk_hit=chunk_hit, passages=passages,
                       language=language, unknown=unknown or [])

    def _compare_answer(self, read: Question, theme: Theme, embedding: list[float], regions: list[str],
                        unknown: list[str], mode: str, started: float) -> Answer:
        """A compare question's answer: a section per region named, each line cited. Its language is read
        without the region names: "compare ... between Kota Metro and Kota Bekasi" is English."""
        names = {w for r in regions for w in words(r)}
        language = detect_language(" ".join(w for w in words(read.text) if w not in names)) if names else read.language
        bundle = QueryBundle(query_str=bm25_query(theme.text or read.text, language), embedding=embedding)
        result = self._compare(theme, region_scopes(regions, self._doc_regions()), bundle, language, mode, unknown)
        sections = [s.as_dict() for s in result.sections]
        if not result.found:
            note = "\n".join(compose_compare(result, language).splitlines()[1:]).strip()
            answer = self._abstain(read.text, language, "nothing on the theme in the plans compared", started, note)
            answer.compare = sections
            return answer
        return Answer(read.text, compose_compare(result, language), False, language, result.citations,
                      (time.perf_counter() - started) * 1000, plan_items=[r.as_dict() for r in result.rows],
                      compare=sections)

    def documents_named(self, read: Question) -> frozenset[str] | None:
        """The documents of the plan types (and period) a question names, when they are some but not all."""
        if not read.doc_types:
            return None
        docs = {d: m for d, m in self._doc_meta.items() if m.get("doc_type") in read.doc_types}
        periods = {f"{a}-{b}" for a, b in read.periods} | {str(y) for y in read.years}
        in_period = {d for d, m in docs.items() if m.get("period") in periods}
        chosen = frozenset(in_period or docs)
        return chosen if chosen and len(chosen) < len(self._doc_meta) else None

    def _explanation_spans(self, rows: list[PlanRow]) -> list[tuple[str, int, int]]:
        """Where each named item's explanation may stand: from its end to the document's next plan item."""
        spans = []
        for r in rows:
            following = [x.start for x in self.plan_rows if x.doc_id == r.doc_id and x.start >= r.end]
            spans.append((r.doc_id, r.end, min(following, default=sys.maxsize)))
        return spans

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
            got = self.store.get(self.manifest.document_chunk_ids(doc_id))
            spans = self._spans[doc_id] = sorted(got, key=lambda c: c.metadata.get("start", 0))
        for c in spans:
            if c.metadata.get("start", 0) <= offset < c.metadata.get("end", 0):
                return c
        return None

    def _abstain(self, question: str, language: str, reason: str | None, started: float, note: str = "") -> Answer:
        """A "not found" answer; note: what the plans do say instead (replaces the corpus description)."""
        if language == "id":
            text = "Maaf, jawabannya tidak ditemukan dalam dokumen rencana yang tersedia."
        else:
            text = "Sorry, I could not find the answer in the plan documents I have."
        text += " " + (note or self.corpus.describe(language))
        return Answer(question, text, True, language, [], (time.perf_counter() - started) * 1000, reason=reason)
