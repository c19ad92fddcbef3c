"""Server mode against a real `chroma run` process: PLANBOT_CHROMA_URL points every command at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.chat_server import free_port, server_process
from tests.conftest import SEEDS, cli_env

PLANBOT = [sys.executable, "-m", "bot"]
CHROMA = Path(sys.executable).parent / "chroma"


@contextmanager
def chroma_server(path: Path, log: Path) -> Iterator[str]:
    """A real Chroma server on a free port, telemetry off; yields its URL once the heartbeat answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(CHROMA), "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with server_process(cmd, f"{url}/api/v2/heartbeat", log, env, name="chroma run", timeout_s=90):
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("chroma-server")
    with chroma_server(root / "data", root / "server.log") as url:
        yield url


def run(home: Path, url: str, *args: str, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*PLANBOT, *args], check=False, capture_output=True, text=True,
        env=cli_env(home, PLANBOT_CHROMA_URL=url), timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"planbot {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def spawn(home: Path, url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*PLANBOT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=cli_env(home, PLANBOT_CHROMA_URL=url),
    )


def client(url: str):
    """A separate client of the server, as another program would open it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(url.rsplit(":", 1)[1])
    return chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture(scope="module")
def home(tmp_path_factory, server, seeds_corpus) -> Path:
    """A home whose vectors live on the server; ingested once for the module."""
    home = tmp_path_factory.mktemp("server-home")
    out = run(home, server, "ingest", str(seeds_corpus)).stdout
    assert "5 new, 0 updated, 0 unchanged, 0 failed" in out
    return home


def test_ask_over_the_server_cites_kota_metro_misi_3_first(home, server):
    answer = json.loads(run(home, server, "ask", "which mission covers sanitation?", "--json").stdout)
    assert answer["abstained"] is False
    first = answer["citations"][0]
    assert first["region"] == "Kota Metro" and "Misi 3" in first["section"]
    assert "Sanitasi Total Berbasis Masyarakat" in first["text"]
    assert "Sanitasi Total Berbasis Masyarakat" in answer["answer"]


def test_status_names_the_server_as_the_store_and_nothing_is_stored_locally(home, server):
    info = json.loads(run(home, server, "status", "--json").stdout)
    assert info["store"] == server and len(info["documents"]) == 5 and info["chunks"] > 0
    assert f"at {server}" in run(home, server, "status").stdout
    assert not (home / "chroma").exists()  # vectors went to the server, not to an embedded store


def test_reingest_over_the_server_changes_nothing(home, server, seeds_corpus):
    out = run(home, server, "ingest", str(seeds_corpus)).stdout
    assert "0 new, 0 updated, 5 unchanged" in out


def test_the_server_really_holds_the_vectors(home, server):
    chunks = json.loads(run(home, server, "status", "--json").stdout)["chunks"]
    col = client(server).get_collection("planbot")
    assert col.count() == chunks
    assert col.metadata["embedding_model"].startswith("multilingual-e5-small")
    got = col.get(include=["embeddings", "metadatas"])
    assert len(got["ids"]) == len(set(got["ids"])) == chunks
    assert all(len(e) == 384 for e in got["embeddings"])
    assert {m["doc_id"] for m in got["metadatas"]} == {d.name for d in SEEDS.glob("*.txt")}


def test_a_collection_built_with_another_model_is_the_same_clear_error(tmp_path, server):
    col = client(server).create_collection(
        "foreign", embedding_function=None,
        metadata={"hnsw:space": "cosine", "embedding_model": "all-MiniLM-L6-v2@sentence-transformers", "embedding_dim": 384},
    )
    col.add(ids=["x"], documents=["Visi Kota Lain"], embeddings=[[0.05] * 384])
    for args in (("ask", "Apa visi Kota Metro?", "--collection", "foreign"), ("ingest", str(SEEDS), "--collection", "foreign")):
        proc = run(tmp_path / "home", server, *args, check=False)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert "'foreign' was built with all-MiniLM-L6-v2@sentence-transformers" in proc.stderr
        assert "multilingual-e5-small" in proc.stderr and "planbot ingest --rebuild" in proc.stderr
    assert col.count() == 1  # nothing was written with the wrong model


def test_a_server_that_is_down_is_a_clear_error_naming_the_url(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for args in (("ask", "which mission covers sanitation?"), ("ingest", str(SEEDS))):
        proc = run(tmp_path / "home", url, *args, check=False, timeout=120)
        assert proc.returncode != 0
        assert "Traceback" not in proc.stderr
        assert f"cannot reach the Chroma server at {url}" in proc.stderr
        assert "chroma run" in proc.stderr  # says how to start one
    proc = run(tmp_path / "home", "localhost:8000", "ask", "Apa visi Kota Metro?", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "not an http(s)://host:port URL" in proc.stderr


def test_a_server_that_stops_mid_session_is_a_store_unavailable_naming_it(tmp_path, embedder):
    """A long-lived Planbot (shell, web UI) outlives a server restart: the error is typed, the message clear."""
    from bot.service import Planbot
    from index.indexer import Indexer
    from planbot.errors import StoreUnavailable
    from planbot.settings import Settings

    with chroma_server(tmp_path / "data", tmp_path / "server.log") as url:
        settings = Settings(home=tmp_path / "home", chroma_url=url)
        Indexer(settings, embedder).ingest([SEEDS / "001_320a63bc815bd81c.txt"], progress=False)
        bot = Planbot(settings, embedder)
        assert not bot.ask("Apa visi Kota Metro?").abstained
    with pytest.raises(StoreUnavailable, match=f"lost the Chroma server at {url}"):
        bot.ask("Apa misi Kota Metro?")


def test_two_ingests_at_once_into_one_collection_leave_no_duplicates(tmp_path, server, seeds_corpus):
    home = tmp_path / "home"
    procs = [spawn(home, server, "ingest", str(seeds_corpus), "--collection", "twin") for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, out + err
    summaries = " | ".join(out for out, _ in outs)
    assert summaries.count("5 new") + summaries.count("5 unchanged") == 2, summaries  # one wrote, one found it done
    assert "5 new" in summaries
    chunks = json.loads(run(home, server, "status", "--json", "--collection", "twin").stdout)["chunks"]
    got = client(server).get_collection("twin").get(include=["metadatas"])
    assert len(got["ids"]) == chunks
    spans = [(m["doc_id"], m["start"], m["end"]) for m in got["metadatas"]]
    assert len(spans) == len(set(spans)), "the same passage is stored twice"


def test_two_collections_ingested_at_once_on_one_server(tmp_path, server, seeds_corpus):
    home = tmp_path / "home"
    procs = {name: spawn(home, server, "ingest", str(seeds_corpus), "--collection", name) for name in ("alpha", "beta")}
    for name, p in procs.items():
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, out + err
        assert "5 new, 0 updated, 0 unchanged, 0 failed" in out
    chroma = client(server)
    for name in procs:
        chunks = json.loads(run(home, server, "status", "--json", "--collection", name).stdout)["chunks"]
        assert chroma.get_collection(name).count() == chunks > 0
    answer = json.loads(run(home, server, "ask", "Apa visi Kota Bekasi?", "--json", "--collection", "beta").stdout)
    assert "Bekasi Maju" in answer["answer"]


def test_writes_are_batched_within_the_servers_limit(server):
    """More chunks than the server takes in one request: upsert, paging and lookups must all split them."""
    from index.store import make_store
    from planbot.settings import Settings

    limit = client(server).get_max_batch_size()
    store = make_store(Settings(chroma_url=server, collection="batched"), "batch-test", 8)
    assert store._client.get_settings().anonymized_telemetry is False
    assert store.max_batch <= limit
    n = limit + 1  # one request with all of them is refused by the server
    ids = [f"c{i}" for i in range(n)]
    vectors = [[float((i >> b) & 1) + 0.1 for b in range(8)] for i in range(n)]
    store.upsert(ids, [f"chunk {i}" for i in ids], [{"doc_id": "d", "n": i} for i in range(n)], vectors)
    assert store.count() == n
    assert sorted(store.all_ids()) == sorted(ids)
    assert store.existing_ids(ids) == set(ids)
    store.update_metadata(ids, [{"doc_id": "d2"}] * n)
    assert {c.metadata["doc_id"] for c in store.get(ids[:3] + ids[-3:])} == {"d2"}
    store.delete(ids)
    assert store.count() == 0
