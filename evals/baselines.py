"""The naive pipelines the default one is measured against: one retriever alone, its top passage as the answer.

No region routing, no plan rows, no query translation, no abstention: what anyone would build in an hour
from the same parts (Planbot's BM25 index; e5 + Chroma).
"""

from __future__ import annotations

import time

from llama_index.core.schema import QueryBundle

from bot.citations import citation_of
from bot.records import Answer
from planbot.language import detect_language

BASELINES = {"bm25": "lexical", "dense": "dense"}


def naive_ask(bot, question: str, retriever: str, k: int) -> Answer:
    """The first k passages of one retriever for the question as asked; the answer is the top passage."""
    started = time.perf_counter()
    question = " ".join(question.split())
    mode = BASELINES[retriever]
    embedding = bot.embedder.get_query_embedding(question) if mode == "dense" else None
    hits = bot.retriever(mode=mode, k=k).retrieve(QueryBundle(query_str=question, embedding=embedding))
    # The same Citation the bot makes of a hit: its text, and a table piece's rows read with their column labels
    # (what row@3 reads); nothing is re-ranked or dropped.
    citations = [citation_of(n, hit) for n, hit in enumerate(hits, 1)]
    answer = citations[0].text if citations else ""
    return Answer(question, answer, False, detect_language(question), citations, (time.perf_counter() - started) * 1000)
