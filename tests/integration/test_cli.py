"""The `planbot` CLI end to end: real subprocesses, the real model, a real Chroma in tmp_path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import SEEDS, cli_env

PLANBOT = [sys.executable, "-m", "bot"]


def run(home, *args, check=True, env=None, timeout=240):
    proc = subprocess.run(
        [*PLANBOT, *args], capture_output=True, text=True, env=env or cli_env(home), timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"planbot {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A private copy of seeds/ that tests may change."""
    root = tmp_path_factory.mktemp("corpus") / "plans"
    shutil.copytree(SEEDS, root)
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory, corpus):
    home = tmp_path_factory.mktemp("cli-home")
    out = run(home, "ingest", str(corpus)).stdout
    assert "5 new, 0 updated, 0 unchanged" in out
    return home


def test_reingest_unchanged_adds_nothing(home, corpus):
    before = json.loads(run(home, "status", "--json").stdout)
    out = run(home, "ingest", str(corpus)).stdout
    assert "0 new, 0 updated, 5 unchanged" in out
    after = json.loads(run(home, "status", "--json").stdout)
    assert after["chunks"] == before["chunks"] and len(after["documents"]) == 5


def test_ask_json_sanitation_cites_misi_3_first(home):
    out = run(home, "ask", "which mission covers sanitation?", "--json").stdout
    answer = json.loads(out)
    assert set(answer) >= {"question", "answer", "abstained", "language", "citations", "latency_ms"}
    assert answer["abstained"] is False and answer["language"] == "en"
    first = answer["citations"][0]
    assert first["n"] == 1 and first["region"] == "Kota Metro"
    assert "Sanitasi Total Berbasis Masyarakat" in first["text"]
    assert "Misi 3" in first["section"]
    assert "Sanitasi Total Berbasis Masyarakat" in answer["answer"] and "[1]" in answer["answer"]
    for c in answer["citations"]:
        assert set(c) >= {"n", "source", "title", "region", "section", "page", "text", "score"}
    assert [c["n"] for c in answer["citations"]] == list(range(1, len(answer["citations"]) + 1))


def test_ask_about_a_city_not_in_the_corpus_abstains(home):
    answer = json.loads(run(home, "ask", "Apa visi Kota Bandung?", "--json").stdout)
    assert answer["abstained"] is True and answer["language"] == "id"
    assert "Kota Metro" in answer["answer"] and "Kota Bekasi" in answer["answer"]
    assert "Tidak ada dokumen tentang Kota Bandung" in answer["answer"] and not answer["citations"]


def test_ask_human_output_lists_numbered_sources(home):
    out = run(home, "ask", "Apa visi Kota Bekasi?").stdout
    assert "Bekasi Maju, Sejahtera dan Ihsan" in out
    assert "[1] " in out


def test_changed_file_replaces_its_chunks_without_duplicates(tmp_path):
    corpus = tmp_path / "plans"
    shutil.copytree(SEEDS, corpus)
    home = tmp_path / "home"
    run(home, "ingest", str(corpus))
    doc = corpus / "001_320a63bc815bd81c.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nMISI TAMBAHAN\n- Membangun pusat kuliner terapung di Sungai Metro\n", encoding="utf-8")
    out = run(home, "ingest", str(corpus)).stdout
    assert "0 new, 1 updated, 4 unchanged" in out
    status = json.loads(run(home, "status", "--json").stdout)
    assert len(status["documents"]) == 5
    answer = json.loads(run(home, "ask", "Apa rencana kuliner terapung?", "--json").stdout)
    texts = [c["text"] for c in answer["citations"]]
    assert any("kuliner terapung" in t for t in texts)
    assert len(texts) == len(set(texts)), "a chunk is stored twice"
    doc.unlink()
    out = run(home, "ingest", str(corpus), "--prune").stdout
    assert "1 removed" in out
    status = json.loads(run(home, "status", "--json").stdout)
    assert [d["doc_id"] for d in status["documents"]] == [
        "000_17d2c2306983f87c.txt", "002_6c3c559c2f5a9bed.txt", "003_68827eb2284742d1.txt", "004_13641eae8e0458e4.txt",
    ]


def test_bad_inputs_each_get_one_line_and_nothing_stored_is_lost(tmp_path):
    corpus = tmp_path / "plans"
    shutil.copytree(SEEDS, corpus)
    home = tmp_path / "home"
    run(home, "ingest", str(corpus))
    before = json.loads(run(home, "status", "--json").stdout)["chunks"]
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "latin1.txt").write_bytes("Rencana pembangunan jembatan di Kota Metro: café, señor, peña.".encode("latin-1"))
    (corpus / "oneline.txt").write_text("a" * (10 * 1024 * 1024), encoding="ascii")
    (corpus / "dangling.txt").symlink_to(tmp_path / "missing-target.txt")
    proc = run(home, "ingest", str(corpus), check=False)
    assert proc.returncode == 1
    err = proc.stderr
    assert "failed: empty.txt: empty file" in err
    assert "failed: binary.txt: binary content, not text" in err
    assert "failed: oneline.txt: a single line of 10,485,760 characters" in err
    assert "failed: dangling.txt: cannot read the file" in err
    assert "warning: latin1.txt: not UTF-8" in err
    assert "Traceback" not in err
    assert "1 new, 0 updated, 5 unchanged, 4 failed" in proc.stdout
    status = json.loads(run(home, "status", "--json").stdout)
    assert status["chunks"] > before
    assert {f["source"] for f in status["failures"]} == {"empty.txt", "binary.txt", "oneline.txt", "dangling.txt"}
    answer = json.loads(run(home, "ask", "Apa visi Kota Bekasi?", "--json").stdout)
    assert "Bekasi Maju" in answer["answer"]
    latin = json.loads(run(home, "ask", "jembatan café", "--json").stdout)
    assert any("café, señor, peña" in c["text"] for c in latin["citations"])


def test_user_mistakes_get_a_message_not_a_traceback(tmp_path):
    proc = run(tmp_path / "home", "ingest", str(tmp_path / "nope"), check=False)
    assert proc.returncode == 1 and "no such file or folder" in proc.stderr and "Traceback" not in proc.stderr
    proc = run(tmp_path / "home", "ask", "   ", check=False)
    assert proc.returncode == 1 and "question is empty" in proc.stderr and "Traceback" not in proc.stderr
