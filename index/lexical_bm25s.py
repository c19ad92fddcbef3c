"""The bm25s library as Planbot's lexical index (PLANBOT_LEXICAL=bm25s), with Planbot's own analyzer.

bm25s keeps the BM25 weight of every (term, chunk) pair in one sparse CSC matrix, built with numpy and
saved as .npy files that load memory-mapped: start-up reads the vocabulary and the chunk ids, and the
weights stay on disk until a query touches them. Scoring is Lucene's BM25 with k1=1.2, b=0.75, the
builtin index's formula, so the two rank alike (scores are scaled by k1 + 1 to match the builtin's too).

On disk a saved index is a folder: `CURRENT` names the version folder to read; a writer fills a fresh
version folder, fsyncs it, then swaps `CURRENT` atomically, so a reader never sees half an index. The
previous version is kept for readers that are loading it now; versions (and staging folders a killed writer
left) older than ten minutes that CURRENT does not name are removed by the next save.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.lexical import K1, B, _idf, analyze, fingerprint
from index.store import Filter

FORMAT_VERSION = 1
CURRENT = "CURRENT"
META = "planbot.json"
CODES = "planbot-codes.npy"
STALE_S = 600  # a version older than this that CURRENT no longer names is removed by the next save


def _codes(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct values (sorted) and each item's index among them."""
    names = sorted(set(values))
    at = {v: i for i, v in enumerate(names)}
    return names, np.fromiter((at[v] for v in values), dtype=np.int32, count=len(values))


def _fsync_tree(folder: Path) -> None:
    for f in folder.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Bm25sIndex:
    """A LexicalBackend over bm25s.BM25 (numpy backend, Lucene BM25)."""

    def __init__(self, ids: list[str], bm25, regions: list[str], region_codes: np.ndarray, docs: list[str],
                 doc_codes: np.ndarray, fp: str | None = None):
        self.ids = ids
        self._bm25 = bm25  # None for an empty index
        self._regions, self._region_codes = regions, region_codes
        self._docs, self._doc_codes = docs, doc_codes
        self._fingerprint = fp
        vocab = bm25.vocab_dict if bm25 is not None else {}
        self.vocabulary = frozenset(t for t in vocab if t)
        if bm25 is not None:
            indptr = np.asarray(bm25.scores["indptr"])
            self._df = np.diff(indptr)
        else:
            self._df = np.zeros(0, dtype=np.int64)
        self._max_idf = _idf(len(ids), 0) if ids else 1.0

    @classmethod
    def build(cls, ids: Sequence[str], terms: Sequence[Sequence[str]], regions: Sequence[str],
              doc_ids: Sequence[str]) -> Bm25sIndex:
        import bm25s

        bm25 = None
        if len(ids):
            bm25 = bm25s.BM25(k1=K1, b=B, method="lucene", idf_method="lucene")
            bm25.index([list(t) for t in terms], show_progress=False)
        region_names, region_codes = _codes(list(regions))
        doc_names, doc_codes = _codes(list(doc_ids))
        return cls(list(ids), bm25, region_names, region_codes, doc_names, doc_codes)

    @property
    def max_idf(self) -> float:
        """The IDF of a term no chunk has (the largest there is)."""
        return self._max_idf

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analysed term (unseen terms get the largest)."""
        at = self._bm25.vocab_dict.get(term) if self._bm25 is not None and term else None
        return self._max_idf if at is None else _idf(len(self.ids), int(self._df[at]))

    def __len__(self) -> int:
        return len(self.ids)

    def _mask(self, filter: Filter) -> np.ndarray | None:
        mask = None

        def both(m: np.ndarray) -> np.ndarray:
            return m if mask is None else mask & m

        if filter.region:
            code = self._regions.index(filter.region) if filter.region in self._regions else -1
            mask = both(np.asarray(self._region_codes) == code)
        if filter.doc_id:
            code = self._docs.index(filter.doc_id) if filter.doc_id in self._docs else -1
            mask = both(np.asarray(self._doc_codes) == code)
        if filter.doc_ids:
            wanted = [self._docs.index(d) for d in filter.doc_ids if d in self._docs]
            mask = both(np.isin(np.asarray(self._doc_codes), wanted))
        return mask

    def search(self, query: str, k: int, filter: Filter | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) for the query; only chunks with a positive score (and in the filter)."""
        if self._bm25 is None or k <= 0:
            return []
        vocab = self._bm25.vocab_dict
        token_ids = sorted({vocab[t] for t in analyze(query) if t in vocab})
        if not token_ids:
            return []
        scores = self._bm25.get_scores_from_ids(token_ids)
        if filter:
            mask = self._mask(filter)
            if mask is not None:
                scores = np.where(mask, scores, 0)
        positive = int(np.count_nonzero(scores > 0))
        if not positive:
            return []
        k = min(k, positive)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i]) * (K1 + 1)) for i in top if scores[i] > 0]

    def save(self, path: Path) -> None:
        """Write a new version folder under `path` and point CURRENT at it atomically."""
        path.mkdir(parents=True, exist_ok=True)
        name = f"v-{uuid.uuid4().hex[:12]}"
        staging = path / f".{name}.tmp"
        staging.mkdir()
        try:
            meta = {
                "format": FORMAT_VERSION,
                "fingerprint": self._fingerprint or fingerprint(self.ids),
                "ids": self.ids,
                "regions": self._regions,
                "docs": self._docs,
                "empty": self._bm25 is None,
            }
            if self._bm25 is not None:
                self._bm25.save(str(staging), show_progress=False)
            np.save(staging / CODES, np.stack([np.asarray(self._region_codes), np.asarray(self._doc_codes)]))
            (staging / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            _fsync_tree(staging)
            staging.rename(path / name)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{CURRENT}.", suffix=".tmp", dir=path)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(name)
                fh.flush()
                os.fsync(fh.fileno())
            previous = (path / CURRENT).read_text(encoding="utf-8").strip() if (path / CURRENT).is_file() else None
            Path(tmp_name).replace(path / CURRENT)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._sweep(path, keep={name, previous})

    @staticmethod
    def _sweep(path: Path, keep: set[str | None]) -> None:
        """Remove versions (and staging folders of killed writers) older than STALE_S, except those kept and
        the one CURRENT names now: another writer may have saved since, and a reader may be loading one."""
        try:
            keep = keep | {(path / CURRENT).read_text(encoding="utf-8").strip()}
        except OSError:
            return
        cutoff = time.time() - STALE_S
        for old in path.iterdir():
            try:
                stale = old.is_dir() and old.name.lstrip(".").startswith("v-") and old.stat().st_mtime < cutoff
            except OSError:
                continue
            if stale and old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, path: Path, expected_fingerprint: str) -> Bm25sIndex | None:
        """The saved index, or None when it is missing, unreadable or out of step with the store."""
        import bm25s

        try:
            folder = path / (path / CURRENT).read_text(encoding="utf-8").strip()
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT_VERSION or meta.get("fingerprint") != expected_fingerprint:
                return None
            codes = np.load(folder / CODES, mmap_mode="r")
            bm25 = None if meta["empty"] else bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        return cls(meta["ids"], bm25, meta["regions"], codes[0], meta["docs"], codes[1], expected_fingerprint)
