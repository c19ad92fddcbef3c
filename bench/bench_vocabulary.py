"""The chat service's corpus vocabulary at each refresh: every document's text read and split (before) against
the words the manifest stores with each version (now).

    python bench/bench_vocabulary.py [MANIFEST] [--collection eval]

MANIFEST defaults to the newest finished DKI index in artifacts/eval-cache; it is copied, never written. Three
runs: the old way, the new way on a manifest an older Planbot wrote (no words stored: read from the texts), and
the new way once each document's words are stored (as every commit now does). Time and peak Python allocations
(tracemalloc); writes bench/results/vocabulary.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import machine
from index.lexical import WORDS_VERSION, document_words, words
from index.manifest import Manifest


def _newest_dki() -> Path:
    markers = sorted((ROOT / "artifacts" / "eval-cache").glob("dki-*/eval-cache.json"), key=lambda m: m.stat().st_mtime)
    if not markers:
        raise SystemExit("no finished DKI index in artifacts/eval-cache: pass a manifest.sqlite")
    return markers[-1].parent / "manifest.sqlite"


def _run(fn) -> tuple[set[str], float, float]:
    tracemalloc.start()
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, round(seconds * 1000, 1), round(peak / 2**20, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("manifest", nargs="?", type=Path)
    ap.add_argument("--collection", default="eval")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "vocabulary.json")
    args = ap.parse_args()
    source = args.manifest or _newest_dki()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.sqlite"
        shutil.copy(source, path)
        manifest = Manifest(path, args.collection)

        def before() -> set[str]:
            vocab: set[str] = set()
            for d in manifest.documents():
                vocab.update(words(d.text))
                vocab.update(words(" ".join(str(v) for v in d.metadata.values())))
            return vocab

        def now() -> set[str]:
            manifest.documents(text=False)
            return manifest.vocabulary(document_words, WORDS_VERSION)

        old, old_ms, old_mb = _run(before)
        unstored, unstored_ms, unstored_mb = _run(now)
        db = sqlite3.connect(path)
        rows = db.execute("SELECT doc_id, hash, metadata, text FROM documents WHERE collection = ?",
                          (args.collection,)).fetchall()
        for doc_id, h, meta, text in rows:
            db.execute("INSERT OR REPLACE INTO document_words VALUES (?, ?, ?, ?, ?)",
                       (args.collection, doc_id, h, WORDS_VERSION, " ".join(sorted(document_words(text, json.loads(meta))))))
        db.commit()
        stored, stored_ms, stored_mb = _run(now)
        chars = sum(len(r[3]) for r in rows)
        db.close()
        manifest.close()
    assert old == unstored == stored, "the vocabulary differs"
    results = {"machine": machine(), "manifest": str(source), "documents": len(rows), "text_chars": chars,
               "vocabulary": len(old),
               "before": {"ms": old_ms, "peak_mib": old_mb},
               "now_words_not_stored": {"ms": unstored_ms, "peak_mib": unstored_mb},
               "now_words_stored": {"ms": stored_ms, "peak_mib": stored_mb}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
