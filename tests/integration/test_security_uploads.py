"""Uploads over HTTP against a real `planbot chat` process (issue 11, items 1-3 and part of 8).

Events are sent the way the browser sends them: a file goes to POST /gradio_api/upload, then the upload
event is queued with POST /gradio_api/queue/join and its result read from the SSE stream at
/gradio_api/queue/data. A crafted event simply names another path in the same JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chat_server import chat_server, copy_home
from tests.conftest import SEEDS, cli_env

MARKER = "ZEBRA-7781-RAHASIA"
SEED = "004_13641eae8e0458e4.txt"  # Lubuklinggau's seed, listed in seeds/catalog.toml
GONE_PID = 2**22 + 1  # above Linux's largest pid: no process has it


@pytest.fixture(scope="module")
def server(seeds_home, tmp_path_factory) -> Iterator[dict]:
    """One chat server on a private copy of the seeds index, with its own temp and Gradio upload folders."""
    root = tmp_path_factory.mktemp("uploads-server")
    home = copy_home(seeds_home, root / "home")
    tmp, gradio_dir = root / "tmp", root / "gradio"
    tmp.mkdir()
    gradio_dir.mkdir()
    (tmp / f"planbot-csv-{GONE_PID}-left" / "x").mkdir(parents=True)  # by a server stopped with SIGTERM
    log = root / "server.log"
    with (chat_server(home, log, TMPDIR=str(tmp), GRADIO_TEMP_DIR=str(gradio_dir)) as url,
          httpx.Client(base_url=url, timeout=300) as client):
        yield {"url": url, "home": home, "tmp": tmp, "gradio": gradio_dir, "log": log, "client": client}


def fn_index(client: httpx.Client, name: str) -> tuple[int, int | None]:
    """The page's event calling function `name` (as the page's config lists it) and the button triggering it."""
    config = client.get("/config").json()
    for dep in config["dependencies"]:
        if dep.get("api_name") == name:
            targets = dep.get("targets") or [[None]]
            return dep["id"], targets[0][0]
    raise AssertionError(f"no event {name!r} in {[d.get('api_name') for d in config['dependencies']]}")


def run_event(client: httpx.Client, name: str, data: list) -> dict:
    """Queue an event as the browser does and return its final message ({"success", "output": {...}})."""
    fn, trigger = fn_index(client, name)
    session = uuid.uuid4().hex
    joined = client.post("/gradio_api/queue/join", json={
        "data": data, "fn_index": fn, "trigger_id": trigger, "session_hash": session, "event_data": None,
    })
    assert joined.status_code == 200, joined.text
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg.get("msg") == "process_completed":
                return msg
    raise AssertionError("the event stream ended without process_completed")


def file_data(path: str | Path, name: str | None = None) -> dict:
    """A FileData value as the page sends it."""
    return {"path": str(path), "orig_name": name or Path(path).name, "meta": {"_type": "gradio.FileData"}}


def upload(client: httpx.Client, path: Path) -> tuple[str, dict]:
    """Upload through the page's route, then run the upload event: (status text, final message)."""
    with path.open("rb") as fh:
        r = client.post("/gradio_api/upload", files={"files": (path.name, fh)})
    assert r.status_code == 200, r.text
    return upload_event(client, file_data(r.json()[0], path.name))


def upload_event(client: httpx.Client, value: dict) -> tuple[str, dict]:
    msg = run_event(client, "upload", [value])
    output = msg.get("output") or {}
    data = output.get("data") or [""]
    return str(data[0]), msg


def cached(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.rglob(name) if p.is_file()]


def health(client: httpx.Client) -> dict:
    r = client.get("/api/health")
    assert r.status_code == 200, r.text
    return r.json()


def test_an_upload_event_naming_a_file_outside_the_upload_folder_is_refused(server, tmp_path):
    """Bug: mount_gradio_app skips Gradio's upload-folder check, so an event naming any readable file got it
    copied into the cache, ingested, and shown by /api/source and in answers."""
    client = server["client"]
    secret = tmp_path / "catatan_rahasia.md"
    secret.write_text(f"# Catatan Rahasia Kota Metro\n\nKata sandi server adalah {MARKER}. Program Rahasia {MARKER} "
                      "dijalankan oleh Dinas Rahasia Kota Metro pada tahun 2025.\n", encoding="utf-8")
    link = server["gradio"] / "tautan" / "tautan_rahasia.md"  # a symlink inside the folder, to the secret
    link.parent.mkdir()
    link.symlink_to(secret)
    before = health(client)

    for value in (file_data(secret), file_data("/etc/hostname"), file_data(link)):
        status, msg = upload_event(client, value)
        assert msg.get("success"), msg  # the event ran and says why it refused, in the status line
        assert "Gagal" in status and "refused" in status and "only files uploaded through this page" in status
    assert f"refused an upload event naming {secret}" in server["log"].read_text()

    # nothing was copied into Gradio's cache (where /gradio_api/file= would serve it) or ingested
    assert not cached(server["gradio"], secret.name) and not cached(server["gradio"], "hostname")
    assert cached(server["gradio"], link.name) == [link]
    assert health(client)["documents"] == before["documents"]
    for question in ("Apa kata sandi server?", "Program apa yang dijalankan Dinas Rahasia Kota Metro?"):
        answer = client.post("/api/ask", json={"question": question})
        assert answer.status_code == 200 and MARKER not in answer.text
    for doc_id in (secret.name, f"uploads/{secret.name}", link.name, f"uploads/{link.name}", "hostname"):
        source = client.get("/api/source", params={"doc_id": doc_id, "start": 0, "end": 10})
        assert source.status_code == 404 and MARKER not in source.text


def test_an_upload_named_like_a_seed_is_a_new_document(server, tmp_path):
    """Bug: an upload called like a seed replaced it under the same id: the bot quoted the upload as
    Lubuklinggau's vision and the seed lost its catalog metadata."""
    client = server["client"]
    fake = tmp_path / SEED
    fake.write_text("Visi Kota Lubuklinggau adalah Kota Kapal Terbang Angkasa Raya. Program Kapal Terbang "
                    "membangun bandara di setiap kelurahan.\n", encoding="utf-8")
    status, _ = upload(client, fake)
    assert f"uploads/{SEED}: baru / new" in status
    original = client.get("/api/source", params={"doc_id": SEED, "start": 0, "end": 40}).json()
    assert original["text"].startswith("LUBUKLINGGAU") and original["region"] == "Kota Lubuklinggau"

    body = client.post("/api/ask", json={"question": "Apa visi Kota Lubuklinggau?"}).json()
    assert "Metropolis Madani" in body["answer"] and "Kapal Terbang" not in body["answer"]
    seed = next(c for c in body["citations"] if c["doc_id"] == SEED)
    assert seed["region"] == "Kota Lubuklinggau" and seed["source"] == SEED
    uploaded = client.get("/api/source", params={"doc_id": f"uploads/{SEED}", "start": 0, "end": 60}).json()
    assert "Kapal Terbang" in uploaded["text"]

    fake.write_text(fake.read_text(encoding="utf-8") + "Program Kapal Terbang dimulai tahun 2030.\n", encoding="utf-8")
    status, _ = upload(client, fake)
    assert f"uploads/{SEED}: diperbarui / updated your earlier upload" in status
    assert (server["home"] / "uploads" / SEED).read_text(encoding="utf-8") == fake.read_text(encoding="utf-8")


def test_an_ingest_by_another_process_after_an_upload_is_answered(server, tmp_path):
    """Bug: after an upload, the upload's indexer kept a Chroma client open, the service's reopen reused the
    stale in-memory index, and questions touching documents another process changed failed with a 500
    (chromadb InternalError: Error finding id) until a restart; /api/health counts stayed stale."""
    client = server["client"]
    doc = tmp_path / "perahu_sungai.md"
    doc.write_text("# Program Perahu Sungai Kota Metro\n\nProgram Perahu Sungai menyediakan angkutan sungai "
                   "gratis bagi pelajar di sepanjang Sungai Way Sekampung Kota Metro.\n", encoding="utf-8")
    status, _ = upload(client, doc)
    assert "baru / new" in status
    before = health(client)

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in SEEDS.iterdir():
        (corpus / f.name).write_bytes(f.read_bytes())
    (corpus / "jembatan_layang.md").write_text(
        "# Program Jembatan Layang Kota Bekasi\n\nProgram Jembatan Layang membangun tiga jembatan layang di "
        "persimpangan Bulak Kapal Kota Bekasi untuk mengurai kemacetan pada tahun 2026.\n", encoding="utf-8")
    for f in SEEDS.glob("00[0-2]*.txt"):  # changed seeds: new chunk ids for documents the service had read
        (corpus / f.name).write_text(f.read_text(encoding="utf-8") + "\nCatatan: diperbarui.\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "bot", "ingest", str(corpus)], env=cli_env(server["home"]),
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr

    after = health(client)
    assert after["documents"] == before["documents"] + 1
    assert after["chunks"] > before["chunks"]
    for question, words in [("Apa itu Program Jembatan Layang?", "tiga jembatan layang"),
                            ("Apa saja program kerja Misi 3 Kota Metro?", "Revitalisasi Stadion Tejosari"),
                            ("Apa itu Program Perahu Sungai?", "angkutan sungai gratis")]:
        r = client.post("/api/ask", json={"question": question})
        assert r.status_code == 200, r.text
        assert words in r.json()["answer"]


def test_a_document_without_passages_fails_and_failed_uploads_leave_nothing(server, tmp_path):
    """Bug: a document of headings only was reported as ingested with 0 chunks (no question could find
    it), and failed or refused uploads stayed in <home>/uploads/ and in Gradio's cache."""
    client = server["client"]
    before = health(client)
    headings = tmp_path / "judul_saja.md"
    headings.write_text("# Rencana Kerja Kota Metro 2027\n", encoding="utf-8")
    broken = tmp_path / "rusak.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    empty = tmp_path / "kosong.txt"
    empty.write_bytes(b"")
    program = tmp_path / "notes.exe"
    program.write_bytes(b"MZ not a plan")

    status, _ = upload(client, headings)
    assert "Gagal" in status and "uploads/judul_saja.md" in status and "no passages to index" in status
    status, _ = upload(client, broken)
    assert "Gagal" in status and "rusak.pdf" in status
    status, _ = upload(client, empty)
    assert "Gagal" in status and "empty" in status
    status, _ = upload(client, program)
    assert "Gagal" in status and "file type .exe is not accepted" in status

    assert health(client)["documents"] == before["documents"]
    for f in (headings, broken, empty, program):
        assert not (server["home"] / "uploads" / f.name).exists()
        assert not cached(server["gradio"], f.name)


def test_csv_exports_share_one_temp_folder(server):
    """Bug: each CSV export of the plan tab left a new planbot-csv-* folder in the temp dir (and a server
    stopped by SIGTERM runs no exit code: the next one removes the folders of processes that are gone)."""
    client = server["client"]
    for search in ("", "Stadion", "Misi"):
        msg = run_event(client, "plan_export", ["Semua / All", "Semua / All", search])
        assert msg.get("success"), msg
        assert Path(msg["output"]["data"][0]["path"]).name == "planbot-plan.csv"
    folders = list(server["tmp"].glob("planbot-csv-*"))
    assert len(folders) == 1 and f"planbot-csv-{GONE_PID}-" not in folders[0].name


def test_a_store_error_on_a_question_is_clear_and_heals_on_the_next_refresh(seeds_home, tmp_path, embedder):
    """Bug: a Chroma error while answering ("Error finding id", an in-memory index older than what another
    process wrote) went out as a bare 500. Here a second client in the process (what the upload's indexer
    used to leave open) keeps chromadb's shared state from being reopened: the question gets a clear
    StoreUnavailable (a 503 {"error": ...} on /api/ask), and once that client is gone the next question reopens
    and answers."""
    from fastapi.testclient import TestClient

    from bot.service import Planbot
    from bot.web.app import create_app
    from index.store import make_store
    from planbot.errors import StoreUnavailable
    from planbot.settings import Settings

    home = copy_home(seeds_home, tmp_path / "home")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in SEEDS.iterdir():
        (corpus / f.name).write_bytes(f.read_bytes())
    bot = Planbot(Settings(home=home), embedder)
    assert "Revitalisasi Stadion Tejosari" in bot.ask("Apa saja program kerja Misi 3 Kota Metro?").answer
    stray = make_store(Settings(home=home), embedder.model_name, embedder.dim)
    for f in SEEDS.glob("00[0-2]*.txt"):
        (corpus / f.name).write_text(f.read_text(encoding="utf-8") + "\nCatatan: diperbarui.\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "bot", "ingest", str(corpus)], env=cli_env(home),
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr

    question = {"question": "Apa saja program kerja Misi 3 Kota Metro?"}
    with TestClient(create_app(Settings(home=home), bot=bot)) as client:
        r = client.post("/api/ask", json=question)
        assert r.status_code == 503
        assert r.json() == {"error": "the index could not be read just now (another ingest may have changed it); "
                                     "it is reloaded for the next question: please ask again"}
        with pytest.raises(StoreUnavailable, match="please ask again"):  # the chat page shows this message
            bot.ask(question["question"])
        stray.close()
        r = client.post("/api/ask", json=question)
        assert r.status_code == 200 and "Revitalisasi Stadion Tejosari" in r.json()["answer"]
