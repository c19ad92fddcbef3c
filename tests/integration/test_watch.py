"""`planbot ingest --watch`: a real watcher process follows a folder as files are added, changed and
deleted (one re-ingest per burst of saves), leaves the lock free between ingests, and exits 0 on SIGINT
and on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from index.locking import ingest_running
from planbot.settings import Settings
from tests.integration.store_state import popen, run

FIRST = """# Rencana Kerja Kota Contoh

## Misi 1

Meningkatkan kualitas layanan air bersih bagi seluruh warga kota melalui perluasan jaringan pipa.
"""
SECOND = """# Rencana Strategis Dinas Pertamanan

## Tujuan

Menambah ruang terbuka hijau di setiap kecamatan dan merawat taman kota secara berkala.
"""
CHANGED = "\n## Misi 2\n\nMembangun dermaga wisata terapung di tepi sungai kota.\n"


def status(home: Path) -> dict:
    return json.loads(run(home, "status", "--json").stdout)


def wait_until(home: Path, check, what: str, proc: subprocess.Popen, timeout: float = 180) -> dict:
    """Poll `planbot status --json` until check(info) holds and the ingest that made it has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the watcher exited ({proc.returncode}): {proc.communicate()}"
        info = status(home)
        if check(info) and not info["ingest_running"]:
            return info
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    pytest.fail(f"timed out waiting for {what}: {status(home)}\n{proc.communicate(timeout=30)}")


def docs(info: dict) -> dict[str, dict]:
    return {d["doc_id"]: d for d in info["documents"]}


def reingest_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "re-ingested after" in line]


def test_watch_follows_adds_changes_and_deletes_then_stops_cleanly(tmp_path):
    folder, home = tmp_path / "plans", tmp_path / "home"
    folder.mkdir()
    (folder / "first.md").write_text(FIRST, encoding="utf-8")
    proc = popen(home, "ingest", str(folder), "--watch", "--debounce", "1")
    try:
        info = wait_until(home, lambda i: "first.md" in docs(i), "the first ingest", proc)
        version = docs(info)["first.md"]["version"]
        time.sleep(2)
        assert not ingest_running(Settings(home=home)), "the lock is held while the watcher only waits"

        (folder / "second.md").write_text(SECOND, encoding="utf-8")
        wait_until(home, lambda i: "second.md" in docs(i), "the new file", proc)

        # An editor's save: swap file, partial writes, then an atomic rename over the original.
        swap = folder / ".first.md.swp"
        swap.write_text("swap", encoding="utf-8")
        tmp = folder / "first.md~"
        with tmp.open("w", encoding="utf-8") as fh:
            for part in (FIRST, CHANGED):
                fh.write(part)
                fh.flush()
                time.sleep(0.1)
        os.replace(tmp, folder / "first.md")
        swap.unlink()
        wait_until(home, lambda i: docs(i)["first.md"]["version"] != version, "the changed file", proc)

        (folder / "second.md").unlink()
        info = wait_until(home, lambda i: "second.md" not in docs(i), "the deleted file", proc)
        assert sorted(docs(info)) == ["first.md"] and not info["failures"]
        time.sleep(3)  # let any stray event of the save burst surface as an extra re-ingest
        assert not ingest_running(Settings(home=home))
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    lines = reingest_lines(out)
    assert len(lines) == 3, f"expected one re-ingest per change (add, save burst, delete):\n{out}"
    assert "1 new, 0 updated, 1 unchanged" in lines[0]
    assert "0 new, 1 updated, 1 unchanged" in lines[1]
    assert "1 removed" in lines[2]
    assert not ingest_running(Settings(home=home)), "the lock is still held after the watcher stopped"
    ask = json.loads(run(home, "ask", "dermaga wisata terapung", "--json").stdout)
    assert any("dermaga wisata terapung" in c["text"] for c in ask["citations"])


def test_watch_stops_on_sigterm_and_frees_the_lock(tmp_path):
    folder, home = tmp_path / "plans", tmp_path / "home"
    folder.mkdir()
    (folder / "first.md").write_text(FIRST, encoding="utf-8")
    proc = popen(home, "ingest", str(folder), "--watch")
    try:
        wait_until(home, lambda i: "first.md" in docs(i), "the first ingest", proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err, err
    done = run(home, "ingest", str(folder), "--wait", "0")
    assert "0 new, 0 updated, 1 unchanged" in done.stdout
