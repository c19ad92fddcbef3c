"""Several processes opening one new manifest at once (two collections ingested together) all succeed."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from index.manifest import Manifest


def _open(args: tuple[str, str]) -> str | None:
    path, collection = args
    try:
        Manifest(Path(path), collection).close()
    except sqlite3.Error as exc:  # reported to the parent, which names it
        return repr(exc)
    return None


def test_processes_opening_one_new_manifest_together_all_succeed(tmp_path):
    jobs = [(str(tmp_path / f"try{n}" / "manifest.sqlite"), f"c{k}") for n in range(12) for k in range(6)]
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        errors = [e for e in pool.map(_open, jobs, chunksize=1) if e]
    assert errors == []
    manifest = Manifest(Path(jobs[0][0]), "c0")
    assert manifest.documents() == [] and manifest.failures() == []
