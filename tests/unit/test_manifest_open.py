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


def test_the_vocabulary_comes_from_the_words_stored_with_each_version_or_from_the_text():
    """The service's corpus vocabulary without reading every document's text: commit stores the words with
    the version; a document committed without them (an older Planbot), or with other words' version, is read."""
    import sqlite3 as sql

    from index.lexical import WORDS_VERSION, document_words

    def read(text: str, meta: dict) -> set[str]:
        read.calls += 1
        return document_words(text, meta)

    read.calls = 0
    with __import__("tempfile").TemporaryDirectory() as tmp:
        manifest = Manifest(Path(tmp) / "m.sqlite", "c")
        manifest.commit("a", "a.txt", "h1", ["a#1"], {"region": "Kota Metro"}, "Stadion Tejosari 14,2",
                        words=(WORDS_VERSION, document_words("Stadion Tejosari 14,2", {"region": "Kota Metro"})))
        manifest.commit("b", "b.txt", "h2", ["b#1"], {}, "Jalan tol")
        want = {"stadion", "tejosari", "14,2", "kota", "metro", "jalan", "tol"}
        assert manifest.vocabulary(read, WORDS_VERSION) == want and read.calls == 1  # only b read from its text
        assert manifest.vocabulary(read, "other") == want and read.calls == 3
        assert all(d.text == "" for d in manifest.documents(text=False))
        manifest.remove("a")
        assert manifest.vocabulary(read, WORDS_VERSION) == {"jalan", "tol"}
        db = sql.connect(Path(tmp) / "m.sqlite")
        db.execute("UPDATE documents SET text = 'Jalan baru', hash = 'h3' WHERE doc_id = 'b'")  # another writer
        db.commit()
        manifest.commit("b", "b.txt", "h2", ["b#1"], {}, "Jalan tol", words=(WORDS_VERSION, {"jalan", "tol"}))
        db.execute("UPDATE documents SET text = 'Jalan baru', hash = 'h3' WHERE doc_id = 'b'")  # words of h2 now stale
        db.commit()
        assert manifest.vocabulary(read, WORDS_VERSION) == {"jalan", "baru"}
        db.close()
        manifest.close()
