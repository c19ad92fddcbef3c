"""The naive pipelines the default one is measured against: one retriever alone, its top passage as the answer.

No region routing, no plan rows, no query translation, no abstention: what anyone would build in an hour
from the same parts (Planbot's BM25 index; e5 + Chroma).
"""

from __future__ import annotations

import time

from llama_index.core.schema import QueryBundle

from bot.records import Answer, Citation
from planbot.language import detect_language

BASELINES = {"bm25": "lexical", "dense": "dense"}


def naive_ask(bot, question: str, retriever: str, k: int) -> Answer:
    """The first k passages of one retriever for the question as asked; the answer is the top passage."""
    started = time.perf_counter()
    question = " ".join(question.split())
    mode = BASELINES[retriever]
    embedding = bot.embedder.get_query_embedding(question) if mode == "dense" else None
    hits = bot.retriever(mode=mode, k=k).retrieve(QueryBundle(query_str=question, embedding=embedding))
    citations = []
    for n, hit in enumerate(hits, 1):
        meta = hit.node.metadata
        citations.append(Citation(
            n=n, source=meta.get("source", ""), title=meta.get("title") or "", region=meta.get("region"),
            section=meta.get("section") or None, page=None, text=hit.node.get_content(),
            score=float(hit.score or 0.0), doc_id=meta.get("doc_id", ""), start=meta.get("start"), end=meta.get("end"),
        ))
    answer = citations[0].text if citations else ""
    return Answer(question, answer, False, detect_language(question), citations, (time.perf_counter() - started) * 1000)
